"""A profile's alert channels on the page (``/profiles/<name>/channels``): add one (its Apprise
address typed into a password field, kept in the keyring only, shown masked as ``channel list``
shows it), send a test and see what each channel did, send the calendar, remove one; and the
calendar file to download. The same functions as the ``channel`` command (assistant/channels.py),
the same consent rule; only the words are the page's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, current_app, redirect, render_template, request
from flask import Response as Answer
from markupsafe import Markup
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from assistant.credentials import CredentialStore, CredentialStoreLike
from assistant.errors import AssistantError
from assistant.i18n import LANGUAGES
from assistant.page.check_views import words_for_profile
from assistant.page.notices import Notice, notices
from assistant.page.views import _data, _frame, _with_lang
from assistant.page.words import HTML_LANG, Words, isolate
from assistant.settings import Paths
from assistant.state import StateStore

channel_blueprint = Blueprint("channels", __name__)


def page_credentials() -> CredentialStoreLike:
    """The keyring of this home folder (tests hand in a store in memory)."""
    found = current_app.extensions.get("page_credentials")
    if found is None:
        data = _data()
        found = CredentialStore(data.settings.keyring_service, home=data.paths.data_dir)
        current_app.extensions["page_credentials"] = found
    store: CredentialStoreLike = found
    return store


@contextmanager
def writing_state() -> Iterator[StateStore]:
    """The state, open to change it, for one POST (and closed in the request's thread)."""
    paths: Paths = current_app.extensions["page_paths"]
    state = StateStore.open(paths.state_file)
    try:
        yield state
    finally:
        state.close()


@dataclass
class ChannelRow:
    label: str
    audience: Markup
    language: Markup
    address: str
    carries_files: bool


@dataclass
class Choice:
    value: str
    label: Markup
    selected: bool = False
    lang: str | None = None


def _audiences(w: Words) -> dict[str, Markup]:
    # The words `channel add` and `channel list` print.
    return {"person": w._("to the person"), "helper": w._("to a helper")}


def _base(name: str) -> str:
    return f"/profiles/{quote(name)}/channels"


def _back(name: str) -> Response:
    return redirect(_with_lang(_base(name), request.args.get("lang")), code=303)


def _said(w: Words, error: AssistantError) -> Notice:
    """A refusal (a bad address, a name taken, a consent that does not cover channels, a
    locked keyring) in the words the CLI uses, and nothing stored."""
    return Notice([w.said(w.t.error(error))], problem=True)


@channel_blueprint.get("/profiles/<name>/channels")
def show(name: str) -> str:
    from assistant.channels import ChannelStore, masked_url, supports_attachments

    w, asked = words_for_profile(name)
    audiences = _audiences(w)
    problem = None
    rows: list[ChannelRow] = []
    try:
        channels = ChannelStore(page_credentials()).channels(name)
    except AssistantError as error:
        problem = w.said(w.t.error(error))
        channels = []
    for c in channels:
        rows.append(
            ChannelRow(
                label=c.label,
                audience=audiences.get(c.audience, Markup.escape(c.audience)),
                language=isolate(LANGUAGES.get(c.language, c.language)),
                # The CLI's masking (Apprise's privacy mode), without the options' list.
                address=masked_url(c.url).split("?", 1)[0],
                carries_files=supports_attachments(c),
            )
        )
    from assistant.page.check_views import profile_language

    holder = profile_language(name) or w.language
    base = _base(name)
    return render_template(
        "channels.html",
        title=w._("Alert channels"),
        heading=w._("Alert channels: {profile}", profile=isolate(name)),
        intro=w._(
            "A channel sends this person's alerts to a phone or an e-mail address as well. Its "
            "address (an Apprise URL) is kept in this computer's keyring, and shown here "
            "masked."
        ),
        notices=notices().take(),
        problem=problem,
        rows=rows,
        audiences=[Choice(k, v, k == "person") for k, v in audiences.items()],
        languages=[
            Choice(code, isolate(label), code == holder, HTML_LANG.get(code, code))
            for code, label in LANGUAGES.items()
        ],
        actions={
            "add": _with_lang(base, asked),
            "test": _with_lang(f"{base}/test", asked),
            "calendar": _with_lang(f"{base}/calendar", asked),
            "remove": _with_lang(f"{base}/remove", asked),
            "download": _with_lang(f"/profiles/{quote(name)}/calendar.ics", asked),
            "back": _with_lang(f"/profiles/{quote(name)}", asked),
        },
        labels={
            "list": w._("The channels"),
            "none": w._("No channel yet."),
            "to": w._("Who reads it"),
            "language": w._("Language"),
            "address": w._("Address (masked)"),
            "test": w._("Send a test"),
            "test_all": w._("Send a test to every channel"),
            "send_calendar": w._("Send the calendar"),
            "remove": w._("Remove"),
            "add": w._("Add a channel"),
            "url": w._("The channel's Apprise URL (not shown)"),
            "url_help": w._(
                "For instance ntfys://..., mailto://..., signal://..., tgram://... It is kept "
                "in the keyring only."
            ),
            "label": w._("A name for it (optional), for instance 'phone'"),
            "submit": w._("Add the channel"),
            "calendar": w._("The calendar of the days to remember"),
            "calendar_text": w._(
                "A calendar file (.ics) with the days to remember: open it with a calendar on "
                "a phone or a computer, or send it by a channel that carries files."
            ),
            "download": w._("Download the calendar (.ics)"),
            "back": w._("Back"),
        },
        **_frame(w, "profile", asked),
    )


@channel_blueprint.post("/profiles/<name>/channels")
def add(name: str) -> Response:
    from assistant.channels import ChannelStore, masked_url

    w, _asked = words_for_profile(name)
    language = request.form.get("language", "")
    audience = request.form.get("to", "person")
    label = request.form.get("label", "").strip() or None
    with writing_state() as state:
        profile = state.profile(name)
        if profile is None:
            raise NotFound()
        try:
            added = ChannelStore(page_credentials()).add(
                name,
                url=request.form.get("url", ""),
                audience=audience if audience in ("person", "helper") else "person",
                language=language if language in LANGUAGES else profile.language,
                consent=state.consent(name),
                label=label,
            )
        except AssistantError as error:
            notices().add(_said(w, error))
            return _back(name)
    notices().add(
        Notice(
            [
                w._(
                    "Channel '{label}' added ({audience}, in {language}): {url}",
                    label=isolate(added.label),
                    audience=_audiences(w)[added.audience],
                    language=isolate(LANGUAGES.get(added.language, added.language)),
                    url=isolate(masked_url(added.url).split("?", 1)[0]),
                )
            ]
        )
    )
    return _back(name)


def _trial(name: str, *, calendar: bool) -> Response:
    from assistant.channels import ChannelStore, send_trial

    w, _asked = words_for_profile(name)
    data = _data()
    label = request.form.get("label") or None
    with writing_state() as state:
        try:
            outcomes = send_trial(
                ChannelStore(page_credentials()),
                state,
                data.paths.data_dir,
                name,
                label,
                data.clock(),
                calendar=calendar,
            )
        except AssistantError as error:
            notices().add(_said(w, error))
            return _back(name)
    lines = []
    for outcome in outcomes:
        shown = isolate(outcome.label)
        if outcome.cannot_carry:
            lines.append(w._("{label}: this channel cannot carry a file: not sent", label=shown))
        elif outcome.sent:
            lines.append(w._("{label}: sent", label=shown))
        else:
            lines.append(
                w._("{label}: not sent ({error})", label=shown, error=isolate(outcome.error))
            )
    notices().add(Notice(lines, problem=not all(o.sent for o in outcomes)))
    return _back(name)


@channel_blueprint.post("/profiles/<name>/channels/test")
def test(name: str) -> Response:
    return _trial(name, calendar=False)


@channel_blueprint.post("/profiles/<name>/channels/calendar")
def send_calendar(name: str) -> Response:
    return _trial(name, calendar=True)


@channel_blueprint.post("/profiles/<name>/channels/remove")
def remove(name: str) -> Response:
    from assistant.channels import ChannelStore, remove_channel

    w, _asked = words_for_profile(name)
    with writing_state() as state:
        try:
            removed = remove_channel(
                ChannelStore(page_credentials()),
                state,
                name,
                request.form.get("label", ""),
                _data().clock(),
            )
        except AssistantError as error:
            notices().add(_said(w, error))
            return _back(name)
    notices().add(Notice([w._("Channel '{label}' removed.", label=isolate(removed.label))]))
    return _back(name)


@channel_blueprint.get("/profiles/<name>/calendar.ics")
def calendar(name: str) -> Response:
    """The calendar file, made for this answer (in the holder's language, as ``calendar``
    writes it): a GET changes nothing, not even the home folder's copy."""
    from assistant.calendar_file import build_calendar, stored_days
    from assistant.i18n import Translator
    from assistant.page.model import opened_state

    data = _data()
    with opened_state(data.paths) as state:
        profile = state.profile(name)
        if profile is None:
            raise NotFound()
        days = stored_days(state, name, data.clock())
    content = build_calendar(days, name, profile.portal_url, Translator(profile.language))
    response = Answer(content, mimetype="text/calendar")
    # The profile's name is checked by setup (letters, digits, '-', '_', '.'): safe in a header.
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response
