"""The words of each alert: what arrived, how many days are left, what to do.

Short and concrete, in the profile's language (PORTAL.md: many people read little). One alert
per new unread letter and per unread notified letter, at every check until it is opened; a
failed check is an alert too, never silence. The agent adds reminders from the dates it
remembers, and an alarm when it could not check for days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Protocol, TypeVar

from assistant.deadlines import LetterDeadlines
from assistant.errors import N_, AssistantError
from assistant.i18n import Translator
from assistant.results import Alert, LetterReport
from flows.models import LetterKind, PortalLetter

#: Text or safe HTML (a ``str`` either way): what a ``Wording`` makes.
Worded = TypeVar("Worded", bound=str, covariant=True)

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


def worded(t: Translator, profile: str, build: Callable[[Translator], Alert]) -> Alert:
    """The alert ``build`` words in ``t``'s language (the account holder's), which knows its
    profile and language and can word itself again in another (the terminal's)."""
    return replace(
        build(t),
        profile=profile,
        language=t.language,
        reword=lambda other: worded(other, profile, build),
    )


def letter_alerts(reports: list[LetterReport], t: Translator, profile: str) -> list[Alert]:
    alerts = []
    for report in reports:
        build: Callable[[LetterReport, Translator, str], Alert]
        if report.needs_opening:
            build = _unread_notified
        elif report.unknown_unread:
            # Such a letter may carry a deadline (PORTAL.md): said at every check until opened.
            build = _unknown_kind
        elif report.new and not report.letter.read:
            # A letter already opened is no news to the person, even on the first check.
            build = _new_information
        elif report.new and _appeal_time_runs(report.deadlines):
            # ...but an opened decision's days may be: said once, when first seen.
            build = _opened_decision
        else:
            continue
        alerts.append(worded(t, profile, partial(_in_words, build, report, profile)))
    return alerts


def _in_words(
    build: Callable[[LetterReport, Translator, str], Alert],
    report: LetterReport,
    profile: str,
    t: Translator,
) -> Alert:
    return build(report, t, profile)


def _appeal_time_runs(deadlines: LetterDeadlines) -> bool:
    last, today = deadlines.appeal_deadline, deadlines.as_of
    return last is not None and today is not None and today <= last


def _opened_decision(report: LetterReport, t: Translator, profile: str) -> Alert:
    letter = report.letter
    title = t._("Time limits of an opened decision: {name}", name=letter_name(letter, t))
    body = decision_dates(report.deadlines, t)
    assert body is not None
    return Alert("new_letter", _titled(t, title, profile), t.paragraph(body), True, letter.id)


def decision_dates(deadlines: LetterDeadlines, t: Translator) -> str | None:
    """For a notified decision: the legal-aid and appeal days, advised and legal, plainly.

    None for any other letter, and for a decision still unread in its window (its opening will
    fix the dates: see ``decision_rule``). Never legal advice: it says so, and where to ask.
    """
    parts = decision_parts(deadlines, t)
    return None if parts is None else " ".join(parts)


class Wording(Protocol[Worded]):
    """What words the decision's dates: the terminal's and alerts' ``Translator`` (text), or
    the page's ``Words`` (safe HTML, dates a browser can read)."""

    def _(self, message: str, /, **values: object) -> Worded: ...

    def date(self, day: date) -> Worded: ...


def decision_parts(deadlines: LetterDeadlines, t: Wording[Worded]) -> list[Worded] | None:
    """The sentences of ``decision_dates``, in ``t``'s words: one place for what the law's
    days are said to mean, wherever they are shown."""
    aid_by, aid_last = deadlines.legal_aid_by, deadlines.legal_aid_deadline
    appeal_by, appeal_last = deadlines.appeal_by, deadlines.appeal_deadline
    if aid_by is None or aid_last is None or appeal_by is None or appeal_last is None:
        return None
    today = deadlines.as_of
    if today is None or today <= aid_last:
        aid = t._(
            "If the decision is negative, ask for a free lawyer (legal aid) by {aid_by}; the "
            "law's last day is {aid_last}.",
            aid_by=t.date(aid_by),
            aid_last=t.date(aid_last),
        )
    else:
        aid = t._(
            "If the decision is negative, the 15 days to ask for a free lawyer (legal aid) "
            "ended on {aid_last}.",
            aid_last=t.date(aid_last),
        )
    if today is None or today <= appeal_last:
        appeal = t._(
            "The appeal to the CNDA must be sent by {appeal_last} at the latest; send it by "
            "{appeal_by} to be safe.",
            appeal_last=t.date(appeal_last),
            appeal_by=t.date(appeal_by),
        )
    else:
        appeal = t._(
            "The month to send an appeal to the CNDA ended on {appeal_last}.",
            appeal_last=t.date(appeal_last),
        )
    return [
        aid,
        appeal,
        t._("This is not legal advice: ask your SPADA or a lawyer, and see watizat.org."),
    ]


def decision_rule(t: Translator) -> str:
    """For a decision still unread in its window: what will run from the day it is opened."""
    rule = t._(
        "If the decision is negative, the time limits run from the day you open it: 15 days "
        "to ask for a free lawyer (legal aid), one month to send an appeal to the CNDA."
    )
    return f"{rule} {_not_legal_advice(t)}"


def _not_legal_advice(t: Translator) -> str:
    return t._("This is not legal advice: ask your SPADA or a lawyer, and see watizat.org.")


def failure_alert(error: AssistantError, t: Translator, profile: str) -> Alert:
    return worded(t, profile, partial(_failure, error, profile))


def _failure(error: AssistantError, profile: str, t: Translator) -> Alert:
    from assistant.activation import WAYS_BACK_AFTER, ways_back_text

    body = t.error(error)
    if error.code in WAYS_BACK_AFTER:
        body += "\n" + ways_back_text(t, profile)
    return Alert(
        kind="check_failed",
        title=_titled(t, t._("The OFPRA account could not be checked"), profile),
        body=t.paragraph(body),
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
    return worded(t, profile, partial(_reminder, letter, deadlines, seen_on, today, profile))


def _reminder(
    letter: PortalLetter,
    deadlines: LetterDeadlines,
    seen_on: date,
    today: date,
    profile: str,
    t: Translator,
) -> Alert:
    alert = _unread_notified(LetterReport(letter, deadlines, new=False), t, profile)
    if seen_on < today:
        if deadlines.appeal_deadline is not None:
            # Opened since, it was notified that day: its days are earlier than those above.
            stale = t._(
                "The assistant last read your list of letters on {date}: if you have opened "
                "this decision since, its time limits run from the day you opened it and end "
                "sooner.",
                date=t.date(seen_on),
            )
        else:
            stale = t._(
                "The assistant last read your list of letters on {date}: if you have opened "
                "this letter since, ignore this reminder.",
                date=t.date(seen_on),
            )
        alert = replace(alert, body=alert.body + " " + stale)
    return alert


def not_checked_alert(
    since: date, t: Translator, profile: str, paused_by: str | None = None
) -> Alert:
    """The alarm when no check succeeded for days: never let a silent agent look like calm."""
    return worded(t, profile, partial(_not_checked, since, profile, paused_by))


def _not_checked(since: date, profile: str, paused_by: str | None, t: Translator) -> Alert:
    body = t._(
        "The assistant could not check your OFPRA account since {date}: check your account "
        "yourself on the OFPRA website, or go to your SPADA.",
        date=t.date(since),
    )
    if paused_by is not None:
        body += " " + t._(
            "Automatic checks are paused until you run 'ofpra-assistant setup --profile "
            "{profile} --replace' again.",
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
        dates = decision_dates(deadlines, t)
        if dates is not None:
            body += " " + dates
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
        body += " " + decision_rule(t)
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


def _unknown_kind(report: LetterReport, t: Translator, profile: str) -> Alert:
    """A letter of a kind the assistant does not know: possibly urgent, so sent as urgent."""
    letter = report.letter
    if report.new:
        title = t._("New letter from OFPRA: {name}", name=letter_name(letter, t))
    else:
        title = t._("Letter not opened yet: {name}", name=letter_name(letter, t))
    body = t._(
        "Made available on {date}. A letter the assistant does not know: open it soon on the "
        "OFPRA website, it may have a deadline.",
        date=t.date(letter.made_available_on),
    )
    kind = "new_letter" if report.new else "reminder"
    return Alert(kind, _titled(t, title, profile), t.paragraph(body), True, letter.id)


def _titled(t: Translator, title: str, profile: str) -> str:
    """A volunteer with several profiles must see whose account it is."""
    if profile != "default":
        title = t._("{title} ({profile})", title=title, profile=profile)
    return t.paragraph(title)
