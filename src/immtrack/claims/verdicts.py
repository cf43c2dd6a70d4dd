"""From a claim and its readings to a verdict: supported, not supported, or cannot be checked.

The claim says where its quantity lies (the claimed range: "about 6,400" is 5,760 to 7,040 by
default; "more than 8,300" is above 8,300). Each applicable reading says where the data put it
(a point, or a bound). A reading inside the claimed range supports the claim; readings that all
fall outside it contradict it; bounds that straddle it cannot decide. Misreadings whose value
falls inside the claimed range explain how the published number was probably made.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from immtrack.claims.model import Claim, Claimed
from immtrack.claims.readings import MISREADINGS, NotCheckable, Reading, readings

DEFAULT_TOLERANCE = {("count", "exact"): 0.005, ("count", "about"): 0.10,
                     ("percent", "exact"): 0.5, ("percent", "about"): 2.5}
VERDICTS = ("supported", "not_supported", "cannot_check")


def claimed_range(claimed: Claimed) -> tuple[float, float]:
    """The values the claim allows, as a closed interval (open ends nudged by a hair)."""
    value, stated = claimed.value, claimed.stated
    if stated in ("exact", "about"):
        tolerance = claimed.tolerance if claimed.tolerance is not None else \
            DEFAULT_TOLERANCE[(claimed.unit, stated)]
        spread = tolerance if claimed.unit == "percent" else abs(value) * tolerance
        return value - spread, value + spread
    nudge = 1e-9 * max(1.0, abs(value))
    return {"more_than": (value + nudge, math.inf), "at_least": (value, math.inf),
            "less_than": (-math.inf, value - nudge), "at_most": (-math.inf, value)}[stated]


def span(reading: Reading) -> tuple[float, float]:
    """Where the data put the claim's quantity, given what the reading bounds."""
    return {"exact": (reading.value, reading.value), "lower": (reading.value, math.inf),
            "upper": (0.0, reading.value), "none": (0.0, math.inf)}[reading.bound]


def relation(reading: Reading, allowed: tuple[float, float]) -> str:
    low, high = span(reading)
    if allowed[0] <= low and high <= allowed[1]:
        return "inside"
    if high < allowed[0] or low > allowed[1]:
        return "outside"
    return "straddles"


def describe_claim(claimed: Claimed) -> str:
    number = f"{claimed.value:,.10g}" + ("%" if claimed.unit == "percent" else "")
    words = {"exact": "", "about": "about ", "more_than": "more than ", "less_than":
             "less than ", "at_least": "at least ", "at_most": "at most "}
    return words[claimed.stated] + number


@dataclass
class Verdict:
    claim: Claim
    verdict: str
    reason: str
    best: dict | None = None
    readings: list[dict] = field(default_factory=list)
    misreadings: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.claim.id, "statement": self.claim.statement,
                "source": self.claim.source.model_dump(mode="json"),
                "quantity": self.claim.quantity.model_dump(mode="json"),
                "claimed": describe_claim(self.claim.claimed), "demo": self.claim.demo,
                "verdict": self.verdict, "reason": self.reason, "best": self.best,
                "misreadings": self.misreadings, "readings": self.readings}


def _show(reading: Reading, where: str) -> dict:
    shown = {k: v for k, v in asdict(reading).items() if k != "provenance"}
    return {**shown, "relation": where, "provenance": reading.provenance}


def _number(value: float, unit: str) -> str:
    return f"{value:,.1f}%" if unit == "percent" else f"{value:,.0f}"


def _figure(reading: Reading, unit: str) -> str:
    text = _number(reading.value, unit)
    if reading.bound == "none":
        return f"{text} ({reading.name}, which bounds it neither way)"
    prefix = {"lower": "at least ", "upper": "at most "}.get(reading.bound, "")
    return f"{prefix}{text} ({reading.name})"


def judge(claim: Claim, home: Path | None = None) -> Verdict:
    """Check one claim against the lake at `home`."""
    try:
        found = readings(claim, home)
    except NotCheckable as reason:
        return Verdict(claim, "cannot_check", str(reason))
    allowed = claimed_range(claim.claimed)
    unit = claim.claimed.unit
    placed = [(r, relation(r, allowed)) for r in found]
    applicable = [(r, where) for r, where in placed if r.misreading is None]
    # A reading that pins the quantity down decides over readings that only bound it.
    applicable = [(r, where) for r, where in applicable if r.bound == "exact"] or applicable
    misreadings = []
    for key in dict.fromkeys(r.misreading for r, where in placed
                             if r.misreading and where == "inside"):
        matching = [r for r, where in placed if r.misreading == key and where == "inside"]
        misreadings.append({"misreading": key, "explanation": MISREADINGS[key],
                            "readings": [{"name": r.name, "description": r.description,
                                          "value": r.value} for r in matching]})
    shown = [_show(r, where) for r, where in placed]

    def closest(candidates):
        return min(candidates, key=lambda pair: abs(pair[0].value - claim.claimed.value))[0]

    claimed_text = describe_claim(claim.claimed)
    inside = [pair for pair in applicable if pair[1] == "inside"]
    if inside:
        best = closest(inside)
        verdict, reason = "supported", (f"the data give {_figure(best, unit)}, within the "
                                        f"claimed {claimed_text}")
    elif applicable and all(where == "outside" for _, where in applicable):
        best = closest(applicable)
        verdict, reason = "not_supported", (
            f"the data give {_figure(best, unit)}, outside the claimed {claimed_text}"
            + "".join(f"; {_figure(r, unit)}" for r, _ in applicable if r is not best))
    else:
        best = closest(applicable) if applicable else None
        verdict = "cannot_check"
        reason = ("the data only bound this quantity: "
                  + "; ".join(_figure(r, unit) for r, _ in applicable)
                  + f", which does not decide {claimed_text}")
    for misreading in misreadings:
        shown_values = ", ".join(
            f"{r['name']} {_number(r['value'], unit)}" for r in misreading["readings"])
        reason += (f". The claimed figure is consistent with {shown_values} "
                   f"({misreading['readings'][0]['description']}): "
                   f"{misreading['explanation']}")
    return Verdict(claim, verdict, reason, _show(best, "best") if best else None, shown,
                   misreadings)


def check(claims: list[Claim], home: Path | None = None) -> list[Verdict]:
    return [judge(claim, home) for claim in claims]
