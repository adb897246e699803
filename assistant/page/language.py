"""The page's language: chosen from every page (the frame's small form), remembered for the
browser session (``PageSession.language``) and as the home folder's default (a small 0600 file
in the data folder), so that a new browser session starts in it. ``?lang=`` still changes one
answer only. A profile's alerts keep the holder's language: nothing here touches a profile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, g, has_request_context, redirect, request
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from assistant.i18n import LANGUAGES
from assistant.settings import Paths

log = logging.getLogger(__name__)
language_blueprint = Blueprint("language", __name__)

#: The home folder's default language of the page: one language code, nothing else.
LANGUAGE_FILE = "page-language"
#: The ``lang`` attribute of each catalog's language (BCP 47), as words.HTML_LANG says it.
_HTML_LANG = {"fa_AF": "fa-AF"}


@dataclass(frozen=True)
class LanguageOption:
    """One language of the chooser, named in its own words and script."""

    code: str
    name: str
    html_lang: str


#: The 11, in the order the terminal lists them.
LANGUAGE_OPTIONS = [
    LanguageOption(code, name, _HTML_LANG.get(code, code)) for code, name in LANGUAGES.items()
]


def stored_language(paths: Paths) -> str | None:
    """The home folder's default, or None when none was chosen (or the file is not one)."""
    try:
        code = (paths.data_dir / LANGUAGE_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return code if code in LANGUAGES else None


def store_language(paths: Paths, code: str) -> None:
    from assistant.page.tokens import write_private_file

    write_private_file(paths.data_dir / LANGUAGE_FILE, code.encode("ascii"))


def chosen_language() -> str | None:
    """The language this browser session chose, else the home folder's default; None outside a
    request of the page (or when neither was chosen)."""
    if not has_request_context():
        return None
    session = g.get("page_session")
    if session is not None and session.language:
        language: str = session.language
        return language
    paths: Paths | None = current_app.extensions.get("page_paths")
    return stored_language(paths) if paths is not None else None


def remember_language(code: str) -> None:
    """For this browser session, and as the home folder's default."""
    g.page_session.language = code
    paths: Paths = current_app.extensions["page_paths"]
    try:
        store_language(paths, code)
    except OSError as error:
        # The session keeps it: only a new session would start in the old language.
        log.warning("the page's language could not be kept as the default: %s", error.strerror)


def with_language(target: str, code: str) -> str:
    """``target`` (a path of the page, made safe by the caller) with ``?lang=`` set to
    ``code``: the page the chooser was on, shown again in the chosen language (a person's page
    too, which is in the holder's language otherwise)."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"] + [("lang", code)]
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


@dataclass(frozen=True)
class Chooser:
    options: list[LanguageOption]
    csrf: str
    #: The page it is on, to show it again in the chosen language.
    here: str


@language_blueprint.app_context_processor
def chooser() -> dict[str, Chooser | None]:
    """The chooser for the frame of every page of a session (none on the pages a browser
    without a session sees: the form would be refused anyway)."""
    from assistant.page.security import csrf_token

    csrf = csrf_token()
    if not csrf:
        return {"chooser": None}
    # A refused answer to a form is shown on the form's own address: going back there is a GET.
    query = request.query_string.decode("utf-8", "replace") if request.method == "GET" else ""
    here = request.path + (f"?{query}" if query else "")
    return {"chooser": Chooser(LANGUAGE_OPTIONS, csrf, here)}


@language_blueprint.post("/language")
def choose() -> Response:
    """The chooser's form: ``language`` (a code of the 11) and ``next`` (the page it was on)."""
    from assistant.page.session import safe_next

    code = request.form.get("language", "")
    if code not in LANGUAGES:
        raise BadRequest()
    remember_language(code)
    return redirect(with_language(safe_next(request.form.get("next")), code), code=303)
