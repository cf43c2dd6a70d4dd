"""Asylum outcome metrics as declarative records: which decisions count, in which unit.

Each application decision code is put in an outcome class by the registry
(schema.eoir.APPLICATION_DECISIONS): grant (G, F, C, I, P), deny (D), other (L, A, W, M, O) and
not final (S, T, R). Other counting classes look across the deciding proceeding (COUNTS).
A rate is the decisions of its numerator classes over those of its denominator classes,
counted in a unit (UNITS): publishers differ in these sets and in the unit, so EOIR's rate and
TRAC's are two records, not two functions. docs/metrics.md quotes each publisher's method.
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
    unit: str = "decisions"  # the unit the definition counts by default (UNITS)


# What one counted item is. The publishers' units are fixed by their methods; the others can
# be chosen with `unit=` (`--unit`).
UNITS = {
    "decisions": "every decision record on an asylum application in a completed proceeding "
                 "(a case decided again after a remand counts twice)",
    "applications": "the last decision of each application (one case's filing of one date)",
    "cases": "the last decision of each case",
    "case_fiscal_year": "TRAC: one grant or denial per case per fiscal year of decision (the "
                        "year's last); other outcomes are not decisions",
    "initial_completions": "EOIR: decisions in each case's initial completion (its first "
                           "completed proceeding that is not a change of venue or transfer) in "
                           "removal, deportation, exclusion and asylum-only proceedings",
}
PUBLISHER_UNITS = {"case_fiscal_year": "TRAC", "initial_completions": "EOIR"}


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
    "court_decided": "The proceeding ended in a court decision (DEC_CODE) that EOIR's "
                     "court-decision lookup lists for its case type (schema.eoir."
                     "COURT_DECISIONS); unclassified pairs and other completions are left out.",
    "allowed_to_stay": "Court decision: relief granted or the case terminated or dismissed "
                       "(outcome classes relief and terminated of EOIR's court-decision "
                       "lookup, read by case type).",
    "removal": "Court decision: a removal, deportation or exclusion order, with or without "
               "withholding or CAT protection (classes removal, removal_with_protection).",
    "voluntary_departure": "Court decision: voluntary departure (class voluntary_departure).",
}

DEFINITIONS = {d.name: d for d in (
    RateDefinition(
        "merits", "Merits grant rate (TRAC)", frozenset({"grant"}),
        frozenset({"grant", "deny"}), ("ASYL",), "TRAC",
        "Asylum grants / (grants + denials), TRAC's method: decisions by an immigration judge "
        "that grant or deny asylum, one per case per fiscal year of decision (the year's "
        "last); abandoned, withdrawn and other completions are left out, and a denial stays "
        "a denial when withholding or CAT protection was granted.",
        unit="case_fiscal_year"),
    RateDefinition(
        "eoir_completion", "EOIR grant rate", frozenset({"grant"}),
        frozenset({"grant", "deny", "other"}), ("ASYL",), "EOIR",
        "Asylum grants / (grants + denials + other), EOIR's Asylum Decision Rates: initial "
        "case completions only, in removal, deportation, exclusion and asylum-only "
        "proceedings, by fiscal year of completion; other = abandoned (A), grant WCAT (L), "
        "not adjudicated (M), other (O) and withdrawn (W).",
        unit="initial_completions"),
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
