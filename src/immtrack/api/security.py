"""What every response and request passes through, before any route runs.

- **Body size.** A request body over `MAX_BODY_BYTES` is refused with 413 before it is read
  into memory whole (claim files are a few KB; nothing else takes a body).
- **Host check.** Bound to a loopback address, the server answers only requests whose Host is
  a loopback name (localhost, 127.0.0.1, [::1]). A web page elsewhere can point its own domain
  name at 127.0.0.1 ("DNS rebinding") and then read the local server as if it were its own
  origin; its requests still carry that domain as Host, so they are refused (400).
- **Security headers** on every response: a Content-Security-Policy that allows scripts,
  styles and connections from this server only, no inline script, no framing
  (`frame-ancestors 'none'`, and X-Frame-Options for older browsers); `nosniff`; no Referer
  sent elsewhere. The API docs page (/docs) runs Swagger UI from its CDN with one inline
  script: its policy allows that CDN and that script's hash, nothing more.

Written as plain ASGI middleware so a refused request never reaches FastAPI's body parsing.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 256 * 1024
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'none'")
SWAGGER_CDN = "https://cdn.jsdelivr.net"
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def is_loopback(host: str) -> bool:
    """True for an address or name that only this machine can reach."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name in a Host header, without its port: `[::1]:8000` -> `::1`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def docs_policy(html: str) -> str:
    """The policy for a Swagger UI page: its CDN, and its own inline scripts by hash."""
    hashes = []
    for chunk in html.split("<script>")[1:]:
        body = chunk.split("</script>", 1)[0]
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return (f"default-src 'self'; script-src 'self' {SWAGGER_CDN} {' '.join(hashes)}; "
            f"style-src 'self' {SWAGGER_CDN}; img-src 'self' data: https://fastapi.tiangolo.com; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


class Guard:
    """Body-size limit, Host check (when `allowed_hosts` is given) and security headers."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: frozenset[str] | None,
                 max_body: int = MAX_BODY_BYTES):
        self.app, self.allowed_hosts, self.max_body = app, allowed_hosts, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(send)
        headers = Headers(scope=scope)
        if self.allowed_hosts is not None and \
                host_name(headers.get("host", "")) not in self.allowed_hosts:
            await _refuse(send, 400, "this server answers only requests addressed to "
                          f"{', '.join(sorted(self.allowed_hosts))} (the Host header names "
                          "another site)")
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            body = await self._body(headers, receive)
            if body is None:
                await _refuse(send, 413, f"request body over {self.max_body // 1024} KB; "
                              "send a smaller claim file, or check it in parts")
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def _body(self, headers: Headers, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it is known to be too large."""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            return None
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", PAGE_POLICY.encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)
        return sending


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then waits as the server would."""
    sent = False

    async def replaying() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replaying


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
