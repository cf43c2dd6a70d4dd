"""Parsing CBP and OHSS cells: fiscal years, months, counts, codes, fact keys."""

from datetime import date

import pytest

from immtrack.lake.quarantine import QuarantineLog
from immtrack.schema.codes import (
    BORDER_REGIONS,
    DEMOGRAPHICS,
    citizenship_query_name,
    normalize_citizenship,
)
from immtrack.sources.cbp import header_key
from immtrack.sources.encounter_rows import (
    EncounterRows,
    RowProblem,
    add_row,
    month_start_of,
    parse_count,
    parse_fiscal_year,
    parse_month,
)


@pytest.mark.parametrize("raw, year", [("2022", 2022), ("2025 (FYTD)", 2025),
                                       (" 2025 (fytd) ", 2025), (2024.0, 2024)])
def test_fiscal_years_as_cbp_writes_them(raw, year):
    assert parse_fiscal_year(raw) == year


@pytest.mark.parametrize("raw", ["FY22", "2025 FYTD*", "", "20222"])
def test_fiscal_year_that_is_not_a_year_is_a_row_problem(raw):
    with pytest.raises(RowProblem) as problem:
        parse_fiscal_year(raw)
    assert problem.value.reason == "bad-fiscal-year"


@pytest.mark.parametrize("raw, month", [("JAN", 1), ("sep", 9), ("October", 10),
                                        ("01 October", 10), ("04 January", 1),
                                        ("12 September", 9)])
def test_months_in_cbp_and_ohss_spellings(raw, month):
    assert parse_month(raw) == month


@pytest.mark.parametrize("raw", ["13", "JANU", "04 October", ""])
def test_unknown_or_inconsistent_month_is_a_row_problem(raw):
    with pytest.raises(RowProblem) as problem:
        parse_month(raw)
    assert problem.value.reason == "bad-month"


def test_fiscal_months_fall_in_the_right_calendar_year():
    assert month_start_of(2022, 10) == date(2021, 10, 1)
    assert month_start_of(2022, 12) == date(2021, 12, 1)
    assert month_start_of(2022, 1) == date(2022, 1, 1)
    assert month_start_of(2022, 9) == date(2022, 9, 1)


@pytest.mark.parametrize("raw, count", [("12", 12), ("1,234", 1234), (" 7 ", 7), (30.0, 30)])
def test_counts(raw, count):
    assert parse_count(raw) == count


@pytest.mark.parametrize("raw, reason", [("12.5", "bad-count"), ("n/a", "bad-count"),
                                         ("", "bad-count"), (2.5, "bad-count"),
                                         ("-3", "negative-count")])
def test_bad_counts(raw, reason):
    with pytest.raises(RowProblem) as problem:
        parse_count(raw)
    assert problem.value.reason == reason


def test_header_keys_match_title_case_snake_case_and_line_breaks():
    assert header_key("Month (abbv)") == header_key("month_abbv") == "month_abbv"
    assert header_key("Fiscal\nYear") == header_key("fiscal_year")
    assert header_key("AOR (Abbv)") == "aor_abbv"


def test_codes_decode_every_published_spelling():
    assert DEMOGRAPHICS.decode("FMUA") == "family_unit_individuals"
    assert DEMOGRAPHICS.decode("UAC") == DEMOGRAPHICS.decode("UC / Single Minors") \
        == "unaccompanied_children"
    assert DEMOGRAPHICS.decode("Family Unit Individuals") == "family_unit_individuals"
    assert BORDER_REGIONS.decode("Southwest  Land Border") == "southwest"
    assert BORDER_REGIONS.decode("Gulf Coast") is None


def test_citizenship_spellings_meet():
    assert normalize_citizenship("China, People's Republic") == "CHINA, PEOPLES REPUBLIC OF"
    assert normalize_citizenship("Burma") == "MYANMAR (BURMA)"
    assert normalize_citizenship(" Russia ") == "RUSSIA"
    assert citizenship_query_name("Russian Federation") == "RUSSIA"
    assert citizenship_query_name("ukraine") == "UKRAINE"


def _row(**overrides):
    values = {"fiscal_year": "2022", "month": "OCT", "component": "U.S. Border Patrol",
              "region": "Southwest Land Border", "demographic": "FMUA",
              "citizenship": "RUSSIA", "title": "Title 8", "encounter_type": "Apprehensions",
              "count": "45"}
    return {**values, **overrides}


def test_a_good_row_is_keyed_by_its_dimensions():
    rows = EncounterRows()
    add_row(rows, "cbp_nationwide_aor", _row(), source_file="f.csv", source_sheet=None, line=2)
    assert rows.columns["month_start"] == [date(2021, 10, 1)]
    assert rows.columns["fact_key"] == ["component=USBP|region=southwest|demographic="
                                        "family_unit_individuals|citizenship=RUSSIA|title=8|"
                                        "encounter_type=apprehensions"]
    assert rows.columns["encounter_count"] == [45]


def test_the_same_fact_twice_in_a_file_is_refused_the_second_time():
    rows = EncounterRows()
    add_row(rows, "s", _row(), source_file="f.csv", source_sheet=None, line=2)
    with pytest.raises(RowProblem) as problem:
        add_row(rows, "s", _row(count="3"), source_file="f.csv", source_sheet=None, line=3)
    assert problem.value.reason == "duplicate-fact"
    assert rows.columns["encounter_count"] == [45]


def test_unknown_code_names_the_column_and_the_value():
    with pytest.raises(RowProblem) as problem:
        add_row(EncounterRows(), "s", _row(component="Coast Guard"), source_file="f.csv",
                source_sheet=None, line=2)
    assert (problem.value.reason, problem.value.field_name, problem.value.raw_value) == \
        ("unknown-code", "component", "Coast Guard")


def test_quarantine_reasons_are_a_closed_vocabulary():
    log = QuarantineLog()
    with pytest.raises(ValueError):
        log.keep(source_file="f", line=1, reason="something-new", detail="", raw_row="")
