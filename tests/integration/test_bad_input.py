"""Bad files: a clear message naming the file, the line and the problem, and exit 1 only when
the file is unusable; row-level problems go to the quarantine table with their reason."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
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
