"""Generated EOIR CASE FOIA releases in the exact real format, for the demo, tests and benchmarks.

Format: one tab-delimited, Latin-1 `<table>.csv` per table with EOIR's header spelling, CRLF
line ends (EOIR exports from SQL Server on Windows), no quoting, SQL Server datetimes written as
text ("2019-03-04 00:00:00.000"), blanks for missing values with some single spaces and "N/A",
and a Lookup/ folder. The folder gets an `immtrack-synthetic.json` manifest, which is also how
an ingest knows the files are generated.

Structure: cases are drawn in chunks with numpy (so ten million cases stream in bounded memory)
and every table is derived from the same case arrays, so keys and dates agree: a case's
proceedings, applications, hearings, custody and representation rows share its IDNCASE, and
filing < hearings < completion. Outcomes depend on nationality (merits grant rates calibrated on
EOIR's FY2019 "Asylum Decision Rates by Nationality"), court, custody and representation;
detained dockets move faster; cases not completed by the release date are pending.

Defects: real quirks at realistic rates, or exact counts for tests (`DefectPlan`); every
planted defect is listed with its table, line and kind in the manifest. `PlantedCell` plants an
exact asylum outcome (e.g. RU in FY2023: 85 grants, 15 denials) and keeps random cases out of
that cell, so metric tests can check exact answers. Numbers are invented; only the format and the
code lists are real. Judges get generated names so invented outcomes never sit beside a real
judge's name.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from immtrack.schema.eoir import EOIR_TABLES, LOOKUPS
from immtrack.sources import SYNTHETIC_MARKER

CHUNK_CASES = 50_000
EOL = "\r\n"

# (EOIR nationality code, share of cases, merits grant rate, share of asylum decisions that are
# "other"): FY2019 EOIR Asylum Decision Rates by Nationality (shared/data/eoir/published), the
# rest of the world pooled.
NATIONALITIES = (
    ("ES", .16, .18, .23), ("GT", .14, .14, .29), ("HO", .13, .13, .25),
    ("MX", .13, .11, .46), ("CH", .06, .74, .26), ("IN", .04, .62, .18),
    ("CU", .02, .47, .27), ("EC", .02, .17, .59), ("HA", .02, .06, .28),
    ("VE", .02, .65, .54), ("NU", .013, .34, .22), ("NP", .01, .72, .13),
    ("CM", .009, .81, .06), ("BG", .008, .52, .14), ("BR", .007, .09, .42),
    ("RU", .006, .73, .33), ("NI", .005, .59, .41), ("CO", .005, .21, .58),
    ("ER", .005, .67, .08), ("RO", .005, .21, .63), ("PK", .005, .58, .33),
    ("UE", .004, .65, .39), ("PE", .0035, .24, .46), ("ET", .003, .80, .19),
    ("EG", .003, .81, .36), ("DR", .0025, .05, .55), ("AM", .0025, .74, .37),
    ("SY", .002, .92, .34),
)
# Immigration courts (base cities) with their names, and a share of cases and a court effect on
# the log-odds of a grant (courts differ widely: TRAC's judge reports).
COURTS = (
    ("NYC", "NEW YORK CITY", .12, 1.0), ("LOS", "LOS ANGELES", .09, .2),
    ("MIA", "MIAMI", .08, -.3), ("HOU", "HOUSTON", .07, -1.0),
    ("SFR", "SAN FRANCISCO", .06, .9), ("CHI", "CHICAGO", .05, -.2),
    ("DAL", "DALLAS", .05, -.9), ("ATL", "ATLANTA", .04, -1.6), ("NEW", "NEWARK", .04, .3),
    ("SNA", "SAN ANTONIO", .04, -.7), ("BOS", "BOSTON", .04, .4), ("DEN", "DENVER", .03, -.6),
    ("SEA", "SEATTLE", .03, .5), ("ORL", "ORLANDO", .03, -.1),
    ("PHI", "PHILADELPHIA", .03, .1), ("BAL", "BALTIMORE", .03, .0),
    ("ELP", "EL PASO", .03, -1.4), ("PHO", "PHOENIX", .02, -.8),
    ("LVG", "LAS VEGAS", .02, -.5), ("SND", "SAN DIEGO", .02, .1),
    ("MEM", "MEMPHIS", .02, -.9), ("DET", "DETROIT", .02, -.3), ("OMA", "OMAHA", .02, -.8),
    ("NOL", "NEW ORLEANS", .02, -1.2), ("CHL", "CHARLOTTE", .02, -1.1),
    ("CLE", "CLEVELAND", .01, -.5), ("KAN", "KANSAS CITY", .01, -.6),
)
CITIES = ("HOUSTON", "LOS ANGELES", "NEW YORK", "MIAMI", "SAN JOSÉ", "CHICAGO", "DALLAS",
          "BROOKLYN", "NEWARK", "SAN ANTONIO", "PHOENIX", "DENVER", "ATLANTA", "SEATTLE")
STATES = ("TX", "CA", "NY", "FL", "CA", "IL", "TX", "NY", "NJ", "TX", "AZ", "CO", "GA", "WA")
JUDGES_PER_COURT = 12


@dataclass(frozen=True)
class PlantedCell:
    """An exact asylum outcome: cases of `nationality` whose asylum application was decided in
    `fiscal_year` (court completion date), with exactly these decisions."""

    nationality: str
    fiscal_year: int
    grants: int
    denials: int
    others: int = 0


@dataclass
class DefectPlan:
    """Defects to plant: a rate per row, or an exact count per (table, kind) for tests."""

    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    exact: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def none(cls) -> DefectPlan:
        return cls(rates={})


# Per-row rates of the real quirks, in the tables where they occur (rough orders of magnitude:
# BuzzFeed skipped 6 extra-tab rows of ~8M charges). Short rows are not a known EOIR quirk, so
# they are only planted on purpose (DefectPlan.exact), to test the reader.
DEFAULT_RATES = {"nul": 2e-5, "stray_quote": 5e-5, "extra_tab": 2e-6, "extra_tab_ambiguous":
                 1e-6, "old_date": 1e-4, "junk_code": 1e-4}
# Where each defect goes: table -> kind -> column. An extra tab inside APPL_CODE can be placed
# again from the types (the date after it stops any other merge); one inside ALIEN_CITY cannot
# (strings follow it up to E_28_DATE), so it must be quarantined.
DEFECT_COLUMNS = {
    "A_TblCase": {"nul": "ALIEN_CITY", "stray_quote": "ALIEN_CITY", "old_date": "DATE_OF_ENTRY",
                  "junk_code": "NAT", "extra_tab_ambiguous": "ALIEN_CITY",
                  "short_row": "ALIEN_CITY"},
    "B_TblProceeding": {"nul": "HEARING_LOC_CODE", "stray_quote": "IJ_CODE",
                        "old_date": "INPUT_DATE", "junk_code": "NAT", "short_row": "NAT"},
    "tbl_Court_Appln": {"extra_tab": "APPL_CODE", "stray_quote": "APPL_CODE",
                        "short_row": "APPL_CODE"},
    "tbl_schedule": {"nul": "ADJ_MEDIUM", "stray_quote": "ADJ_MEDIUM", "old_date": "INPUT_DATE"},
    "B_TblProceedCharges": {"stray_quote": "CHARGE", "short_row": "CHARGE"},
}


@dataclass
class SynthManifest:
    generator: str
    seed: int
    cases: int
    release_date: str
    rows: dict[str, int] = field(default_factory=dict)
    defects: list[dict] = field(default_factory=list)
    planted: list[dict] = field(default_factory=list)
    note: str = ("Generated by immtrack in EOIR's real format: invented records, real code "
                 "lists. Not real immigration court data.")


def _reference_rows(name: str) -> list[dict]:
    with files("immtrack.schema").joinpath(f"data/{name}").open(newline="") as stream:
        return list(csv.DictReader(stream))


def _frequencies() -> dict[tuple[str, str], tuple[list[str], np.ndarray]]:
    table: dict[tuple[str, str], tuple[list[str], list[float]]] = {}
    for row in _reference_rows("eoir_frequencies.csv"):
        values, weights = table.setdefault((row["table"], row["column"]), ([], []))
        values.append(row["value"])
        weights.append(float(row["n"]))
    return {k: (v, np.array(w) / sum(w)) for k, (v, w) in table.items()}


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Days since 1970 -> EOIR's text datetimes; masked entries become blanks."""
    stamps = pa.array(days.astype("datetime64[D]").astype("datetime64[s]"), mask=missing)
    return pc.strftime(stamps, format="%Y-%m-%d %H:%M:%S.000")


