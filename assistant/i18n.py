"""Texts in the person's language: gettext catalogs managed with Babel, dates formatted by Babel.

Every user-facing text is written in English in the code and wrapped in ``t._`` / ``t.ngettext``
of a ``Translator`` (or marked ``N_`` where it is only stored, like error templates); the catalogs
in ``assistant/locale`` translate them. ``make catalogs`` extracts and updates them, and the
build (``make venv``) compiles them.
"""

from __future__ import annotations

import contextlib
import gettext
import locale
import os
import sys
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.errors import AssistantError

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "ofpra_assistant"
DEFAULT_LANGUAGE = "fr"

#: Each language with its own name, as `setup` lists them. Dari is Persian as written in
#: Afghanistan (fa_AF): Babel has no locale of its own for it.
LANGUAGES: dict[str, str] = {
    "fr": "Français",
    "en": "English",
    "fa_AF": "دری (Dari)",
    "ps": "پښتو (Pashto)",
    "ar": "العربية (Arabic)",
    "bn": "বাংলা (Bengali)",
    "tr": "Türkçe (Turkish)",
    "ru": "Русский (Russian)",
    "uk": "Українська (Ukrainian)",
    "ka": "ქართული (Georgian)",
    "ht": "Kreyòl ayisyen (Haitian Creole)",
}
RIGHT_TO_LEFT = frozenset({"fa_AF", "ps", "ar"})

# The right-to-left mark: it sets a paragraph's direction, and on each side of a value put into
# a right-to-left sentence (the portal's French label, a date, a number) it keeps the sentence's
# order around it, "decision (Décision)" read from the right. Not the isolates (U+2066-U+2069):
# a bidi-aware terminal such as mlterm shows them as boxes, and a value that holds isolates of
# its own ("{kind} ({label})") would be laid out left to right inside the outer one.
RLM = "\u200f"


class Unmarked(str):
    """A value put into a message as it is, with no direction mark glued to it: a link, which
    a phone or a mail reader would otherwise take with the mark and then fail to open."""

    __slots__ = ()


# CLDR has no month names for Haitian Creole: Babel would write "2026 M12 5".
_HAITIAN_MONTHS = [
    "janvye",
    "fevriye",
    "mas",
    "avril",
    "me",
    "jen",
    "jiyè",
    "out",
    "septanm",
    "oktòb",
    "novanm",
    "desanm",
]


def normalise_language(code: str) -> str | None:
    """``fr_FR.UTF-8`` → ``fr``; ``fa-AF`` → ``fa_AF``; None when there is no catalog for it."""
    code = code.split(".")[0].split("@")[0].replace("-", "_")
    if code in LANGUAGES:
        return code
    base = code.split("_")[0].lower()
    if base == "prs" or code.lower() == "fa_af":
        return "fa_AF"
    return base if base in LANGUAGES else None


def system_language(environ: dict[str, str] | None = None) -> str:
    """The system's language when there is a catalog for it, else French (issue 7)."""
    from_system = environ is None
    environ = dict(os.environ) if environ is None else environ
    candidates = [environ.get(name, "") for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")]
    # Where no variable says anything (Windows, macOS apps), ask the platform. Not otherwise,
    # and not elsewhere: there the variables are the platform's answer, and with none of them
    # Python coerces the C locale to "C.UTF-8" (PEP 538), which it reads as en_US; the C
    # locale is no one's language.
    if from_system and not any(candidates) and sys.platform in ("win32", "darwin"):
        with contextlib.suppress(ValueError):
            candidates.append(locale.getlocale()[0] or "")
    for candidate in candidates:
        for part in candidate.split(":"):
            if part and part not in ("C", "POSIX"):
                found = normalise_language(part)
                if found:
                    return found
    return DEFAULT_LANGUAGE


class Translator:
    def __init__(self, language: str) -> None:
        self.language = normalise_language(language) or DEFAULT_LANGUAGE
        self._catalog = _catalog(self.language)

    @property
    def right_to_left(self) -> bool:
        return self.language in RIGHT_TO_LEFT

    def _(self, message: str, /, **values: object) -> str:
        text = self._gettext(message)
        return text.format(**self._isolated(values)) if values else text

    def _gettext(self, message: str) -> str:
        # gettext("") is the catalog's header ("Project-Id-Version: ..."): an empty value (a
        # page with no title) must stay empty.
        return self._catalog.gettext(message) if message else message

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        text = self._catalog.ngettext(singular, plural, count)
        return text.format(**self._isolated({"count": count, **values}))

    def error(self, error: AssistantError) -> str:
        """An error's message in this language, its hints included; values that are messages
        themselves (marked ``N_`` where the error was raised) are translated too."""

        def translate(template: str, **values: object) -> str:
            translated = {
                name: self._gettext(value) if isinstance(value, str) else value
                for name, value in values.items()
            }
            return self._(template, **translated)

        return error.render(translate)

    def date(self, day: date) -> str:
        """A date as people write it in this language, e.g. "5 December 2026"."""
        from babel.dates import format_date

        if self.language == "ht":
            return f"{day.day} {_HAITIAN_MONTHS[day.month - 1]} {day.year}"
        written = format_date(day, format="long", locale=self.language)
        if self.language == "fr" and day.day == 1 and written.startswith("1 "):
            # French writes the first of a month as an ordinal ("1er"); CLDR has no such form.
            written = "1er" + written[1:]
        return written

    def paragraph(self, text: str) -> str:
        """Text to show on its own (an alert's title or body), with its direction set."""
        return RLM + text if self.right_to_left else text

    def _isolated(self, values: dict[str, object]) -> dict[str, object]:
        if not self.right_to_left:
            return values
        return {
            name: value if isinstance(value, Unmarked) else f"{RLM}{value}{RLM}"
            for name, value in values.items()
        }


@lru_cache(maxsize=32)
def _catalog(language: str, locale_dir: Path = LOCALE_DIR) -> gettext.NullTranslations:
    compiled = locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    source = compiled.with_suffix(".po")
    if compiled.is_file() and not (source.is_file() and _newer(source, compiled)):
        with compiled.open("rb") as file:
            return gettext.GNUTranslations(file)
    if source.is_file():
        # An install that skipped the build's compile step (a plain `pip install .`), or a
        # catalog edited since: compile it in memory rather than fall back to English.
        return _compile_in_memory(source, language)
    return gettext.NullTranslations()


def _newer(a: Path, b: Path) -> bool:
    return a.stat().st_mtime > b.stat().st_mtime


def _compile_in_memory(source: Path, language: str) -> gettext.GNUTranslations:
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as file:
        catalog = read_po(file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
