"""ICE detention: how many people are held, where, for how long; and what ICE's own releases
contradict.

Definitions (metric names as in docs/detention.md):
- `national` (monthly): ICE's monthly figure for a measure and category (`adp` Average =
  everyone held on an average day of the month; `avg_stay_days`; `book_ins` by arresting agency;
  `book_outs` by release reason), each month taken from the newest workbook that reports it
  complete (workbooks are ordered by file date, then pull date; a month is complete when it
  ended by the workbook's pull date; a month no workbook has whole comes from the newest
  partial one, `complete` false), so overlapping releases never count twice; workbooks
  whose national figure is another fiscal year's are left out (see `findings`);
  `by_release=True` shows every workbook's value instead, revisions side by side.
- `facility_population`: average daily population (levels A-D summed) and ICE's average length
  of stay by facility, from one workbook's Facilities tab (the newest by default), summed by
  facility, facility type, AOR or state. A workbook's facility ADP covers its fiscal year to
  date.
- `findings`: consistency checks over every workbook, reported, never hidden: facility totals
  against the national figure; fiscal-year-to-date counts that fall between workbooks;
  workbooks that repeat an earlier one; a national figure equal to another fiscal year's; data
  pulled before the previous workbook's.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

from immtrack.errors import QueryError
from immtrack.lake.catalog import reader
from immtrack.lake.home import default_home
from immtrack.lake.releases import code_version

MEASURES = ("adp", "avg_stay_days", "book_ins", "book_outs")
POPULATION_GROUPS = {"facility": ("facility_name", "city", "state_code", "detloc"),
                     "facility_type": ("facility_type",), "aor": ("aor_code",),
                     "state": ("state_code",)}
# Workbooks in release order: the same file date can come with different pull dates.
_WORKBOOK_ORDER = "ice_file_date, ice_pull_date NULLS FIRST"
# Workbooks whose national ADP is exactly an earlier fiscal year's: their national tabs hold
# another year's figures, so `national` leaves them out (and `findings` names them).
_NATIONAL_BY_WORKBOOK = """
    SELECT ice_file_date, ice_pull_date, any_value(fiscal_year) AS fiscal_year,
           max(year_to_date) AS national_adp
    FROM core_ice__monthly WHERE measure = 'adp' AND category = 'Average'
      AND subcategory IS NULL GROUP BY ALL"""
_MISDATED = f"""
    SELECT n.ice_file_date, n.ice_pull_date,
           printf('FY%d workbook prints %.1f, the FY%d figure of the workbook of %s',
                  n.fiscal_year, n.national_adp, o.fiscal_year, o.ice_file_date) AS detail
    FROM ({_NATIONAL_BY_WORKBOOK}) n JOIN ({_NATIONAL_BY_WORKBOOK}) o
      ON n.national_adp = o.national_adp AND n.fiscal_year > o.fiscal_year
    QUALIFY row_number() OVER (PARTITION BY n.ice_file_date, n.ice_pull_date
                               ORDER BY o.ice_file_date) = 1"""


def _provenance(con, metric: str, definition: str, **filters) -> dict:
    release = con.execute(
        """SELECT release_id, release_label, is_synthetic, origin FROM release_order
           WHERE source = 'ice' ORDER BY release_rank DESC LIMIT 1""").fetchall()
    if not release:
        raise QueryError("the lake holds no ICE release: run `immtrack ingest ice --from "
                         "FOLDER` (or `immtrack demo`)")
    return {"metric": metric, "definition": definition,
            "releases": [dict(zip(("release_id", "label", "is_synthetic", "origin"),
                                  release[0], strict=True))],
            "filters": {k: (v.isoformat() if isinstance(v, date) else v)
                        for k, v in filters.items() if v is not None},
            "code_version": code_version()}


def national(measure: str = "adp", *, category: str | None = None,
             subcategory: str | None = None, since: date | None = None,
             until: date | None = None, by_release: bool = False,
             home: Path | None = None) -> tuple[pa.Table, dict]:
    """ICE's monthly national figures, each month from the newest workbook that has it.

    `subcategory` (criminality) defaults to the totals; "all" shows every one."""
    if measure not in MEASURES:
        raise QueryError(f"no measure {measure!r}; use one of {', '.join(MEASURES)}")
    con = reader(home or default_home())
    provenance = _provenance(
        con, "national", f"ICE's monthly {measure} per category; each month from the newest "
        "workbook reporting it complete, leaving out workbooks that print another fiscal "
        "year's national figure" + (" (every workbook shown)" if by_release else ""),
        measure=measure, category=category, subcategory=subcategory, since=since,
        until=until)
    # Workbooks print the whole fiscal year: months after the data pull are placeholders, and
    # the month of the pull is partial (used only when no workbook has it whole).
    conditions = ["measure = ?", "value IS NOT NULL",
                  "month_start <= coalesce(ice_pull_date, ice_file_date)",
                  f"""NOT EXISTS (SELECT 1 FROM ({_MISDATED}) m
                      WHERE m.ice_file_date = t.ice_file_date
                        AND m.ice_pull_date IS NOT DISTINCT FROM t.ice_pull_date)"""]
    params: list = [measure]
    if subcategory is None:
        conditions.append("(subcategory IS NULL OR subcategory = 'Total')")
    elif subcategory != "all":
        conditions.append("subcategory = ?")
        params.append(subcategory)
    for clause, value in (("category = ?", category), ("month_start >= ?", since),
                          ("month_start <= ?", until)):
        if value is not None:
            conditions.append(clause)
            params.append(value)
    where = " AND ".join(conditions)
    columns = ("strftime(month_start, '%Y-%m') AS month, category, subcategory, value, "
               "last_day(month_start) <= coalesce(ice_pull_date, ice_file_date) AS complete, "
               "ice_file_date, ice_pull_date")
    if by_release:
        sql = (f"SELECT {columns} FROM core_ice__monthly t WHERE {where} "
               f"ORDER BY month, category, subcategory, {_WORKBOOK_ORDER}")
    else:
        sql = (f"SELECT {columns} FROM core_ice__monthly t WHERE {where} "
               "QUALIFY row_number() OVER (PARTITION BY month_start, category, subcategory "
               "ORDER BY complete DESC, ice_file_date DESC, ice_pull_date DESC NULLS LAST, "
               "source_line) = 1 ORDER BY month, category, subcategory")
    table = con.sql(sql, params=params).to_arrow_table()
    if table.num_rows == 0:
        raise QueryError(f"no {measure} figures for those filters; categories: " + ", ".join(
            r[0] for r in con.execute("SELECT DISTINCT category FROM core_ice__monthly "
                                      "WHERE measure = ? ORDER BY 1", [measure]).fetchall()))
    return table, provenance


def workbooks(home: Path | None = None) -> list[tuple[date, date | None]]:
    """The ICE workbooks in the lake, oldest first."""
    con = reader(home or default_home())
    return con.execute(f"SELECT DISTINCT ice_file_date, ice_pull_date FROM "
                       f"core_ice__facility_population ORDER BY {_WORKBOOK_ORDER}").fetchall()


def facility_population(by: str = "facility", *, workbook: date | None = None,
                        state: str | None = None, aor: str | None = None,
                        facility_type: str | None = None, home: Path | None = None
                        ) -> tuple[pa.Table, dict]:
    """ADP and average stay from one workbook's Facilities tab (the newest by default)."""
    if by not in POPULATION_GROUPS:
        raise QueryError(f"cannot group by {by!r}; use one of {', '.join(POPULATION_GROUPS)}")
    con = reader(home or default_home())
    known = workbooks(home)
    if not known:
        raise QueryError("the lake holds no ICE facility statistics")
    chosen = [w for w in known if workbook is None or w[0] == workbook]
    if not chosen:
        raise QueryError(f"no workbook dated {workbook}; the lake has "
                         + ", ".join(str(w[0]) for w in known[-5:]) + " (newest last)")
    file_date, pull_date = chosen[-1]
    conditions = ["ice_file_date = ?", "ice_pull_date IS NOT DISTINCT FROM ?"]
    params: list = [file_date, pull_date]
    for column, value in (("state_code", state), ("aor_code", aor),
                          ("facility_type", facility_type)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value.upper())
    group = ", ".join(POPULATION_GROUPS[by])
    table = con.sql(
        f"""SELECT {group}, count(*) AS facilities, round(sum(adp), 1) AS adp,
                   round(sum(alos_days * adp) / nullif(sum(adp) FILTER (
                       WHERE alos_days IS NOT NULL), 0), 1) AS alos_days_weighted
            FROM core_ice__facility_population WHERE {' AND '.join(conditions)}
            GROUP BY {group} ORDER BY adp DESC NULLS LAST""", params=params).to_arrow_table()
    provenance = _provenance(
        con, "facility_population", "average daily population (levels A-D summed) by "
        f"{by}, fiscal year to date of workbook {file_date}; alos_days_weighted = ICE's "
        "average stay weighted by ADP", workbook=file_date, pull_date=pull_date, state=state,
        aor=aor, facility_type=facility_type)
    return table, provenance


