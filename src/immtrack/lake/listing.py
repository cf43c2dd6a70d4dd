"""What is in the lake: releases with their reconciliation, and quarantined rows."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from immtrack.lake.catalog import connect

_RELEASE_COLUMNS = """release_id, source, release_label, release_date, data_from, data_through,
                      is_synthetic, rows_read, rows_loaded, rows_quarantined, ingested_at,
                      code_version, origin"""


def releases_table(home: Path, source: str | None = None) -> pa.Table:
    """One row per release, newest data last, with rows read / loaded / quarantined; status
    says whether its files are intact (a damaged release is left out of every answer)."""
    return connect(home).sql(
        f"""SELECT * FROM (
                SELECT {_RELEASE_COLUMNS}, 'intact' AS status FROM releases
                UNION ALL
                SELECT {_RELEASE_COLUMNS}, 'damaged: ' || problem AS status
                FROM damaged_releases)
            WHERE ? IS NULL OR source = ?
            ORDER BY source, data_through NULLS FIRST, release_date NULLS FIRST,
                     ingested_at""",
        params=[source, source]).to_arrow_table()


def release_files_table(home: Path, release_id: str | None = None) -> pa.Table:
    """Per file (and workbook sheet): sha256 and the counts that must reconcile."""
    return connect(home).sql(
        """SELECT * FROM release_files WHERE ? IS NULL OR release_id = ?
           ORDER BY release_id, file_name, part""",
        params=[release_id, release_id]).to_arrow_table()


def quarantine_table(home: Path, *, release_id: str | None = None, reason: str | None = None,
                     limit: int | None = None) -> pa.Table:
    """Quarantined rows, in file order, optionally for one release or one reason code."""
    sql = """SELECT release_id, source_file, source_sheet, source_line, reason_code,
                    field_name, raw_value, detail, raw_row
             FROM quarantine
             WHERE (? IS NULL OR release_id = ?) AND (? IS NULL OR reason_code = ?)
             ORDER BY release_id, source_file, source_sheet, source_line"""
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return connect(home).sql(sql, params=[release_id, release_id, reason, reason]) \
        .to_arrow_table()
