"""The page's views: the overview, a profile, the help. Each only reads (S6: no GET changes
anything); ``?lang=`` changes the language of one answer and is stored nowhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, g, redirect, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from assistant.environment import utc_now
from assistant.i18n import LANGUAGES
from assistant.page.model import PageData, masked_identifiers
from assistant.page.security import csrf_token
from assistant.page.words import HTML_LANG, Words, isolate, page_language
from assistant.settings import Paths, Settings, load_settings

views_blueprint = Blueprint("views", __name__)


@dataclass
class NavItem:
    href: str
    label: Markup
    current: bool = False


@dataclass
class LanguageLink:
    href: str
    label: Markup
    hreflang: str


@dataclass
class Footer:
    times: Markup
    close: Markup
    csrf: str


def _data() -> PageData:
    paths: Paths = current_app.extensions["page_paths"]
    settings: Settings | None = current_app.extensions["page_settings"]
    clock: Callable[[], datetime] = current_app.extensions.get("page_clock", utc_now)
    return PageData(paths, settings if settings is not None else load_settings(paths), clock)


def _identifiers() -> Callable[[str], str | None]:
    found = current_app.extensions.get("page_identifiers")
    if found is None:
        data = _data()
        found = masked_identifiers(data.settings, data.paths)
        current_app.extensions["page_identifiers"] = found
    result: Callable[[str], str | None] = found
    return result


def _with_lang(path: str, language: str | None) -> str:
    return f"{path}?lang={quote(language)}" if language else path


def _frame(w: Words, current: str, asked: str | None) -> dict[str, Any]:
    """What every page has around it: the menu, the note on times, the close button."""
    g.personal = True
    return {
        "w": w,
        "nav": [
            NavItem(_with_lang("/", asked), w._("Overview"), current == "overview"),
            NavItem(_with_lang("/setup", asked), w.frame["setup"], current == "setup"),
            NavItem(_with_lang("/help", asked), w._("Help"), current == "help"),
        ],
        "footer": Footer(
            times=w._(
                "Times are Paris time. The assistant never opens a letter and never shows a "
                "password."
            ),
            close=w._("Close the page on this computer"),
            csrf=csrf_token(),
        ),
    }


def _asked_language() -> str | None:
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else None


@views_blueprint.get("/")
def overview() -> str | Response:
    asked = _asked_language()
    w = Words(page_language(asked))
    cards = _data().cards(w)
    if len(cards) == 1:
        # One person: their page is the overview.
        return redirect(_with_lang(cards[0].href, asked), code=303)
    return render_template(
        "overview.html",
        title=w._("Overview"),
        heading=w._("Where each person stands"),
        intro=w._("The most urgent first. Click a name to see the letters and the dates."),
        # The page's own way first: its reader may never have opened a terminal.
        empty=w._(
            'No profile yet: press "{button}" below to add the first one. In a terminal, '
            "'ofpra-assistant setup' does the same.",
            button=w.frame["setup"],
        ),
        cards=cards,
        **_frame(w, "overview", asked),
    )


@views_blueprint.get("/profiles/<name>")
def profile(name: str) -> str:
    asked = _asked_language()
    # The holder's language by default: the page is theirs. ``?lang=`` shows another one.
    view = _data().profile(name, lambda holders: Words(asked or holders), _identifiers())
    if view is None:
        raise NotFound()
    w = view.words
    page_default = page_language(None)
    switch = [
        LanguageLink(
            _with_lang(f"/profiles/{quote(name)}", code),
            isolate(LANGUAGES[code]),
            HTML_LANG.get(code, code),
        )
        for code in dict.fromkeys([view.language, page_default])
        if code in LANGUAGES and code != w.language
    ]
    return render_template(
        "profile.html",
        # A <title> holds text only: no <bdi> there.
        title=name,
        view=view,
        switch=switch,
        switch_label=w._("Read this page in:"),
        labels={
            "todo": w._("What to do"),
            "letters": w._("Letters"),
            "kinds": w._("What these letters are"),
            "checks": w._("The last ten checks"),
            "when": w._("When (Paris time)"),
            "outcome": w._("Outcome"),
            "no_checks": w._("No check yet."),
            "help": w._("Where to get help"),
            "help_text": w._(
                "Your SPADA (the platform that follows your asylum application), a lawyer, and "
                "the Watizat guide on watizat.org."
            ),
        },
        **_frame(w, "profile", asked),
    )


@views_blueprint.get("/help")
def help_page() -> str:
    asked = _asked_language()
    w = Words(page_language(asked))
    return render_template(
        "help.html",
        title=w._("Help"),
        sections=help_sections(w),
        **_frame(w, "help", asked),
    )


@dataclass
class HelpSection:
    title: Markup
    paragraphs: list[Markup]
    items: list[Markup]


def help_sections(w: Words) -> list[HelpSection]:
    return [
        HelpSection(
            w._("What the assistant does"),
            [
                w._(
                    "Once a week, and every morning while a letter waits, it logs in to your "
                    "OFPRA account, reads the list of letters, and tells you what to open and "
                    "by when, in your language."
                )
            ],
            [],
        ),
        HelpSection(
            w._("What it never does"),
            [],
            [
                w._("It never opens a letter: opening one is for you to do, on the OFPRA site."),
                w._('It never says "all clear" unless it read the whole list of letters.'),
                w._(
                    "It never misses a week silently: after 8 days without a check, it tells "
                    "you to check yourself."
                ),
                w._(
                    "Your password stays in this computer's keyring: never in a file, a log or "
                    "this page."
                ),
                w._("Nothing leaves this computer but the login to the OFPRA site."),
                w._("It checks nothing without your consent, and 'forget' removes everything."),
            ],
        ),
        HelpSection(
            w._("Activate your account"),
            [
                w._(
                    'The first time, go to the OFPRA site and choose "I have not activated my '
                    'personal space yet". Enter your AGDREF number and the connection key from '
                    "the leaflet the GUDA (the prefecture's asylum desk) gave you, then create a "
                    "password. Write down or photograph your key and your password."
                )
            ],
            [],
        ),
        HelpSection(
            w._("Lost password or connection key"),
            [],
            [
                w._(
                    'Forgot your password: on the login page, click "I forgot my password", '
                    "then give your number and your connection key."
                ),
                w._(
                    'Lost your connection key too: click "I lost my personal connection key": '
                    "a new password comes by SMS or e-mail."
                ),
                w._("If it does not work, go to your SPADA: it can help you."),
            ],
        ),
        HelpSection(
            w._("Stop the assistant"),
            [],
            [
                w._(
                    "To stop the checks at login: 'ofpra-assistant autostart disable'. To stop "
                    "the running agent, close it, or stop it in the system monitor."
                ),
                w._(
                    "To remove a person's password, letters and consent: 'ofpra-assistant "
                    "forget --profile NAME'."
                ),
            ],
        ),
        HelpSection(
            w._("Where to get help"),
            [
                w._(
                    "Your SPADA (the platform that follows your asylum application), a lawyer, "
                    "and the Watizat guide on watizat.org."
                ),
                w._("This is not legal advice: ask your SPADA or a lawyer, and see watizat.org."),
            ],
            [],
        ),
    ]
