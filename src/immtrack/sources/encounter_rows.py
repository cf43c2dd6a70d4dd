"""Rows of border encounters, whatever file they come from: parse, check, key, append.

The CSV reader (cbp.py) and the workbook reader (cbp_workbook.py) hand each raw row here as
{field: raw value}. A row that fails a check raises RowProblem, which the reader turns into a
quarantine entry; a row that passes gets its fact key, the identity used to spot duplicates in
a file and revisions between releases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.schema.codes import (
    BORDER_REGIONS,
    COMPONENTS,
    DEMOGRAPHICS,
    ENCOUNTER_TYPES,
    MONTH_ABBREVIATIONS,
    TITLES_OF_AUTHORITY,
    normalize_citizenship,
)

# A file is unusable, not merely dirty, when more than this share of its rows is bad: a
# shifted column or a wrong file fails every row, while CBP's real files have none.
MAX_BAD_ROW_SHARE = 0.5
# CBP's and OHSS's series start in FY2000 at the earliest; a fiscal year before that, or a
# month after the file's publication date (or today), is a typo or a damaged file, and must
# never make a file look like the newest release.
EARLIEST_FISCAL_YEAR = 2000
# The largest monthly cell ever published is in the hundreds of thousands; a count beyond
# this cannot be one month's encounters (and would not fit the lake's 64-bit column).
MAX_COUNT = 100_000_000

_FISCAL_YEAR = re.compile(r"^\s*(\d{4})\s*(\(\s*FYTD\s*\))?\s*$", re.IGNORECASE)
_OHSS_MONTH = re.compile(r"^\s*(\d{1,2})\s+([A-Za-z]+)\s*$")
_MONTH_NAMES = {name.casefold(): number for number, name in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), start=1)}
_CODED = {"component": COMPONENTS, "region": BORDER_REGIONS, "demographic": DEMOGRAPHICS,
          "title": TITLES_OF_AUTHORITY, "encounter_type": ENCOUNTER_TYPES}
# Dimensions in the order they are written into fact_key.
_KEY_DIMENSIONS = ("component", "region", "aor", "aor_code", "state", "demographic",
                   "citizenship", "title", "encounter_type")


@dataclass
class EncounterRows:
    """What a file yielded: loaded rows as columns, per-part counts, and the covered months."""

    columns: dict[str, list] = field(default_factory=lambda: {
        name: [] for name in ("series", "fact_key", "month_start", "fiscal_year",
                              "component_code", "border_region_code", "aor_name", "aor_code",
                              "state_code", "demographic_code", "citizenship_name",
                              "citizenship_raw", "title_of_authority_code",
                              "encounter_type_code", "encounter_count", "source_file",
                              "source_sheet", "source_line")})
    parts: dict[str, list[int]] = field(default_factory=dict)  # part -> [read, loaded]
    _seen: set = field(default_factory=set)

    def months(self) -> list[date]:
        return sorted({m for m in self.columns["month_start"] if m is not None})


class RowProblem(Exception):
    """A row that must be quarantined: reason code, field, raw value, sentence."""

    def __init__(self, reason: str, field_name: str | None, raw_value: str | None, detail: str):
        super().__init__(detail)
        self.reason, self.field_name, self.raw_value, self.detail = (
            reason, field_name, raw_value, detail)


def parse_fiscal_year(raw) -> int:
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    match = _FISCAL_YEAR.match(str(raw))
    if not match:
        raise RowProblem("bad-fiscal-year", "fiscal_year", str(raw),
                         f"fiscal year {raw!r} is not a year such as 2024 or '2025 (FYTD)'")
    return int(match.group(1))


def parse_month(raw) -> int:
    """Calendar month number from 'JAN', 'January' or OHSS's fiscal-ordered '04 January'."""
    text = str(raw).strip()
    ohss = _OHSS_MONTH.match(text)
    name = ohss.group(2) if ohss else text
    number = _MONTH_NAMES.get(name.casefold())
    if number is None and name.upper() in MONTH_ABBREVIATIONS:
        number = MONTH_ABBREVIATIONS.index(name.upper()) + 1
    if number is None:
        raise RowProblem("bad-month", "month", text,
                         f"month {text!r} is not a month name or three-letter abbreviation")
    if ohss and int(ohss.group(1)) != (number + 2) % 12 + 1:
        raise RowProblem("bad-month", "month", text,
                         f"month {text!r}: fiscal month {ohss.group(1)} is not {name}")
    return number


def parse_count(raw) -> int:
    if isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().replace(",", "")
        if not text.isdigit() and not (text.startswith("-") and text[1:].isdigit()):
            raise RowProblem("bad-count", "count", str(raw),
                             f"encounter count {raw!r} is not a whole number")
        if len(text.lstrip("-")) > 18:
            raise RowProblem("bad-count", "count", str(raw)[:100],
                             f"encounter count {str(raw)[:40]!r} has {len(text)} digits")
        value = int(text)
    if value > MAX_COUNT:
        raise RowProblem("implausible-count", "count", str(raw)[:100],
                         f"encounter count {value:,} is beyond any month CBP has published "
                         f"(over {MAX_COUNT:,})")
    if value < 0:
        raise RowProblem("negative-count", "count", str(raw),
                         f"encounter count {raw!r} is below zero")
    return value


