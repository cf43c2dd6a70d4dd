"""Downloading the real files from a local HTTP server: checksums, resuming, errors, and
`immtrack ingest cbp --from URL` end to end."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from immtrack.errors import DownloadError
from immtrack.lake.listing import releases_table
from immtrack.sources.download import download
from tests.support.http_server import FileServer

pytestmark = pytest.mark.shared
SOUTHWEST = "cbp/cbp_sw_border_fy22_fy25/sbo-encounters-fy22-fy25-aug.csv"
KHSM = "cbp/ohss_khsm/KHSM Encounters (USBP) fy25m11.xlsx"


@pytest.fixture
def server(shared_data):
    with FileServer(shared_data) as running:
        yield running


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_full_download_matches_the_original(server, shared_data, tmp_path):
    seen = []
    got = download(server.url(KHSM), tmp_path, progress=lambda done, total: seen.append(
        (done, total)))
    original = shared_data / KHSM
    assert got.path == tmp_path / "KHSM Encounters (USBP) fy25m11.xlsx"
    assert got.sha256 == _sha256(original) == _sha256(got.path)
    assert got.bytes == original.stat().st_size and not got.resumed
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (original.stat().st_size, original.stat().st_size)
    assert not list(tmp_path.glob("*.part*"))


def test_an_interrupted_download_resumes_with_a_range_request(server, shared_data, tmp_path):
    server.drop_after = 300_000
    with pytest.raises(DownloadError, match="run again to resume"):
        download(server.url(KHSM), tmp_path, progress=False)
    part = tmp_path / "KHSM Encounters (USBP) fy25m11.xlsx.part"
    assert part.stat().st_size == 300_000
    got = download(server.url(KHSM), tmp_path, progress=False)
    assert got.resumed
    assert server.requests[-1]["range"] == "bytes=300000-"
    assert server.requests[-1]["if_range"]
    assert got.sha256 == _sha256(shared_data / KHSM)


def test_a_server_that_ignores_range_restarts_cleanly(server, shared_data, tmp_path):
    server.drop_after = 1000
    with pytest.raises(DownloadError):
        download(server.url(SOUTHWEST), tmp_path, progress=False)
    server.ignore_range = True
    got = download(server.url(SOUTHWEST), tmp_path, progress=False)
    assert not got.resumed
    assert got.path.read_bytes() == (shared_data / SOUTHWEST).read_bytes()


def test_a_checksum_mismatch_leaves_no_file(server, tmp_path):
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download(server.url(SOUTHWEST), tmp_path, expected_sha256="0" * 64, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_file_names_the_address_and_status(server, tmp_path):
    with pytest.raises(DownloadError) as error:
        download(server.url("cbp/nowhere.csv"), tmp_path, progress=False)
    assert "nowhere.csv" in str(error.value) and "404" in str(error.value)


def test_a_file_already_here_is_not_fetched_again(server, shared_data, tmp_path):
    download(server.url(SOUTHWEST), tmp_path, progress=False)
    before = len(server.requests)
    download(server.url(SOUTHWEST), tmp_path, expected_sha256=_sha256(shared_data / SOUTHWEST),
             progress=False)
    assert len(server.requests) == before


def test_a_refused_connection_is_a_clear_error(tmp_path):
    with pytest.raises(DownloadError, match="could not connect"):
        download("http://127.0.0.1:9/x.csv", tmp_path, progress=False, timeout=5)


def test_ingest_from_a_url_records_the_publication_month(shared_data, tmp_path, cli, home):
    # cbp.gov serves files under /sites/default/files/<yyyy-mm>/; the month is the release date.
    served = tmp_path / "www" / "sites/default/files/2025-09"
    served.mkdir(parents=True)
    (served / "sbo-encounters-fy22-fy25-aug.csv").write_bytes(
        (shared_data / SOUTHWEST).read_bytes())
    with FileServer(tmp_path / "www") as www:
        url = www.url("sites/default/files/2025-09/sbo-encounters-fy22-fy25-aug.csv")
        result = cli("ingest", "cbp", "--from", url, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["rows_loaded"] == 1936
    release = releases_table(home).to_pylist()[0]
    assert release["release_date"] == date(2025, 9, 1)
    assert release["origin"] == url
    assert (home / "downloads" / "sbo-encounters-fy22-fy25-aug.csv").exists()


def test_a_failed_download_exits_1_with_the_address(tmp_path, cli):
    with FileServer(tmp_path) as www:
        result = cli("ingest", "cbp", "--from", www.url("missing.csv"))
    assert result.exit_code == 1
    assert "404" in result.stderr and "missing.csv" in result.stderr
