"""Bad files: a clear message naming the file, the line and the problem, and exit 1 only when
the file is unusable; row-level problems go to the quarantine table with their reason."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from immtrack.lake.listing import quarantine_table, releases_table
from immtrack.synth.cbp import write_cbp_releases


@pytest.fixture(scope="module")
def good_file(tmp_path_factory) -> Path:
    return write_cbp_releases(tmp_path_factory.mktemp("generated"))[0]


@pytest.fixture
def rows(good_file) -> list[list[str]]:
    with open(good_file, newline="") as stream:
        return list(csv.reader(stream))


def _write(path: Path, rows: list[list[str]], *, encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _ingest(cli, path: Path):
    return cli("ingest", "cbp", "--from", str(path))


def _refused(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    message = " ".join(result.stderr.split())
    for fragment in fragments:
        assert fragment in message, message
    assert "Traceback" not in result.output


def test_a_missing_column_is_named(cli, rows, tmp_path):
    path = _write(tmp_path / "nationwide-encounters-fy21-fy24-aor.csv", [r[:-1] for r in rows])
    _refused(_ingest(cli, path), "nationwide-encounters-fy21-fy24-aor.csv, line 1",
             "missing 'Encounter Count'")


def test_a_renamed_column_is_named(cli, rows, tmp_path):
    rows[0][-1] = "Encounter Cnt"
    path = _write(tmp_path / "renamed.csv", rows)
    _refused(_ingest(cli, path), "renamed.csv, line 1", "missing 'Encounter Count'",
             "unexpected 'Encounter Cnt'")


def test_one_non_numeric_count_is_quarantined_not_fatal(cli, home, rows, tmp_path):
    rows[5][-1] = "12a"
    path = _write(tmp_path / "one-bad.csv", rows)
    result = _ingest(cli, path)
    assert result.exit_code == 0, result.output
    kept = quarantine_table(home).to_pylist()
    assert [(k["source_line"], k["reason_code"], k["field_name"], k["raw_value"])
            for k in kept] == [(6, "bad-count", "count", "12a")]
    assert kept[0]["raw_row"] == "\t".join(rows[5])
    release = releases_table(home).to_pylist()[0]
    assert (release["rows_read"], release["rows_loaded"], release["rows_quarantined"]) == \
        (len(rows) - 1, len(rows) - 2, 1)


def test_counts_that_are_all_text_make_the_file_unusable(cli, rows, tmp_path):
    for row in rows[1:]:
        row[-1] = "n/a"
    path = _write(tmp_path / "text-counts.csv", rows)
    _refused(_ingest(cli, path), "text-counts.csv, line 2", "bad-count",
             "is not a whole number")


def test_an_unknown_month_in_one_row_is_quarantined(cli, home, rows, tmp_path):
    rows[3][2] = "SEPT."
    result = _ingest(cli, _write(tmp_path / "month.csv", rows))
    assert result.exit_code == 0
    assert [(k["source_line"], k["reason_code"]) for k in quarantine_table(home).to_pylist()] \
        == [(4, "bad-month")]


def test_unknown_months_throughout_make_the_file_unusable(cli, rows, tmp_path):
    for row in rows[1:]:
        row[2] = "M" + row[2]
    _refused(_ingest(cli, _write(tmp_path / "months.csv", rows)), "months.csv, line 2",
             "bad-month")


def test_an_empty_file(cli, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _refused(_ingest(cli, path), "empty.csv", "the file is empty")


def test_a_header_without_rows(cli, rows, tmp_path):
    _refused(_ingest(cli, _write(tmp_path / "header.csv", rows[:1])), "header.csv, line 1",
             "no data rows")


def test_a_truncated_file(cli, good_file, tmp_path):
    data = good_file.read_bytes()
    cut = data.index(b"\r\n", len(data) // 2) + 30  # 30 bytes into a line
    path = tmp_path / "truncated.csv"
    path.write_bytes(data[:cut])
    last_line = data[:cut].count(b"\n") + 1
    _refused(_ingest(cli, path), f"truncated.csv, line {last_line}", "truncated")


def test_wrong_encoding_names_the_line_and_suggests_the_fix(cli, home, rows, tmp_path):
    rows[7][8] = "CÔTE D'IVOIRE"
    path = _write(tmp_path / "latin1.csv", rows, encoding="latin-1")
    _refused(_ingest(cli, path), "latin1.csv, line 8", "not valid utf-8-sig", "--encoding")
    result = cli("ingest", "cbp", "--from", str(path), "--encoding", "cp1252")
    assert result.exit_code == 0, result.output
    answer = cli("encounters", "--citizenship", "CÔTE D'IVOIRE", "--format", "json")
    assert json.loads(answer.stdout)["total"] == int(rows[7][-1])


def test_utf16_text_is_refused(cli, rows, tmp_path):
    _refused(_ingest(cli, _write(tmp_path / "utf16.csv", rows, encoding="utf-16")),
             "utf16.csv", "UTF-16")


def test_an_html_error_page_saved_as_csv(cli, tmp_path):
    path = tmp_path / "page.csv"
    path.write_text("<!DOCTYPE html>\n<html><body>Access denied</body></html>\n")
    _refused(_ingest(cli, path), "page.csv, line 1", "HTML page")


def test_a_zip_with_the_wrong_contents(cli, tmp_path):
    path = tmp_path / "release.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.txt", "not data")
        archive.writestr("chart.pdf", "%PDF-1.4")
    _refused(_ingest(cli, path), "release.zip", "no CBP encounter files",
             "README.txt, chart.pdf")


def test_a_zip_of_good_files_is_read_member_by_member(cli, home, good_file, tmp_path):
    path = tmp_path / "release.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(good_file, f"data/{good_file.name}")
    result = _ingest(cli, path)
    assert result.exit_code == 0, result.output
    release = releases_table(home).to_pylist()[0]
    assert release["release_label"] == good_file.name
    assert release["origin"].endswith(f"release.zip!data/{good_file.name}")


def test_a_truncated_workbook(cli, tmp_path, shared_data):
    data = (shared_data / "cbp/ohss_khsm/KHSM Encounters (USBP) fy25m11.xlsx").read_bytes()
    path = tmp_path / "KHSM Encounters (USBP) fy25m11.xlsx"
    path.write_bytes(data[: len(data) // 2])
    _refused(_ingest(cli, path), "KHSM Encounters (USBP) fy25m11.xlsx",
             "not a readable Excel workbook")


def test_a_renamed_workbook_column_names_the_sheet(cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Monthly Citizenship"
    sheet.append(["Fiscal\nYear", "Month", "Nationality", "Quantity"])
    sheet.append([2022, "01 October", "Russia", 80])
    path = tmp_path / "khsm.xlsx"
    book.save(path)
    _refused(_ingest(cli, path), "khsm.xlsx, sheet 'Monthly Citizenship', row 1",
             "'Nationality'")


def test_rows_with_an_extra_field_or_a_repeat_are_quarantined(cli, home, rows, tmp_path):
    rows[2] = [*rows[2], "surplus"]
    rows.insert(9, list(rows[8]))
    result = _ingest(cli, _write(tmp_path / "dirty.csv", rows))
    assert result.exit_code == 0
    kept = quarantine_table(home).to_pylist()
    assert [(k["source_line"], k["reason_code"]) for k in kept] == \
        [(3, "wrong-field-count"), (10, "duplicate-fact")]
    listing = cli("quarantine", "--format", "json")
    assert [k["reason_code"] for k in json.loads(listing.stdout)] == \
        ["wrong-field-count", "duplicate-fact"]


def test_a_missing_path(cli, tmp_path):
    _refused(_ingest(cli, tmp_path / "nowhere.csv"), "nowhere.csv", "no such file")


def test_one_bad_file_does_not_stop_the_good_ones(cli, home, good_file, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(good_file, folder)
    (folder / "broken.csv").write_text("a,b\n1,2\n")
    result = _ingest(cli, folder)
    assert result.exit_code == 1
    assert [r["release_label"] for r in releases_table(home).to_pylist()] == [good_file.name]


# EOIR releases and archives ---------------------------------------------------------------

@pytest.fixture(scope="module")
def eoir_release(tmp_path_factory) -> Path:
    """A small generated EOIR release without planted defects, as a folder and a zip."""
    from immtrack.synth.eoir import DefectPlan, write_eoir_release

    folder = tmp_path_factory.mktemp("eoir") / "release"
    write_eoir_release(folder, 60, seed=3, defects=DefectPlan.none(), zip_too=True)
    return folder


def _zip_with(release: Path, path: Path, extra: dict[str, bytes]) -> Path:
    """The release's files as a zip, plus `extra` members written with the names given."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(release.rglob("*")):
            if file.is_file():
                archive.write(file, str(file.relative_to(release)))
        for name, data in extra.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return path