def check_period(fiscal_year: int, month_start: date | None, not_after: date | None) -> None:
    """A fiscal year before FY2000, or a period after `not_after`, is impossible."""
    if fiscal_year < EARLIEST_FISCAL_YEAR:
        raise RowProblem("implausible-period", "fiscal_year", str(fiscal_year),
                         f"fiscal year {fiscal_year} is before FY{EARLIEST_FISCAL_YEAR}, "
                         "where CBP's series begin")
    if not_after is None:
        return
    last_fiscal_year = not_after.year + (not_after.month >= 10)
    if month_start is not None and month_start > not_after:
        raise RowProblem("implausible-period", "month", month_start.isoformat()[:7],
                         f"{month_start:%B %Y} is after {not_after.isoformat()}, the date of "
                         "the file: a month cannot be counted before it happens")
    if fiscal_year > last_fiscal_year:
        raise RowProblem("implausible-period", "fiscal_year", str(fiscal_year),
                         f"fiscal year {fiscal_year} starts after {not_after.isoformat()}, "
                         "the date of the file")


def month_start_of(fiscal_year: int, month: int) -> date:
    """FY2022's October is 2021-10: fiscal years start in October of the previous year."""
    return date(fiscal_year - 1 if month >= 10 else fiscal_year, month, 1)


def _decode(dimension: str, raw) -> str | None:
    text = "" if raw is None else str(raw).strip()
    if dimension not in _CODED:
        return text or None
    if not text:
        raise RowProblem("missing-value", dimension, text, f"{dimension} is empty")
    code = _CODED[dimension].decode(text)
    if code is None:
        known = ", ".join(c.label for c in _CODED[dimension].codes)
        raise RowProblem("unknown-code", dimension, text,
                         f"{dimension} {text!r} is not one of: {known}")
    return code


def add_row(rows: EncounterRows, series: str, values: dict, *, source_file: str,
            source_sheet: str | None, line: int, implied: dict | None = None,
            not_after: date | None = None) -> None:
    """Validate one raw row (field -> raw value) and append it; raises RowProblem.

    `implied` holds dimensions the file states once for all rows (a southwest-only file's
    region, a Border Patrol workbook's component); `not_after` is the file's date, after which
    no period can be real.
    """
    fiscal_year = parse_fiscal_year(values["fiscal_year"])
    month_start = (month_start_of(fiscal_year, parse_month(values["month"]))
                   if "month" in values else None)
    check_period(fiscal_year, month_start, not_after)
    count = parse_count(values["count"])
    decoded = {d: _decode(d, values[d]) for d in _KEY_DIMENSIONS if d in values}
    if "citizenship" in values and decoded["citizenship"] is None:
        raise RowProblem("missing-value", "citizenship", "", "citizenship is empty")
    if "citizenship" in decoded:
        decoded["citizenship"] = normalize_citizenship(decoded["citizenship"])
    decoded.update(implied or {})
    fact_key = "|".join(f"{d}={decoded[d]}" for d in _KEY_DIMENSIONS if decoded.get(d))
    identity = (series, month_start, fiscal_year, fact_key)
    if identity in rows._seen:
        raise RowProblem("duplicate-fact", None, None,
                         "the same period and dimensions already appeared earlier in the file")
    rows._seen.add(identity)
    column = rows.columns
    for name, value in (
        ("series", series), ("fact_key", fact_key), ("month_start", month_start),
        ("fiscal_year", fiscal_year), ("component_code", decoded.get("component")),
        ("border_region_code", decoded.get("region")), ("aor_name", decoded.get("aor")),
        ("aor_code", decoded.get("aor_code")),
        ("state_code", decoded["state"].upper() if decoded.get("state") else None),
        ("demographic_code", decoded.get("demographic")),
        ("citizenship_name", decoded.get("citizenship")),
        ("citizenship_raw", str(values["citizenship"]).strip() if "citizenship" in values
         else None),
        ("title_of_authority_code", decoded.get("title")),
        ("encounter_type_code", decoded.get("encounter_type")), ("encounter_count", count),
        ("source_file", source_file), ("source_sheet", source_sheet), ("source_line", line),
    ):
        column[name].append(value)


def refuse_if_mostly_bad(name: str, sheet: str | None, read: int, log: QuarantineLog) -> None:
    bad = log.count_in(name, sheet)
    if read and bad > MAX_BAD_ROW_SHARE * read:
        reason, _ = log.reasons.most_common(1)[0]
        first = log.first(reason)
        raise BadFileError(name, f"{bad} of {read} rows are bad, most for {reason!r}: "
                                 f"{first['detail']}", line=first["source_line"], sheet=sheet,
                           hint="a whole column of bad values usually means a shifted or "
                                "renamed column, or a different file than expected")


