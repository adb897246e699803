"""The words of each alert: what arrived, how many days are left, what to do.

Short and concrete, in the profile's language (PORTAL.md: many people read little). One alert
per new unread letter and per unread notified letter, at every check until it is opened; a
failed check is an alert too, never silence.
"""

from __future__ import annotations

from assistant.errors import AssistantError
from assistant.i18n import Translator
from assistant.results import Alert, LetterReport
from flows.models import LetterKind


def letter_alerts(reports: list[LetterReport], t: Translator, profile: str) -> list[Alert]:
    alerts = []
    for report in reports:
        if report.needs_opening:
            alerts.append(_unread_notified(report, t, profile))
        elif report.new and not report.letter.read:
            # A letter already opened is no news to the person, even on the first check.
            alerts.append(_new_information(report, t, profile))
    return alerts


def failure_alert(error: AssistantError, t: Translator, profile: str) -> Alert:
    return Alert(
        kind="check_failed",
        title=_titled(t._("The OFPRA account could not be checked"), profile),
        body=error.render(t._),
        urgent=not error.retryable,
    )


def _unread_notified(report: LetterReport, t: Translator, profile: str) -> Alert:
    letter, deadlines = report.letter, report.deadlines
    assert deadlines.open_by is not None and deadlines.days_left is not None
    assert deadlines.deemed_notified_on is not None
    if deadlines.deemed_notified:
        title = t._("Letter counted as received: {label}", label=letter.label)
        body = t._(
            "This OFPRA letter was not opened. Since {date} it counts as received. "
            "Open it now on the OFPRA website and ask your SPADA for help.",
            date=t.date(deadlines.deemed_notified_on),
        )
        return Alert("deemed_notified", _titled(title, profile), body, True, letter.id)

    if report.new:
        title = t._("New letter from OFPRA: {label}", label=letter.label)
    else:
        title = t._("Letter not opened yet: {label}", label=letter.label)
    if deadlines.days_left == 0:
        when = t._("Open it today on the OFPRA website.")
    else:
        when = t.ngettext(
            "Open it on the OFPRA website by {date}: {count} day left.",
            "Open it on the OFPRA website by {date}: {count} days left.",
            deadlines.days_left,
            date=t.date(deadlines.open_by),
        )
    after = t._(
        "If it is not opened, it counts as received on {date}.",
        date=t.date(deadlines.deemed_notified_on),
    )
    body = f"{when} {after}"
    if letter.kind is LetterKind.DECISION:
        body += " " + t._(
            "If the decision is negative, you have 15 days from opening to ask for a free "
            "lawyer, and one month to appeal: ask your SPADA."
        )
    kind = "new_letter" if report.new else "reminder"
    return Alert(kind, _titled(title, profile), body, deadlines.days_left <= 3, letter.id)


def _new_information(report: LetterReport, t: Translator, profile: str) -> Alert:
    letter = report.letter
    title = t._("New letter from OFPRA: {label}", label=letter.label)
    body = t._(
        "Made available on {date}. Open it on the OFPRA website when you can.",
        date=t.date(letter.made_available_on),
    )
    return Alert("new_letter", _titled(title, profile), body, False, letter.id)


def _titled(title: str, profile: str) -> str:
    """A volunteer with several profiles must see whose account it is."""
    return title if profile == "default" else f"{title} ({profile})"
