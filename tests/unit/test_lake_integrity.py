"""The quick file check and the re-ingest command that verify and the warnings print."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from immtrack.lake.integrity import full_problem, quick_problem, reingest_command


def test_the_reingest_command_gives_the_same_release_again():
    cbp = {"source": "cbp", "origin": "/data/it's here/a.csv", "release_date": None}
    assert reingest_command(cbp, []) == "immtrack ingest cbp --from '/data/it'\"'\"'s here/a.csv'"
    zipped = {"source": "cbp", "origin": "/d/files.zip!inner/a.csv",
              "release_date": date(2025, 9, 1)}
    assert reingest_command(zipped, []) == \
        "immtrack ingest cbp --from /d/files.zip --release-date 2025-09-01"
    ice = {"source": "ice", "origin": "/d/ice", "release_date": None}
    assert reingest_command(ice, [("core_ice__monthly", "x")]) == \
        "immtrack ingest ice --from /d/ice"
    assert reingest_command(ice, [("core_ice__stints", "x")]).endswith(
        "--stints PERSON_LEVEL_FILE")


def test_quick_and_full_checks_name_the_problem(tmp_path: Path):
    pq.write_table(pa.table({"a": [1, 2, 3]}), tmp_path / "t.parquet")
    size = (tmp_path / "t.parquet").stat().st_size
    assert quick_problem(tmp_path, "t.parquet", size) is None
    assert quick_problem(tmp_path, "gone.parquet", size) == "the file is missing"
    assert "bytes where the catalog recorded" in quick_problem(tmp_path, "t.parquet", size + 1)
    assert full_problem(tmp_path, "t.parquet", sha256=None, file_bytes=size, rows=3) is None
    assert "holds 3 rows where the catalog recorded 4" in full_problem(
        tmp_path, "t.parquet", sha256=None, file_bytes=size, rows=4)
    assert "SHA-256 differs" in full_problem(tmp_path, "t.parquet", sha256="0" * 64,
                                             file_bytes=size, rows=3)
    (tmp_path / "t.parquet").write_bytes(b"PAR1" + b"\0" * (size - 8) + b"PAR1")
    assert "footer cannot be read" in full_problem(tmp_path, "t.parquet", sha256=None,
                                                   file_bytes=size, rows=3)
