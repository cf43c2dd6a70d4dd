"""The generated EOIR release behaves like the real one, at the size of the demo.

A fresh 200,000-case release (the demo's size, with the published cells planted) is compared
with the real June 2026 release's value shares and structural rates by the realism report
(`immtrack synth eoir-compare`), then ingested: the publishers' methods still give the
published cells back exactly, and counting every decision gives another answer, because
remands and second decisions are real in it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from immtrack.ingest import ingest_eoir
from immtrack.metrics.asylum import AsylumQuestion, asylum
from immtrack.synth.eoir import write_eoir_release
from immtrack.synth.eoir_compare import (
    COMPARED,
    SHARE_TOLERANCE_PP,
    STRUCTURE_TOLERANCE,
    realism_report,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("realism") / "release"
    write_eoir_release(folder, 200_000, seed=2026)
    return folder


def test_every_listed_column_is_within_two_points_of_the_real_shares(release):
    report = realism_report(release)
    gaps = {f"{c['table']}.{c['column']}": c["largest_gap_pp"] for c in report["columns"]}
    assert set(gaps) == {f"{t}.{c}" for t, c in COMPARED}
    assert all(gap < SHARE_TOLERANCE_PP for gap in gaps.values()), gaps
    # The rare decision letters are drawn too, not only the common ones.
    dec_code = next(c for c in report["columns"] if c["column"] == "DEC_CODE")
    drawn = {v["value"] for v in dec_code["values"] if v["generated"] > 0}
    assert {"A", "E", "O", "G", "W", "L", "Z"} <= drawn


def test_structural_rates_are_within_a_fifth_of_the_real_ones(release):
    report = realism_report(release)
    rates = {r["rate"]: r for r in report["structure"]}
    for name in ("proceedings_per_case", "asylum_cases_several_decision_dates",
                 "application_appl_dec_blank_in_completed", "rider_severed",
                 "asylum_cases_several_filing_dates", "proceeding_comp_date_blank"):
        assert abs(rates[name]["relative_gap"]) < STRUCTURE_TOLERANCE, rates[name]
    assert report["passes"]


def test_the_compare_command_reports_in_json(release, cli):
    result = cli("synth", "eoir-compare", str(release), "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["passes"] is True and len(payload["columns"]) == len(COMPARED)


def test_the_publishers_methods_hold_on_it(release, tmp_path_factory):
    home = tmp_path_factory.mktemp("realism-lake") / "home"
    ingest_eoir(home, str(release))

    def rate(definition, fiscal_year, unit=None):
        row = asylum(AsylumQuestion(nationality="RU", fiscal_year=fiscal_year, unit=unit,
                                    definitions=(definition,)), home=home).table.to_pylist()[0]
        return row["numerator"], row["n"]

    assert rate("eoir_completion", 2021) == (155, 278)
    assert rate("eoir_completion", 2019) == (299, 613)
    assert rate("merits", 2024) == (3754, 4406)
    # Per decision, the same year counts the remanded cases' second decisions too.
    assert rate("merits", 2024, unit="decisions")[1] > 4406
    assert rate("eoir_completion", 2021, unit="decisions")[1] > 278
