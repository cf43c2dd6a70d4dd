"""The catalogue of watched publications: each real file name is recognised by exactly one
publication, dates are read from addresses and names, listing pages are parsed as HTML, and
bytes that are not the file promised are refused."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest

from immtrack.errors import BadFileError
from immtrack.schema.publications import (
    PUBLICATIONS,
    date_from_name,
    date_from_url,
    listing_url,
    publications_for,
)
from immtrack.sources.listing import check_kind, probe, read_listing
from tests.support.agency_server import ERROR_PAGE, AgencyServer, AgencySite

# File names as the agencies publish them (seen on their pages and in public code).
REAL_NAMES = {
    "nationwide-encounters-fy22-fy25-aor.csv": "cbp-nationwide",
    "nationwide-encounters-fy23-fy26-jun-aor.csv": "cbp-nationwide",
    "nationwide-encounters-fy21-fy24-state.csv": "cbp-nationwide",
    "sbo-encounters-fy22-fy25-aug.csv": "cbp-southwest",
    "KHSM Encounters (USBP) fy25m11.xlsx": "ohss-khsm",
    "FY26_detentionStats01082026.xlsx": "ice-detention",
    "FY25_detentionStats09112025.xlsx": "ice-detention",
    "FY22_detentionStats_09292022.xlsx": "ice-detention",
    "FOIA-TRAC-Report.zip": "eoir-case-data",
    "EOIR Case Data.zip": "eoir-case-data",
}
NOT_DATA = ["nationwide-encounters-fy22-fy25-aor.pdf", "KHSM Encounters (OFO) fy25m11.xlsx",
            "FY26_detentionStats01082026.pdf", "methodology.pdf", "sbo-encounters.csv",
            "FY26_detentionStats.xlsx", "2025_0815_ohss_yearbook.xlsx"]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_each_real_file_name_belongs_to_exactly_one_publication(name):
    assert [p.code for p in PUBLICATIONS.values() if p.matches(name)] == [REAL_NAMES[name]]


@pytest.mark.parametrize("name", NOT_DATA)
def test_other_links_are_not_taken_for_data(name):
    assert not [p.code for p in PUBLICATIONS.values() if p.matches(name)]


def test_dates_come_from_the_address_or_the_name():
    assert date_from_url("/sites/default/files/2025-09/sbo-encounters-fy22-fy25-aug.csv") \
        == date(2025, 9, 1)
    assert date_from_url("/sites/default/files/assets/documents/2023-Nov/"
                         "nationwide-encounters-fy20-fy23-aor.csv") == date(2023, 11, 1)
    assert date_from_url("/FOIA-TRAC-Report.zip") is None
    assert date_from_url("/files/2025-13/x.csv") is None
    assert date_from_name("FY26_detentionStats01082026.xlsx") == date(2026, 1, 8)
    assert date_from_name("FY22_detentionStats_09292022.xlsx") == date(2022, 9, 29)
    assert date_from_name("FOIA-TRAC-Report.zip") is None


def test_sources_and_overrides(monkeypatch):
    assert [p.code for p in publications_for(["cbp"])] == ["cbp-nationwide", "cbp-southwest"]
    assert [p.code for p in publications_for(["eoir-case-data"])] == ["eoir-case-data"]
    assert len(publications_for(None)) == len(PUBLICATIONS) == 5
    with pytest.raises(ValueError, match="unknown source uscis"):
        publications_for(["uscis"])
    southwest = PUBLICATIONS["cbp-southwest"]
    assert southwest.env_var == "IMMTRACK_LISTING_CBP_SOUTHWEST"
    assert listing_url(southwest) == southwest.listing_url
    monkeypatch.setenv("IMMTRACK_LISTING_CBP_SOUTHWEST", "http://env.example/sw")
    assert listing_url(southwest) == "http://env.example/sw"
    assert listing_url(southwest, {"cbp": "http://mirror/cbp"}) == "http://mirror/cbp"
    assert listing_url(southwest, {"cbp": "http://mirror/cbp",
                                   "cbp-southwest": "http://mirror/sw"}) == "http://mirror/sw"


def test_a_listing_page_yields_the_publications_links_oldest_first():
    site = AgencySite()
    site.pages["/stats"] = (
        '<html><body><a href="/sites/default/files/2025-10/sbo-encounters-fy22-fy25-sep.csv">'
        'Sep</a> <a href="../sites/default/files/2025-09/sbo-encounters-fy22-fy25-aug.csv">'
        'Aug <b>2025</b></a> <a href="/sites/default/files/2025-10/sbo-encounters-fy22-fy25-'
        'sep.csv">again</a> <a href="https://cdn.example/2025-08/nationwide-encounters-fy22-'
        'fy25-aor.csv">other publication</a> <a href="/files/KHSM%20Encounters%20%28USBP%29'
        '%20fy25m11.xlsx">KHSM</a> <a>no href</a></body></html>')
    with AgencyServer(site) as server:
        links = read_listing(server.url("/stats"), PUBLICATIONS["cbp-southwest"])
        khsm = read_listing(server.url("/stats"), PUBLICATIONS["ohss-khsm"])
        with pytest.raises(Exception, match="404"):
            read_listing(server.url("/gone"), PUBLICATIONS["cbp-southwest"])
    assert [(link.file_name, link.published, link.text) for link in links] == [
        ("sbo-encounters-fy22-fy25-aug.csv", date(2025, 9, 1), "Aug 2025"),
        ("sbo-encounters-fy22-fy25-sep.csv", date(2025, 10, 1), "Sep")]
    assert links[0].url == server.url("/sites/default/files/2025-09/"
                                      "sbo-encounters-fy22-fy25-aug.csv")
    assert [link.file_name for link in khsm] == ["KHSM Encounters (USBP) fy25m11.xlsx"]


def test_bytes_that_are_not_the_file_promised_are_refused(tmp_path):
    page = tmp_path / "x.csv"
    page.write_bytes(b"\r\n  " + ERROR_PAGE)
    with pytest.raises(BadFileError, match=r"HTML page \('Access Denied'\) instead of the CSV"):
        check_kind(page, "csv", "http://agency/x.csv")
    good = tmp_path / "good.csv"
    good.write_bytes(b"\xef\xbb\xbfFiscal Year,Month Grouping\r\n2025,FYTD\r\n")
    check_kind(good, "csv", "http://agency/good.csv")
    workbook = tmp_path / "book.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>" * 1000)
    check_kind(workbook, "xlsx", "http://agency/book.xlsx")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(workbook.read_bytes()[: workbook.stat().st_size // 2])
    with pytest.raises(BadFileError, match="not a whole xlsx file"):
        check_kind(cut, "xlsx", "http://agency/cut.xlsx")


def test_the_package_names_load_on_first_use():
    import immtrack
    from immtrack.metrics.encounters import encounters

    assert immtrack.encounters is encounters
    assert all(getattr(immtrack, name) for name in immtrack.__all__)
    with pytest.raises(AttributeError):
        immtrack.no_such_name  # noqa: B018


def test_only_immtrack_command_lines_load_commands_lightly():
    from immtrack.cli.main import _invoked_command

    assert _invoked_command(["/x/.venv/bin/immtrack", "--home", "update", "changes"]) \
        == "changes"
    assert _invoked_command(["immtrack", "--home", "/h", "update", "--dry-run"]) == "update"
    assert _invoked_command(["/x/bin/pytest", "-k", "update"]) is None
    assert _invoked_command(["immtrack"]) is None


def test_a_server_that_refuses_head_is_asked_with_a_get():
    site = AgencySite()
    site.publish("/f.csv", b"a,b\r\n1,2\r\n")
    site.files["/f.csv"].misbehave = "no head"
    with AgencyServer(site) as server:
        seen = probe(server.url("/f.csv"))
    assert (seen.etag, seen.length) == (site.files["/f.csv"].etag, 10)
    assert [method for method, _, _ in site.requests] == ["HEAD", "GET"]
