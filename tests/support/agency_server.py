"""A local imitation of the agencies' sites for `immtrack update` tests: listing pages at the
agencies' own paths linking files at their own paths, with HEAD, Range and If-Range like a real
server, and ways to misbehave on purpose (404, a body cut short, an HTML error page instead of
the file, a new ETag on the same bytes)."""

from __future__ import annotations

import email.utils
import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlparse

ERROR_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Access Denied</title></head><body><h1>Access "
              b"Denied</h1><p>You don't have permission to access this resource.</p></body>"
              b"</html>\n")


@dataclass
class Served:
    body: bytes
    modified: float = 1_756_000_000.0  # 2025-08-24
    etag_salt: str = ""                # a new salt: a new ETag, same bytes
    misbehave: str | None = None       # "404", "truncate", "html", "no head"

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body + self.etag_salt.encode()).hexdigest()[:20] + '"'


@dataclass
class AgencySite:
    pages: dict[str, str] = field(default_factory=dict)    # path -> HTML
    files: dict[str, Served] = field(default_factory=dict)  # path -> file
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, range

    def page(self, path: str, links: list[str], title: str = "Statistics") -> None:
        """A listing page linking each path, among links that are not data files."""
        items = "\n".join(f'<li><a href="{quote(link)}">{unquote(link.rsplit("/", 1)[-1])}</a>'
                          f" (CSV)</li>" for link in links)
        self.pages[path] = (f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
                            f'<nav><a href="/">Home</a> <a href="/about">About</a></nav>'
                            f"<h1>{title}</h1><ul>\n{items}\n</ul>"
                            f'<p><a href="/sites/default/files/methodology.pdf">Methodology'
                            f"</a></p></body></html>")

    def publish(self, path: str, body: bytes, modified: float = 1_756_000_000.0) -> None:
        self.files[path] = Served(body, modified)


class AgencyServer:
    def __init__(self, site: AgencySite):
        self.site = site
        served = site

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_HEAD(self):
                self._answer(head=True)

            def do_GET(self):
                self._answer(head=False)

            def _answer(self, head: bool):
                path = unquote(urlparse(self.path).path)
                served.requests.append(("HEAD" if head else "GET", path,
                                        self.headers.get("Range")))
                if path in served.pages:
                    self._send(200, served.pages[path].encode(), "text/html; charset=utf-8",
                               head)
                    return
                item = served.files.get(path)
                if item is None or item.misbehave == "404":
                    self._send(404, b"<html><body>Page not found</body></html>", "text/html",
                               head)
                    return
                if item.misbehave == "no head" and head:
                    self._send(405, b"", "text/plain", head)
                    return
                if item.misbehave == "html":
                    self._send(200, ERROR_PAGE, "text/html", head)
                    return
                data, start = item.body, 0
                wanted = self.headers.get("Range")
                partial = wanted and self.headers.get("If-Range") in (None, item.etag)
                if partial:
                    start = int(wanted.split("=")[1].split("-")[0])
                self.send_response(206 if partial else 200)
                if partial:
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data) - start))
                self.send_header("ETag", item.etag)
                self.send_header("Last-Modified",
                                 email.utils.formatdate(item.modified, usegmt=True))
                if item.misbehave == "truncate" and not head:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data[start:start + (len(data) - start) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.end_headers()
                if not head:
                    self.wfile.write(data[start:])

            def _send(self, status: int, body: bytes, kind: str, head: bool):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{quote(path)}"

    def __enter__(self) -> AgencyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
