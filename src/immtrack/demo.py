"""The main job: build a demo lake with no network and report a few headline figures.

Real files come from ../shared/data when it is beside the checkout (CI and developers have it);
a user's clone without it gets generated files in CBP's real layout instead. The report says
which figures are real and which are generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from immtrack.errors import QueryError
from immtrack.ingest import IngestOutcome, ingest_cbp
from immtrack.lake.home import find_shared_data
from immtrack.metrics.encounters import EncounterQuestion, encounters

# Real CBP files staged in shared/data, relative to it. The TidyTuesday sample is left out: it
# is a 9-row fragment of a state file and would answer state questions wrongly.
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


def build_demo(home: Path, *, generated_dir: Path | None = None) -> DemoReport:
    """Ingest the demo data into `home` (idempotent) and compute the headline figures."""
    shared = find_shared_data()
    if shared is not None:
        specs = [str(shared / f) for f in REAL_CBP_FILES if (shared / f).exists()]
    else:
        from immtrack.synth.cbp import write_cbp_releases

        specs = [str(p) for p in write_cbp_releases(generated_dir or home / "generated" / "cbp")]
    outcomes = ingest_cbp(home, specs, progress=False)
    headlines = []
    for label, question in HEADLINE_QUESTIONS:
        try:
            answer = encounters(question, home=home)
        except QueryError:
            continue
        synthetic = any(r["is_synthetic"] for r in answer.provenance["releases"])
        headlines.append(Headline(label, answer.total, answer.series.code, synthetic))
    return DemoReport(home, shared, outcomes, headlines)
