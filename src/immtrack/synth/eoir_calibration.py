"""Volumes and asylum outcomes of generated releases, calibrated on published tables.

- Filings per fiscal year follow EOIR's initial receipts (FY2008-FY2020) and TRAC's new cases
  (FY2024, 1,798,964), from eoir_receipts.csv. Between FY2020 and FY2024 the count is
  interpolated linearly; FY2025 repeats FY2024; before FY2008 each year takes the
  FY2008-FY2012 mean times EARLY_FACTOR (no published figure is staged). These assumptions
  are ours and listed in docs/eoir.md.
- Nationalities of asylum seekers follow EOIR's Asylum Decision Rates by Nationality (the 40
  largest nationalities, FY2018-FY2021, by grants + denials + other); a year outside
  FY2018-FY2021 takes the nearest one. From FY2022 Russians take TRAC's FY2024 share:
  4,406 Russian decisions (3,754 grants at 85.2%) of about 73,700 (12 x TRAC's September 2024
  monthly 6,141): 6.0%. Cases without an asylum application are also drawn from these shares,
  with Mexico weighted up (most removal cases are Mexican; EOIR publishes no staged figure).
- Outcomes: the nationality's grant, denial and other shares in that year (EOIR), the merits
  split replaced by TRAC's quoted rate where TRAC has one for that nationality and year.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import numpy as np

from immtrack.synth.eoir_rates import calibration_rows, receipts_rows

EOIR_YEARS = (2018, 2021)
RUSSIA_SHARE_FROM_2022 = 4406 / (12 * 6141)
# Real codes (tblLookupNationality) outside the published top 40, drawn for the rest of the world.
REST_OF_WORLD = ("AF", "AG", "BL", "BH", "CD", "CI", "GA", "IO", "JO", "KE", "LE", "MO", "MU",
                 "SE", "SU", "TU", "UG", "UZ", "VM", "YE")
REST_SHARE = 0.08
MEXICO_WEIGHT_WITHOUT_ASYLUM = 4.0
# Tuned so that deportation and exclusion cases (all filed before April 1997) keep their real
# share of cases (9.1% and 1.7%).
EARLY_FACTOR = 0.85


@functools.cache
def _receipts() -> dict[int, float]:
    known = {int(r["fiscal_year"]): float(r["cases_received"]) for r in receipts_rows()}
    early = np.mean([known[y] for y in range(2008, 2013)])
    out = dict(known)
    for year in range(2021, 2024):
        out[year] = known[2020] + (known[2024] - known[2020]) * (year - 2020) / 4
    out[2025] = known[2024]
    out[2026] = known[2024]
    for year in range(1985, 2008):
        out[year] = early * EARLY_FACTOR
    return out


def filing_year_weights(first_fy: int, release: date) -> tuple[np.ndarray, np.ndarray]:
    """Fiscal years from `first_fy` to the release's, weighted by cases received; the
    release's own fiscal year only up to the release date."""
    receipts = _receipts()
    last_fy = release.year + (release.month >= 10)
    years = np.arange(first_fy, last_fy + 1)
    weights = np.array([receipts.get(int(y), receipts[2026]) for y in years], dtype=float)
    elapsed = (release - date(last_fy - 1, 10, 1)).days / 365
    weights[-1] *= min(max(elapsed, 0.0), 1.0)
    return years, weights / weights.sum()


@dataclass(frozen=True)
class Outcomes:
    grant: float
    deny: float
    other: float


@functools.cache
def _eoir_table() -> dict[int, dict[str, tuple[int, int, int]]]:
    table: dict[int, dict[str, tuple[int, int, int]]] = {}
    for row in calibration_rows():
        if row["grants"]:
            table.setdefault(int(row["fiscal_year"]), {})[row["nationality"]] = (
                int(row["grants"]), int(row["denials"]), int(row["other"]))
    return table


@functools.cache
def _trac_rates() -> dict[tuple[int, str], float]:
    return {(int(r["fiscal_year"]), r["nationality"]): float(r["merits_rate"])
            for r in calibration_rows() if r["merits_rate"]}


def _nearest(fiscal_year: int) -> dict[str, tuple[int, int, int]]:
    year = min(max(fiscal_year, EOIR_YEARS[0]), EOIR_YEARS[1])
    return _eoir_table()[year]


@functools.cache
def nationality_weights(fiscal_year: int, asylum: bool) -> tuple[np.ndarray, np.ndarray]:
    table = _nearest(fiscal_year)
    codes = list(table) + list(REST_OF_WORLD)
    volume = np.array([sum(table[c]) for c in table], dtype=float)
    volume = volume / volume.sum() * (1 - REST_SHARE)
    weights = np.concatenate([volume, np.full(len(REST_OF_WORLD),
                                              REST_SHARE / len(REST_OF_WORLD))])
    if fiscal_year >= 2022 and "RU" in codes:
        others = np.array([c != "RU" for c in codes])
        weights[~others] = RUSSIA_SHARE_FROM_2022
        weights[others] *= (1 - RUSSIA_SHARE_FROM_2022) / weights[others].sum()
    if not asylum:
        weights = weights * np.where(np.array(codes) == "MX", MEXICO_WEIGHT_WITHOUT_ASYLUM, 1.0)
    return np.array(codes), weights / weights.sum()


@functools.cache
def outcomes(nationality: str, fiscal_year: int) -> Outcomes:
    table = _nearest(fiscal_year)
    grants, denials, other = table.get(nationality) or tuple(
        sum(v[i] for v in table.values()) for i in range(3))
    total = grants + denials + other
    result = Outcomes(grants / total, denials / total, other / total)
    merits = _trac_rates().get((fiscal_year, nationality))
    if merits is not None:
        decided = result.grant + result.deny
        result = Outcomes(decided * merits, decided * (1 - merits), result.other)
    return result
