"""Stop: forget a profile from the page, after a page that names everything removed (the
keyring entries, the letters remembered, the consent, the channels, the calendar, the log's
lines). The same ``forget_profile`` as the ``forget`` command, and its report in the same words.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, redirect, render_template
from markupsafe import Markup
from werkzeug.wrappers import Response

from assistant.errors import AssistantError
from assistant.page.channel_views import page_credentials, writing_state
from assistant.page.check_views import page_checks, words_for_profile
from assistant.page.model import opened_state
from assistant.page.notices import Notice, notices
from assistant.page.views import _data, _frame, _with_lang
from assistant.page.words import Words, isolate

forget_blueprint = Blueprint("forget", __name__)


def _what_goes(name: str, w: Words) -> list[Markup]:
    """What ``forget_profile`` removes, said with this profile's numbers."""
    from assistant.channels import ChannelStore

    data = _data()
    with opened_state(data.paths) as state:
        letters = len(state.letters(name))
        checks = len(state.checks(name, limit=100_000))
        consent = state.consent(name)
    try:
        channels = len(ChannelStore(page_credentials()).channels(name))
    except AssistantError:  # unreadable: forget removes the keyring entry all the same
        channels = None
    items = [
        w._("its identifier and password, kept in this computer's keyring;"),
        w.ngettext(
            "the {count} letter it remembers (names and dates: the assistant never keeps a "
            "letter's content);",
            "the {count} letters it remembers (names and dates: the assistant never keeps a "
            "letter's content);",
            letters,
        ),
        w.ngettext("the record of {count} check;", "the records of {count} checks;", checks),
    ]
    if consent is not None:
        items.append(
            w._(
                "the consent {name} recorded on {date};",
                name=isolate(consent.given_by),
                date=w.date(consent.given_at.date()),
            )
        )
    if channels is None:
        items.append(w._("its alert channels, kept in the keyring;"))
    else:
        items.append(
            w.ngettext(
                "{count} alert channel, kept in the keyring;",
                "{count} alert channels, kept in the keyring;",
                channels,
            )
        )
    items.extend(
        [
            w._("its calendar file, and the page outlines saved for it, if any;"),
            w._("the lines of the assistant's log that name it."),
        ]
    )
    return items


@forget_blueprint.get("/profiles/<name>/forget")
def confirm(name: str) -> str:
    w, asked = words_for_profile(name)
    busy = page_checks().under_way(name)
    return render_template(
        "forget.html",
        title=w._("Stop and forget"),
        heading=w._("Stop the assistant for {profile}?", profile=isolate(name)),
        notices=notices().take(),
        intro=w._("The assistant stops checking this account, and removes from this computer:"),
        items=_what_goes(name, w),
        after=w._(
            "The account on the OFPRA website is not touched. This cannot be undone: to start "
            "again, the person is set up again, with their consent."
        ),
        busy=(
            w._("A check of this profile is under way: wait for it to end, then stop.")
            if busy
            else None
        ),
        action=_with_lang(f"/profiles/{quote(name)}/forget", asked),
        back=_with_lang(f"/profiles/{quote(name)}", asked),
        labels={
            "submit": w._("Stop and forget {profile}", profile=isolate(name)),
            "cancel": w._("Cancel: keep everything"),
        },
        **_frame(w, "profile", asked),
    )


@forget_blueprint.post("/profiles/<name>/forget")
def forget(name: str) -> Response:
    from assistant.cli_output import render_forgotten
    from assistant.profiles import forget_profile

    w, asked = words_for_profile(name)
    here = _with_lang(f"/profiles/{quote(name)}/forget", asked)
    if page_checks().under_way(name):
        # A check under way would write its record after the forgetting: nothing is removed.
        notices().add(
            Notice(
                [w._("A check of this profile is under way: wait for it to end, then stop.")],
                problem=True,
            )
        )
        return redirect(here, code=303)
    data = _data()
    try:
        with writing_state() as state:
            forgotten = forget_profile(state, page_credentials(), data.paths, name)
        page_checks().forget(name)
    except AssistantError as error:
        notices().add(Notice([w.said(w.t.error(error))], problem=True))
        return redirect(here, code=303)
    # The report `forget` prints, in the page's words.
    lines = [line.strip() for line in render_forgotten(forgotten, w.t).splitlines()]
    notices().add(Notice([w.said(line) for line in lines if line]))
    return redirect(_with_lang("/", asked), code=303)
