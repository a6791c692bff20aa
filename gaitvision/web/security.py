"""Request guard of the web app: access token, Host check, same-origin writes, rate limit.

What protects a write (POST/DELETE) against cross-site request forgery here:

- the browser's own Fetch Metadata, ``Sec-Fetch-Site``: a page of another site cannot
  forge it, and every current browser sends it; a write that says ``cross-site`` or
  ``same-site`` is refused;
- where that header is missing (older browsers), the ``Origin`` header: it must name this
  server. ``Origin: null`` (sandboxed frames, ``file:`` pages, a ``no-referrer`` policy)
  is refused unless Fetch Metadata says the request is ``same-origin``;
- the token cookie is ``SameSite=Strict``, so another site's form never carries it.

The app sends ``Referrer-Policy: same-origin``: with ``no-referrer`` Chromium sends
``Origin: null`` on the app's own form posts, which made Delete and the no-JavaScript
upload fail.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections import deque
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.responses import RedirectResponse, Response

TOKEN_COOKIE = "gaitvision_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MIN_TOKEN_LENGTH = 16
#: Wrong tokens allowed per client address in :data:`FAIL_WINDOW_S` before 429 answers.
MAX_FAILURES = 10
FAIL_WINDOW_S = 60.0


def token_problem(token: str | None) -> str | None:
    """Why ``token`` is unusable as an access token, or None when it is fine."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        return (f"the access token must be at least {MIN_TOKEN_LENGTH} characters long "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))').")
    return None


def cross_site_write(headers: Headers, host: str) -> bool:
    """True when a state-changing request did not come from this server's own pages."""
    site = headers.get("sec-fetch-site")
    if site in ("cross-site", "same-site"):
        return True
    origin = headers.get("origin")
    if not origin:
        return False  # not a browser's cross-site request (those always carry Origin)
    if origin == "null":
        return site != "same-origin"
    return origin.split("://", 1)[-1].rstrip("/") != host


class FailureLimiter:
    """Counts wrong tokens per client address in a sliding window."""

    def __init__(self, limit: int = MAX_FAILURES, window_s: float = FAIL_WINDOW_S):
        self.limit, self.window_s = limit, window_s
        self._fails: dict[str, deque] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        with self._lock:
            q = self._fails.get(client)
            now = time.monotonic()
            while q and now - q[0] > self.window_s:
                q.popleft()
            return bool(q) and len(q) >= self.limit

    def failed(self, client: str) -> None:
        with self._lock:
            if len(self._fails) > 10_000:  # many addresses: forget the oldest state
                self._fails.clear()
            self._fails.setdefault(client, deque()).append(time.monotonic())


class GuardMiddleware:
    """Every request: token check (when one is set), Host check, same-origin writes.

    - token: ``Authorization: Bearer T``, the ``gaitvision_token`` cookie, or ``?token=T``
      once (which sets the cookie and redirects to the same URL without it); after
      :data:`MAX_FAILURES` wrong tokens in a minute a client gets 429 for a while;
    - allowed_hosts: when serving on loopback without a token, the Host header must name
      loopback, which defeats DNS-rebinding pages;
    - a write must come from this server's pages (:func:`cross_site_write`).
    """

    def __init__(self, app, token: str | None, allowed_hosts: set[str] | None):
        self.app = app
        self.token = token or None
        self.allowed_hosts = allowed_hosts
        self.limiter = FailureLimiter()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if self.allowed_hosts is not None and _hostname(host) not in self.allowed_hosts:
            return await plain(400, "Unknown Host header.")(scope, receive, send)
        method = scope["method"]
        if method not in SAFE_METHODS and cross_site_write(headers, host):
            return await plain(403, "Cross-origin request refused: change things from this "
                               "server's own pages.")(scope, receive, send)
        if self.token:
            response = self._check_token(scope, headers, method)
            if response is not None:
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)

    def _check_token(self, scope, headers: Headers, method: str) -> Response | None:
        client = (scope.get("client") or ("?", 0))[0]
        if self.limiter.blocked(client):
            return plain(429, "Too many wrong access tokens; wait a minute and try again.")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        supplied = _bearer(headers.get("authorization", "")) or _cookie(
            headers.get("cookie", ""), TOKEN_COOKIE)
        if not supplied and query.get("token"):
            if self._ok(query["token"]) and method in SAFE_METHODS:
                rest = urlencode({k: v for k, v in query.items() if k != "token"})
                resp = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), 303)
                resp.set_cookie(TOKEN_COOKIE, query["token"], httponly=True, samesite="strict")
                return resp
            supplied = query["token"]
        if self._ok(supplied):
            return None
        if supplied:
            self.limiter.failed(client)
        return plain(401, "This gaitvision server needs its access token: open it as "
                     "http://HOST:PORT/?token=YOUR_TOKEN.")

    def _ok(self, supplied: str | None) -> bool:
        return bool(supplied) and hmac.compare_digest(supplied.encode(), self.token.encode())


class RedactTokenFilter(logging.Filter):
    """Removes ``token=...`` from access-log lines (uvicorn logs the full request line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(record.msg) if isinstance(record.msg, str) else record.msg
        return True


def redact(text: str) -> str:
    """``/x?token=abc&y=1`` -> ``/x?token=REDACTED&y=1``."""
    import re

    return re.sub(r"(?i)(token=)[^&\s\"]*", r"\1REDACTED", text)


def plain(status: int, text: str) -> Response:
    return Response(text + "\n", status_code=status, media_type="text/plain; charset=utf-8")


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _bearer(value: str) -> str | None:
    scheme, _, cred = value.partition(" ")
    return cred.strip() if scheme.lower() == "bearer" and cred.strip() else None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None