@pytest.mark.parametrize("member", ["../../../escaped.txt", "/tmp/immtrack-zip-slip.txt",
                                    "Lookup/../../escaped.txt", "..\\..\\escaped.txt"])
def test_a_zip_member_outside_the_folder_refuses_the_archive(cli, home, eoir_release,
                                                             tmp_path, member):
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = _zip_with(eoir_release, outside / "slip.zip", {member: b"written outside"})
    Path("/tmp/immtrack-zip-slip.txt").unlink(missing_ok=True)
    result = cli("ingest", "eoir", "--from", str(archive))
    _refused(result, "slip.zip", repr(member), "outside the extraction folder")
    assert sorted(p.name for p in outside.rglob("*")) == ["slip.zip"]
    assert not Path("/tmp/immtrack-zip-slip.txt").exists()
    assert not [p for p in home.rglob("*") if p.name == "escaped.txt"]
    assert not (home / "catalog.duckdb").exists()


# CBP: truncation, impossible values, oversize values, repeats ----------------------------

SOUTHWEST = "cbp/cbp_sw_border_fy22_fy25/sbo-encounters-fy22-fy25-aug.csv"


def test_a_file_cut_inside_its_last_count_is_refused(cli, home, shared_data, tmp_path):
    data = (shared_data / SOUTHWEST).read_bytes()
    cut = len(data) - 3  # "...,504\r\n" becomes "...,5": every field there, the count wrong
    path = tmp_path / "sbo-encounters-fy22-fy25-aug.csv"
    path.write_bytes(data[:cut])
    last_line = data[:cut].count(b"\n") + 1
    _refused(_ingest(cli, path), "sbo-encounters-fy22-fy25-aug.csv",
             f"ends at byte {cut:,}", f"line {last_line}", "truncated")
    assert not (home / "catalog.duckdb").exists()


