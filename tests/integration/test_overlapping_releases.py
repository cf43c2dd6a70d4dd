"""Overlapping CBP releases: each month from the newest release that has it, never twice.

The expected answers are computed here from the raw CSVs with the csv module: for each month,
take every row of the newest file that covers the month.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from immtrack.ingest import ingest_cbp
from immtrack.metrics.encounters import EncounterQuestion, encounters, revisions
from immtrack.synth.cbp import write_cbp_releases

MONTHS = ("OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP")


def _month(fiscal_year: str, abbreviation: str) -> str:
    year = int(fiscal_year[:4])
    month = (MONTHS.index(abbreviation) + 9) % 12 + 1
    return f"{year - 1 if month >= 10 else year}-{month:02d}"


def _facts(path: Path, key_columns: tuple[str, ...]) -> dict[str, dict[tuple, int]]:
    """month -> {dimensions: count} for one raw file."""
    facts: dict[str, dict[tuple, int]] = defaultdict(dict)
    with open(path, newline="", encoding="utf-8-sig") as stream:
        for row in csv.DictReader(stream):
            month = _month(row["Fiscal Year"], row["Month (abbv)"])
            facts[month][tuple(row[c] for c in key_columns)] = int(row["Encounter Count"])
    return facts


def _newest_per_month(files: list[Path], key_columns) -> dict[str, dict[tuple, int]]:
    """Files are given oldest first; a later file replaces whole months."""
    current: dict[str, dict[tuple, int]] = {}
    for path in files:
        current.update(_facts(path, key_columns))
    return current


AOR_KEY = ("Component", "Land Border Region", "Area of Responsibility", "Demographic",
           "Citizenship", "Title of Authority", "Encounter Type")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    return write_cbp_releases(tmp_path_factory.mktemp("generated"), seed=7)


@pytest.mark.parametrize("order", ["oldest first", "newest first"])
def test_each_month_counts_once_from_the_newest_release(generated, tmp_path, order):
    home = tmp_path / "home"
    files = generated if order == "oldest first" else generated[::-1]
    assert [o.status for o in ingest_cbp(home, [str(p) for p in files], progress=False)] == \
        ["published"] * 2
    current = _newest_per_month(generated, AOR_KEY)
    expected = {month: sum(c for k, c in facts.items() if k[1] == "Southwest Land Border")
                for month, facts in sorted(current.items())}
    answer = encounters(EncounterQuestion(region="southwest", start=date(2020, 10, 1),
                                          end=date(2025, 3, 1), by=("month",)), home=home)
    assert dict(zip(answer.table.column("month").to_pylist(),
                    answer.table.column("encounters").to_pylist(), strict=True)) == expected
    assert answer.series.code == "cbp_nationwide_aor"
    assert answer.notes[0].startswith("GENERATED DATA")

    # Concatenating the releases and dropping exact duplicates counts revised cells twice.
    unique_rows = set()
    for path in generated:
        with open(path, newline="") as stream:
            for row in csv.DictReader(stream):
                if row["Land Border Region"] == "Southwest Land Border":
                    unique_rows.add((_month(row["Fiscal Year"], row["Month (abbv)"]),
                                     *(row[c] for c in AOR_KEY), row["Encounter Count"]))
    naive_total = sum(int(r[-1]) for r in unique_rows)
    assert naive_total != answer.total == sum(expected.values())


def test_revisions_list_every_changed_and_dropped_fact(generated, tmp_path):
    home = tmp_path / "home"
    ingest_cbp(home, [str(p) for p in generated], progress=False)
    older, newer = (_facts(p, AOR_KEY) for p in generated)
    expected = Counter()
    change = 0
    for month in set(older) & set(newer):
        for key, count in older[month].items():
            revised = newer[month].get(key, 0)
            if revised != count:
                expected["dropped" if key not in newer[month] else "changed"] += 1
                change += revised - count
        for key in set(newer[month]) - set(older[month]):
            expected["added"] += 1
            change += newer[month][key]
    table = revisions(home=home)
    assert expected["changed"] > 0 and expected["dropped"] > 0
    assert table.num_rows == sum(expected.values())
    assert sum(table.column("change").to_pylist()) == change
    assert set(table.column("revised_release").to_pylist()) == {generated[1].name}
    dropped = [r for r in table.to_pylist() if r["revised_count"] == 0]
    assert len(dropped) == expected["dropped"]


@pytest.mark.shared
def test_a_revised_real_release_replaces_its_months(shared_data, tmp_path):
    """The real southwest file and a later 'release' made from it: three cells revised, one
    dropped and a new month added."""
    original = shared_data / "cbp/cbp_sw_border_fy22_fy25/sbo-encounters-fy22-fy25-aug.csv"
    revised = tmp_path / "release" / "sbo-encounters-fy22-fy25-sep.csv"
    revised.parent.mkdir()
    with open(original, newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream)
        header, rows = next(reader), list(reader)
    fy2024 = [i for i, r in enumerate(rows) if r[0] == "2024"]
    bumped, dropped = fy2024[:3], fy2024[3]
    for i in bumped:
        rows[i][-1] = str(int(rows[i][-1]) + 10)
    dropped_count = int(rows[dropped][-1])
    new_month = ["2025 (FYTD)", "FYTD", "SEP", "U.S. Border Patrol", "Single Adults", "Mexico",
                 "Title 8", "Apprehensions", "777"]
    kept = [r for i, r in enumerate(rows) if i != dropped] + [new_month]
    with open(revised, "w", newline="") as stream:
        csv.writer(stream, lineterminator="\r\n").writerows([header, *kept])
    home = tmp_path / "home"
    ingest_cbp(home, [str(revised), str(original)], progress=False)  # newest ingested first

    def fy_total(year):
        return encounters(EncounterQuestion(region="southwest", start=date(year - 1, 10, 1),
                                            end=date(year, 9, 1)), home=home).total

    original_2024 = sum(int(r[-1]) for r in rows if r[0] == "2024") - 30
    assert fy_total(2024) == original_2024 + 30 - dropped_count
    original_2025 = sum(int(r[-1]) for r in rows if r[0].startswith("2025"))
    assert fy_total(2025) == original_2025 + 777
    table = revisions(region="southwest", home=home)
    assert table.num_rows == 4
    assert sorted(table.column("change").to_pylist()) == sorted([10, 10, 10, -dropped_count])


def test_an_older_release_ingested_later_does_not_override(generated, tmp_path):
    home = tmp_path / "home"
    newest_only = tmp_path / "newest"
    newest_only.mkdir()
    shutil.copy(generated[1], newest_only)
    ingest_cbp(home, [str(newest_only / generated[1].name)], progress=False)
    before = encounters(EncounterQuestion(start=date(2023, 10, 1), end=date(2024, 9, 1)),
                        home=home).total
    ingest_cbp(home, [str(generated[0])], progress=False)
    after = encounters(EncounterQuestion(start=date(2023, 10, 1), end=date(2024, 9, 1)),
                       home=home).total
    assert before == after
