"""A local HTTP server for tests: serves a folder on 127.0.0.1 with Range support, and can
misbehave on purpose (drop the connection, ignore Range) to test resuming."""

from __future__ import annotations

import email.utils
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote


class FileServer:
    def __init__(self, root: Path):
        self.root = root
        self.requests: list[dict] = []
        self.drop_after: int | None = None  # bytes sent before the first response breaks off
        self.ignore_range = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server.requests.append({"path": self.path, "range": self.headers.get("Range"),
                                        "if_range": self.headers.get("If-Range")})
                path = server.root / unquote(self.path.lstrip("/"))
                if not path.is_file():
                    self.send_error(404, "Not Found")
                    return
                data = path.read_bytes()
                etag = f'"{len(data)}-{int(path.stat().st_mtime)}"'
                start = 0
                wanted = self.headers.get("Range")
                if wanted and not server.ignore_range and \
                        self.headers.get("If-Range") in (None, etag):
                    start = int(wanted.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data) - start))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified",
                                 email.utils.formatdate(path.stat().st_mtime, usegmt=True))
                self.end_headers()
                body = data[start:]
                if server.drop_after is not None:
                    body, server.drop_after = body[:server.drop_after], None
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, relative: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/{quote(relative)}"

    def __enter__(self) -> FileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
