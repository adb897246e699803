"""What the page says once after a POST (its 303 leads to a GET that shows it): "Channel
'phone' added", what each channel did with a test, what was forgotten. Kept in memory per
browser session and shown once; never in a URL, a cookie or a file."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app, g
from markupsafe import Markup

from assistant.page.security import PageSession

#: Notices kept per session at most (a tab that never reads them keeps no more).
KEPT = 8


@dataclass(frozen=True)
class Notice:
    """Lines in the page's words, said once; ``problem``: something did not go as asked."""

    lines: list[Markup]
    problem: bool = False


@dataclass
class Notices:
    _by_session: dict[str, list[Notice]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, notice: Notice) -> None:
        key = _session_key()
        if key is None:
            return
        with self._lock:
            kept = self._by_session.setdefault(key, [])
            kept.append(notice)
            del kept[:-KEPT]

    def take(self) -> list[Notice]:
        key = _session_key()
        if key is None:
            return []
        with self._lock:
            return self._by_session.pop(key, [])


def _session_key() -> str | None:
    # The session's CSRF token names it: both live and die with the session.
    session: PageSession | None = g.get("page_session")
    return None if session is None else session.csrf


def notices() -> Notices:
    found: Notices = current_app.extensions.setdefault("page_notices", Notices())
    return found
