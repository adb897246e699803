"""Keeps secrets out of every output: one scrubber, applied at each edge where text leaves.

A portal may echo the typed password or identifier back (in a page title, a label, an error);
the text then travels into messages, alerts and letters. Wherever it leaves the assistant, the
same ``REDACTOR`` masks every password and identifier it was told about: the log (messages and
tracebacks), the CLI's output and JSON, the notifiers, the capture files, the state (letters), and
the debug screenshot (elements whose text holds a secret are masked). The identifier becomes
``******1552``, the password ``********``.

``notification_text`` is the desktop edge: scrubbed, then escaped for freedesktop servers that
render a subset of HTML in the body.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from assistant.credentials import Credentials, mask_identifier
from flows.labels import normalise
from flows.untrusted import without_control_characters

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from flows.models import PortalLetter

PASSWORD_MASK = "********"
#: A normalised variant shorter than this is not looked for (it would mask ordinary words).
_MIN_VARIANT = 6

T = TypeVar("T")


class SecretRedactingFilter(logging.Filter):
    """The scrubber: knows the secrets of the profiles this process loaded, and masks them in
    text, in JSON-like objects, and (as a logging filter) in every record, traceback included."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._replacements: dict[str, str] = {}
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def register(self, credentials: Credentials) -> None:
        masked = mask_identifier(credentials.identifier)
        with self._lock:
            for secret, mask in (
                (credentials.password, PASSWORD_MASK),
                (credentials.identifier, masked),
            ):
                if not secret:
                    continue
                self._secrets.add(secret)
                self._replacements[secret.casefold()] = mask
                # The letter ids are built from a label's normalised words joined by "-".
                variant = "-".join(normalise(secret).split())
                if len(variant) >= _MIN_VARIANT:
                    self._replacements.setdefault(variant, mask)
            # Longest first, so that a secret inside another is not half-masked.
            ordered = sorted(self._replacements, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered), re.IGNORECASE)

    def secrets(self) -> list[str]:
        """The registered secrets as they would appear on a page (for the screenshot's mask)."""
        with self._lock:
            return sorted(self._secrets)

    def scrub(self, text: str) -> str:
        """``text`` with every registered secret masked (case does not matter)."""
        with self._lock:
            pattern, replacements = self._pattern, self._replacements
        if pattern is None or not text:
            return text
        return pattern.sub(lambda found: replacements[found.group(0).casefold()], text)

    def scrub_object(self, value: T) -> T:
        """Every string in a JSON-like value (dicts, lists, strings) scrubbed; keys too."""
        if isinstance(value, str):
            return self.scrub(value)  # type: ignore[return-value]
        if isinstance(value, dict):
            return {  # type: ignore[return-value]
                self.scrub_object(k): self.scrub_object(v) for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return type(value)(self.scrub_object(v) for v in value)
        return value

    def scrub_letters(self, letters: Iterable[PortalLetter]) -> list[PortalLetter]:
        """Letters as the state may keep them: no secret in their id, label or sender."""
        return [
            replace(
                letter,
                id=self.scrub(letter.id),
                label=self.scrub(letter.label),
                sender=None if letter.sender is None else self.scrub(letter.sender),
            )
            for letter in letters
        ]

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            if self._pattern is None:
                return True
        record.msg, record.args = self.scrub(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            # A traceback's text holds the exception's message (a Playwright error may quote
            # a page's title): format it now, masked, for every handler to use.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


#: The one scrubber: the runner registers each profile's credentials with it as it loads them,
#: the CLI puts it on its log handlers and passes its output through it.
REDACTOR = SecretRedactingFilter()


def scrubbed(value: Any) -> Any:
    """A JSON-like value, or a text, with no registered secret (the CLI's output edge)."""
    return REDACTOR.scrub_object(value)


def escape_markup(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped: freedesktop notification servers render a subset of HTML
    in a body (``<b>``, ``<a href>``, ``<img>``), and a page's text must not become markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notification_text(text: str, *, markup: bool | None = True) -> str:
    """Text for a desktop notification: no secret, no NUL (D-Bus refuses a string holding
    one), and no live markup: escaped in a body (``markup``, rendered by the server), angle
    brackets replaced in a summary (plain text, shown as it is)."""
    text = REDACTOR.scrub(text).replace("\x00", "")
    if markup is None:
        return text  # markup escaped later, by whoever knows the server renders it
    if markup:
        return escape_markup(text)
    # A summary is plain text by the specification, but not every server keeps to it: what
    # could open a tag becomes a look-alike, which no server reads as markup.
    return text.replace("<", "\u2039").replace(">", "\u203a")


class ScrubbingStream:
    """A text stream (the CLI's stdout or stderr) that masks every registered secret in what is
    written to it, and drops control characters (terminal escapes): whatever prints, a secret
    the portal echoed, or an escape a browser error quoted, does not reach the terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(without_control_characters(REDACTOR.scrub(text)))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def scrubbed_standard_streams() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` scrubbed for as long as the CLI runs a command."""
    saved = sys.stdout, sys.stderr
    sys.stdout = ScrubbingStream(saved[0])
    sys.stderr = ScrubbingStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def print_secret_once(text: str) -> None:
    """The one print of a secret meant for its holder (a new password, or the stored one on
    request): to standard output past the scrubber, which would mask it, and nowhere else (no
    log, no channel, no file)."""
    stream = sys.stdout
    raw = stream._stream if isinstance(stream, ScrubbingStream) else stream
    raw.write(without_control_characters(text) + "\n")
    raw.flush()


def secret_masks(page: Page) -> list[Locator]:
    """What a screenshot of ``page`` must cover: every form field (what was typed), and every
    element whose text holds a registered secret (a portal that echoes it back)."""
    masks = [page.locator("input, textarea, select, [contenteditable]")]
    masks.extend(page.get_by_text(secret) for secret in REDACTOR.secrets())
    return masks


# A log record starts with the formatter's time stamp; the lines after it (a traceback) are its.
_RECORD_START = re.compile(rb"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def forget_in_log(log_file: Path, names: Iterable[str]) -> int:
    """Remove from the log every record (its traceback included) that names one of ``names``
    (a profile, its masked identifier), rewriting the file in place; the number of lines
    removed. ``forget`` calls it last, so that nothing it logs names the profile either."""
    words = [name for name in names if name]
    if not words or not log_file.is_file():
        return 0
    naming = re.compile(
        b"|".join(rb"(?<![\w.-])" + re.escape(w.encode()) + rb"(?![\w.-])" for w in words),
        re.IGNORECASE,
    )
    with log_file.open("r+b") as file:
        records: list[list[bytes]] = []
        for line in file.read().splitlines(keepends=True):
            if _RECORD_START.match(line) or not records:
                records.append([line])
            else:
                records[-1].append(line)
        kept = [r for r in records if not any(naming.search(line) for line in r)]
        removed = sum(map(len, records)) - sum(map(len, kept))
        if removed:
            file.seek(0)
            file.write(b"".join(line for record in kept for line in record))
            file.truncate()
    return removed
