"""A generated EOIR release with planted defects, ingested and reconciled exactly.

Expected counts come from re-reading the raw files with Python's csv module (tab-delimited,
Latin-1, NUL bytes dropped, no quoting), never from immtrack's own reader.
"""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from immtrack.errors import BadFileError
from immtrack.ingest import ingest_eoir
from immtrack.lake.catalog import connect
from immtrack.lake.listing import release_files_table, releases_table
from immtrack.schema.eoir import EOIR_TABLES
from immtrack.synth.eoir import DefectPlan, PlantedCell, write_eoir_release
from immtrack.synth.eoir_published import published_cells

EXACT_DEFECTS = {("tbl_Court_Appln", "extra_tab"): 4, ("A_TblCase", "extra_tab_ambiguous"): 3,
                 ("B_TblProceeding", "short_row"): 2, ("B_TblProceedCharges", "short_row"): 1,
                 ("A_TblCase", "nul"): 5, ("tbl_schedule", "stray_quote"): 6,
                 ("A_TblCase", "junk_code"): 7, ("B_TblProceeding", "old_date"): 8}
PLANTED = [PlantedCell("RU", 2023, 85, 15), PlantedCell("UE", 2022, 30, 10, 5)]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("eoir") / "release"
    write_eoir_release(folder, 20_000, seed=11, defects=DefectPlan(rates={},
                                                                    exact=EXACT_DEFECTS),
                       planted=PLANTED)
    return folder


@pytest.fixture(scope="module")
def manifest(release) -> dict:
    return json.loads((release / "immtrack-synthetic.json").read_text())


