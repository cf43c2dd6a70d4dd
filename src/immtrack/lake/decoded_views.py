"""Views that decode EOIR codes with the release's own lookups, generated from the registry.

For every table with coded columns, `<table>_decoded` adds a `<COLUMN>_label` per coded column:
the description from the newest release's Lookup/ folder, or NULL when the lookup does not
list the code (the code itself is kept). Court decisions are matched on (CASE_TYPE, code), as
EOIR keys them. Application decisions also get `APPL_DEC_outcome` (grant, deny, other,
not_final) from schema.eoir.APPLICATION_DECISIONS, the classes the asylum metrics count.
"""

from __future__ import annotations

from immtrack.lake.sql import sql_identifier, sql_string
from immtrack.schema.eoir import APPLICATION_DECISIONS, EOIR_TABLES, LOOKUPS, qualifier_match


def _decodes_by_table() -> dict[str, list[tuple[str, tuple[str, ...], str]]]:
    decodes: dict[str, list[tuple[str, tuple[str, ...], str]]] = {}
    for lookup in LOOKUPS.values():
        for table, columns, kind in lookup.decodes:
            decodes.setdefault(table, []).append((lookup.name, columns, kind))
    return decodes


def _outcomes_sql() -> str:
    rows = ", ".join(f"({sql_string(d.code)}, {sql_string(d.outcome)})"
                     for d in APPLICATION_DECISIONS.values())
    return f"(SELECT * FROM (VALUES {rows}) v(code, outcome))"


def decoded_view_sql(schema: str = "main") -> list[str]:
    # One row per code (and qualifier): lookups can list a code twice (inactive entries).
    lookups = (f"(SELECT lookup_name, code, code_qualifier, any_value(description) AS "
               f"description FROM {schema}.raw_eoir__lookups GROUP BY ALL)")
    statements = []
    for table, decodes in _decodes_by_table().items():
        lake_table = EOIR_TABLES[table].lake_table
        labels, joins = [], []
        for index, (lookup, columns, kind) in enumerate(decodes):
            alias = f"l{index}"
            on = (f"{alias}.lookup_name = {sql_string(lookup)} "
                  f"AND {alias}.code = t.{sql_identifier(columns[-1])}")
            if len(columns) > 1:
                on += " AND " + qualifier_match(f"{alias}.code_qualifier",
                                                f"t.{sql_identifier(columns[0])}", kind)
            joins.append(f"LEFT JOIN {lookups} {alias} ON {on}")
            labels.append(f"{alias}.description AS {sql_identifier(columns[-1] + '_label')}")
        if table == "tbl_Court_Appln":
            joins.append(f"LEFT JOIN {_outcomes_sql()} o ON o.code = t.APPL_DEC")
            labels.append(f"o.outcome AS {sql_identifier('APPL_DEC_outcome')}")
        statements.append(
            f"CREATE OR REPLACE VIEW {schema}.{lake_table}_decoded AS "
            f"SELECT t.*, {', '.join(labels)} FROM {schema}.{lake_table} t {' '.join(joins)}")
    return statements
