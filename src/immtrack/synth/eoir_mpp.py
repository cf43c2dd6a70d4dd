"""Migrant Protection Protocols ("Remain in Mexico") in generated releases.

Which random cases are MPP cases, where they are heard, and how their story differs: people
sent back to Mexico to wait were not detained, rarely had counsel and often could not come to
their hearings, so their removal orders are more often in absentia. The real release marks
them with the case identifier MP (A_TblCaseIdentifier) and hears them at the MPP hearing
locations of tblLookupHloc (schema.eoir.MPP_HEARING_LOCATIONS).

No MPP counts are staged, so the volumes here are assumptions: enrolment from the programme's
start (2019-01-29) to the suspension of new enrolments (2021-01-20), and again from the
court-ordered reinstatement (2021-12-06) to its end (2022-08-08), of non-detained removal
cases of the nationalities MPP was applied to, most heavily in 2019.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from immtrack.synth.eoir_frames import COURT_CODES, CaseFrame, ProceedingFrame


def _day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


# Enrolment windows with the chance that an eligible case filed in them is an MPP case.
WINDOWS = ((_day(date(2019, 1, 29)), _day(date(2020, 3, 20)), .45),
           (_day(date(2020, 3, 20)), _day(date(2021, 1, 20)), .15),
           (_day(date(2021, 12, 6)), _day(date(2022, 8, 8)), .05))
NATIONALITIES = ("HO", "GT", "ES", "CU", "EC", "VE", "NU", "CO", "BR")
# MPP hearing locations by the court that heard them (SND San Diego, ELP El Paso, SNA the
# Texas ports), as generated releases assign them.
LOCATIONS = {"SND": ("OPP", "SYP", "CIX"), "ELP": ("ENP",), "SNA": ("MPB", "MPL", "TUM")}
ABSENT_IF_REMOVED = .75  # assumption: most MPP removal orders were in absentia
REPRESENTED = .08  # assumption: few MPP cases had counsel


def mark_mpp(rng: np.random.Generator, cases: CaseFrame, proceedings: ProceedingFrame
             ) -> tuple[np.ndarray, np.ndarray]:
    """Choose the chunk's MPP cases and move them to an MPP court: returns the case mask and,
    per proceeding, the hearing location ('' where it is the court's own). Planted cases are
    never chosen. Call before counsel dates are drawn: MPP cases lose most of their counsel."""
    chance = np.zeros(cases.n)
    for start, end, p in WINDOWS:
        chance = np.where((cases.filed >= start) & (cases.filed < end), p, chance)
    eligible = (cases.case_type == "RMV") & (cases.custody == "N") & ~cases.planted \
        & np.isin(cases.nationality, NATIONALITIES)
    mpp = eligible & (rng.random(cases.n) < chance)
    courts = np.array([np.flatnonzero(COURT_CODES == c)[0] for c in LOCATIONS])
    court_of_case = np.full(cases.n, -1)
    court_of_case[mpp] = rng.choice(courts, size=int(mpp.sum()), p=[.45, .25, .30])
    cases.court[:] = np.where(mpp, court_of_case, cases.court)
    cases.represented[:] = np.where(mpp, rng.random(cases.n) < REPRESENTED, cases.represented)
    first = (proceedings.order == 0) & mpp[proceedings.case]
    proceedings.court[:] = np.where(first, court_of_case[proceedings.case], proceedings.court)
    location = np.full(proceedings.n, "", dtype=object)
    for code, places in LOCATIONS.items():
        here = first & (COURT_CODES[proceedings.court] == code)
        location[here] = rng.choice(np.array(places), size=int(here.sum()))
    removed = first & (proceedings.dec_code == "X")
    absent = removed & (rng.random(proceedings.n) < ABSENT_IF_REMOVED)
    proceedings.absentia[:] = np.where(absent, "Y", proceedings.absentia)
    return mpp, location.astype(str)