def findings(home: Path | None = None) -> tuple[pa.Table, dict]:
    """What ICE's workbooks contradict: facility totals against the national figure, year-to-
    date counts that fall from one workbook to the next, and workbooks that repeat another."""
    con = reader(home or default_home())
    provenance = _provenance(con, "findings", "consistency checks over every ICE workbook")
    rows = con.sql(f"""
        WITH facility AS (
            SELECT ice_file_date, ice_pull_date, sum(adp) AS facility_adp
            FROM core_ice__facility_population GROUP BY ALL),
        national AS (
            SELECT ice_file_date, ice_pull_date, max(year_to_date) AS national_adp
            FROM core_ice__monthly WHERE measure = 'adp' AND category = 'Average'
              AND subcategory IS NULL GROUP BY ALL)
        SELECT 'facilities do not sum to the national ADP' AS finding,
               ice_file_date, ice_pull_date,
               printf('facilities %.0f vs national fiscal-year-to-date %.0f (%+.1f%%)',
                      facility_adp, national_adp,
                      100 * (facility_adp - national_adp) / national_adp) AS detail
        FROM facility JOIN national USING (ice_file_date, ice_pull_date)
        WHERE abs(facility_adp - national_adp) > 0.05 * national_adp
        UNION ALL
        SELECT 'year-to-date count fell between workbooks', ice_file_date, ice_pull_date,
               printf('%s %s: %.0f after %.0f in the workbook of %s', measure, category,
                      year_to_date, previous, previous_file)
        FROM (SELECT measure, category, fiscal_year, ice_file_date, ice_pull_date,
                     year_to_date,
                     lag(year_to_date) OVER w AS previous, lag(ice_file_date) OVER w
                         AS previous_file
              FROM (SELECT DISTINCT measure, category, fiscal_year, ice_file_date,
                           ice_pull_date, year_to_date FROM core_ice__monthly
                    WHERE measure IN ('book_ins', 'book_outs') AND subcategory IS NULL
                      AND year_to_date IS NOT NULL)
              WINDOW w AS (PARTITION BY measure, category, fiscal_year
                           ORDER BY {_WORKBOOK_ORDER}))
        WHERE year_to_date < previous
        UNION ALL
        SELECT 'workbook repeats an earlier one', ice_file_date, ice_pull_date,
               printf('same %d facility rows as the workbook of %s', rows, first_file)
        FROM (SELECT ice_file_date, ice_pull_date, rows,
                     first_value(ice_file_date) OVER (PARTITION BY content
                                                      ORDER BY {_WORKBOOK_ORDER}) AS first_file
              FROM (SELECT ice_file_date, ice_pull_date, count(*) AS rows,
                           sum(hash(facility_name, adp, alos_days)) AS content
                    FROM core_ice__facility_population GROUP BY ALL))
        WHERE ice_file_date <> first_file
        UNION ALL
        SELECT 'national figure belongs to another fiscal year', ice_file_date,
               ice_pull_date, detail FROM ({_MISDATED})
        UNION ALL
        SELECT 'data pulled before the previous workbook''s', ice_file_date, ice_pull_date,
               printf('pulled %s, after a workbook of %s pulled %s', ice_pull_date,
                      previous_file, previous_pull)
        FROM (SELECT DISTINCT ice_file_date, ice_pull_date,
                     lag(ice_file_date) OVER w AS previous_file,
                     lag(ice_pull_date) OVER w AS previous_pull
              FROM (SELECT DISTINCT ice_file_date, ice_pull_date
                    FROM core_ice__facility_population)
              WINDOW w AS (ORDER BY {_WORKBOOK_ORDER}))
        WHERE ice_pull_date < previous_pull
        ORDER BY finding, ice_file_date""").to_arrow_table()
    return rows, provenance
