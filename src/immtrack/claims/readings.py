"""Every way a claim's quantity can be read from the lake: the applicable definitions, and the
known misreadings that would produce a published number.

A reading is a value and what it bounds: `exact`, or `lower` / `upper` when the data can only
bound the claim (Border Patrol counts bound all encounters from below; events bound people
from above). The verdict (claims/verdicts.py) compares the claimed range with these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from immtrack.claims.model import Claim, Period
from immtrack.errors import QueryError
from immtrack.lake.home import default_home
from immtrack.metrics.applications import ApplicationQuestion, cohort, filings
from immtrack.metrics.asylum import AsylumQuestion, asylum
from immtrack.metrics.definitions import DEFINITIONS
from immtrack.metrics.encounters import EncounterQuestion, encounters, summed_over_releases
from immtrack.metrics.provenance import eoir_release

GRANT_DEFINITIONS = ("merits", "eoir_completion", "protection")

# Misreading -> what it is, in the words a verdict uses.
MISREADINGS = {
    "decisions_as_applicants": "a share of decisions reported as a share of the people who "
                               "applied (pending and never-decided applicants left out)",
    "events_as_people": "events reported as people (one person can be counted several times)",
    "fiscal_as_calendar": "a fiscal-year figure (October to September) reported as a calendar "
                          "year",
    "calendar_as_fiscal": "a calendar-year figure reported as a fiscal year",
    "overlap_double_counted": "overlapping releases added together, so revised months are "
                              "counted twice",
    "border_patrol_only": "a Border-Patrol-only count used for all encounters (ports of entry "
                          "left out)",
}


class NotCheckable(Exception):
    """The lake cannot compute the quantity: the reason goes in the verdict."""


@dataclass
class Reading:
    name: str
    description: str
    value: float
    bound: str = "exact"  # exact, lower (the claim's quantity is at least this) or upper
    misreading: str | None = None  # a MISREADINGS key when this is how a claim goes wrong
    n: int | None = None
    ci95: tuple[float, float] | None = None
    provenance: dict = field(default_factory=dict)


def months(period: Period) -> tuple[date, date]:
    """First and last day covered (the last day for months is the first of that month)."""
    if period.fiscal_year:
        return date(period.fiscal_year - 1, 10, 1), date(period.fiscal_year, 9, 30)
    if period.calendar_year:
        return date(period.calendar_year, 1, 1), date(period.calendar_year, 12, 31)
    return period.start or date(1900, 1, 1), period.end or date.today()


def _swapped(period: Period) -> tuple[Period, str] | None:
    """The same year read the other way, and the misreading that would explain a match."""
    if period.calendar_year:
        return Period(fiscal_year=period.calendar_year), "fiscal_as_calendar"
    if period.fiscal_year:
        return Period(calendar_year=period.fiscal_year), "calendar_as_fiscal"
    return None


def readings(claim: Claim, home: Path | None) -> list[Reading]:
    metric = claim.quantity.metric
    try:
        if metric == "encounters":
            return _encounter_readings(claim, home)
        if metric == "asylum_grant_rate":
            return _rate_readings(claim, home)
        return _filing_readings(claim, home)
    except TypeError as error:  # a filter the metric does not know
        raise NotCheckable(f"unknown filter for {metric}: {error}") from None


# Encounters ---------------------------------------------------------------------------------

def _encounter_question(claim: Claim, period: Period, series: str | None = None):
    first, last = months(period)
    return EncounterQuestion(**claim.quantity.filters, start=first.replace(day=1),
                             end=last.replace(day=1), series=series)


def _encounter_readings(claim: Claim, home: Path | None) -> list[Reading]:
    quantity = claim.quantity
    try:
        answer = encounters(_encounter_question(claim, quantity.period), home=home)
    except QueryError as error:
        raise NotCheckable(f"{_label(quantity.period)}: {error}") from None
    if answer.missing_months:
        raise NotCheckable(
            "the period is not covered: no data for "
            + ", ".join(m.isoformat()[:7] for m in answer.missing_months)
            + f" in {answer.series.code}")
    all_components = "component" not in quantity.filters
    people = quantity.counts == "people"

    def bound(series) -> str:
        # Border Patrol counts bound all encounters from below; events bound people above.
        partial = all_components and series.components == ("USBP",)
        return {(False, False): "exact", (True, False): "lower", (False, True): "upper",
                (True, True): "none"}[(partial, people)]

    found = [Reading(answer.series.code,
                     f"encounters (events) from {answer.series.coverage_note}", answer.total,
                     bound(answer.series), provenance=answer.provenance)]
    if people:
        found.append(Reading(answer.series.code, "encounters, which are events",
                             answer.total, misreading="events_as_people",
                             provenance=answer.provenance))
    for code in answer.alternatives:
        other = encounters(_encounter_question(claim, quantity.period, code), home=home)
        if not other.missing_months:
            found.append(Reading(code, f"encounters from {other.series.coverage_note}",
                                 other.total, bound(other.series),
                                 provenance=other.provenance))
    if all_components:
        found += _border_patrol_only(claim, answer, home)
    stacked = summed_over_releases(_encounter_question(claim, quantity.period,
                                                       answer.series.code),
                                   answer.series.code, home=home)
    if stacked != answer.total:
        found.append(Reading(answer.series.code, "every release's rows added together",
                             stacked, misreading="overlap_double_counted",
                             provenance=answer.provenance))
    swapped = _swapped(quantity.period)
    if swapped:
        period, misreading = swapped
        try:
            other = encounters(_encounter_question(claim, period, answer.series.code),
                               home=home)
        except QueryError:
            other = None
        if other and not other.missing_months:
            found.append(Reading(answer.series.code, f"the same count over {_label(period)}",
                                 other.total, misreading=misreading,
                                 provenance=other.provenance))
    return found


def _border_patrol_only(claim: Claim, answer, home: Path | None) -> list[Reading]:
    """The Border Patrol's share alone, for a claim about all encounters: from the answering
    series when it is Border-Patrol-only, else from its Border Patrol rows."""
    if answer.series.components == ("USBP",):
        usbp = answer
    elif "component" in answer.series.dimensions:
        question = _encounter_question(claim, claim.quantity.period, answer.series.code)
        usbp = encounters(replace(question, component="USBP"), home=home)
    else:
        return []
    return [Reading(usbp.series.code, "Border Patrol encounters only", usbp.total,
                    misreading="border_patrol_only", provenance=usbp.provenance)]


# Asylum -------------------------------------------------------------------------------------

def _label(period: Period) -> str:
    if period.fiscal_year:
        return f"fiscal year {period.fiscal_year}"
    if period.calendar_year:
        return f"calendar year {period.calendar_year}"
    first, last = months(period)
    return f"{first} to {last}"


def _decision_rates(claim: Claim, period: Period, home: Path | None,
                    definitions: tuple[str, ...]) -> list[Reading]:
    first, last = months(period)
    window = dict(fiscal_year=period.fiscal_year) if period.fiscal_year else \
        dict(since=first, until=last)
    try:
        answer = asylum(AsylumQuestion(**claim.quantity.filters, **window,
                                       definitions=definitions), home=home)
    except QueryError as error:
        raise NotCheckable(str(error)) from None
    found = []
    for row in answer.table.to_pylist():
        if not row["n"]:
            continue
        definition = DEFINITIONS[row["definition"]]
        found.append(Reading(
            row["definition"], f"{definition.title}: {definition.description}",
            100 * row["rate"], n=row["n"],
            ci95=(100 * row["ci95_low"], 100 * row["ci95_high"]),
            provenance=answer.provenance))
    return found


def _rate_readings(claim: Claim, home: Path | None) -> list[Reading]:
    quantity = claim.quantity
    _within_release(quantity.period, home)
    named = (quantity.definition,) if quantity.definition else GRANT_DEFINITIONS
    if quantity.definition and quantity.definition not in DEFINITIONS:
        raise NotCheckable(f"no definition {quantity.definition!r}; immtrack knows "
                           + ", ".join(DEFINITIONS))
    decision_rates = _decision_rates(claim, quantity.period, home, named)
    if quantity.population == "applicants":
        first, last = months(quantity.period)
        try:
            table, provenance = cohort(ApplicationQuestion(
                **quantity.filters, since=first, until=last), home=home)
        except QueryError as error:
            raise NotCheckable(str(error)) from None
        granted = next((r for r in table.to_pylist() if r["outcome"] == "grant"), None)
        if not granted or not granted["n"]:
            raise NotCheckable("no asylum applications were filed in that slice")
        found = [Reading(
            "cohort_granted", "share of the asylum applications filed in the period granted "
            f"by {provenance['options']['as_of']} (pending ones included)",
            100 * granted["share"], n=granted["n"],
            ci95=(100 * granted["ci95_low"], 100 * granted["ci95_high"]),
            provenance=provenance)]
        for reading in decision_rates:
            reading.misreading = "decisions_as_applicants"
        found += decision_rates
    else:
        found = decision_rates
        if not found:
            raise NotCheckable("no final asylum decisions in that slice")
    swapped = _swapped(quantity.period)
    if swapped and quantity.population != "applicants":
        period, misreading = swapped
        for reading in _decision_rates(claim, period, home, named):
            reading.misreading = misreading
            reading.description += f" (over {_label(period)})"
            found.append(reading)
    return found


def _within_release(period: Period, home: Path | None) -> bool:
    """Whether the EOIR release's data reach the period's end; a period that starts after
    they stop cannot be checked at all."""
    try:
        through = eoir_release(home or default_home())["data_through"]
    except QueryError as error:
        raise NotCheckable(str(error)) from None
    first, last = months(period)
    if through is None:
        return True
    if first > through:
        raise NotCheckable(f"the period is not covered: the EOIR release's data run to "
                           f"{through}")
    return last <= through


def _filing_readings(claim: Claim, home: Path | None) -> list[Reading]:
    quantity = claim.quantity
    # Filings counted to the data's end bound a longer period's filings from below.
    complete = _within_release(quantity.period, home)

    def counts(period: Period) -> tuple[dict, dict]:
        first, last = months(period)
        table, provenance = filings(ApplicationQuestion(**quantity.filters, since=first,
                                                        until=last), home=home)
        return table.to_pylist()[0], provenance

    try:
        row, provenance = counts(quantity.period)
    except QueryError as error:
        raise NotCheckable(str(error)) from None
    people = quantity.counts == "people"
    found = [
        Reading("applications", "asylum applications filed", row["applications"],
                "exact" if complete else "lower",
                misreading="events_as_people" if people else None, provenance=provenance),
        Reading("cases", "distinct cases that filed (a person can have more than one case)",
                row["cases"], {(True, True): "upper", (True, False): "none",
                               (False, True): "exact", (False, False): "lower"}[
                    (people, complete)], provenance=provenance)]
    if not people:
        found.pop()
    swapped = _swapped(quantity.period)
    if swapped:
        period, misreading = swapped
        other, other_provenance = counts(period)
        key = "cases" if people else "applications"
        found.append(Reading(key, f"the same count over {_label(period)}", other[key],
                             misreading=misreading, provenance=other_provenance))
    return found