def test_a_file_cut_between_cr_and_lf_is_refused(cli, shared_data, tmp_path):
    data = (shared_data / SOUTHWEST).read_bytes()
    cut = data.index(b"\r\n", len(data) // 2) + 1
    path = tmp_path / "cut.csv"
    path.write_bytes(data[:cut])
    _refused(_ingest(cli, path), "cut.csv", "truncated")


def _southwest_fy2023(cli) -> int:
    result = cli("encounters", "--region", "southwest", "--from", "2022-10", "--to", "2023-09",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["total"]


def test_one_impossible_year_never_makes_an_older_file_the_newest(cli, home, shared_data,
                                                                    tmp_path):
    """An older file (FY2022-23 only, every count halved) with one FY2099 row must not
    replace the real FY2023 figures of the newer real file."""
    real = shared_data / SOUTHWEST
    with open(real, newline="", encoding="utf-8-sig") as stream:
        rows = list(csv.reader(stream))
    expected = sum(int(r[-1]) for r in rows[1:] if r[0].startswith("2023"))
    assert expected == 2_475_669
    older = [rows[0]] + [[*r[:-1], str(int(r[-1]) // 2)] for r in rows[1:]
                         if r[0][:4] in ("2022", "2023")]
    older.insert(5, ["2099", *older[4][1:]])
    path = _write(tmp_path / "sbo-encounters-fy22-fy23.csv", older)
    assert cli("ingest", "cbp", "--from", str(real)).exit_code == 0
    result = _ingest(cli, path)
    assert result.exit_code == 0, result.output
    assert _southwest_fy2023(cli) == expected
    kept = quarantine_table(home).to_pylist()
    assert [(k["source_file"], k["source_line"], k["reason_code"], k["raw_value"])
            for k in kept] == [("sbo-encounters-fy22-fy23.csv", 6, "implausible-period",
                                "2098-10")]
    order = [r["release_label"] for r in releases_table(home).to_pylist()]
    assert order == ["sbo-encounters-fy22-fy23.csv", real.name]


def test_a_year_before_2000_and_a_month_after_the_release_date_are_quarantined(
        cli, home, rows, tmp_path):
    rows[2][0] = "1999"
    rows[3][0] = "2031"
    result = cli("ingest", "cbp", "--from", str(_write(tmp_path / "years.csv", rows)),
                 "--release-date", "2030-01-15")
    assert result.exit_code == 0, result.output
    kept = quarantine_table(home).to_pylist()
    assert [(k["source_line"], k["reason_code"], k["field_name"]) for k in kept] == \
        [(3, "implausible-period", "fiscal_year"), (4, "implausible-period", "month")]
    release = releases_table(home).to_pylist()[0]
    assert release["data_through"] < date(2030, 2, 1)


def test_a_thirty_digit_count_is_quarantined_not_a_traceback(cli, home, rows, tmp_path):
    rows[4][-1] = "9" * 30
    rows[5][-1] = "250000000"
    result = _ingest(cli, _write(tmp_path / "huge.csv", rows))
    assert result.exit_code == 0, result.output
    assert [(k["source_line"], k["reason_code"]) for k in quarantine_table(home).to_pylist()] \
        == [(5, "bad-count"), (6, "implausible-count")]


def test_a_field_beyond_the_csv_limit_names_the_line(cli, rows, tmp_path):
    rows[6][5] = "X" * 200_000
    _refused(_ingest(cli, _write(tmp_path / "long.csv", rows)), "long.csv, line 7",
             "cannot be read as CSV", "field larger than field limit")


def test_a_repeated_header_line_is_quarantined_not_loaded(cli, home, rows, tmp_path):
    rows.insert(10, list(rows[0]))
    result = _ingest(cli, _write(tmp_path / "pasted.csv", rows))
    assert result.exit_code == 0, result.output
    assert [(k["source_line"], k["reason_code"]) for k in quarantine_table(home).to_pylist()] \
        == [(11, "repeated-header")]
    release = releases_table(home).to_pylist()[0]
    assert (release["rows_read"], release["rows_loaded"]) == (len(rows) - 1, len(rows) - 2)


def test_a_zip_bomb_is_refused_before_it_is_expanded(cli, home, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("encounters.csv", "w", force_zip64=True) as member:
        block = b"0" * (1 << 20)
        for _ in range(1024):  # 1 GiB of zeros, about 1 MB compressed
            member.write(block)
    assert path.stat().st_size < 2 << 20
    _refused(_ingest(cli, path), "bomb.zip", "encounters.csv", "zip bomb")


def _release_copy(release: Path, folder: Path, table: str | None = None, edit=None) -> Path:
    """A copy of the release with `edit(bytes) -> bytes` applied to one file."""
    shutil.copytree(release, folder, ignore=shutil.ignore_patterns("*.zip"))
    if table:
        path = folder / table
        path.write_bytes(edit(path.read_bytes()))
    return folder


def _set_field(data: bytes, line: int, column: int, value: bytes) -> bytes:
    lines = data.split(b"\r\n")
    fields = lines[line - 1].split(b"\t")
    fields[column] = value
    lines[line - 1] = b"\t".join(fields)
    return b"\r\n".join(lines)


def _lake_value(home: Path, sql: str, *params):
    from immtrack.lake.catalog import connect

    return connect(home).execute(sql, list(params)).fetchall()


def test_windows_1252_bytes_are_decoded_and_logged(cli, home, eoir_release, tmp_path):
    """0x93, 0x96 and 0x94 are curly quotes and a dash in Windows-1252; DuckDB's Latin-1
    reader refuses them. 0x81 is undefined in Windows-1252 and stays a Latin-1 byte."""
    city = b"\x93SAN\x96JOSE\x94\x81"
    folder = _release_copy(eoir_release, tmp_path / "r", "A_TblCase.csv",
                           lambda data: _set_field(data, 5, 1, city))
    result = cli("ingest", "eoir", "--from", str(folder))
    assert result.exit_code == 0, result.output
    case_id = int((folder / "A_TblCase.csv").read_bytes().split(b"\r\n")[4].split(b"\t")[0])
    assert _lake_value(home, "SELECT ALIEN_CITY FROM raw_eoir__a_tblcase WHERE IDNCASE = ?",
                       case_id) == [("\u201cSAN\u2013JOSE\u201d\x81",)]
    assert _lake_value(home, "SELECT source_file, source_line, repair FROM repairs") == [
        ("A_TblCase.csv", 5, "decoded Windows-1252 bytes (0x80-0x9F) the file declares "
                             "Latin-1")]


def test_a_lone_line_break_inside_a_row_is_repaired_not_a_traceback(cli, home, eoir_release,
                                                                    tmp_path):
    folder = _release_copy(eoir_release, tmp_path / "r", "A_TblCase.csv",
                           lambda data: _set_field(_set_field(data, 3, 1, b"NEW\nXTOWN"),
                                                   4, 1, b"LOS\rYVILLE"))
    result = cli("ingest", "eoir", "--from", str(folder), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = (eoir_release / "A_TblCase.csv").read_bytes().count(b"\r\n") - 1
    counts = {t["table"]: t for t in json.loads(result.stdout)["tables"]}["A_TblCase"]
    assert (counts["rows_read"], counts["rows_loaded"]) == (rows, rows)
    assert sorted(_lake_value(home, "SELECT ALIEN_CITY FROM raw_eoir__a_tblcase WHERE "
                                    "ALIEN_CITY IN ('NEW XTOWN', 'LOS YVILLE')")) == \
        [("LOS YVILLE",), ("NEW XTOWN",)]
    assert [line for _, line in _lake_value(home, "SELECT source_file, source_line FROM repairs "
                                                  "ORDER BY 2")] == [3, 4]


@pytest.mark.parametrize("table", ["tbl_Court_Appln.csv", "A_TblCase.csv"])
def test_a_table_cut_mid_row_is_refused_with_the_byte_offset(cli, home, eoir_release,
                                                             tmp_path, table):
    size = (eoir_release / table).stat().st_size
    cut = size * 2 // 5
    folder = _release_copy(eoir_release, tmp_path / "r", table, lambda data: data[:cut])
    line = (folder / table).read_bytes().count(b"\n") + 1
    _refused(cli("ingest", "eoir", "--from", str(folder)), f"{table}, line {line}",
             f"ends at byte {cut:,}", "truncated")
    assert not (home / "catalog.duckdb").exists()


def test_a_table_without_its_final_line_end_is_refused(cli, eoir_release, tmp_path):
    folder = _release_copy(eoir_release, tmp_path / "r", "tbl_Court_Appln.csv",
                           lambda data: data[:-2])
    _refused(cli("ingest", "eoir", "--from", str(folder)), "tbl_Court_Appln.csv",
             "without its final line end")


def test_count_txt_names_a_table_with_missing_rows(cli, eoir_release, tmp_path):
    data = (eoir_release / "tbl_Court_Appln.csv").read_bytes()
    rows = data.count(b"\r\n") - 1
    cut = data.rindex(b"\r\n", 0, len(data) - 2) + 2  # the last row gone, cleanly
    folder = _release_copy(eoir_release, tmp_path / "r", "tbl_Court_Appln.csv",
                           lambda data: data[:cut])
    (folder / "Count.txt").write_text(f"A_TblCase\t9\ntbl_Court_Appln\t{rows:,}\n")
    _refused(cli("ingest", "eoir", "--from", str(folder)), "tbl_Court_Appln.csv",
             f"holds {rows - 1:,} rows where the release's Count.txt lists {rows:,}")


def _asylum_decisions(home: Path) -> int:
    return _lake_value(home, "SELECT count(*) FROM core_eoir__asylum_decisions")[0][0]


def test_duplicated_rows_are_quarantined_and_counted_once(cli, home, eoir_release, tmp_path):
    """Every application row twice: each second copy is quarantined with its line, and the
    asylum decisions (merits n) are those of the release without copies."""
    clean = tmp_path / "clean-home"
    from immtrack.ingest import ingest_eoir

    ingest_eoir(clean, str(eoir_release))
    expected = _asylum_decisions(clean)
    assert expected > 0

    def doubled(data: bytes) -> bytes:
        lines = data.split(b"\r\n")[:-1]
        return b"\r\n".join([lines[0], *(x for line in lines[1:] for x in (line, line))]) \
            + b"\r\n"

    folder = _release_copy(eoir_release, tmp_path / "r", "tbl_Court_Appln.csv", doubled)
    result = cli("ingest", "eoir", "--from", str(folder))
    assert result.exit_code == 0, result.output
    assert _asylum_decisions(home) == expected
    rows = (eoir_release / "tbl_Court_Appln.csv").read_bytes().count(b"\r\n") - 1
    kept = _lake_value(home, "SELECT source_line, reason_code FROM quarantine ORDER BY 1")
    assert kept == [(2 * i + 3, "duplicate-key") for i in range(rows)]


def test_a_repeated_header_line_in_a_table_is_quarantined(cli, home, eoir_release, tmp_path):
    def pasted(data: bytes) -> bytes:
        lines = data.split(b"\r\n")
        return b"\r\n".join([*lines[:6], lines[0], *lines[6:]])

    folder = _release_copy(eoir_release, tmp_path / "r", "tbl_schedule.csv", pasted)
    result = cli("ingest", "eoir", "--from", str(folder), "--format", "json")
    assert result.exit_code == 0, result.output
    assert _lake_value(home, "SELECT source_file, source_line, reason_code FROM quarantine") \
        == [("tbl_schedule.csv", 7, "repeated-header")]
    counts = {t["table"]: t for t in json.loads(result.stdout)["tables"]}["tbl_schedule"]
    rows = (eoir_release / "tbl_schedule.csv").read_bytes().count(b"\r\n") - 1
    assert (counts["rows_read"], counts["rows_loaded"]) == (rows + 1, rows)


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda data: b"", "the lookup is empty"),
    (lambda data: data[:len(data) // 2], "without its final line end"),
])
def test_an_empty_or_cut_lookup_is_refused(cli, eoir_release, tmp_path, edit, problem):
    folder = _release_copy(eoir_release, tmp_path / "r", "Lookup/tblLookupNationality.csv",
                           edit)
    _refused(cli("ingest", "eoir", "--from", str(folder)), "Lookup/tblLookupNationality.csv",
             problem)


# Files that are not files, and workbooks that would exhaust memory ------------------------
# Run as a separate process with a memory limit and a timeout: before the fixes these hung,
# filled memory, or aborted the process.

def _immtrack(home: Path, *args: str, timeout: float = 120):
    def limits():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    command = [str(Path(sys.executable).with_name("immtrack")), "--home", str(home), *args]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=limits)
    except subprocess.TimeoutExpired:
        pytest.fail(f"immtrack {' '.join(args)} hung for {timeout} s")


def _refused_process(result, *fragments: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    message = " ".join(result.stderr.split())
    for fragment in fragments:
        assert fragment in message, message
    assert "Traceback" not in result.stderr


def test_a_fifo_named_csv_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "encounters.csv"
    os.mkfifo(fifo)
    _refused_process(_immtrack(tmp_path / "home", "ingest", "cbp", "--from", str(fifo),
                               timeout=60), "encounters.csv", "FIFO")


def test_a_symlink_to_dev_zero_is_refused_not_read(tmp_path):
    link = tmp_path / "encounters.csv"
    link.symlink_to("/dev/zero")
    _refused_process(_immtrack(tmp_path / "home", "ingest", "cbp", "--from", str(link)),
                     "encounters.csv", "a device, not a regular file")


def test_eoir_tables_that_are_not_files_are_refused(eoir_release, tmp_path):
    folder = _release_copy(eoir_release, tmp_path / "r")
    (folder / "A_TblCase.csv").unlink()
    os.mkfifo(folder / "A_TblCase.csv")
    (folder / "Lookup" / "tblLanguage.csv").unlink()
    (folder / "Lookup" / "tblLanguage.csv").symlink_to("/dev/zero")
    _refused_process(_immtrack(tmp_path / "home", "ingest", "eoir", "--from", str(folder),
                               timeout=60), "A_TblCase.csv", "FIFO")


def test_a_cell_at_xfd1048576_is_refused_before_calamine_reads_it(tmp_path, shared_data):
    source = shared_data / "cbp/ohss_khsm/KHSM Encounters (USBP) fy25m11.xlsx"
    path = tmp_path / "KHSM Encounters (USBP) fy25m11.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w",
                                                              zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                at = data.rindex(b"</sheetData>")
                data = data[:at] + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' \
                    + data[at:]
            out.writestr(info, data)
    _refused_process(_immtrack(tmp_path / "home", "ingest", "cbp", "--from", str(path)),
                     "fy25m11.xlsx", "reaches row 1,048,576 and column 16,384")


def test_a_sheet_that_is_not_well_formed_xml_is_refused(cli, tmp_path, shared_data):
    source = shared_data / "cbp/ohss_khsm/KHSM Encounters (USBP) fy25m11.xlsx"
    path = tmp_path / "khsm.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w",
                                                              zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data[:len(data) // 2]
            out.writestr(info, data)
    _refused(_ingest(cli, path), "khsm.xlsx", "sheet2.xml", "not well-formed XML")


# ICE lists ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ice_folder(shared_data, tmp_path_factory) -> Path:
    """ICE's files, each cut to its first rows in its own format (tests/fuzz/harness.py)."""
    from tests.fuzz.harness import ice_seed

    return ice_seed(shared_data, tmp_path_factory.mktemp("ice") / "ice", rows=10)


@pytest.mark.parametrize(("relative", "edit", "problem"), [
    ("offices/uwchr_aor_ero_field_office.csv", lambda d: d.split(b"\n")[0] + b"\n",
     "a header but no data rows"),
    ("facilities/facility-locations-oct2025.txt", lambda d: b"", "the file is empty"),
    ("historical/marshall_locations.csv", lambda d: d[:len(d) - 25],
     "ends in the middle of record"),
    ("offices/ice-areas-of-responsibility.csv", lambda d: d.replace(b"county_name", b"county"),
     "missing column(s) county_name"),
    ("detention_management_stats/facilities.parquet", lambda d: d[:len(d) // 2],
     "not a readable Parquet file"),
])
def test_an_unusable_ice_file_is_refused(ice_folder, tmp_path, relative, edit, problem):
    from immtrack.errors import BadFileError
    from immtrack.ingest import ingest_ice

    folder = tmp_path / "ice"
    shutil.copytree(ice_folder, folder)
    (folder / relative).write_bytes(edit((folder / relative).read_bytes()))
    with pytest.raises(BadFileError) as error:
        ingest_ice(tmp_path / "home", folder)
    assert Path(relative).name in str(error.value) and problem in str(error.value)


def test_ice_text_where_numbers_belong_names_the_column(ice_folder, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from immtrack.errors import BadFileError
    from immtrack.ingest import ingest_ice

    folder = tmp_path / "ice"
    shutil.copytree(ice_folder, folder)
    path = folder / "detention_management_stats/facilities.parquet"
    table = pq.read_table(path)
    index = table.column_names.index("level_a")
    table = table.set_column(index, "level_a", pa.array(
        [f"x{v}" for v in table.column("level_a").to_pylist()], pa.string()))
    pq.write_table(table, path)
    with pytest.raises(BadFileError) as error:
        ingest_ice(tmp_path / "home", folder)
    assert "facilities.parquet" in str(error.value)
    assert "column level_a holds string values that are not double" in str(error.value)


def test_a_duplicated_ice_parquet_row_is_quarantined_not_added(ice_folder, tmp_path):
    """A facility row twice would double its ADP."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from immtrack.ingest import ingest_ice

    folder = tmp_path / "ice"
    shutil.copytree(ice_folder, folder)
    path = folder / "detention_management_stats/facilities.parquet"
    table = pq.read_table(path)
    pq.write_table(pa.concat_tables([table.slice(0, 4), table.slice(3, 1), table.slice(4)]),
                   path)
    outcome = ingest_ice(tmp_path / "home", folder)
    assert outcome.status == "published"
    home = tmp_path / "home"
    assert _lake_value(home, "SELECT source_file, source_line, reason_code FROM quarantine") \
        == [("facilities.parquet", 5, "duplicate-key")]
    assert _lake_value(home, "SELECT count(*) FROM core_ice__facility_population") == \
        [(table.num_rows,)]
