"""Check now, from the page: for one profile and for all (PAGE_ACTIONS.md).

``POST`` starts a check in the agent (``assistant/page/checks.py``) and answers 303 to its page;
that page shows the steps as they happen, then the result in the words ``check`` prints. While
the check runs, ``static/check.js`` asks the same page again every 2 s and adds the new steps in
place (no reload, which would send a screen reader back to the top, and which axe-core counts as
a critical fault); without scripts, a link reloads the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, redirect, render_template
from markupsafe import Markup
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from assistant.cli_output import progress_line, render_check
from assistant.page.checks import CheckJob, CheckJobs, may_try_again
from assistant.page.model import opened_state
from assistant.page.views import _asked_language, _frame, _with_lang
from assistant.page.words import Words, isolate, page_language
from assistant.settings import Paths
from assistant.state import REFUSING_CODES

check_blueprint = Blueprint("checks", __name__)


def page_checks() -> CheckJobs:
    jobs: CheckJobs = current_app.extensions["page_checks"]
    return jobs


def profile_names() -> list[str]:
    paths: Paths = current_app.extensions["page_paths"]
    with opened_state(paths) as state:
        return [p.name for p in state.profiles()]


def profile_language(name: str) -> str | None:
    """The holder's language, or None when there is no such profile."""
    paths: Paths = current_app.extensions["page_paths"]
    with opened_state(paths) as state:
        found = state.profile(name)
    return None if found is None else found.language


def password_refused(name: str) -> bool:
    """The portal refused the profile's password (or locked the account, or asked for a new
    password): no button starts a check until setup stores a new one."""
    paths: Paths = current_app.extensions["page_paths"]
    with opened_state(paths) as state:
        found = state.profile(name)
    return found is not None and found.refused_code in REFUSING_CODES


def words_for_profile(name: str) -> tuple[Words, str | None]:
    """A profile's pages speak the holder's language, as the profile's own page does; ``?lang=``
    shows another. A profile that does not exist is a 404 (with no name said back)."""
    language = profile_language(name)
    if language is None:
        raise NotFound()
    asked = _asked_language()
    return Words(asked or language), asked


@dataclass
class ProfileRun:
    """One profile's part of a check shown on a page."""

    name: str
    title: Markup
    steps: list[Markup]
    result: list[Markup]
    done: bool
    ok: bool
    #: Whether the page offers to check again (never after a refused password or a lock).
    again: bool
    #: Why not, and what to do instead (the CLI's words), when it does not.
    why_not: Markup | None


def profile_run(job: CheckJob, name: str, w: Words) -> ProfileRun:
    t = w.t
    steps = [w.said(progress_line(s.step, s.values, t)) for s in job.steps_for(name)]
    result = job.result_for(name)
    lines = [] if result is None else [line.strip() for line in render_check(result, t).split("\n")]
    # Channels that could not be read: the alerts went to this computer only (as `check` says).
    lines += [t.error(fault) for profile, fault in job.channel_faults if profile == name]
    again = result is None or may_try_again(result)
    why_not = None
    if result is not None and not again:
        why_not = w._(
            "The assistant will not log in to this account again until its password is stored "
            "anew: another try could lock the account, or lock it for longer. Do what the "
            "message above says."
        )
    return ProfileRun(
        name=name,
        title=isolate(name),
        steps=steps,
        result=[w.said(line) for line in lines if line],
        done=result is not None,
        ok=result is not None and result.error is None,
        again=again,
        why_not=why_not,
    )


@check_blueprint.post("/profiles/<name>/check")
def start_one(name: str) -> Response:
    words_for_profile(name)  # 404 for no such profile
    asked = _asked_language()
    page_checks().start([name])
    return redirect(_with_lang(f"/profiles/{quote(name)}/check", asked), code=303)


@check_blueprint.get("/profiles/<name>/check")
def show_one(name: str) -> str:
    w, asked = words_for_profile(name)
    jobs = page_checks()
    job = jobs.latest(name)
    busy = jobs.under_way(name)
    run = profile_run(job, name, w) if job is not None else None
    running = busy or (run is not None and not run.done)
    return render_template(
        "check.html",
        title=w._("Check now"),
        heading=w._("Check now: {profile}", profile=isolate(name)),
        runs=[run] if run is not None else [],
        running=running,
        action=_with_lang(f"/profiles/{quote(name)}/check", asked),
        here=_with_lang(f"/profiles/{quote(name)}/check", asked),
        back=_with_lang(f"/profiles/{quote(name)}", asked),
        can_start=not running and (run is None or run.again) and not password_refused(name),
        labels=check_labels(w, busy_elsewhere=busy and (run is None or run.done)),
        **_frame(w, "profile", asked),
    )


