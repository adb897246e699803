"""The page's words: the catalogs' translations made into safe HTML.

A message is written in English and wrapped in ``w._``/``w.ngettext`` (extracted into the
catalogs like every other); its values are escaped, and text from the portal is isolated in a
``<bdi>`` (S9) so that a French label keeps its order inside a Dari sentence and a label with
bidi overrides cannot turn the sentence around.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from markupsafe import Markup, escape

from assistant.deadlines import PARIS
from assistant.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    RIGHT_TO_LEFT,
    Translator,
    _catalog,
    normalise_language,
    system_language,
)

Day = date
#: In a right-to-left sentence, a command ('ofpra-assistant open') or a label of the French
#: portal («J'ai oublié mon mot de passe») is a left-to-right run: isolated, its quotes and
#: words keep their order (escaped text: ' is &#39;).
_COMMAND = re.compile(r"&#39;(ofpra-assistant[^&<]*?)&#39;")
_QUOTED = re.compile(r"«([^«»<]*[A-Za-z][^«»<]*)»")
#: The ``lang`` attribute of each catalog's language (BCP 47).
HTML_LANG = {"fa_AF": "fa-AF"}


def isolate(text: object) -> Markup:
    """Text from the portal (or typed by a person, like a profile's name): escaped, isolated."""
    return Markup("<bdi>{}</bdi>").format(text)


def page_language(requested: str | None) -> str:
    """The language asked for in the address (``?lang=``), else the one chosen with the page's
    chooser (this browser session's, else the home folder's default), else the system's."""
    from assistant.page.language import chosen_language

    if requested:
        found = normalise_language(requested)
        if found:
            return found
    return chosen_language() or system_language()


class Words:
    """One language's words for one request."""

    def __init__(self, language: str) -> None:
        self.t = Translator(language)
        self.language = self.t.language
        self._catalog = _catalog(self.language)
        # A page names the same few days many times; Babel takes a while for each.
        self._dates: dict[Day, str] = {}
        self._plain: dict[str, Markup] = {}

    @property
    def html_lang(self) -> str:
        return HTML_LANG.get(self.language, self.language)

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RIGHT_TO_LEFT else "ltr"

    @property
    def language_name(self) -> str:
        return LANGUAGES.get(self.language, LANGUAGES[DEFAULT_LANGUAGE])

    def _(self, message: str, /, **values: object) -> Markup:
        if not values:
            # The same words (a heading, "Urgent") come back on every card.
            if message not in self._plain:
                self._plain[message] = self._template(self._catalog.gettext(message))
            return self._plain[message]
        return self._template(self._catalog.gettext(message)).format(**values)

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> Markup:
        text = self._catalog.ngettext(singular, plural, count)
        return self._template(text).format(count=count, **values)

    def _template(self, text: str) -> Markup:
        escaped = str(escape(text))
        if self.direction == "rtl":
            escaped = _COMMAND.sub(r"<bdi>&#39;\1&#39;</bdi>", escaped)
            escaped = _QUOTED.sub(r"«<bdi>\1</bdi>»", escaped)
        return Markup(escaped)

    def text(self, message: str) -> str:
        """A message stored elsewhere (``N_``), translated, as plain text."""
        return self._catalog.gettext(message)

    def said(self, text: str) -> Markup:
        """Text the CLI's own functions worded in this language (a check's steps and result):
        escaped, its commands kept in order right to left, as this page's own messages."""
        return self._template(text)

    def date(self, day: date | None) -> Markup:
        """A date as people write it in this language, and as a machine reads it."""
        if day is None:
            return Markup("")
        return Markup('<time datetime="{}">{}</time>').format(day.isoformat(), self._date(day))

    def _date(self, day: Day) -> str:
        if day not in self._dates:
            self._dates[day] = self.t.date(day)
        return self._dates[day]

    def moment(self, moment: datetime) -> Markup:
        """A moment as Paris tells it, said as such (the CLI's own words)."""
        local = moment.astimezone(PARIS)
        clock = f"{local.hour}:{local.minute:02d}"
        return Markup('<time datetime="{}">{}</time>').format(
            local.isoformat(timespec="minutes"),
            self._("{date}, {time}, Paris time", date=self._date(local.date()), time=clock),
        )

    @property
    def frame(self) -> dict[str, Markup]:
        """The words around every page (the templates hold none of their own)."""
        return {
            "brand": self._("OFPRA assistant"),
            "skip": self._("Skip to the content"),
            "menu": self._("Menu"),
            "continue": self._("Continue to the page"),
            "language": self._("Language of the page"),
            "change": self._("Change"),
            "setup": self._("Set up a person"),
        }
