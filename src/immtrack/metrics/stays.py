"""Person-level detention: how long people are held and how far they are moved.

Definitions (over core_ice__stints, one row per placement):
- A stay is one person's continuous detention: the placements sharing a person id and a stay
  book-in. Its length (`length_of_stay`) runs from the stay's book-in to its book-out; a stay
  with no book-out is still open and is censored at the data's last recorded moment (the latest
  book-in or book-out in the file), so Kaplan-Meier gives the median and 90th percentile
  without pretending open stays ended.
- A transfer (`transfers`) is a move between two successive placements of one stay (ordered by
  book-in) at different facilities; its distance is the great-circle distance between the two
  facilities (metrics/distance.py), null when either cannot be placed.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pyarrow as pa

from immtrack.errors import QueryError
from immtrack.lake.catalog import reader
from immtrack.lake.home import default_home
from immtrack.metrics.distance import facility_place, haversine_km
from immtrack.metrics.survival import kaplan_meier

GROUPS = ("citizenship", "gender", "release_reason")
DEFINITIONS = {
    "length_of_stay": "days from a stay's book-in to its book-out (a stay = one person's "
                      "placements sharing a stay book-in); open stays censored at the file's "
                      "last recorded moment; Kaplan-Meier median and 90th percentile",
    "transfers": "moves between successive placements of one stay at different facilities; "
                 "distance = great-circle km between the two facilities",
}


def _stints(home: Path, citizenship: str | None) -> list[tuple]:
    con = reader(home)
    if con.execute("SELECT count(*) FROM core_ice__stints").fetchall()[0][0] == 0:
        raise QueryError("the lake holds no person-level detention records: ingest them with "
                         "`immtrack ingest ice --from FOLDER --stints FILE`")
    where, params = ("WHERE citizenship = ?", [citizenship.upper()]) if citizenship else ("", [])
    return con.execute(
        f"""SELECT person_id, stay_start, stay_end, book_in, book_out, detloc, citizenship,
                   gender, release_reason FROM core_ice__stints {where}
            ORDER BY person_id, stay_start, book_in""", params).fetchall()


def _data_end(home: Path):
    return reader(home).execute(
        "SELECT greatest(max(book_in), max(book_out)) FROM core_ice__stints").fetchall()[0][0]


def _stays(rows: list[tuple]) -> dict[tuple, list[tuple]]:
    stays: dict[tuple, list[tuple]] = {}
    for row in rows:
        stays.setdefault((row[0], row[1]), []).append(row)
    return stays


def length_of_stay(by: str | None = "citizenship", *, citizenship: str | None = None,
                   home: Path | None = None) -> pa.Table:
    """Stays, open stays, and Kaplan-Meier percentiles of their length in days, by group."""
    if by is not None and by not in GROUPS:
        raise QueryError(f"cannot group by {by!r}; use one of {', '.join(GROUPS)}")
    home = home or default_home()
    end_of_data = _data_end(home)
    groups: dict[str, dict[int, list[int]]] = {}
    for stay in _stays(_stints(home, citizenship)).values():
        first, last = stay[0], stay[-1]
        ended = first[2] or (last[4] if all(p[4] for p in stay) else None)
        days = ((ended or end_of_data) - first[1]).days
        key = "all" if by is None else (first[GROUPS.index(by) + 6] or "(none)")
        counts = groups.setdefault(key, {}).setdefault(days, [0, 0])
        counts[0 if ended else 1] += 1
    rows = []
    for key, durations in sorted(groups.items()):
        series = [(days, ended, open_) for days, (ended, open_) in durations.items()]
        rows.append({by or "group": key, "stays": sum(e + o for _, e, o in series),
                     "open_stays": sum(o for _, _, o in series),
                     **{k: v for k, v in kaplan_meier(series).items()
                        if k in ("median_days", "p90_days")}})
    return pa.Table.from_pylist(rows)


def transfers(by: str | None = "citizenship", *, citizenship: str | None = None,
              home: Path | None = None) -> tuple[pa.Table, pa.Table]:
    """Per group: stays, stays with a transfer, transfers and their distances; and the list of
    transfers with each distance."""
    if by is not None and by not in GROUPS:
        raise QueryError(f"cannot group by {by!r}; use one of {', '.join(GROUPS)}")
    home = home or default_home()
    places: dict[str, object] = {}

    def place(detloc: str):
        if detloc not in places:
            try:
                places[detloc] = facility_place(detloc, home)
            except QueryError:
                places[detloc] = None
        return places[detloc]

    moves, summary = [], {}
    for (person, start), stay in _stays(_stints(home, citizenship)).items():
        key = "all" if by is None else (stay[0][GROUPS.index(by) + 6] or "(none)")
        group = summary.setdefault(key, {"stays": 0, "stays_with_transfer": 0, "km": [],
                                         "transfers": 0})
        group["stays"] += 1
        pairs = [(a, b) for a, b in zip(stay, stay[1:], strict=False) if a[5] != b[5]]
        group["stays_with_transfer"] += bool(pairs)
        for a, b in pairs:
            origin, destination = place(a[5]), place(b[5])
            km = round(haversine_km(origin.latitude, origin.longitude, destination.latitude,
                                    destination.longitude), 1) if origin and destination else None
            group["transfers"] += 1
            if km is not None:
                group["km"].append(km)
            moves.append({"person_id": person, "stay_start": start, "from_detloc": a[5],
                          "to_detloc": b[5], "moved_on": b[3], "km": km})
    rows = [{by or "group": key, "stays": g["stays"],
             "stays_with_transfer": g["stays_with_transfer"], "transfers": g["transfers"],
             "transfers_placed": len(g["km"]),
             "median_km": statistics.median(g["km"]) if g["km"] else None,
             "max_km": max(g["km"]) if g["km"] else None}
            for key, g in sorted(summary.items())]
    return pa.Table.from_pylist(rows), pa.Table.from_pylist(moves)