@check_blueprint.post("/check")
def start_all() -> Response:
    asked = _asked_language()
    names = profile_names()
    busy = page_checks().start(names, every=True) if names else []
    if busy:
        from assistant.page.notices import Notice, notices

        w = Words(page_language(asked))
        notices().add(
            Notice(
                [
                    w._(
                        "A check of these profiles was already under way, so it was not "
                        "started again: {profiles}",
                        profiles=isolate(", ".join(busy)),
                    )
                ]
            )
        )
    return redirect(_with_lang("/check", asked), code=303)


@check_blueprint.get("/check")
def show_all() -> str:
    asked = _asked_language()
    w = Words(page_language(asked))
    jobs = page_checks()
    job = jobs.latest_run()
    runs = [profile_run(job, name, w) for name in job.profiles] if job is not None else []
    running = job is not None and not job.done
    return render_template(
        "check.html",
        title=w._("Check now"),
        heading=w._("Check every profile now"),
        runs=runs,
        running=running,
        action=_with_lang("/check", asked),
        here=_with_lang("/check", asked),
        back=_with_lang("/", asked),
        can_start=not running and bool(profile_names()),
        labels={**check_labels(w, busy_elsewhere=False), "start": w._("Check every profile now")},
        **_frame(w, "overview", asked),
    )


def check_labels(w: Words, *, busy_elsewhere: bool) -> dict[str, Any]:
    return {
        "steps": w._("Steps"),
        "result": w._("Result"),
        "start": w._("Check now"),
        "again": w._("Check again"),
        "under_way": w._("A check is under way"),
        "waiting": w._("The check is under way: this page shows each step as it happens."),
        "busy": (
            w._(
                "A check of this profile is under way (the agent's own, or another command's). "
                "Its result will be on the profile's page when it ends."
            )
            if busy_elsewhere
            else None
        ),
        "none": w._("No check was started from this page yet."),
        "back": w._("Back"),
        "latest": w._("Show the latest steps"),
    }


@dataclass
class ProfileActions:
    """The buttons and links of a profile's actions, on its page and on the overview."""

    check: str
    check_page: str
    channels: str
    forget: str
    busy: bool
    #: The portal refused the password (or locked the account): no button to check again
    #: until setup stores a new one (the card says why and what to do).
    paused: bool
    labels: dict[str, Markup]


def profile_actions(w: Words, name: str) -> ProfileActions:
    """For the templates (``page_actions(w, name)``): check now (or "a check is under way"),
    the channels, stop."""
    asked = _asked_language()
    base = f"/profiles/{quote(name)}"
    return ProfileActions(
        check=_with_lang(f"{base}/check", asked),
        check_page=_with_lang(f"{base}/check", asked),
        channels=_with_lang(f"{base}/channels", asked),
        forget=_with_lang(f"{base}/forget", asked),
        busy=page_checks().under_way(name),
        paused=password_refused(name),
        labels={
            "check": w._("Check now"),
            "under_way": w._("A check is under way"),
            "follow": w._("See its steps"),
            "channels": w._("Alert channels"),
            "forget": w._("Stop and forget"),
            "actions": w._("What you can do"),
        },
    )


def all_actions(w: Words) -> dict[str, Any]:
    """The overview's "check every profile now"."""
    asked = _asked_language()
    job = page_checks().latest_run()
    return {
        "check": _with_lang("/check", asked),
        "busy": job is not None and not job.done,
        "label": w._("Check every profile now"),
        "under_way": w._("A check is under way"),
        "follow": w._("See its steps"),
    }


@check_blueprint.app_context_processor
def _actions_for_templates() -> dict[str, Any]:
    from assistant.page.notices import notices

    return {
        "page_actions": profile_actions,
        "page_all_actions": all_actions,
        "take_notices": lambda: notices().take(),
    }
