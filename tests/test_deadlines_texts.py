"""What the alerts, the reminders, ``check`` and ``status`` say of a decision's days."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from assistant.alerts import letter_alerts, reminder_alert
from assistant.cli_output import render_check, render_status
from assistant.consent import make_consent
from assistant.deadlines import PARIS, deadlines_as_of, deadlines_for
from assistant.i18n import LANGUAGES, Translator
from assistant.notifiers import AlertDispatcher, ConsoleNotifier
from assistant.plausibility import OPENED_BEFORE_PROVISION
from assistant.results import CheckResult, LetterReport
from assistant.runner import Environment
from assistant.settings import Paths, Settings
from assistant.state import StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from flows.models import LetterKind, PortalLetter

NOT_LEGAL_ADVICE = "This is not legal advice: ask your SPADA or a lawyer, and see watizat.org."


def decision(
    made_available_on: date, read_on: date | None = None, notified_on: date | None = None
) -> PortalLetter:
    return PortalLetter(
        id=f"{made_available_on.isoformat()}-decision",
        kind=LetterKind.DECISION,
        label="Décision",
        sender="OFPRA",
        made_available_on=made_available_on,
        notified_on=notified_on or made_available_on,
        read=read_on is not None,
        read_on=read_on,
        portal_remaining_days=None,
        portal_says_notified=False,
    )


# Provided Sat 21 Nov 2026, unread: deemed notified Sun 6 Dec. Legal aid: Mon 21 Dec (advised Fri
# 18th). Appeal: 6 Jan 2027 + 1 = Thu 7 Jan (advised Wed 6th).
DEEMED = decision(date(2026, 11, 21))
DEEMED_TODAY = date(2026, 12, 7)


def test_a_decision_counted_as_received_says_both_days_plainly() -> None:
    report = LetterReport(DEEMED, deadlines_for(DEEMED, DEEMED_TODAY), new=False)

    [alert] = letter_alerts([report], Translator("en"), "default")

    assert alert.kind == "deemed_notified"
    assert alert.body == (
        "This OFPRA letter was not opened. Since December 6, 2026 it counts as received. Open "
        "it now on the OFPRA website and ask your SPADA for help. If the decision is negative, "
        "ask for a free lawyer (legal aid) by December 18, 2026; the law's last day is "
        "December 21, 2026. The appeal to the CNDA must be sent by January 7, 2027 at the "
        "latest; send it by January 6, 2027 to be safe. " + NOT_LEGAL_ADVICE
    )


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_decision_days_are_said_in_every_language(language: str) -> None:
    t = Translator(language)
    report = LetterReport(DEEMED, deadlines_for(DEEMED, DEEMED_TODAY), new=False)

    [alert] = letter_alerts([report], t, "default")

    for day in (date(2026, 12, 18), date(2026, 12, 21), date(2027, 1, 6), date(2027, 1, 7)):
        assert t.date(day) in alert.body
    for name in ("SPADA", "CNDA", "watizat.org"):
        assert name in alert.body
    if language != "en":
        assert NOT_LEGAL_ADVICE not in alert.body, "translated, not left in English"


def test_an_unread_decision_in_its_window_gives_the_rule_and_no_dates() -> None:
    report = LetterReport(DEEMED, deadlines_for(DEEMED, date(2026, 11, 26)), new=True)

    [alert] = letter_alerts([report], Translator("en"), "default")

    assert alert.body.endswith(
        "If the decision is negative, the time limits run from the day you open it: 15 days "
        "to ask for a free lawyer (legal aid), one month to send an appeal to the CNDA. "
        + NOT_LEGAL_ADVICE
    )
    assert "law's last day" not in alert.body


def test_a_reminder_of_a_decision_from_an_old_check_says_the_days_may_be_earlier() -> None:
    seen_on = date(2026, 11, 30)
    deadlines = deadlines_as_of(DEEMED, seen_on, DEEMED_TODAY)

    alert = reminder_alert(DEEMED, deadlines, seen_on, DEEMED_TODAY, Translator("en"), "default")

    assert "the law's last day is December 21, 2026" in alert.body
    assert alert.body.endswith(
        "The assistant last read your list of letters on November 30, 2026: if you have "
        "opened this decision since, its time limits run from the day you opened it and end "
        "sooner."
    )


@pytest.mark.parametrize(
    ("today", "text"),
    [
        pytest.param(
            date(2026, 11, 20),
            "If the decision is negative, the 15 days to ask for a free lawyer (legal aid) ended "
            "on November 17, 2026. The appeal to the CNDA must be sent by December 3, 2026 at "
            "the latest; send it by December 2, 2026 to be safe.",
            id="legal-aid-over",
        ),
        pytest.param(
            date(2026, 12, 4),
            "If the decision is negative, the 15 days to ask for a free lawyer (legal aid) ended "
            "on November 17, 2026. The month to send an appeal to the CNDA ended on December 3, "
            "2026.",
            id="both-over",
        ),
    ],
)
def test_the_check_shows_an_opened_decisions_days_even_once_they_are_over(
    today: date, text: str
) -> None:
    # Opened Mon 2 Nov 2026: legal aid Tue 17 Nov; appeal 2 Dec + 1 = Thu 3 Dec. Listed under
    # "Opened, with dates to keep in mind", one level in.
    opened = decision(date(2026, 11, 1), read_on=date(2026, 11, 2))
    checked_at = datetime.combine(today, time(9), tzinfo=PARIS).astimezone(UTC)
    report = LetterReport(opened, deadlines_for(opened, today), new=False)

    output = render_check(CheckResult("default", checked_at, [report]), Translator("en"))

    assert f"        {text} {NOT_LEGAL_ADVICE}" in output.splitlines()


def test_the_check_shows_a_warning_under_a_letter_whose_dates_do_not_fit() -> None:
    odd = decision(date(2026, 11, 20), read_on=date(2026, 11, 18))
    report = LetterReport(
        odd, deadlines_for(odd, date(2026, 11, 26)), False, (OPENED_BEFORE_PROVISION,)
    )
    checked_at = datetime(2026, 11, 26, 9, tzinfo=UTC)

    output = render_check(CheckResult("default", checked_at, [report]), Translator("en"))

    assert (
        "        The table says this letter was opened on November 18, 2026, before it was made "
        "available on November 20, 2026: check these dates on the OFPRA website. The assistant "
        "counts from the earlier date."
    ) in output.splitlines()
    # Notified on the day it was opened: legal aid Thu 3 Dec 2026.
    assert "the law's last day is December 3, 2026" in output


def test_status_gives_the_days_of_a_deemed_decision_and_of_an_opened_one(tmp_path: Path) -> None:
    setup = datetime(2026, 11, 1, 10, tzinfo=PARIS)
    now = datetime(2026, 12, 1, 10, tzinfo=PARIS)
    state = StateStore(tmp_path / "state.sqlite3")
    state.save_profile("amina", "https://portal.example/ofpra/user/login", "en", setup)
    state.record_consent("amina", make_consent("Amina", "holder", "en", setup))
    # Unread, last seen 26 Nov: deemed notified Wed 25 Nov; legal aid Thu 10 Dec (advised Wed
    # 9th); appeal 25 Dec + 1 = Sat 26, Sun 27: Mon 28 Dec (advised Thu 24th, before Christmas).
    unread = decision(date(2026, 11, 10))
    # Opened on day 23: notified on day 15, Tue 17 Nov; legal aid Wed 2 Dec; appeal Fri 18 Dec.
    opened_late = decision(date(2026, 11, 2), read_on=date(2026, 11, 25))
    # Opened in June: its appeal time is over, status no longer lists it.
    old = decision(date(2026, 6, 1), read_on=date(2026, 6, 2))
    state.merge_letters("amina", [unread, opened_late, old], datetime(2026, 11, 26, 9, tzinfo=UTC))
    env = Environment(
        settings=Settings(),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([ConsoleNotifier(io.StringIO())]),
        clock=lambda: now,
    )
    from assistant.status import profile_statuses

    [status] = profile_statuses(env, Paths(tmp_path, tmp_path))
    state.close()

    [waiting] = status["letters_waiting"]
    assert {k: waiting[k] for k in ("legally_notified_on", "legal_aid_by", "appeal_deadline")} == {
        "legally_notified_on": "2026-11-25",
        "legal_aid_by": "2026-12-09",
        "appeal_deadline": "2026-12-28",
    }
    assert (waiting["legal_aid_deadline"], waiting["appeal_by"]) == ("2026-12-10", "2026-12-24")
    [notified] = status["decisions_notified"]
    assert notified["id"] == opened_late.id
    assert (notified["legally_notified_on"], notified["legal_aid_deadline"]) == (
        "2026-11-17",
        "2026-12-02",
    )
    assert (notified["appeal_by"], notified["appeal_deadline"]) == ("2026-12-17", "2026-12-18")
    text = render_status(Paths(tmp_path, tmp_path), [status], Translator("en"), True)
    assert "  waiting: Décision: NOT OPENED, counts as received since November 25, 2026" in text
    assert "days left" not in text
    assert "  decision notified on November 17, 2026: Décision" in text
    assert (
        "    If the decision is negative, ask for a free lawyer (legal aid) by December 1, 2026; "
        "the law's last day is December 2, 2026. The appeal to the CNDA must be sent by "
        "December 18, 2026 at the latest; send it by December 17, 2026 to be safe. "
        + NOT_LEGAL_ADVICE
    ) in text.splitlines()
    assert "the law's last day is December 10, 2026" in text
    assert "must be sent by December 28, 2026 at the latest" in text


def test_an_opened_decision_first_seen_while_its_appeal_time_runs_gets_one_alert() -> None:
    # The second case: opened on day 27, notified on day 15 (Tue 17 Mar 2026).
    opened = decision(date(2026, 3, 2), read_on=date(2026, 3, 29))
    today = date(2026, 3, 30)
    first = LetterReport(opened, deadlines_for(opened, today), new=True)
    again = LetterReport(opened, deadlines_for(opened, today), new=False)
    over = LetterReport(opened, deadlines_for(opened, date(2026, 4, 21)), new=True)

    [alert] = letter_alerts([first, again, over], Translator("en"), "default")

    assert alert.kind == "new_letter"
    assert alert.title == "Time limits of an opened decision: Decision (Décision)"
    assert alert.body == (
        "If the decision is negative, ask for a free lawyer (legal aid) by March 31, 2026; the "
        "law's last day is April 1, 2026. The appeal to the CNDA must be sent by April 20, 2026 "
        "at the latest; send it by April 17, 2026 to be safe. " + NOT_LEGAL_ADVICE
    )


def test_french_writes_the_first_of_a_month_as_an_ordinal() -> None:
    french = Translator("fr")
    assert french.date(date(2026, 12, 1)) == "1er décembre 2026"
    assert french.date(date(2027, 1, 1)) == "1er janvier 2027"
    assert french.date(date(2026, 12, 2)) == "2 décembre 2026"
    assert french.date(date(2026, 12, 11)) == "11 décembre 2026"
    assert Translator("en").date(date(2026, 12, 1)) == "December 1, 2026"
