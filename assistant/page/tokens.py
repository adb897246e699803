"""The page's one-time tokens (DESIGN.md, "The page", S4), Jupyter's way made stricter.

``open`` mints a token with the opener key (a file of the home folder only its owner reads) and
hands it to the browser through a 0600 HTML file that POSTs it: never a URL that stays in the
history or a ``Referer``, never a command line, never a log. The agent's page redeems it once,
within 60 seconds, for a session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import os
import secrets
import stat
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

from assistant.private_files import write_private_file
from assistant.settings import Paths, private_folder

KEY_BYTES = 32
NONCE_BYTES = 32
#: How long a token may wait between ``open`` and the browser's first request.
TOKEN_LIFETIME_SECONDS = 60.0
_STAMP = struct.Struct(">d")


def write_home_file(path: Path, data: bytes) -> None:
    """A private file of the home folder, its folder checked as every folder of the home is."""
    private_folder(path.parent, allow_link=True)
    write_private_file(path, data)


def ensure_opener_key(paths: Paths) -> bytes:
    """The page's opener key: 32 random bytes in a 0600 file of the home folder, made on first
    use. The agent and ``open`` share it; ``open`` mints one-time tokens with it, the agent
    redeems them."""
    path = paths.page_key_file
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = b""
    if len(key) == KEY_BYTES and _owner_only(path):
        return key
    key = secrets.token_bytes(KEY_BYTES)
    write_home_file(path, key)
    # Two processes making it at once: the one written last wins, and both use that one.
    return path.read_bytes()


def stored_opener_key(paths: Paths) -> bytes | None:
    """The opener key as its file holds it now, if it is a key only its owner can read."""
    path = paths.page_key_file
    try:
        key = path.read_bytes()
        return key if len(key) == KEY_BYTES and _owner_only(path) else None
    except OSError:
        return None


def _owner_only(path: Path) -> bool:
    if os.name != "posix":
        return True
    info = path.stat()
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)


def _signature(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


def mint_token(key: bytes, *, now: float | None = None) -> str:
    """A one-time token: a random nonce (32 bytes) and the time, signed with HMAC-SHA256 by
    the key."""
    body = secrets.token_bytes(NONCE_BYTES) + _STAMP.pack(time.time() if now is None else now)
    return base64.urlsafe_b64encode(body + _signature(key, body)).decode("ascii").rstrip("=")


class TokenBook:
    """Redeems tokens: each once, while fresh. The nonces seen are kept only as long as their
    token could still be fresh, so the book stays small in an agent that runs for months."""

    def __init__(
        self,
        key: bytes,
        *,
        clock: Callable[[], float] = time.time,
        key_source: Callable[[], bytes | None] | None = None,
    ) -> None:
        self._key = key
        self._clock = clock
        #: Where the key is kept: a key made again since (its file was removed, or readable by
        #: others and replaced) is read again once a token signed by it arrives.
        self._key_source = key_source
        self._used: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def redeem(self, token: str) -> bool:
        """True once for a token signed by the key, at most 60 s old; False ever after."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            return False
        size = NONCE_BYTES + _STAMP.size
        if len(raw) != size + hashlib.sha256().digest_size:
            return False
        body, signature = raw[:size], raw[size:]
        if not hmac.compare_digest(signature, _signature(self._key, body)):
            fresh = self._key_source() if self._key_source is not None else None
            if not fresh or fresh == self._key:
                return False
            if not hmac.compare_digest(signature, _signature(fresh, body)):
                return False
            self._key = fresh
        (minted,) = _STAMP.unpack(body[NONCE_BYTES:])
        now = self._clock()
        # A token from the future (a clock set back) is refused too, beyond a little skew.
        if not (-5.0 <= now - minted <= TOKEN_LIFETIME_SECONDS):
            return False
        nonce = body[:NONCE_BYTES]
        with self._lock:
            for old, when in list(self._used.items()):
                if now - when > TOKEN_LIFETIME_SECONDS + 10:
                    del self._used[old]
            if nonce in self._used:
                return False
            self._used[nonce] = minted
        return True


_OPENER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>OFPRA assistant</title></head>
<body>
<form id="open" method="post" action="{action}">
<input type="hidden" name="token" value="{token}">
<input type="hidden" name="next" value="{next}">
<button type="submit">Open / Ouvrir</button>
</form>
<script>document.getElementById("open").submit();</script>
</body></html>
"""


def write_opener_file(paths: Paths, base_url: str, token: str, next_path: str = "/") -> Path:
    """A 0600 HTML file in the home folder that POSTs the token to ``base_url + "session"`` (a
    small script submits the form at once; a button does it without script). Returns its path;
    ``open`` gives the browser its file:// URL. The token never appears in a URL, a command
    line or a log."""
    if not base_url.endswith("/"):
        base_url += "/"
    document = _OPENER.format(
        action=html.escape(base_url + "session", quote=True),
        token=html.escape(token, quote=True),
        next=html.escape(next_path, quote=True),
    )
    path = paths.page_opener_file
    write_home_file(path, document.encode("utf-8"))
    return path
