"""The words of each alert: what arrived, how many days are left, what to do.

Short and concrete, in the profile's language (PORTAL.md: many people read little). One alert
per new unread letter and per unread notified letter, at every check until it is opened; a
failed check is an alert too, never silence. The agent adds reminders from the dates it
remembers, and an alarm when it could not check for days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from assistant.deadlines import LetterDeadlines
from assistant.errors import N_, AssistantError
from assistant.i18n import Translator
from assistant.results import Alert, LetterReport
from flows.models import LetterKind, PortalLetter

#: What each kind of letter is called, translated; the portal's own label stays beside it so the
#: person can find the letter on the site.
KIND_NAMES: dict[LetterKind, str] = {
    LetterKind.ACCOUNT_CREATION: N_("Account creation"),
    LetterKind.INTRODUCTION: N_("Registration letter"),
    LetterKind.CONVOCATION: N_("Interview appointment"),
    LetterKind.CONVOCATION_CANCELLATION: N_("Appointment cancelled"),
    LetterKind.SIX_MONTHS: N_("Six months letter"),
    LetterKind.MEDICAL_CERTIFICATE: N_("Medical certificate"),
    LetterKind.RECLASSIFICATION: N_("Change of procedure"),
    LetterKind.INTERVIEW: N_("Interview report"),
    LetterKind.POSTAL_LETTER: N_("Letter by post"),
    LetterKind.RENOTIFICATION: N_("New notification"),
    LetterKind.DECISION: N_("Decision"),
}


def letter_name(letter: PortalLetter, t: Translator) -> str:
    """ "Decision (Décision)": the kind in the person's language, the portal's label beside it."""
    if letter.kind not in KIND_NAMES:
        return letter.label
    kind = t._(KIND_NAMES[letter.kind])
    if kind.casefold() == letter.label.strip().casefold():
        return letter.label  # "Décision (Décision)" says nothing twice
    return t._("{kind} ({label})", kind=kind, label=letter.label)


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
        title=_titled(t, t._("The OFPRA account could not be checked"), profile),
        body=t.paragraph(t.error(error)),
        urgent=not error.retryable,
    )


def reminder_alert(
    letter: PortalLetter,
    deadlines: LetterDeadlines,
    seen_on: date,
    today: date,
    t: Translator,
    profile: str,
) -> Alert:
    """A reminder from the dates the last check read (no login): the days left, counted today."""
    alert = _unread_notified(LetterReport(letter, deadlines, new=False), t, profile)
    if seen_on < today:
        alert = replace(
            alert,
            body=alert.body
            + " "
            + t._(
                "The assistant last read your list of letters on {date}: if you have opened "
                "this letter since, ignore this reminder.",
                date=t.date(seen_on),
            ),
        )
    return alert


def not_checked_alert(
    since: date, t: Translator, profile: str, paused_by: str | None = None
) -> Alert:
    """The alarm when no check succeeded for days: never let a silent agent look like calm."""
    body = t._(
        "The assistant could not check your OFPRA account since {date}: check your account "
        "yourself on the OFPRA website, or go to your SPADA.",
        date=t.date(since),
    )
    if paused_by is not None:
        body += " " + t._(
            "Automatic checks are paused until you run 'ofpra-assistant setup --profile "
            "{profile}' again.",
            profile=profile,
        )
    title = t._("OFPRA account not checked since {date}", date=t.date(since))
    return Alert("not_checked", _titled(t, title, profile), t.paragraph(body), urgent=True)


def _unread_notified(report: LetterReport, t: Translator, profile: str) -> Alert:
    letter, deadlines = report.letter, report.deadlines
    assert deadlines.open_by is not None and deadlines.days_left is not None
    assert deadlines.deemed_notified_on is not None
    if deadlines.deemed_notified:
        title = t._("Letter counted as received: {name}", name=letter_name(letter, t))
        body = t._(
            "This OFPRA letter was not opened. Since {date} it counts as received. "
            "Open it now on the OFPRA website and ask your SPADA for help.",
            date=t.date(deadlines.deemed_notified_on),
        )
        return Alert(
            "deemed_notified", _titled(t, title, profile), t.paragraph(body), True, letter.id
        )

    if report.new:
        title = t._("New letter from OFPRA: {name}", name=letter_name(letter, t))
    else:
        title = t._("Letter not opened yet: {name}", name=letter_name(letter, t))
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
    urgent = deadlines.days_left <= 3
    return Alert(kind, _titled(t, title, profile), t.paragraph(body), urgent, letter.id)


def _new_information(report: LetterReport, t: Translator, profile: str) -> Alert:
    letter = report.letter
    title = t._("New letter from OFPRA: {name}", name=letter_name(letter, t))
    body = t._(
        "Made available on {date}. Open it on the OFPRA website when you can.",
        date=t.date(letter.made_available_on),
    )
    return Alert("new_letter", _titled(t, title, profile), t.paragraph(body), False, letter.id)


def _titled(t: Translator, title: str, profile: str) -> str:
    """A volunteer with several profiles must see whose account it is."""
    if profile != "default":
        title = t._("{title} ({profile})", title=title, profile=profile)
    return t.paragraph(title)
