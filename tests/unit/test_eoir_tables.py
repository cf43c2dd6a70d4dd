"""Reading one EOIR table: cleaning, typing, flagging and repairing rows, on a file made here.

The file below has one row per quirk; the expected values are worked out by hand beside it.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from immtrack.errors import BadFileError
from immtrack.lake.quarantine import QuarantineLog
from immtrack.schema.eoir import Column
from immtrack.sources.eoir_tables import RepairLog, read_table, repair_extra_fields

COLUMNS = [Column("IDNCASE", "Numeric"), Column("NAT", "String"),
           Column("COMP_DATE", "Date"), Column("NOTE", "String")]
LINES = [
    b"IDNCASE\tNAT\tCOMP_DATE\tNOTE",                 # line 1: header
    b"1\tRU\t2020-01-01 00:00:00.000\tok",            # 2: clean
    b'2\t"UE\t1900-01-01 00:00:00.000\t ',            # 3: stray quote, 1900 date, single space
    b"3\tRU\t2021-02-03 00:00:00.000\tfine\textra",   # 4: extra tab; only NOTE can take it
    b"5\tN/A\tgarbage\tx\x00y",                       # 5: N/A, junk date, NUL byte
    b"X7\tRU\t\t",                                    # 6: junk id, blank date
    b"6\tRU",                                         # 7: too few fields
    b"8\t\xe9t\xe9\t2021-02-03\tna\xefve",            # 8: Latin-1 text, date without time
]


@pytest.fixture
def loaded(tmp_path):
    path = tmp_path / "A_TblCase.csv"
    path.write_bytes(b"\r\n".join(LINES) + b"\r\n")
    con, log, repairs = duckdb.connect(), QuarantineLog(), RepairLog()
    count = read_table(con, path, path.name, COLUMNS, tmp_path / "t.parquet",
                       release_id="r1", log=log, repairs=repairs,
                       repaired_parquet=tmp_path / "t_repaired.parquet")
    rows = con.sql(f"SELECT * FROM read_parquet(['{tmp_path}/t.parquet', "
                   f"'{tmp_path}/t_repaired.parquet']) ORDER BY IDNCASE NULLS LAST").fetchall()
    return count, rows, log, repairs


def test_counts_reconcile(loaded):
    count, rows, log, repairs = loaded
    assert (count.rows_read, count.rows_loaded, count.rows_quarantined, count.rows_repaired) \
        == (7, 6, 1, 1)
    assert len(rows) == count.rows_loaded


def test_values_are_cleaned_typed_and_flagged(loaded):
    _, rows, _, _ = loaded
    by_id = {r[0]: r for r in rows}
    assert by_id[1] == (1, "RU", datetime(2020, 1, 1), "ok", None, "r1")
    assert by_id[2] == (2, "UE", datetime(1900, 1, 1), None,
                        "COMP_DATE: implausible date (1900-01-01 00:00:00.000)", "r1")
    assert by_id[5] == (5, None, None, "xy", "COMP_DATE: not a date (garbage)", "r1")
    assert by_id[None] == (None, "RU", None, None, "IDNCASE: not a number (X7)", "r1")
    assert by_id[8] == (8, "été", datetime(2021, 2, 3), "naïve", None, "r1")


def test_an_extra_tab_is_merged_back_and_logged(loaded):
    _, rows, _, repairs = loaded
    assert {r[0]: r[3] for r in rows}[3] == "fine extra"
    assert repairs.entries == [{"file": "A_TblCase.csv", "line": 4,
                                "before": "3\tRU\t2021-02-03 00:00:00.000\tfine\textra",
                                "after": "3\tRU\t2021-02-03 00:00:00.000\tfine extra",
                                "repair": "merged an extra tab into a text field"}]


def test_a_short_row_is_quarantined_with_its_line(loaded):
    _, _, log, _ = loaded
    kept = log.to_arrow("r1").to_pylist()
    assert [(k["source_line"], k["reason_code"], k["raw_row"]) for k in kept] == \
        [(7, "wrong-field-count", "6\tRU")]


def test_two_text_fields_side_by_side_make_a_repair_ambiguous():
    columns = [Column("IDNCASE", "Numeric"), Column("A", "String"), Column("B", "String")]
    assert len(repair_extra_fields(["1", "x", "y", "z"], columns)) == 2
    # A date next to the text field pins the tab down.
    columns = [Column("IDNCASE", "Numeric"), Column("A", "String"), Column("D", "Date")]
    assert repair_extra_fields(["1", "x", "y", "2020-01-01"], columns) == \
        [["1", "x y", "2020-01-01"]]


def test_a_renamed_column_stops_the_table(tmp_path):
    path = tmp_path / "A_TblCase.csv"
    path.write_bytes(b"IDNCASE\tNATIONALITY\tCOMP_DATE\tNOTE\r\n1\tRU\t\t\r\n")
    with pytest.raises(BadFileError) as error:
        read_table(duckdb.connect(), path, path.name, COLUMNS, tmp_path / "t.parquet",
                   release_id="r", log=QuarantineLog(), repairs=RepairLog(),
                   repaired_parquet=tmp_path / "r.parquet")
    assert "A_TblCase.csv, line 1" in str(error.value)
    assert "missing NAT" in str(error.value) and "unexpected NATIONALITY" in str(error.value)
