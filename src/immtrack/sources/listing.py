"""Reading an agency's listing page: its file links, what the server says about a file before
downloading it, and whether downloaded bytes are the kind of file promised.

Agencies link their files from ordinary HTML pages, so links are read with the standard
library's HTML parser (no scraping of layout: any <a href> whose file name matches the
publication's pattern counts). A HEAD request gives a file's ETag, Last-Modified and size
without its bytes; servers that refuse HEAD get a GET that is closed after the headers.
"""

from __future__ import annotations

import email.utils
import http.client
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

from immtrack.errors import BadFileError, DownloadError
from immtrack.schema.publications import Publication, date_from_name, date_from_url

USER_AGENT = "immtrack (checks for new public statistics releases)"
MAX_PAGE_BYTES = 5 << 20


@dataclass(frozen=True)
class FileLink:
    url: str
    file_name: str
    text: str                      # the link's words on the page
    published: date | None         # from the address or the name; None until the server says


@dataclass(frozen=True)
class Probe:
    """What the server says about a file without sending it."""

    url: str
    etag: str | None
    last_modified: str | None
    length: int | None
    content_type: str | None

    def last_modified_date(self) -> date | None:
        if not self.last_modified:
            return None
        try:
            return email.utils.parsedate_to_datetime(self.last_modified).date()
        except (TypeError, ValueError):
            return None


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[list[str]] = []  # [href, text]
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self._open = [href, ""]
                self.links.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None


def _request(url: str, method: str = "GET", timeout: float = 30):
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{url}: the server answered {error.code} {error.reason}") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(f"{url}: could not connect ({reason})") from None


def read_listing(page_url: str, publication: Publication, *, timeout: float = 30
                 ) -> list[FileLink]:
    """The links on `page_url` to files of `publication`, oldest publication date first
    (links without a date keep page order, after dated ones). Raises DownloadError when the
    page cannot be read and BadFileError when it is not an HTML page."""
    with _request(page_url, timeout=timeout) as response:
        try:
            body = response.read(MAX_PAGE_BYTES)
        except (OSError, http.client.HTTPException) as error:
            raise DownloadError(f"{page_url}: the page broke off ({error})") from None
        charset = response.headers.get_content_charset() or "utf-8"
        kind = response.headers.get_content_type()
    if kind not in ("text/html", "application/xhtml+xml", "text/plain"):
        raise BadFileError(page_url, f"the listing page is {kind}, not an HTML page")
    parser = _Links()
    parser.feed(body.decode(charset, errors="replace"))
    found: dict[str, FileLink] = {}
    for href, text in parser.links:
        url = urljoin(page_url, href.strip())
        path = urlparse(url).path
        name = unquote(path.rsplit("/", 1)[-1])
        if url in found or not publication.matches(name):
            continue
        published = None
        for rule in publication.dates:
            if rule == "url_month":
                published = date_from_url(path)
            elif rule == "name_mmddyyyy":
                published = date_from_name(name)
            if published:
                break
        found[url] = FileLink(url, name, " ".join(text.split()), published)
    links = list(found.values())
    return sorted(links, key=lambda link: (link.published is None, link.published or date.min))


def probe(url: str, *, timeout: float = 30) -> Probe:
    """ETag, Last-Modified, size and type of `url` (HEAD; a GET closed after its headers when
    the server refuses HEAD with 403, 405 or 501). Raises DownloadError for 404s and lost
    connections."""
    try:
        response = _request(url, "HEAD", timeout)
    except DownloadError as error:
        if not any(f" {code} " in str(error) for code in (403, 405, 501)):
            raise  # some servers and CDNs refuse HEAD but serve GET
        response = _request(url, "GET", timeout)
    with response:
        headers = response.headers
        length = headers.get("Content-Length")
        return Probe(url, headers.get("ETag"), headers.get("Last-Modified"),
                     int(length) if length and length.isdigit() else None,
                     headers.get_content_type() if headers.get("Content-Type") else None)


def check_kind(path: Path, kind: str, url: str) -> None:
    """Refuse bytes that are not the kind of file promised: an HTML error or login page served
    under a .csv name, a truncated workbook or zip. Raises BadFileError naming the address."""
    with open(path, "rb") as stream:
        head = stream.read(2048)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or \
            b"<html" in text[:512]:
        title = ""
        if b"<title>" in head.lower():
            start = head.lower().index(b"<title>") + 7
            title = head[start:head.lower().find(b"</title>", start)].decode(
                "utf-8", errors="replace").strip()
        raise BadFileError(url, f"the server sent an HTML page{f' ({title!r})' if title else ''}"
                                f" instead of the {kind.upper()} file; nothing was ingested",
                           hint="the agency's site may be down or blocking the request; "
                                "`immtrack update` will try again next time")
    if kind in ("xlsx", "zip") and not zipfile.is_zipfile(path):
        raise BadFileError(url, f"not a whole {kind} file (no zip directory at its end: "
                                f"truncated, or not a {kind}); nothing was ingested")
    if kind == "csv" and b"\x00" in head[:1024] and head.startswith(b"PK"):
        raise BadFileError(url, "a zip or workbook was served under a .csv name")
