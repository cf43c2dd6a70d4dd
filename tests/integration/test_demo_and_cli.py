"""The README's main job and the command line's exit codes."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from immtrack.demo import HEADLINE_QUESTIONS, build_demo
from immtrack.synth.eoir_published import published_cells


@pytest.mark.shared
def test_the_demo_reports_real_figures(cli, home, shared_data):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert f"REAL public files from {shared_data}" in result.stdout
    headlines = result.stdout.split("Headlines")[1].split("Immigration court")[0]
    assert headlines.count(" real ") == len(HEADLINE_QUESTIONS)
    assert "GENERATED" not in headlines
    assert "GENERATED release in EOIR's exact format" in result.stdout
    southwest = Counter()
    with open(shared_data / "cbp/cbp_sw_border_fy22_fy25/sbo-encounters-fy22-fy25-aug.csv",
              newline="") as stream:
        for row in csv.DictReader(stream):
            southwest[row["Fiscal Year"][:4]] += int(row["Encounter Count"])
    for year in ("2022", "2023", "2024"):
        assert f"{southwest[year]:,}" in result.stdout
    again = cli("demo")  # idempotent: the second run publishes nothing new
    assert again.exit_code == 0
    assert "published" not in again.stdout and "unchanged" in again.stdout


def test_without_shared_data_the_demo_is_generated_and_says_so(home, monkeypatch, tmp_path):
    monkeypatch.setenv("IMMTRACK_SHARED_DATA", str(tmp_path / "absent"))
    report = build_demo(home, eoir_cases=2000)
    assert report.shared is None
    assert [o.status for o in report.outcomes] == ["published"] * 3
    # plus the published cells' planted cases
    assert report.court["cases"] == 2000 + sum(c.cases for c in published_cells())
    assert len(report.headlines) == len(HEADLINE_QUESTIONS)
    assert all(h.is_synthetic for h in report.headlines)


def test_a_question_without_a_lake_exits_3(cli):
    result = cli("encounters", "--region", "southwest")
    assert result.exit_code == 3
    assert "no lake at" in result.stderr and "immtrack demo" in result.stderr


def test_bad_questions_exit_2_with_the_valid_values(cli, home, monkeypatch, tmp_path):
    monkeypatch.setenv("IMMTRACK_SHARED_DATA", str(tmp_path / "absent"))
    build_demo(home / "demo", eoir_cases=500)
    cli.home = home / "demo"
    result = cli("encounters", "--region", "gulf")
    assert result.exit_code == 2
    assert "unknown region 'gulf'" in result.stderr and "southwest" in result.stderr
    result = cli("encounters", "--by", "planet")
    assert result.exit_code == 2 and "cannot break down by planet" in result.stderr
    result = cli("encounters", "--from", "2022-13")
    assert result.exit_code == 2
    result = cli("encounters", "--citizenship", "RUSSIA", "--from", "1999-01", "--to",
                 "1999-12")
    assert result.exit_code == 2 and "no data" in result.stderr


def test_sources_lists_every_series_with_its_coverage(cli):
    result = cli("sources", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(result.stdout.splitlines()))
    usbp_only = [r["series"] for r in rows if "ports of entry (OFO) are not included"
                 in r["coverage"]]
    assert usbp_only and all(s.startswith("ohss_usbp_") for s in usbp_only)
