"""EOIR's and TRAC's methods reproduce their published cells to the unit, and agree with a
plain-Python recount of both methods over the raw files for every nationality and year.

The recount reads the release's files with the csv module and decides every rule from the
release itself, not from immtrack's registry: which other completions are changes of venue or
transfers comes from the descriptions in the release's own court-decision lookup, and which
application decisions are grants, denials or "other" from the descriptions in its
application-decision lookup, worded as EOIR's and TRAC's notes put them (docs/metrics.md).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from immtrack.ingest import ingest_eoir
from immtrack.metrics.asylum import AsylumQuestion, asylum
from immtrack.synth.eoir import write_eoir_release

# EOIR's footnote 3: "Asylum others have a decision of abandonment, grant WCAT, not
# adjudicated, other, or withdrawn."
EOIR_OTHER = {"ABANDONMENT", "GRANT WCAT", "NOT ADJUDICATED", "OTHER", "WITHDRAWN"}
# EOIR's footnote 2: "completed removal, deportation, exclusion, and asylum-only proceedings".
EOIR_CASE_TYPES = {"RMV", "DEP", "EXC", "AOC"}


def _raw(path: Path) -> list[dict]:
    with open(path, encoding="latin-1", newline="") as stream:
        # The same repairs the ingest makes: NUL bytes and stray quotes dropped.
        text = stream.read().replace("\x00", "").replace('"', "")
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    return [row for row in reader if None not in row]  # rows with an extra field are cut


def _fiscal_year(stamp: str) -> int:
    day = date.fromisoformat(stamp[:10])
    return day.year + (day.month >= 10)


class Release:
    """The raw tables of a release, read with the csv module."""

    def __init__(self, folder: Path):
        lookup = folder / "Lookup"
        decisions = _raw(lookup / "tblLookupCourtAppDecisions.csv")
        self.decision_class = {}
        for row in decisions:
            text = row["strDescription"].upper()
            self.decision_class[row["strCode"]] = (
                "other" if text in EOIR_OTHER else "deny" if text == "DENY"
                else "grant" if "GRANT" in text else "not_final")
        self.transfers = {(r["strCaseType"], r["strDecCode"]) for r in
                          _raw(lookup / "tblLookupCourtDecision.csv")
                          if r["strDecType"] == "O" and any(
                              w in r["strDecDescription"].lower()
                              for w in ("venue", "transfer"))}
        case_nat = {r["IDNCASE"]: r["NAT"] for r in _raw(folder / "A_TblCase.csv")}
        self.proceedings = {}
        for row in _raw(folder / "B_TblProceeding.csv"):
            row["nationality"] = row["NAT"].strip() or case_nat.get(row["IDNCASE"], "")
            self.proceedings[row["IDNPROCEEDING"]] = row
        self.asylum = [r for r in _raw(folder / "tbl_Court_Appln.csv")
                       if r["APPL_CODE"] == "ASYL" and r["IDNPROCEEDING"] in self.proceedings]

    def initial_completions(self) -> dict[str, str]:
        """Case -> its first completed proceeding that is not a change of venue/transfer."""
        first: dict[str, tuple] = {}
        for idn, row in self.proceedings.items():
            if not row["COMP_DATE"] or (row["CASE_TYPE"], row["OTHER_COMP"]) in self.transfers \
                    and not row["DEC_CODE"]:
                continue
            key = (row["COMP_DATE"][:10], int(idn))
            if row["IDNCASE"] not in first or key < first[row["IDNCASE"]][0]:
                first[row["IDNCASE"]] = (key, idn)
        return {case: idn for case, (_, idn) in first.items()}

    def eoir_counts(self) -> Counter:
        """(nationality, fiscal year, grant|deny|other) of initial completions."""
        initial = set(self.initial_completions().values())
        counts = Counter()
        for row in self.asylum:
            proceeding = self.proceedings[row["IDNPROCEEDING"]]
            outcome = self.decision_class.get(row["APPL_DEC"])
            if row["IDNPROCEEDING"] in initial and proceeding["CASE_TYPE"] in EOIR_CASE_TYPES \
                    and outcome in ("grant", "deny", "other"):
                counts[(proceeding["nationality"], _fiscal_year(proceeding["COMP_DATE"]),
                        outcome)] += 1
        return counts

    def trac_counts(self) -> Counter:
        """(nationality, fiscal year, grant|deny): each case's last grant or denial of a
        fiscal year."""
        last: dict[tuple, tuple] = {}
        for row in self.asylum:
            proceeding = self.proceedings[row["IDNPROCEEDING"]]
            outcome = self.decision_class.get(row["APPL_DEC"])
            if not proceeding["COMP_DATE"] or outcome not in ("grant", "deny"):
                continue
            key = (row["IDNCASE"], _fiscal_year(proceeding["COMP_DATE"]))
            order = (proceeding["COMP_DATE"][:10], int(row["IDNPROCEEDINGAPPLN"]))
            if key not in last or order > last[key][0]:
                last[key] = (order, proceeding["nationality"], outcome)
        counts = Counter()
        for (_, year), (_, nationality, outcome) in last.items():
            counts[(nationality, year, outcome)] += 1
        return counts

    def decision_records(self, nationality: str, fiscal_year: int) -> int:
        return sum(1 for row in self.asylum
                   if self.proceedings[row["IDNPROCEEDING"]]["nationality"] == nationality
                   and self.proceedings[row["IDNPROCEEDING"]]["COMP_DATE"]
                   and _fiscal_year(self.proceedings[row["IDNPROCEEDING"]]["COMP_DATE"])
                   == fiscal_year
                   and self.decision_class.get(row["APPL_DEC"]) in ("grant", "deny"))


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, Path]:
    """The issue's own release: `immtrack synth eoir --cases 20000 --seed 7` plants the
    published cells by default."""
    root = tmp_path_factory.mktemp("published")
    write_eoir_release(root / "release", 20_000, seed=7)
    ingest_eoir(root / "home", str(root / "release"))
    return root / "release", root / "home"


def _rate(home: Path, definition: str, **slice_options) -> tuple[int, int, str]:
    row = asylum(AsylumQuestion(definitions=(definition,), **slice_options),
                 home=home).table.to_pylist()[0]
    return row["numerator"], row["n"], row["unit"]


def test_the_published_cells_come_back_to_the_unit(published):
    _, home = published
    # EOIR, Asylum Decision Rates by Nationality: Russia FY2021 155 grants, 26 denials,
    # 97 other (155 / 278 = 55.8%); FY2019 299 / 112 / 202 (299 / 613).
    assert _rate(home, "eoir_completion", nationality="RU", fiscal_year=2021) == \
        (155, 278, "initial_completions")
    assert _rate(home, "eoir_completion", nationality="RU", fiscal_year=2019) == \
        (299, 613, "initial_completions")
    # TRAC, FY2024: 3,754 Russian grants of 4,406 decisions (85.2%).
    assert _rate(home, "merits", nationality="RU", fiscal_year=2024) == \
        (3754, 4406, "case_fiscal_year")


def test_counting_every_decision_gives_other_answers(published):
    release, home = published
    raw = Release(release)
    # Remands and second decisions were planted on top: per decision, the same cells differ.
    per_decision = _rate(home, "merits", nationality="RU", fiscal_year=2024, unit="decisions")
    assert per_decision[1] == raw.decision_records("RU", 2024) > 4406
    every = asylum(AsylumQuestion(nationality="RU", fiscal_year=2021,
                                  definitions=("eoir_completion",), unit="decisions"),
                   home=home).table.to_pylist()[0]
    assert every["n"] > 278


def test_a_plain_python_recount_agrees_for_every_nationality_and_year(published):
    release, home = published
    raw = Release(release)
    eoir, trac = raw.eoir_counts(), raw.trac_counts()
    rows = asylum(AsylumQuestion(by=("nationality", "fiscal_year"),
                                 definitions=("merits", "eoir_completion")),
                  home=home).table.to_pylist()
    got_eoir = {(r["nationality"], r["fiscal_year"]): (r["numerator"], r["n"])
                for r in rows if r["definition"] == "eoir_completion" and r["n"]}
    got_trac = {(r["nationality"], r["fiscal_year"]): (r["numerator"], r["n"])
                for r in rows if r["definition"] == "merits" and r["n"]}
    want_eoir, want_trac = {}, {}
    for (nationality, year, outcome), n in eoir.items():
        grants, total = want_eoir.get((nationality, year), (0, 0))
        want_eoir[(nationality, year)] = (grants + n * (outcome == "grant"), total + n)
    for (nationality, year, outcome), n in trac.items():
        grants, total = want_trac.get((nationality, year), (0, 0))
        want_trac[(nationality, year)] = (grants + n * (outcome == "grant"), total + n)
    assert len(want_eoir) > 300 and len(want_trac) > 300
    assert got_eoir == want_eoir
    assert got_trac == want_trac


def test_the_cli_gives_the_published_cells(published, cli):
    _, home = published
    cli.home = home
    result = cli("asylum", "--nationality", "RU", "--fy", "2021", "--definition",
                 "eoir_completion", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [(r["numerator"], r["n"], r["unit"]) for r in payload["rows"]] == \
        [(155, 278, "initial_completions")]
    assert any("Unit initial_completions: EOIR" in n for n in payload["notes"])
    assert set(payload["excluded"]) == {"unknown_application_code", "unknown_decision_code"}
    result = cli("asylum", "--nationality", "RU", "--fy", "2024", "--definition", "merits",
                 "--format", "json")
    payload = json.loads(result.stdout)
    assert [(r["numerator"], r["n"]) for r in payload["rows"]] == [(3754, 4406)]
