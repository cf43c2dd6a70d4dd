"""The story of generated cases as arrays: cases, their proceedings, their applications.

Every table of a generated release is derived from these three frames, so keys and dates
agree across tables. Days are counted from 1970-01-01; -1 means no date (a pending
proceeding has no end). Random cases (synth/eoir_model.py) and planted cases
(synth/eoir_published.py) are built as frames and joined with `concat_*`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

# Immigration courts (real base-city codes of tblLookupBaseCity), their share of cases, and a
# court effect on the log-odds of an asylum grant (courts differ widely: TRAC's judge reports).
COURTS = (
    ("NYC", .12, 1.0), ("LOS", .09, .2), ("MIA", .08, -.3), ("HOU", .07, -1.0),
    ("SFR", .06, .9), ("CHI", .05, -.2), ("DAL", .05, -.9), ("ATL", .04, -1.6),
    ("NEW", .04, .3), ("SNA", .04, -.7), ("BOS", .04, .4), ("DEN", .03, -.6),
    ("SEA", .03, .5), ("ORL", .03, -.1), ("PHI", .03, .1), ("BAL", .03, .0),
    ("ELP", .03, -1.4), ("PHO", .02, -.8), ("LVG", .02, -.5), ("SND", .02, .1),
    ("MEM", .02, -.9), ("DET", .02, -.3), ("OMA", .02, -.8), ("NOL", .02, -1.2),
    ("CHL", .02, -1.1), ("CLE", .01, -.5), ("KAN", .01, -.6),
)
COURT_CODES = np.array([c for c, *_ in COURTS])
# Court names: the staged tblLookupBaseCity keeps only its court-type column ("IMMIGRATION
# COURT"), so generated releases name the courts they use by their city (ours).
COURT_NAMES = {"NYC": "NEW YORK CITY", "LOS": "LOS ANGELES", "MIA": "MIAMI", "HOU": "HOUSTON",
               "SFR": "SAN FRANCISCO", "CHI": "CHICAGO", "DAL": "DALLAS", "ATL": "ATLANTA",
               "NEW": "NEWARK", "SNA": "SAN ANTONIO", "BOS": "BOSTON", "DEN": "DENVER",
               "SEA": "SEATTLE", "ORL": "ORLANDO", "PHI": "PHILADELPHIA", "BAL": "BALTIMORE",
               "ELP": "EL PASO", "PHO": "PHOENIX", "LVG": "LAS VEGAS", "SND": "SAN DIEGO",
               "MEM": "MEMPHIS", "DET": "DETROIT", "OMA": "OMAHA", "NOL": "NEW ORLEANS",
               "CHL": "CHARLOTTE", "CLE": "CLEVELAND", "KAN": "KANSAS CITY"}
JUDGES_PER_COURT = 12


@dataclass
class CaseFrame:
    nationality: np.ndarray
    case_type: np.ndarray
    custody: np.ndarray  # A_TblCase CUSTODY: N, D, R
    filed: np.ndarray  # day the charging document was filed (OSC_DATE)
    court: np.ndarray  # index into COURTS of the first proceeding
    sex: np.ndarray
    asylum_type: np.ndarray  # C_ASY_TYPE: I, E, J or ''
    asylum: np.ndarray  # bool: the case files for asylum
    represented: np.ndarray  # bool: counsel for the noncitizen at court level
    counsel_day: np.ndarray  # day counsel filed the E-28 (-1: none, or no date recorded)
    detained_day: np.ndarray  # -1 if never detained
    released_day: np.ndarray  # -1 if not released
    planted: np.ndarray  # bool: a planted case (never given defects, never relabelled)

    @property
    def n(self) -> int:
        return len(self.nationality)


@dataclass
class ProceedingFrame:
    case: np.ndarray  # index into the CaseFrame
    order: np.ndarray  # 0 for the case's first proceeding
    start: np.ndarray
    end: np.ndarray  # COMP_DATE day, -1 while pending
    court: np.ndarray
    judge: np.ndarray
    custody: np.ndarray
    case_type: np.ndarray
    dec_code: np.ndarray  # '' unless decided (DEC_CODE)
    other_comp: np.ndarray  # '' unless an other completion (OTHER_COMP)
    absentia: np.ndarray  # Y, N or ''
    reason: np.ndarray  # why it exists: first, venue, remand, reopen, recalendar

    @property
    def n(self) -> int:
        return len(self.case)


@dataclass
class ApplicationFrame:
    proceeding: np.ndarray  # index into the ProceedingFrame
    code: np.ndarray  # APPL_CODE
    received: np.ndarray  # APPL_RECD_DATE day
    decision: np.ndarray  # APPL_DEC, '' when blank

    @property
    def n(self) -> int:
        return len(self.proceeding)


def _concat(frame_type, left, right, offsets: dict[str, int]):
    def joined(name: str) -> np.ndarray:
        right_values = getattr(right, name)
        if name in offsets:
            right_values = right_values + offsets[name]
        return np.concatenate([getattr(left, name), right_values])
    return frame_type(**{f.name: joined(f.name) for f in fields(frame_type)})


def concat_frames(left: tuple, right: tuple) -> tuple:
    """Join (cases, proceedings, applications) of two sets of cases; indices are shifted."""
    cases = _concat(CaseFrame, left[0], right[0], {})
    proceedings = _concat(ProceedingFrame, left[1], right[1], {"case": left[0].n})
    applications = _concat(ApplicationFrame, left[2], right[2], {"proceeding": left[1].n})
    return cases, proceedings, applications


def case_order(proceedings: ProceedingFrame) -> np.ndarray:
    """Row order that sorts proceedings by case, then by their order within the case."""
    return np.lexsort((proceedings.order, proceedings.case))