@pytest.fixture(scope="module")
def lake(release, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("eoir-lake") / "home"
    assert ingest_eoir(home, str(release)).status == "published"
    return home


def _raw_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    with open(path, encoding="latin-1", newline="") as stream:
        text = stream.read().replace("\x00", "")
    reader = csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    return header, [(number, fields) for number, fields in enumerate(reader, start=2)
                    if any(fields)]


def test_every_table_reconciles_with_an_independent_count(release, manifest, lake):
    files = {f["file_name"]: f for f in release_files_table(lake).to_pylist()}
    repaired_lines = Counter(d["table"] for d in manifest["defects"] if d["kind"] == "extra_tab")
    for name, table in EOIR_TABLES.items():
        header, rows = _raw_rows(release / table.file_name)
        assert header == [c.name for c in table.columns]
        well_formed = sum(1 for _, fields in rows if len(fields) == len(header))
        counts = files[table.file_name]
        assert counts["rows_read"] == len(rows) == manifest["rows"][name], name
        assert counts["rows_loaded"] == well_formed + repaired_lines[name], name
        assert counts["rows_quarantined"] == len(rows) - counts["rows_loaded"], name
        stored = connect(lake).execute(f"SELECT count(*) FROM {table.lake_table}").fetchone()[0]
        assert stored == counts["rows_loaded"], name


def test_repairs_and_quarantine_are_exactly_the_planted_rows(manifest, lake):
    con = connect(lake)
    planted = {(d["table"] + ".csv", d["line"], d["kind"]) for d in manifest["defects"]}
    repaired = {(f, line, "extra_tab") for f, line in con.execute(
        "SELECT source_file, source_line FROM repairs").fetchall()}
    assert repaired == {p for p in planted if p[2] == "extra_tab"}
    kept = con.execute("SELECT source_file, source_line, reason_code FROM quarantine").fetchall()
    expected = {(f, line, "ambiguous-extra-field" if kind == "extra_tab_ambiguous"
                 else "wrong-field-count") for f, line, kind in planted
                if kind in ("extra_tab_ambiguous", "short_row")}
    assert set(kept) == expected and len(kept) == len(expected) == 6


def test_a_repaired_row_keeps_its_values(release, manifest, lake):
    defect = next(d for d in manifest["defects"] if d["kind"] == "extra_tab")
    _, rows = _raw_rows(release / "tbl_Court_Appln.csv")
    fields = dict(rows)[defect["line"]]
    assert len(fields) == 7
    stored = connect(lake).execute(
        "SELECT IDNPROCEEDINGAPPLN, APPL_CODE, APPL_RECD_DATE::VARCHAR FROM "
        "raw_eoir__tbl_court_appln WHERE IDNPROCEEDINGAPPLN = ?", [int(fields[0])]).fetchone()
    assert stored == (int(fields[0]), f"{fields[3]} {fields[4]}", fields[5][:19])


def test_quirks_are_cleaned_and_flagged_not_dropped(release, manifest, lake):
    con = connect(lake)
    nul_lines = [d["line"] for d in manifest["defects"] if d["kind"] == "nul"]
    raw = (release / "A_TblCase.csv").read_bytes().split(b"\r\n")
    for line in nul_lines:
        fields = raw[line - 1].decode("latin-1").split("\t")
        assert "\x00" in fields[1]
        stored = con.execute("SELECT ALIEN_CITY FROM raw_eoir__a_tblcase WHERE IDNCASE = ?",
                             [int(fields[0])]).fetchone()[0]
        assert stored == fields[1].replace("\x00", "").strip()
    old_dates = con.execute("SELECT count(*) FROM raw_eoir__b_tblproceeding WHERE "
                            "data_issues LIKE '%INPUT_DATE: implausible date%'").fetchone()[0]
    assert old_dates == 8
    junk = con.execute("SELECT rows FROM eoir_unknown_codes WHERE table_name = 'A_TblCase' "
                       "AND column_name = 'NAT' AND code = 'ZZ'").fetchone()[0]
    assert junk == 7
    quotes = con.execute("SELECT count(*) FROM raw_eoir__tbl_schedule WHERE "
                         "contains(ADJ_MEDIUM, '\"')").fetchone()[0]
    assert quotes == 0


def test_codes_decode_with_the_release_lookups(lake):
    unknown = connect(lake).execute(
        "SELECT table_name, column_name, code FROM eoir_unknown_codes").fetchall()
    # Only the planted junk and the repaired-but-garbled application codes are unknown.
    assert {(t, c) for t, c, _ in unknown} == {("A_TblCase", "NAT"),
                                                ("tbl_Court_Appln", "APPL_CODE")}


def test_planted_rates_come_back_exactly(lake):
    con = connect(lake)
    rows = con.execute("""
        SELECT p.NAT, CASE WHEN month(p.COMP_DATE) >= 10 THEN year(p.COMP_DATE) + 1
                           ELSE year(p.COMP_DATE) END AS fy, a.APPL_DEC
        FROM raw_eoir__tbl_court_appln a JOIN raw_eoir__b_tblproceeding p USING (IDNPROCEEDING)
        WHERE a.APPL_CODE = 'ASYL' AND a.APPL_DEC IS NOT NULL
          AND p.NAT IN ('RU', 'UE')""").fetchall()
    grants = {"G", "F", "C", "I", "P"}
    tally = Counter((nat, fy, "grant" if dec in grants else "deny" if dec == "D" else "other")
                    for nat, fy, dec in rows)
    assert (tally[("RU", 2023, "grant")], tally[("RU", 2023, "deny")],
            tally[("RU", 2023, "other")]) == (85, 15, 0)
    assert (tally[("UE", 2022, "grant")], tally[("UE", 2022, "deny")],
            tally[("UE", 2022, "other")]) == (30, 10, 5)


def test_keys_and_dates_agree_across_tables(lake):
    con = connect(lake)
    quarantined = {file: {int(raw.split("\t")[0]) for (raw,) in con.execute(
        "SELECT raw_row FROM quarantine WHERE source_file = ?", [file]).fetchall()}
        for file in ("A_TblCase.csv", "B_TblProceeding.csv")}
    # Children point only at parents that exist, or at the few quarantined ones.
    orphan_cases = {i for (i,) in con.execute("""
        SELECT DISTINCT p.IDNCASE FROM raw_eoir__b_tblproceeding p WHERE NOT EXISTS (
            SELECT 1 FROM raw_eoir__a_tblcase c WHERE c.IDNCASE = p.IDNCASE)""").fetchall()}
    orphan_proceedings = {i for (i,) in con.execute("""
        SELECT DISTINCT s.IDNPROCEEDING FROM raw_eoir__tbl_schedule s WHERE NOT EXISTS (
            SELECT 1 FROM raw_eoir__b_tblproceeding p
            WHERE p.IDNPROCEEDING = s.IDNPROCEEDING)""").fetchall()}
    assert orphan_cases <= quarantined["A_TblCase.csv"]
    assert orphan_proceedings <= quarantined["B_TblProceeding.csv"]
    backwards = con.execute("""SELECT count(*) FROM raw_eoir__b_tblproceeding
                               WHERE COMP_DATE < OSC_DATE""").fetchone()[0]
    assert backwards == 0
    pending = con.execute("SELECT count(*) FROM raw_eoir__b_tblproceeding "
                          "WHERE COMP_DATE IS NULL").fetchone()[0]
    assert pending > 0


def test_detained_dockets_move_faster(lake):
    medians = dict(connect(lake).execute("""
        SELECT CUSTODY, median(date_diff('day', OSC_DATE, COMP_DATE))
        FROM raw_eoir__b_tblproceeding WHERE COMP_DATE IS NOT NULL GROUP BY 1""").fetchall())
    assert medians["D"] < medians["R"] < medians["N"]


def test_the_same_seed_writes_the_same_bytes(tmp_path):
    first = write_eoir_release(tmp_path / "a", 500, seed=5)
    second = write_eoir_release(tmp_path / "b", 500, seed=5)
    write_eoir_release(tmp_path / "c", 500, seed=6)
    for table in EOIR_TABLES.values():
        assert (tmp_path / "a" / table.file_name).read_bytes() == \
            (tmp_path / "b" / table.file_name).read_bytes()
    assert first.rows == second.rows
    assert (tmp_path / "a/B_TblProceeding.csv").read_bytes() != \
        (tmp_path / "c/B_TblProceeding.csv").read_bytes()
    # A default release plants the published cells' cases on top of the random ones.
    assert first.rows["A_TblCase"] == 500 + sum(c.cases for c in published_cells())
    without = write_eoir_release(tmp_path / "d", 500, seed=6, planted=[])
    assert without.rows["A_TblCase"] == 500


def test_the_zip_is_the_same_release_as_its_folder(release, lake, tmp_path):
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in release.rglob("*"):
            if path.is_file():
                out.write(path, f"FOIA/{path.relative_to(release)}")
    outcome = ingest_eoir(lake, str(archive))
    assert outcome.status == "unchanged"
    assert len(releases_table(lake)) == 1


def test_tables_immtrack_does_not_read_yet_are_named(release, tmp_path):
    extended = tmp_path / "extended"
    shutil.copytree(release, extended)
    (extended / "tblAppealFedCourts.csv").write_text("idnAppealFedCourts\r\n1\r\n",
                                                     encoding="latin-1")
    outcome = ingest_eoir(tmp_path / "home", str(extended))
    assert outcome.status == "published"
    assert outcome.message == "also in the release, not read yet: tblAppealFedCourts.csv"


def test_a_deflate64_zip_reads_like_its_folder(release, lake, tmp_path, monkeypatch):
    """EOIR's zips may use deflate64 (method 9). Python cannot write it, so the test borrows
    inflate64's compressor to make one."""
    inflate64 = pytest.importorskip("inflate64")

    class Deflate64:
        def __init__(self):
            self.deflater = inflate64.Deflater()

        def compress(self, data):
            return self.deflater.deflate(data)

        def flush(self):
            return self.deflater.flush()

    plain = zipfile._get_compressor
    monkeypatch.setattr(zipfile, "_get_compressor",
                        lambda kind, level=None: Deflate64() if kind == 9 else plain(kind, level))
    archive = tmp_path / "FOIA-TRAC-Report.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(release.rglob("*")):
            if path.is_file():
                out.writestr(zipfile.ZipInfo(str(path.relative_to(release))),
                             path.read_bytes(), compress_type=9)
    monkeypatch.undo()
    with zipfile.ZipFile(archive) as written:
        assert {i.compress_type for i in written.infolist()} == {9}
    assert ingest_eoir(lake, str(archive)).status == "unchanged"


def test_a_zip_with_the_wrong_contents(tmp_path, cli):
    archive = tmp_path / "eoir.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "nothing here")
    result = cli("ingest", "eoir", "--from", str(archive))
    assert result.exit_code == 1
    assert "not an EOIR case data release" in result.stderr and "readme.txt" in result.stderr


def test_an_incomplete_release_names_the_missing_table(release, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(release, partial)
    (partial / "tbl_schedule.csv").unlink()
    with pytest.raises(BadFileError, match="missing tbl_schedule.csv"):
        ingest_eoir(tmp_path / "home", str(partial))


def test_a_renamed_column_names_the_file_and_the_column(release, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(release, changed)
    path = changed / "tbl_Court_Appln.csv"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"APPL_DEC", b"APPL_DECISION", 1))
    with pytest.raises(BadFileError) as error:
        ingest_eoir(tmp_path / "home", str(changed))
    assert "tbl_Court_Appln.csv, line 1" in str(error.value)
    assert "missing APPL_DEC" in str(error.value)


def test_releases_stay_side_by_side_and_the_newest_is_current(tmp_path):
    home = tmp_path / "home"
    old = write_eoir_release(tmp_path / "old", 300, seed=1, release_date=date(2024, 6, 30),
                             planted=[])
    new = write_eoir_release(tmp_path / "new", 400, seed=2, release_date=date(2025, 6, 30),
                             planted=[])
    ingest_eoir(home, str(tmp_path / "new"))
    ingest_eoir(home, str(tmp_path / "old"))  # an older release ingested later
    con = connect(home)
    assert con.execute("SELECT count(*) FROM raw_eoir__a_tblcase").fetchone()[0] == \
        new.rows["A_TblCase"] == 400
    assert con.execute("SELECT count(*) FROM raw_eoir__a_tblcase_all").fetchone()[0] == \
        old.rows["A_TblCase"] + new.rows["A_TblCase"]


def test_a_killed_eoir_ingest_leaves_the_previous_release(tmp_path):
    home = tmp_path / "home"
    write_eoir_release(tmp_path / "first", 1000, seed=1)
    ingest_eoir(home, str(tmp_path / "first"))
    before = connect(home).execute("SELECT count(*) FROM raw_eoir__b_tblproceeding").fetchone()
    write_eoir_release(tmp_path / "second", 150_000, seed=2)
    command = [sys.executable, "-m", "immtrack", "--home", str(home), "ingest", "eoir",
               "--from", str(tmp_path / "second")]
    killed = 0
    for delay in (1.0, 2.0, 3.0):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
        if len(releases_table(home)) == 1:
            assert connect(home).execute(
                "SELECT count(*) FROM raw_eoir__b_tblproceeding").fetchone() == before
    assert killed >= 1
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert len(releases_table(home)) == 2


def test_court_decisions_decode_by_case_type_kind_and_code(tmp_path):
    """The same letter means different things in different kinds of proceedings, and as a
    court decision (DEC_CODE) or an other completion (OTHER_COMP); labels come from the
    release's own lookup."""
    folder = tmp_path / "release"
    write_eoir_release(folder, 3000, seed=4, planted=[])
    lookup = folder / "Lookup" / "tblLookupCourtDecision.csv"
    lines = lookup.read_bytes().split(b"\r\n")
    assert lines[0] == b"idnCourtDecision\tstrCaseType\tstrDecCode\tstrDecDescription\t" \
        b"strDecType"
    # Edit one row of the release's lookup: the label must follow the release, not immtrack.
    lines = [line.replace(b"\tRemove\tC", b"\tRemoved (as this release says)\tC")
             if b"\tRMV\tX\t" in line else line for line in lines]
    lookup.write_bytes(b"\r\n".join(lines))
    home = tmp_path / "home"
    ingest_eoir(home, str(folder))
    con = connect(home)
    decided = dict(((t, c), label) for t, c, label in con.execute("""
        SELECT CASE_TYPE, DEC_CODE, any_value(DEC_CODE_label) FROM
        raw_eoir__b_tblproceeding_decoded WHERE (CASE_TYPE, DEC_CODE) IN
        (('RMV', 'X'), ('DEP', 'D'), ('RMV', 'A'), ('EXC', 'E')) GROUP BY ALL""").fetchall())
    assert decided == {("RMV", "X"): "Removed (as this release says)", ("DEP", "D"): "Deport",
                       ("RMV", "A"): "Legally Admitted", ("EXC", "E"): "Exclude"}
    closed = dict(con.execute("""
        SELECT OTHER_COMP, any_value(OTHER_COMP_label) FROM raw_eoir__b_tblproceeding_decoded
        WHERE CASE_TYPE = 'RMV' AND OTHER_COMP IN ('A', 'C') GROUP BY 1""").fetchall())
    assert closed == {"A": "Administrative Closing - Other", "C": "Change of Venue"}
    outcomes = dict(con.execute("""
        SELECT APPL_DEC, any_value(APPL_DEC_outcome) FROM raw_eoir__tbl_court_appln_decoded
        WHERE APPL_DEC IN ('G', 'D', 'W', 'L') GROUP BY 1""").fetchall())
    assert outcomes == {"G": "grant", "D": "deny", "W": "other", "L": "other"}