def _text(values, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values).astype(str), type=pa.string(), mask=missing)


def _ids(start: int, count: int) -> pa.Array:
    return pa.array(np.arange(start, start + count, dtype=np.int64)).cast(pa.string())


class _Ids:
    """Running primary keys per table, so ids stay unique across chunks."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str, count: int) -> pa.Array:
        start = self.next.get(table, 1)
        self.next[table] = start + count
        return _ids(start, count)


class _TableWriter:
    """Appends chunks of one table to its file and plants the defects asked for."""

    def __init__(self, folder: Path, name: str):
        self.table = EOIR_TABLES[name]
        self.path = folder / self.table.file_name
        self.stream = open(self.path, "wb")  # noqa: SIM115 (closed by close(), chunk by chunk)
        self.stream.write(("\t".join(c.name for c in self.table.columns) + EOL).encode("latin-1"))
        self.lines_written = 1

    def write(self, columns: dict[str, pa.Array], rng: np.random.Generator,
              defects: dict[str, int], log: list[dict], protected: int = 0) -> None:
        rows = len(next(iter(columns.values())))
        if rows == 0:
            return
        null = pa.nulls(rows, pa.string())
        table = pa.table({c.name: columns.get(c.name, null) for c in self.table.columns})
        buffer = io.BytesIO()
        pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(
            include_header=False, delimiter="\t", quoting_style="none", eol=EOL))
        text = buffer.getvalue().decode("utf-8")
        wanted = {kind: n for kind, n in defects.items() if n}
        if wanted:
            text = self._plant(text, rows - protected, rng, wanted, log)
        self.stream.write(text.encode("latin-1"))
        self.lines_written += rows

    def _plant(self, text: str, eligible: int, rng, wanted: dict[str, int], log) -> str:
        lines = text.split(EOL)
        names = [c.name for c in self.table.columns]
        total = sum(wanted.values())
        chosen = rng.choice(eligible, size=min(total, eligible), replace=False) if eligible else []
        kinds = [kind for kind, n in wanted.items() for _ in range(n)]
        for index, kind in zip(chosen, kinds, strict=False):
            fields = lines[index].split("\t")
            column = names.index(DEFECT_COLUMNS[self.table.name][kind])
            value = fields[column]
            if kind == "nul":
                fields[column] = value[:1] + "\x00" + value[1:]
            elif kind == "stray_quote":
                fields[column] = '"' + value
            elif kind in ("extra_tab", "extra_tab_ambiguous"):
                middle = max(1, len(value) // 2)
                fields[column] = (value or "XX")[:middle] + "\t" + (value or "XX")[middle:]
            elif kind == "short_row":
                fields = fields[:column]
            elif kind == "old_date":
                fields[column] = "1900-01-01 00:00:00.000"
            elif kind == "junk_code":
                fields[column] = "ZZ"
            lines[index] = "\t".join(fields)
            log.append({"table": self.table.name, "line": self.lines_written + 1 + int(index),
                        "kind": kind, "column": names[column]})
        return EOL.join(lines)

    def close(self) -> None:
        self.stream.close()


@dataclass
class _Cases:
    """Case-level arrays for one chunk; days are counted from 1970-01-01."""

    n: int
    nationality: np.ndarray
    court: np.ndarray
    judge: np.ndarray
    custody: np.ndarray
    represented: np.ndarray
    rep_at_first_hearing: np.ndarray
    asylum: np.ndarray
    affirmative: np.ndarray
    filed: np.ndarray
    completed: np.ndarray
    pending: np.ndarray
    outcome: np.ndarray  # grant, deny, other ('' for no asylum decision)
    proceedings: np.ndarray
    case_type: np.ndarray
    planted: np.ndarray


def _draw_cases(rng: np.random.Generator, n: int, release_day: int,
                freq: dict) -> _Cases:
    nat_codes = np.array([c for c, *_ in NATIONALITIES])
    nat_share = np.array([s for _, s, *_ in NATIONALITIES])
    nat = rng.choice(nat_codes, size=n, p=nat_share / nat_share.sum())
    court_share = np.array([s for _, _, s, _ in COURTS])
    court = rng.choice(len(COURTS), size=n, p=court_share / court_share.sum())
    judge = rng.integers(0, JUDGES_PER_COURT, size=n)
    custody = rng.choice(np.array(["N", "D", "R"]), size=n, p=[.66, .23, .11])
    detained = custody == "D"
    represented = rng.random(n) < np.where(detained, .3, .65)
    case_types, weights = freq[("A_TblCase", "CASE_TYPE")]
    case_type = rng.choice(np.array(case_types)[:6], size=n,
                           p=weights[:6] / weights[:6].sum())
    asylum = (rng.random(n) < np.where(case_type == "RMV", .45, .15)) & np.isin(
        case_type, ["RMV", "AOC", "WHO", "DEP", "EXC"])
    # Filing dates lean recent, as EOIR's docket grew: twelve years back at most.
    filed = release_day - (rng.random(n) ** 1.7 * 365 * 12).astype(np.int64) - 1
    scale = np.select([detained, custody == "R"], [45.0, 320.0], 520.0) * np.where(
        represented, 1.25, 1.0)
    completed = filed + 7 + rng.gamma(2.0, scale).astype(np.int64)
    pending = completed > release_day
    index = {c: i for i, (c, *_) in enumerate(NATIONALITIES)}
    nat_rows = np.array([index[c] for c in nat])
    grant_rate = np.array([g for *_, g, _ in NATIONALITIES])[nat_rows]
    other_share = np.array([o for *_, o in NATIONALITIES])[nat_rows]
    logit = np.log(grant_rate / (1 - grant_rate)) + np.array([e for *_, e in COURTS])[court] \
        * .6 + np.where(represented, .7, -.7) + np.where(detained, -.9, 0.0)
    p_grant = 1 / (1 + np.exp(-logit))
    draw = rng.random(n)
    other = draw < other_share * np.where(represented, .7, 1.3)
    granted = ~other & (rng.random(n) < p_grant)
    outcome = np.where(other, "other", np.where(granted, "grant", "deny"))
    outcome = np.where(asylum & ~pending, outcome, "")
    proceedings = rng.choice([1, 2, 3], size=n, p=[.85, .12, .03])
    return _Cases(n, nat, court, judge, custody, represented, rng.random(n) < .7, asylum,
                  rng.random(n) < .25, filed, completed, pending, outcome, proceedings,
                  case_type, np.zeros(n, bool))


def _schedule_types(position, hearings, asylum, detained) -> np.ndarray:
    """EOIR's hearing types (tbllookupSchedule_Type): an initial master, master resets, and an
    individual (merits) hearing last; detained dockets have their own codes."""
    last, first = position == hearings - 1, position == 0
    free = np.select([last & asylum, last, first], ["IA", "II", "MM"], "MR")
    held = np.select([last, first], ["ID", "MD"], "RD")
    return np.where(detained, held, free)


def _fiscal_year(days: np.ndarray) -> np.ndarray:
    dates = days.astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    months = dates.astype("datetime64[M]").astype(int) % 12 + 1
    return years + (months >= 10)


def _planted_cases(cells: list[PlantedCell], rng: np.random.Generator) -> _Cases:
    outcomes, nats, completed = [], [], []
    for cell in cells:
        for outcome, count in (("grant", cell.grants), ("deny", cell.denials),
                               ("other", cell.others)):
            outcomes += [outcome] * count
            nats += [cell.nationality] * count
            start = (date(cell.fiscal_year - 1, 10, 1) - date(1970, 1, 1)).days
            completed += list(start + rng.integers(0, 365, size=count))
    n = len(outcomes)
    completed_days = np.array(completed, dtype=np.int64)
    return _Cases(n, np.array(nats), rng.integers(0, len(COURTS), size=n),
                  rng.integers(0, JUDGES_PER_COURT, size=n), np.full(n, "N"), np.ones(n, bool),
                  np.ones(n, bool), np.ones(n, bool), np.zeros(n, bool),
                  completed_days - 400, completed_days, np.zeros(n, bool), np.array(outcomes),
                  np.ones(n, dtype=np.int64), np.full(n, "RMV"), np.ones(n, bool))


def _keep_out_of_planted(cases: _Cases, cells: list[PlantedCell]) -> None:
    """Random cases decided in a planted cell move to Mexico, so the cell holds exactly the
    planted decisions."""
    if not cells:
        return
    decided_fy = _fiscal_year(cases.completed)
    for cell in cells:
        clash = (cases.nationality == cell.nationality) & (cases.outcome != "") & \
            (decided_fy == cell.fiscal_year)
        cases.nationality[clash] = "MX"


def _pick(rng, options: tuple[list[str], np.ndarray], size: int) -> np.ndarray:
    values, weights = options
    return rng.choice(np.array(values), size=size, p=weights)


def _chunk_tables(cases: _Cases, rng: np.random.Generator, ids: _Ids, freq: dict,
                  release_day: int) -> dict[str, dict[str, pa.Array]]:
    """Every table's rows for one chunk of cases, derived from the same arrays."""
    n = cases.n
    case_ids = ids.take("A_TblCase", n)
    court_codes = np.array([c for c, *_ in COURTS])[cases.court]
    judges = np.char.add(np.char.add(court_codes, "J"), cases.judge.astype(str))
    languages = np.where(np.isin(cases.nationality, ["MX", "GT", "HO", "ES", "CU", "EC", "VE",
                                                     "NU", "CO", "PE", "DR"]), "SP", "ENG")
    languages = np.where(cases.nationality == "RU", "RUS", languages)
    languages = np.where(cases.nationality == "CH", "MAN", languages)
    city = rng.integers(0, len(CITIES), size=n)
    detained_at = cases.filed - rng.integers(1, 20, size=n)
    released_at = cases.filed + rng.integers(10, 120, size=n)
    not_detained = cases.custody == "N"
    tables: dict[str, dict[str, pa.Array]] = {}

    # Proceedings: earlier ones end in a change of venue; the last carries the decision.
    per_case = np.repeat(np.arange(n), cases.proceedings)
    order = np.concatenate([np.arange(k) for k in cases.proceedings]) if n else np.array([], int)
    last = order == cases.proceedings[per_case] - 1
    # Earlier proceedings split the time up to completion, or up to the release for pending
    # cases, so no record is created after the release date.
    span = np.maximum(np.minimum(cases.completed, release_day) - cases.filed, 2)
    start = cases.filed[per_case] + (span[per_case] * order // cases.proceedings[per_case])
    end = np.where(last, cases.completed[per_case],
                   cases.filed[per_case] + span[per_case] * (order + 1)
                   // cases.proceedings[per_case])
    open_ = last & cases.pending[per_case]
    proceeding_ids = ids.take("B_TblProceeding", len(per_case))
    outcome = cases.outcome[per_case]
    decision = np.select(
        [outcome == "grant", outcome == "deny", outcome == "other"],
        ["R", "X", "X"], default="")
    other_types = ~cases.asylum[per_case] & last & ~open_
    dec_codes, dec_weights = freq[("B_TblProceeding", "DEC_CODE")]
    decision = np.where(other_types, rng.choice(np.array(dec_codes)[:6], size=len(per_case),
                                                p=dec_weights[:6] / dec_weights[:6].sum()),
                        decision)
    decision = np.where((outcome == "deny") & (rng.random(len(per_case)) < .15), "V", decision)
    decision = np.where(last & ~open_, decision, "")
    other_comp = np.where(~last, "C", "")
    case_of = case_ids.take(pa.array(per_case))
    tables["B_TblProceeding"] = {
        "IDNPROCEEDING": proceeding_ids, "IDNCASE": case_of,
        "OSC_DATE": _dates(cases.filed[per_case]),
        "INPUT_DATE": _dates(np.minimum(start + 3, release_day)),
        "BASE_CITY_CODE": _text(court_codes[per_case]),
        "HEARING_LOC_CODE": _text(court_codes[per_case]),
        "IJ_CODE": _text(judges[per_case]),
        "HEARING_DATE": _dates(np.minimum(end, release_day + 90)),
        "DEC_TYPE": _text(np.where(decision != "", "O", ""), decision == ""),
        "DEC_CODE": _text(decision, decision == ""),
        "OTHER_COMP": _text(other_comp, other_comp == ""),
        "COMP_DATE": _dates(end, open_),
        "ABSENTIA": _text(np.where((decision == "X") & (rng.random(len(per_case)) < .4), "Y",
                                   "N"), decision == ""),
        "CUSTODY": _text(cases.custody[per_case]),
        "CASE_TYPE": _text(cases.case_type[per_case]),
        "NAT": _text(cases.nationality[per_case]), "LANG": _text(languages[per_case]),
        "CRIM_IND": _text(np.where(rng.random(len(per_case)) < .05, "Y", "N")),
        "DATE_DETAINED": _dates(detained_at[per_case], not_detained[per_case]),
        "DATE_RELEASED": _dates(released_at[per_case], (cases.custody != "R")[per_case]),
    }

    # Applications on the deciding proceeding: ASYL, usually with ASYW and WCAT.
    deciding = np.flatnonzero(last & cases.asylum[per_case])
    codes_per = np.where(rng.random(len(deciding)) < .9, 3, 1)
    app_rows = np.repeat(deciding, codes_per)
    app_kind = np.concatenate([np.arange(k) for k in codes_per]) if len(deciding) else \
        np.array([], int)
    app_outcome = outcome[app_rows]
    first_app = app_kind == 0
    grant_code = rng.choice(["G", "G", "G", "G", "C", "F", "I", "P"], size=len(app_rows))
    other_code = rng.choice(["A", "W", "W", "M", "O"], size=len(app_rows))
    asylum_decision = np.select([app_outcome == "grant", app_outcome == "deny",
                                 app_outcome == "other"], [grant_code, "D", other_code], "")
    withholding = np.select([app_outcome == "grant", app_outcome == "deny"],
                            ["M", np.where(rng.random(len(app_rows)) < .08, "G", "D")],
                            asylum_decision)
    cat = np.select([app_outcome == "grant", app_outcome == "deny"],
                    ["M", np.where(rng.random(len(app_rows)) < .03, "L", "D")], asylum_decision)
    app_decision = np.select([first_app, app_kind == 1], [asylum_decision, withholding], cat)
    app_case = per_case[app_rows]
    tables["tbl_Court_Appln"] = {
        "IDNPROCEEDINGAPPLN": ids.take("tbl_Court_Appln", len(app_rows)),
        "IDNPROCEEDING": proceeding_ids.take(pa.array(app_rows)),
        "IDNCASE": case_ids.take(pa.array(app_case)),
        "APPL_CODE": _text(np.array(["ASYL", "ASYW", "WCAT"])[app_kind]),
        "APPL_RECD_DATE": _dates(np.minimum(start[app_rows] + 60, end[app_rows] - 1)),
        "APPL_DEC": _text(app_decision, app_decision == ""),
    }

    # Hearings: one to six per proceeding, between its start and its end (or after the release
    # date for pending cases); the last one of a decided case is the individual (merits) one.
    hearings = np.minimum(rng.poisson(1.5, size=len(per_case)) + 1, 6)
    rows = np.repeat(np.arange(len(per_case)), hearings)
    position = np.concatenate([np.arange(k) for k in hearings]) if len(per_case) else \
        np.array([], int)
    stop = np.where(open_, release_day + 120, end)
    when = start[rows] + (np.maximum(stop - start, 1)[rows] * (position + 1) // (hearings[rows]
                                                                                  + 1))
    first_hearing = start + np.maximum(stop - start, 1) // (hearings + 1)
    tables["tbl_schedule"] = {
        "IDNSCHEDULE": ids.take("tbl_schedule", len(rows)),
        "IDNPROCEEDING": proceeding_ids.take(pa.array(rows)),
        "IDNCASE": case_of.take(pa.array(rows)),
        "OSC_DATE": _dates(cases.filed[per_case][rows]),
        "LANG": _text(languages[per_case][rows]),
        "HEARING_LOC_CODE": _text(court_codes[per_case][rows]),
        "BASE_CITY_CODE": _text(court_codes[per_case][rows]),
        "IJ_CODE": _text(judges[per_case][rows]), "INPUT_DATE": _dates(start[rows] + 3),
        "CAL_TYPE": _text(np.where(position == hearings[rows] - 1, "I", "M")),
        "ADJ_DATE": _dates(when), "ADJ_TIME_START": _text(np.full(len(rows), "0900")),
        "ADJ_MEDIUM": _text(_pick(rng, freq[("tbl_schedule", "ADJ_MEDIUM")], len(rows))),
        "SCHEDULE_TYPE": _text(_schedule_types(position, hearings[rows],
                                               cases.asylum[per_case][rows],
                                               (cases.custody == "D")[per_case][rows])),
    }

    # Custody history for detained and released people.
    held = np.flatnonzero(~not_detained)
    tables["tbl_CustodyHistory"] = {
        "IDNCUSTODY": ids.take("tbl_CustodyHistory", len(held)),
        "IDNCASE": case_ids.take(pa.array(held)), "CUSTODY": _text(np.full(len(held), "D")),
        "DATDETAINED": _dates(detained_at[held]),
        "DATRELEASED": _dates(released_at[held], cases.custody[held] != "R"),
    }

    # Representation: a notice of appearance (E-28) before the first hearing, or later.
    first_of_case = first_hearing[np.searchsorted(per_case, np.arange(n))] if n else first_hearing
    appearance = np.where(cases.rep_at_first_hearing, cases.filed + (first_of_case - cases.filed)
                          // 2, first_of_case + 30)
    reps = np.flatnonzero(cases.represented)
    tables["tbl_RepsAssigned"] = {
        "IDNREPSASSIGNED": ids.take("tbl_RepsAssigned", len(reps)),
        "IDNCASE": case_ids.take(pa.array(reps)), "STRATTYLEVEL": _text(np.full(len(reps),
                                                                                "COURT")),
        "STRATTYTYPE": _text(_pick(rng, freq[("tbl_RepsAssigned", "STRATTYTYPE")], len(reps))),
        "PARENT_TABLE": _text(np.full(len(reps), "CASE")),
        "PARENT_IDN": case_ids.take(pa.array(reps)),
        "BASE_CITY_CODE": _text(court_codes[reps]), "E_28_DATE": _dates(appearance[reps]),
        "BLNPRIMEATTY": _text(np.full(len(reps), "1")),
    }

    # The case row.
    entry = cases.filed - rng.integers(1, 400, size=n)
    null_zip = rng.random(n) < .02
    tables["A_TblCase"] = {
        "IDNCASE": case_ids, "ALIEN_CITY": _text(np.array(CITIES)[city]),
        "ALIEN_STATE": _text(np.array(STATES)[city]),
        "ALIEN_ZIPCODE": _text(np.where(null_zip, "N/A", rng.integers(10000, 99999, size=n))),
        "NAT": _text(cases.nationality), "LANG": _text(languages),
        "CUSTODY": _text(cases.custody), "CASE_TYPE": _text(cases.case_type),
        "E_28_DATE": _dates(appearance, ~cases.represented),
        "C_ASY_TYPE": _text(np.where(cases.affirmative, "E", "I"), ~cases.asylum),
        "DATE_OF_ENTRY": _dates(entry),
        "Sex": _text(_pick(rng, freq[("A_TblCase", "Sex")], n)),
        "DATE_DETAINED": _dates(detained_at, not_detained),
        "DATE_RELEASED": _dates(released_at, cases.custody != "R"),
        # EOIR writes a single space in unused code fields now and then.
        "LPR": _text(np.where(rng.random(n) < .01, " ", "0")),
    }

    # Charges (one or two per proceeding) and bonds (a quarter of detained people).
    charges = _lookup_codes("tbllookupCharges")
    per_proc = rng.choice([1, 2], size=len(per_case), p=[.7, .3])
    charge_rows = np.repeat(np.arange(len(per_case)), per_proc)
    tables["B_TblProceedCharges"] = {
        "IDNPRCDCHG": ids.take("B_TblProceedCharges", len(charge_rows)),
        "IDNCASE": case_of.take(pa.array(charge_rows)),
        "IDNPROCEEDING": proceeding_ids.take(pa.array(charge_rows)),
        "CHARGE": _text(rng.choice(np.array(charges[:12]), size=len(charge_rows))),
        "CHG_STATUS": _text(_pick(rng, freq[("B_TblProceedCharges", "CHG_STATUS")],
                                  len(charge_rows))),
    }
    bonded = np.flatnonzero((cases.custody != "N")[per_case] & (order == 0)
                            & (rng.random(len(per_case)) < .25))
    tables["D_TblAssociatedBond"] = {
        "IDNASSOCBOND": ids.take("D_TblAssociatedBond", len(bonded)),
        "IDNPROCEEDING": proceeding_ids.take(pa.array(bonded)),
        "IDNCASE": case_of.take(pa.array(bonded)),
        "OSC_DATE": _dates(cases.filed[per_case][bonded]),
        "BASE_CITY_CODE": _text(court_codes[per_case][bonded]),
        "IJ_CODE": _text(judges[per_case][bonded]),
        "COMP_DATE": _dates(start[bonded] + 20),
        "INITIAL_BOND": _text(rng.integers(15, 200, size=len(bonded)) * 100),
        "BOND_TYPE": _text(_pick(rng, freq[("D_TblAssociatedBond", "BOND_TYPE")],
                                 len(bonded))),
    }

    # Family riders: a case that rides on the case before it.
    riders = np.flatnonzero((rng.random(n) < .08) & ~cases.planted)
    riders = riders[riders > 0]
    tables["tbl_Lead_Rider"] = {
        "idnLeadRider": ids.take("tbl_Lead_Rider", len(riders)),
        "idnLeadCase": case_ids.take(pa.array(riders - 1)),
        "idnRiderCase": case_ids.take(pa.array(riders)),
        "datCreatedOn": _dates(cases.filed[riders]),
        "blnActive": _text(np.full(len(riders), "1")),
    }
    return tables


@functools.cache
def _lookup_codes(lookup: str) -> tuple[str, ...]:
    return tuple(r["code"] for r in _reference_rows("eoir_lookups.csv") if r["lookup"] == lookup)


def _defect_counts(table: str, rows: int, plan: DefectPlan, rng, first_chunk: bool
                   ) -> dict[str, int]:
    kinds = DEFECT_COLUMNS.get(table, {})
    counts = {kind: int(rng.binomial(rows, plan.rates[kind])) for kind in kinds
              if plan.rates.get(kind)}
    if first_chunk:
        for (name, kind), count in plan.exact.items():
            if name == table:
                counts[kind] = counts.get(kind, 0) + count
    return counts


def _write_lookups(folder: Path) -> dict[str, int]:
    """The Lookup/ folder: real code lists, generated judge names, and the court-decision table
    keyed by case type (our reading of EOIR's codes for the case types we generate)."""
    lookup_dir = folder / "Lookup"
    lookup_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[list[str]]] = {}
    for row in _reference_rows("eoir_lookups.csv"):
        rows.setdefault(row["lookup"], []).append([row["code"], row["description"]])
    rows["tblLookupBaseCity"] = [[code, name] for code, name, *_ in COURTS]
    rows["tblLookupHloc"] = [[code, f"{name} IMMIGRATION COURT"] for code, name, *_ in COURTS]
    rows["tblLookupJudge"] = [[f"{code}J{i}", f"JUDGE {code}-{i} (GENERATED)"]
                              for code, *_ in COURTS for i in range(JUDGES_PER_COURT)]
    written = {}
    for name, lookup in LOOKUPS.items():
        if name == "tblLookupCourtDecision":
            header = ["strCaseType", "strDecCode", "strDecDescription"]
            body = [[case_type, code, text] for case_type in _lookup_codes("tblLookupCaseType")
                    for code, text in COURT_DECISIONS]
        else:
            header = [*lookup.code_columns, lookup.description_column]
            body = rows.get(name, [])
        with open(lookup_dir / f"{name}.csv", "w", encoding="latin-1", errors="replace",
                  newline="") as stream:
            stream.write("\t".join(header) + EOL)
            stream.writelines("\t".join(r) + EOL for r in body)
        written[f"Lookup/{name}"] = len(body)
    return written


# Court decisions written into generated releases, keyed by case type. EOIR reuses letters
# across case types; these are the meanings commonly documented for removal proceedings.
COURT_DECISIONS = (("X", "Removed"), ("V", "Voluntary Departure"), ("T", "Terminated"),
                   ("R", "Relief Granted"), ("C", "Change of Venue"), ("A", "Administrative "
                   "Closing - Other"), ("D", "Deny"), ("U", "Dismissed by IJ"),
                   ("O", "Other Administrative Completion"), ("W", "Withdraw"))


def write_eoir_release(out_dir: Path, cases: int, seed: int = 0, *,
                       release_date: date = date(2025, 6, 30), defects: DefectPlan | None = None,
                       planted: list[PlantedCell] | None = None, zip_too: bool = False,
                       progress: Callable[[int, int], None] | None = None) -> SynthManifest:
    """Write a generated release of `cases` random cases (plus planted ones) into `out_dir`.

    >>> write_eoir_release(Path("release"), 10_000, seed=1)  # doctest: +SKIP
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    plan = defects or DefectPlan()
    cells = planted or []
    freq = _frequencies()
    release_day = (release_date - date(1970, 1, 1)).days
    manifest = SynthManifest("immtrack.synth.eoir", seed, cases, release_date.isoformat(),
                             planted=[asdict(c) for c in cells])
    writers = {name: _TableWriter(out_dir, name) for name in EOIR_TABLES}
    ids = _Ids()
    sizes = [min(CHUNK_CASES, cases - start) for start in range(0, cases, CHUNK_CASES)] or [0]
    done = 0
    try:
        for number, size in enumerate(sizes):
            first = number == 0
            chunk = _draw_cases(rng, size, release_day, freq)
            _keep_out_of_planted(chunk, cells)
            if first and cells:  # planted cases go last in the first chunk, never defective
                chunk = _concat(chunk, _planted_cases(cells, rng))
            tables = _chunk_tables(chunk, rng, ids, freq, release_day)
            for name, columns in tables.items():
                rows = len(next(iter(columns.values())))
                protected = _planted_rows(name, columns, chunk, cells) if first else 0
                counts = _defect_counts(name, rows - protected, plan, rng, first)
                writers[name].write(columns, rng, counts, manifest.defects, protected)
            done += size
            if progress:
                progress(done, cases)
    finally:
        for writer in writers.values():
            writer.close()
    manifest.rows = {name: w.lines_written - 1 for name, w in writers.items()}
    manifest.rows.update(_write_lookups(out_dir))
    (out_dir / SYNTHETIC_MARKER).write_text(json.dumps(asdict(manifest), indent=2))
    if zip_too:
        _zip_release(out_dir)
    return manifest


def _planted_rows(table: str, columns: dict[str, pa.Array], chunk: _Cases,
                  cells: list[PlantedCell]) -> int:
    """How many rows at the end of this table's first chunk belong to planted cases."""
    if not cells:
        return 0
    planted_cases = sum(c.grants + c.denials + c.others for c in cells)
    first_planted = chunk.n - planted_cases + 1
    case_column = "idnRiderCase" if table == "tbl_Lead_Rider" else "IDNCASE"
    if case_column not in columns:
        return 0
    case_ids = pc.cast(columns[case_column], pa.int64()).to_numpy(zero_copy_only=False)
    # Planted cases are the last IDNCASEs of the first chunk.
    return int((case_ids >= first_planted).sum())


def _concat(left: _Cases, right: _Cases) -> _Cases:
    return _Cases(left.n + right.n, *(np.concatenate([getattr(left, f), getattr(right, f)])
                                      for f in _Cases.__dataclass_fields__ if f != "n"))


def _zip_release(folder: Path) -> Path:
    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    return target
