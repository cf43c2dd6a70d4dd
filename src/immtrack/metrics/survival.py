"""Time-to-event percentiles when some waits have not ended: Kaplan-Meier.

Used for time to an asylum decision (pending applications) and length of detention (people
still held): dropping the unfinished ones would make waits look short.
"""

from __future__ import annotations

PERCENTILES = {"p25_days": 0.25, "median_days": 0.5, "p75_days": 0.75, "p90_days": 0.9}


def kaplan_meier(durations: list[tuple[int, int, int]]) -> dict[str, int | None]:
    """Percentiles of time to event from (days, events, censored) counts, one row per day.

    >>> kaplan_meier([(10, 1, 0), (20, 0, 1), (30, 1, 0), (40, 1, 0)])["median_days"]
    30
    """
    at_risk = sum(events + censored for _, events, censored in durations)
    survival, result = 1.0, dict.fromkeys(PERCENTILES)
    for days, events, censored in sorted(durations):
        if events and at_risk:
            survival *= 1 - events / at_risk
            for name, share in PERCENTILES.items():
                if result[name] is None and survival <= 1 - share + 1e-12:
                    result[name] = days
        at_risk -= events + censored
    return result
