"""The main job: build a demo lake with no network and report a few headline figures.

Real CBP files come from ../shared/data when it is beside the checkout (CI and developers have
it); a user's clone without it gets generated files in CBP's real layout instead. No real EOIR
records are available here, so the court data are always a generated release in EOIR's exact
format. The report says which figures are real and which are generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from immtrack.errors import QueryError
from immtrack.ingest import IngestOutcome, ingest_cbp, ingest_eoir, ingest_ice
from immtrack.lake.catalog import connect
from immtrack.lake.home import find_shared_data
from immtrack.metrics.encounters import EncounterQuestion, encounters
from immtrack.sources import SYNTHETIC_MARKER

# Real CBP files staged in shared/data, relative to it. The TidyTuesday sample is left out: it
# is a 9-row fragment of a state file and would answer state questions wrongly.
# Small enough that the whole demo runs in well under a minute on two cores.
DEMO_EOIR_CASES = 200_000
DEMO_EOIR_SEED = 2022
REAL_CBP_FILES = ("cbp/cbp_sw_border_fy22_fy25/sbo-encounters-fy22-fy25-aug.csv",
                  "cbp/ohss_khsm/KHSM Encounters (USBP) fy25m11.xlsx")


@dataclass(frozen=True)
class Headline:
    label: str
    value: int
    series: str
    is_synthetic: bool


@dataclass(frozen=True)
class DemoReport:
    home: Path
    shared: Path | None
    outcomes: list[IngestOutcome]
    headlines: list[Headline]
    court: dict
    detention: dict | None = None


def _fy(year: int) -> dict:
    return {"start": date(year - 1, 10, 1), "end": date(year, 9, 1)}


HEADLINE_QUESTIONS = (
    ("Southwest border encounters, FY2022", EncounterQuestion(region="southwest", **_fy(2022))),
    ("Southwest border encounters, FY2023", EncounterQuestion(region="southwest", **_fy(2023))),
    ("Southwest border encounters, FY2024", EncounterQuestion(region="southwest", **_fy(2024))),
    ("Russians at the southwest border, FY2022",
     EncounterQuestion(citizenship="RUSSIA", region="southwest", **_fy(2022))),
    ("Russians at the southwest border, Oct 2021 - Jan 2022",
     EncounterQuestion(citizenship="RUSSIA", region="southwest", start=date(2021, 10, 1),
                       end=date(2022, 1, 1))),
    ("Ukrainians at the southwest border, FY2022",
     EncounterQuestion(citizenship="UKRAINE", region="southwest", **_fy(2022))),
)


def build_demo(home: Path, *, generated_dir: Path | None = None,
               eoir_cases: int = DEMO_EOIR_CASES) -> DemoReport:
    """Ingest the demo data into `home` (idempotent) and compute the headline figures."""
    shared = find_shared_data()
    if shared is not None:
        specs = [str(shared / f) for f in REAL_CBP_FILES if (shared / f).exists()]
    else:
        from immtrack.synth.cbp import write_cbp_releases

        specs = [str(p) for p in write_cbp_releases(generated_dir or home / "generated" / "cbp")]
    outcomes = ingest_cbp(home, specs, progress=False)
    outcomes.append(ingest_eoir(home, str(_generated_eoir(home / "generated" / "eoir",
                                                          eoir_cases))))
    if shared is not None and (shared / "ice").is_dir():
        outcomes.append(ingest_ice(home, shared / "ice"))
    headlines = []
    for label, question in HEADLINE_QUESTIONS:
        try:
            answer = encounters(question, home=home)
        except QueryError:
            continue
        synthetic = any(r["is_synthetic"] for r in answer.provenance["releases"])
        headlines.append(Headline(label, answer.total, answer.series.code, synthetic))
    return DemoReport(home, shared, outcomes, headlines, court_summary(home),
                      detention_summary(home) if shared is not None else None)


def detention_summary(home: Path) -> dict:
    """ICE's latest national average daily population, from the newest workbook."""
    from immtrack.metrics.detention import national

    table, _ = national("adp", category="Average", home=home)
    latest = [row for row in table.to_pylist() if row["complete"]][-1]
    return {"month": latest["month"], "adp": latest["value"],
            "workbook": latest["ice_file_date"]}


def _generated_eoir(folder: Path, cases: int) -> Path:
    """The demo's EOIR release, generated once (same seed, same bytes, same release id)."""
    if not (folder / SYNTHETIC_MARKER).exists():
        from immtrack.synth.eoir import write_eoir_release

        # The published cells are planted (EOIR's Russian FY2019 and FY2021 rates, TRAC's
        # FY2024 one), so the demo's asylum answers can be checked against the publishers.
        write_eoir_release(folder, cases, DEMO_EOIR_SEED)
    return folder


def court_summary(home: Path) -> dict:
    """Counts from the current EOIR release: cases, proceedings, and asylum applications (one
    case's filing of one date) by status: decided, closed without decision, pending (the
    statuses of metrics/asylum_tables.py; a blank decision in a completed proceeding is not
    pending)."""
    keys = ("cases", "proceedings", "asylum_applications", "decided", "closed", "pending")
    return dict(zip(keys, connect(home).execute("""
        SELECT (SELECT count(*) FROM raw_eoir__a_tblcase),
               (SELECT count(*) FROM raw_eoir__b_tblproceeding),
               count(*) FILTER (WHERE status <> 'unknown_code' AND application_code_known),
               count(*) FILTER (WHERE status = 'decided' AND application_code_known),
               count(*) FILTER (WHERE status = 'closed_without_decision'
                                AND application_code_known),
               count(*) FILTER (WHERE status = 'pending' AND application_code_known)
        FROM core_eoir__asylum_applications""").fetchone(), strict=True))
