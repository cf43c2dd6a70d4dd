"""Asylum outcome metrics as declarative records: which decisions count above and below the line.

Each application decision code is put in an outcome class by the registry
(schema.eoir.APPLICATION_DECISIONS): grant (G, F, C, I, P), deny (D), other (L, A, W, M, O) and
not final (S, T, R). A rate is then the decisions of its numerator classes over those of its
denominator classes, for the applications it looks at. Publishers differ only in these sets,
so EOIR's rate and TRAC's are two records, not two functions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RateDefinition:
    name: str
    title: str
    numerator: frozenset[str]
    denominator: frozenset[str]
    applications: tuple[str, ...]
    convention: str
    description: str


DEFINITIONS = {d.name: d for d in (
    RateDefinition(
        "merits", "Merits grant rate", frozenset({"grant"}), frozenset({"grant", "deny"}),
        ("ASYL",), "TRAC",
        "Asylum grants / (grants + denials): decisions on the merits only; abandoned, "
        "withdrawn and other completions are left out."),
    RateDefinition(
        "eoir_completion", "EOIR grant rate", frozenset({"grant"}),
        frozenset({"grant", "deny", "other"}), ("ASYL",), "EOIR",
        "Asylum grants / (grants + denials + other), other = abandoned (A), withdrawn (W), not "
        "adjudicated (M), other (O) and CAT withholding granted (L), as EOIR's Asylum Decision "
        "Rates publish it."),
    RateDefinition(
        "denial", "Denial rate", frozenset({"deny"}), frozenset({"grant", "deny", "other"}),
        ("ASYL",), "EOIR denominator",
        "Asylum denials / (grants + denials + other)."),
    RateDefinition(
        "other_share", "Other completions", frozenset({"other"}),
        frozenset({"grant", "deny", "other"}), ("ASYL",), "EOIR denominator",
        "Abandoned, withdrawn, not adjudicated, other and CAT withholding / all final "
        "asylum decisions: the part that makes EOIR's and TRAC's rates differ."),
)}

# Rates under this many decisions are flagged (shown, never hidden).
SMALL_N = 30
