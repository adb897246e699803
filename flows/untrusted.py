"""Text read from the portal is untrusted: made safe here, once, where it enters.

A page can hold anything a script or a hostile server puts in it: terminal escape sequences
(ANSI CSI, OSC, DCS...) that clear a screen or retitle a window, other control characters, a NUL
byte (D-Bus refuses a string that holds one), bidirectional overrides and isolates (U+202E
reverses what follows), invisible format characters, and text long enough to bury a screen.
``untrusted_text`` removes or neutralises all of them before the text goes anywhere (a terminal,
a log, a notification, the state, JSON), and bounds its length.

Markup (``<b>``, ``<a href>``) is *kept* as literal characters here: the terminal and JSON show it
as it is. Only freedesktop notification servers render a subset of HTML, so it is escaped at that
edge (``assistant.privacy.notification_text``). Bidi isolates are removed here; the assistant adds
its own around what it inserts into a right-to-left sentence (``assistant/i18n.py``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: The longest text kept from one cell, label or header (the longest real label is ~60).
MAX_TEXT: Final = 300
#: The longest page title kept (it goes into error messages).
MAX_TITLE: Final = 120
ELLIPSIS: Final = "…"

# Escape sequences as terminals read them (ECMA-48), in their 7-bit and 8-bit forms: the whole
# sequence goes, not only its ESC, or "[2J" would be left in the text.
_ESCAPE_SEQUENCE: Final = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?          # CSI ... final byte
    | (?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|$) # OSC, DCS, SOS, PM, APC
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                                   # any other escape
    """,
    re.VERBOSE | re.DOTALL,
)

# Bidirectional controls: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069),
# and the marks (LRM, RLM, ALM). A page's text never sets the direction of the assistant's.
_BIDI_CONTROLS: Final = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
# Invisible format characters that hide or disguise text. Zero-width (non-)joiners stay: Persian
# and Indic scripts need them.
_INVISIBLE: Final = frozenset("\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\ufff9\ufffa\ufffb")
# Line and paragraph separators: a line break in disguise.
_SEPARATORS: Final = frozenset("\u2028\u2029\x85")


def _is_removed(char: str) -> bool:
    if char in _BIDI_CONTROLS or char in _INVISIBLE:
        return True
    if char in "\t\n\r" or char in _SEPARATORS:
        return False  # whitespace: one space below
    category = unicodedata.category(char)
    if category == "Cf":
        # Deprecated format switches (U+206A-U+206F) and tag characters hide text.
        return "\u206a" <= char <= "\u206f" or "\U000e0000" <= char <= "\U000e007f"
    # Cc: C0, DEL and C1 controls, NUL included; Cs: lone surrogates; Cn: noncharacters and
    # unassigned code points. Private-use characters (Co) are harmless glyphs.
    return category in ("Cc", "Cs", "Cn")


def _kept(char: str) -> str:
    if char.isprintable():
        return char
    if char in _SEPARATORS:
        return " "
    return "" if _is_removed(char) else char


def untrusted_text(value: object, limit: int = MAX_TEXT) -> str:
    """``value`` as a page gave it, made safe: escape sequences, control characters (NUL
    included), bidi controls and invisible characters removed; every run of whitespace (line
    breaks included) one space; at most ``limit`` characters (cut with "…"). None is ""."""
    if value is None:
        return ""
    text = str(value)
    # Most cells ("Non lu", "20/11/2026", "Décision") hold nothing to remove: isprintable() is
    # False for every control, format, separator (but the space) and unassigned character.
    if not text.isprintable():
        text = "".join(map(_kept, _ESCAPE_SEQUENCE.sub("", text)))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + ELLIPSIS
    return text


def untrusted_texts(values: object, limit: int = MAX_TEXT) -> list[str]:
    """Each item of a list the page gave (a table row, its headers) made safe; not a list: []."""
    if not isinstance(values, list):
        return []
    return [untrusted_text(value, limit) for value in values]


def without_control_characters(text: str) -> str:
    """``text`` with escape sequences and control characters removed, line breaks and tabs
    kept: the last guard of a terminal, for whatever reached it without passing through
    ``untrusted_text`` (a browser's error quoting a script, say)."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    return "".join(char for char in text if char in "\n\t" or unicodedata.category(char) != "Cc")
