"""Asylum outcome metrics as declarative records: which decisions count above and below the line.

Each application decision code is put in an outcome class by the registry
(schema.eoir.APPLICATION_DECISIONS): grant (G, F, C, I, P), deny (D), other (L, A, W, M, O) and
not final (S, T, R). Other counting classes look across the deciding proceeding (COUNTS).
A rate is the decisions of its numerator classes over those of its denominator classes;
publishers differ only in these sets, so EOIR's rate and TRAC's are two records, not two
functions.
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


# Counting classes of asylum decisions (metrics/asylum.py count_outcomes computes each).
COUNTS = {
    "grant": "Asylum granted (G, F, C, I, P).",
    "deny": "Asylum denied (D).",
    "other": "Abandoned (A), withdrawn (W), not adjudicated (M), other (O), CAT withholding "
             "granted (L).",
    "not_final": "Administratively closed (S), change of venue or transfer (T), reserved (R): "
                 "in no definition's denominator.",
    "protected": "Asylum granted, or the same proceeding granted withholding of removal (ASYW "
                 "with a grant code) or CAT protection (WCAT with a grant code, or any L).",
    "denied_unprotected": "Asylum denied and the proceeding granted neither withholding nor CAT.",
    "court_decided": "The proceeding has a court decision that says what happens to the person "
                     "(schema.eoir.COURT_OUTCOMES; removal-type case types RMV, DEP, EXC).",
    "allowed_to_stay": "Court decision: relief granted (R, G, C, Z, Q; E in RMV) or the case "
                       "terminated or dismissed (T, U, I).",
    "removal": "Court decision: removal (X; D in DEP, E in EXC).",
    "voluntary_departure": "Court decision: voluntary departure (V).",
}

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
        "protection", "Protection rate", frozenset({"protected"}),
        frozenset({"grant", "deny", "other"}), ("ASYL", "ASYW", "WCAT"), "",
        "Asylum decisions whose proceeding granted asylum, withholding of removal (ASYW) or "
        "CAT protection (WCAT, or decision L) / all final asylum decisions."),
    RateDefinition(
        "denial_without_other_relief", "Denied and unprotected",
        frozenset({"denied_unprotected"}),
        frozenset({"grant", "deny", "other"}), ("ASYL", "ASYW", "WCAT"), "",
        "Asylum denials whose proceeding granted neither withholding nor CAT protection / all "
        "final asylum decisions; the rest of the denial rate got other protection."),
    RateDefinition(
        "allowed_to_stay", "Relief or allowed to stay", frozenset({"allowed_to_stay"}),
        frozenset({"court_decided"}), ("ASYL",), "court decision",
        "Asylum decisions whose proceeding ended with relief granted (of any kind) or the case "
        "terminated or dismissed / asylum decisions whose proceeding has a classified court "
        "decision."),
    RateDefinition(
        "removal_order", "Removal order", frozenset({"removal"}), frozenset({"court_decided"}),
        ("ASYL",), "court decision",
        "Asylum decisions whose proceeding ended in a removal order / asylum decisions whose "
        "proceeding has a classified court decision."),
    RateDefinition(
        "voluntary_departure", "Voluntary departure", frozenset({"voluntary_departure"}),
        frozenset({"court_decided"}), ("ASYL",), "court decision",
        "Asylum decisions whose proceeding ended in voluntary departure / asylum decisions "
        "whose proceeding has a classified court decision."),
    RateDefinition(
        "other_share", "Other completions", frozenset({"other"}),
        frozenset({"grant", "deny", "other"}), ("ASYL",), "EOIR denominator",
        "Abandoned, withdrawn, not adjudicated, other and CAT withholding / all final "
        "asylum decisions: the part that makes EOIR's and TRAC's rates differ."),
)}

# Rates under this many decisions are flagged (shown, never hidden).
SMALL_N = 30
