"""Texts in the person's language: gettext catalogs, and dates formatted by Babel.

Every user-facing text is written in English in the code, wrapped in ``_``/``ngettext`` of a
``Translator``; catalogs in ``assistant/locale`` translate them.
"""

from __future__ import annotations

import gettext
from datetime import date
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "ofpra_assistant"
DEFAULT_LANGUAGE = "fr"


class Translator:
    def __init__(self, language: str) -> None:
        self.language = language
        self._catalog = _catalog(language)

    def _(self, message: str, **values: object) -> str:
        return self._catalog.gettext(message).format(**values)

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        return self._catalog.ngettext(singular, plural, count).format(count=count, **values)

    def date(self, day: date) -> str:
        """A date as people write it in this language, e.g. "3 December 2026"."""
        from babel.core import UnknownLocaleError
        from babel.dates import format_date

        try:
            return format_date(day, format="long", locale=self.language)
        except (UnknownLocaleError, ValueError):
            return format_date(day, format="long", locale="en")


@lru_cache(maxsize=32)
def _catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)
