"""The page's guard, in one place for every route (Syncthing's GUI middleware, not a decorator
per view): Host (S2), session (S3), CSRF and Origin on every POST (S6), and the headers of
every response (S7). DESIGN.md, "The page", lists the properties; tests/test_page_app.py
has one test each, and one that walks the URL map.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask, Response, g, request
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized

if TYPE_CHECKING:
    from assistant.page.setup_views import SetupDraft

#: The only endpoints a browser without a session may reach: the token exchange, and the
#: stylesheet and font (which hold nothing personal).
PUBLIC_ENDPOINTS = frozenset({"session.exchange", "static"})
#: The only POST that carries no CSRF token: the exchange, whose one-time token is its proof.
CSRF_EXEMPT_ENDPOINTS = frozenset({"session.exchange"})
CSRF_FIELD = "csrf_token"
#: A volunteer's browser opening the page again and again keeps at most this many sessions;
#: the oldest goes first.
MAX_SESSIONS = 64

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def cookie_name(home: str) -> str:
    """S5: browsers share cookies across the ports of one host, so two home folders (two
    agents) of one computer must not read or overwrite each other's session."""
    return "ofpra_page_" + hashlib.sha256(home.encode("utf-8")).hexdigest()[:8]


@dataclass
class PageSession:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    started: float = field(default_factory=time.monotonic)
    #: The page's language chosen in this browser session (None: the home folder's default).
    language: str | None = None
    #: A setup under way: its answers so far, never the password (setup_views.py).
    setup: SetupDraft | None = None


class SessionBook:
    """Sessions in memory only: a restarted agent forgets them all, and a session cookie
    without an expiry dies with the browser."""

    def __init__(self) -> None:
        self._sessions: dict[str, PageSession] = {}
        self._lock = threading.Lock()

    def start(self) -> tuple[str, PageSession]:
        key = secrets.token_urlsafe(32)
        session = PageSession()
        with self._lock:
            while len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda k: self._sessions[k].started)
                del self._sessions[oldest]
            self._sessions[key] = session
        return key, session

    def get(self, key: str | None) -> PageSession | None:
        if not key:
            return None
        with self._lock:
            return self._sessions.get(key)

    def end(self, key: str | None) -> None:
        with self._lock:
            self._sessions.pop(key or "", None)


class PageGuard:
    """Installs the checks and the headers on an app, for the page served on ``port``."""

    def __init__(self, app: Flask, *, port: int, home: str) -> None:
        self.port = port
        self.cookie = cookie_name(home)
        self.sessions = SessionBook()
        self.hosts = frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})
        self.origins = frozenset(f"http://{host}" for host in self.hosts)
        app.before_request(self._check)
        app.after_request(self._headers)
        app.extensions["page_guard"] = self

    def _check(self) -> None:
        # S2 first: a page reached through another name (DNS rebinding) gets nothing, not
        # even the stylesheet.
        if request.headers.get("Host", "") not in self.hosts:
            raise Forbidden()
        g.page_session = self.sessions.get(request.cookies.get(self.cookie))
        g.personal = False
        endpoint = request.endpoint
        if endpoint not in PUBLIC_ENDPOINTS and g.page_session is None:
            raise Unauthorized()
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            self._check_post(endpoint)

    def _check_post(self, endpoint: str | None) -> None:
        origin = request.headers.get("Origin")
        if endpoint in CSRF_EXEMPT_ENDPOINTS:
            # The opener file is a file:// page: its browser says "null". Any other site's
            # origin is refused, though it could not hold a valid token anyway.
            if origin is not None and origin != "null" and origin not in self.origins:
                raise Forbidden()
            return
        if origin is not None and origin not in self.origins and not _own_null_origin(origin):
            raise Forbidden()
        session: PageSession | None = g.page_session
        sent = request.form.get(CSRF_FIELD, "")
        if session is None or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            raise Forbidden()

    def _headers(self, response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if request.endpoint != "static" or response.status_code not in (200, 304):
            # S7: whatever is not the stylesheet or the font may name a person: never kept.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response


def _own_null_origin(origin: str) -> bool:
    """A form of the page itself, posted under its own ``Referrer-Policy: no-referrer`` (S7):
    the Fetch standard has the browser send ``Origin: null`` then. Told from another site's
    "null" (a sandboxed frame, a file) by ``Sec-Fetch-Site``, a header no page can set."""
    return origin == "null" and request.headers.get("Sec-Fetch-Site") == "same-origin"


def csrf_token() -> str:
    """The current session's CSRF token, for a form's hidden field."""
    session: PageSession | None = g.get("page_session")
    return "" if session is None else session.csrf


def is_refusal(error: HTTPException) -> bool:
    return error.code in (401, 403)
