"""The agent's decisions, one rule at a time: histories in, what is due out (no I/O, no clock)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from assistant.alerts import not_checked_alert, reminder_alert
from assistant.deadlines import PARIS, deadlines_as_of
from assistant.errors import LoginRejectedError, PortalUnavailableError
from assistant.i18n import Translator
from assistant.results import Alert, CheckResult, LetterReport
from assistant.schedule import (
    Policy,
    ProfileHistory,
    SeededJitter,
    alerts_to_forward,
    covered_reminders,
    due_notices,
    due_profiles,
    plan_check,
)
from assistant.settings import AgentSettings, Settings
from assistant.state import CheckRecord, SeenLetter
from flows.models import LetterKind, PortalLetter

POLICY = Policy()
SETUP = datetime(2026, 11, 2, 10, 0, tzinfo=PARIS)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def check(
    when: datetime, code: str | None = None, automated: bool = True, minutes: int = 1
) -> CheckRecord:
    return CheckRecord(
        started_at=when,
        finished_at=when + timedelta(minutes=minutes),
        ok=code is None,
        error_code=code,
        letters=None,
        new_letters=None,
        unread_notified=None,
        automated=automated,
    )


def history(
    *attempts: CheckRecord,
    letters: tuple[SeenLetter, ...] = (),
    sent: frozenset[str] = frozenset(),
    credentials_updated_at: datetime | None = SETUP,
) -> ProfileHistory:
    """``attempts`` in the order they happened."""
    ordered = tuple(reversed(attempts))
    return ProfileHistory(
        name="amina",
        language="en",
        created_at=SETUP,
        credentials_updated_at=credentials_updated_at,
        attempts=ordered,
        last_ok=next((a for a in ordered if a.ok), None),
        letters=letters,
        sent=sent,
    )


def decision(notified_on: date, seen_at: datetime, read_on: date | None = None) -> SeenLetter:
    return SeenLetter(
        PortalLetter(
            id=f"{notified_on}-decision",
            kind=LetterKind.DECISION,
            label="Décision",
            sender="OFPRA",
            made_available_on=notified_on,
            notified_on=notified_on,
            read=read_on is not None,
            read_on=read_on,
            portal_remaining_days=None,
            portal_says_notified=False,
        ),
        first_seen_at=seen_at,
        last_seen_at=seen_at,
    )


# Checks ----------------------------------------------------------------------------------------


def test_the_first_check_is_due_at_setup() -> None:
    plan = plan_check(history(), POLICY, SETUP)

    assert (plan.at, plan.reason) == (SETUP, "first")
    assert plan.due(SETUP)


def test_the_next_check_is_due_an_interval_after_the_last_success_however_late() -> None:
    ok = check(SETUP)
    plan = plan_check(history(ok), POLICY, SETUP)

    assert (plan.at, plan.reason) == (ok.finished_at + timedelta(days=7), "weekly")
    # Asleep or off when it fell due: due at the first tick after, even weeks later.
    assert plan_check(history(ok), POLICY, SETUP + timedelta(days=40)).due(
        SETUP + timedelta(days=40)
    )


def test_the_interval_is_a_setting() -> None:
    policy = Policy.from_settings(Settings(check_interval_days=3), jitter=None)
    ok = check(SETUP)

    assert plan_check(history(ok), replace(policy, jitter=POLICY.jitter), SETUP).at == (
        ok.finished_at + timedelta(days=3)
    )


def test_while_a_letter_waits_the_check_is_daily_from_the_morning() -> None:
    seen = at(date(2026, 11, 24), 20)
    ok = check(seen, minutes=0)
    waiting = history(ok, letters=(decision(date(2026, 11, 20), seen),))

    plan = plan_check(waiting, POLICY, seen)

    assert (plan.at, plan.reason) == (at(date(2026, 11, 25), 9), "daily")


def test_an_opened_or_expired_letter_does_not_make_checks_daily() -> None:
    seen = at(date(2026, 11, 24), 20)
    ok = check(seen, minutes=0)
    opened = history(ok, letters=(decision(date(2026, 11, 20), seen, date(2026, 11, 23)),))
    expired = history(ok, letters=(decision(date(2026, 11, 1), seen),))

    assert plan_check(opened, POLICY, seen).reason == "weekly"
    assert plan_check(expired, POLICY, seen).reason == "weekly"


@pytest.mark.parametrize(
    ("failures", "wait"),
    [
        pytest.param(1, timedelta(hours=1), id="1h"),
        pytest.param(2, timedelta(hours=4), id="4h"),
        pytest.param(3, timedelta(hours=12), id="12h"),
        pytest.param(6, timedelta(hours=12), id="capped"),
    ],
)
def test_a_transient_failure_is_retried_after_1_4_then_12_hours(
    failures: int, wait: timedelta
) -> None:
    attempts = [check(SETUP)]
    moment = SETUP + timedelta(days=7)
    for _ in range(failures):
        attempts.append(check(moment, "portal_unavailable"))
        moment += timedelta(hours=13)

    plan = plan_check(history(*attempts), POLICY, moment)

    assert (plan.at, plan.reason) == (attempts[-1].finished_at + wait, "retry")


def test_a_failure_retrying_cannot_cure_waits_the_longest_delay() -> None:
    failed = check(SETUP + timedelta(days=7), "page_not_recognised")

    plan = plan_check(history(check(SETUP), failed), POLICY, failed.finished_at)

    assert plan.at == failed.finished_at + timedelta(hours=12)


def test_a_locked_keyring_at_login_is_retried_soon() -> None:
    failed = check(SETUP + timedelta(days=7), "keyring_unavailable")

    plan = plan_check(history(check(SETUP), failed), POLICY, failed.finished_at)

    assert plan.at == failed.finished_at + timedelta(hours=1)


@pytest.mark.parametrize(
    "code", ["login_rejected", "account_locked", "credentials_missing", "consent_missing"]
)
@pytest.mark.parametrize("automated", [True, False], ids=["by_the_agent", "by_hand"])
def test_a_refused_login_pauses_the_profile_until_setup_runs_again(
    code: str, automated: bool
) -> None:
    refused = check(SETUP + timedelta(days=7), code, automated=automated)
    later = SETUP + timedelta(days=30)

    paused = plan_check(history(check(SETUP), refused), POLICY, later)
    assert (paused.at, paused.reason, paused.paused_by) == (None, "paused", code)
    assert not paused.due(later)

    setup_again = refused.finished_at + timedelta(days=1)
    resumed = plan_check(
        history(check(SETUP), refused, credentials_updated_at=setup_again), POLICY, later
    )
    assert resumed.reason == "weekly"
    assert resumed.due(later)


def test_at_most_one_automated_login_in_12_hours() -> None:
    refused = check(at(date(2026, 11, 9), 10), "login_rejected")
    setup_again = at(date(2026, 11, 9), 14)

    plan = plan_check(
        history(check(SETUP), refused, credentials_updated_at=setup_again), POLICY, setup_again
    )

    assert plan.at == refused.started_at + timedelta(hours=12)


def test_a_check_by_hand_is_not_counted_as_an_automated_login() -> None:
    by_hand = check(at(date(2026, 11, 9), 10), "login_rejected", automated=False)
    setup_again = at(date(2026, 11, 9), 14)

    plan = plan_check(
        history(check(SETUP), by_hand, credentials_updated_at=setup_again), POLICY, setup_again
    )

    assert plan.due(setup_again)


def test_profiles_due_soon_are_checked_with_the_one_due_now() -> None:
    now = SETUP + timedelta(days=7, minutes=1)
    due = replace(history(check(SETUP)), name="amina")
    soon = replace(history(check(SETUP + timedelta(minutes=30))), name="bilal")
    later = replace(history(check(SETUP + timedelta(hours=3))), name="chloe")

    assert due_profiles([due, soon, later], POLICY, now) == ["amina", "bilal"]
    assert due_profiles([soon, later], POLICY, now) == []


def test_jitter_is_stable_for_a_due_time_bounded_and_seeded() -> None:
    jitter = SeededJitter(seed=7, maximum=timedelta(minutes=30))
    due = SETUP + timedelta(days=7)

    draws = {jitter("amina", due + timedelta(hours=h)) for h in range(50)}

    assert (
        jitter("amina", due)
        == jitter("amina", due)
        == SeededJitter(7, jitter.maximum)("amina", due)
    )
    assert all(timedelta(0) <= d < timedelta(minutes=30) for d in draws)
    assert len(draws) > 40
    assert SeededJitter(8, jitter.maximum)("amina", due) != jitter("amina", due)
    assert SeededJitter(7, timedelta(0))("amina", due) == timedelta(0)
    # The routine checks draw it; the first check of a new profile runs at once.
    ok = check(SETUP)
    weekly = ok.finished_at + timedelta(days=7)
    assert plan_check(history(ok), replace(POLICY, jitter=jitter), SETUP).at == weekly + jitter(
        "amina", weekly
    )
    assert plan_check(history(), replace(POLICY, jitter=jitter), SETUP).at == SETUP


def test_the_alarm_never_rings_before_the_next_regular_check() -> None:
    settings = Settings(check_interval_days=10, agent=AgentSettings(alarm_after_days=8))

    assert Policy.from_settings(settings).alarm_after == timedelta(days=11)
    assert Policy.from_settings(Settings()).alarm_after == timedelta(days=8)


# Reminders -------------------------------------------------------------------------------------

NOTIFIED = date(2026, 11, 18)  # open by 2 December (D); counts as received on 3 December
SEEN = at(date(2026, 11, 18), 12)


def reminders(h: ProfileHistory, now: datetime) -> list[str]:
    return [n.key.rsplit(":", 1)[1] for n in due_notices(h, POLICY, now) if n.kind == "reminder"]


@pytest.mark.parametrize(
    ("day", "hour", "expected"),
    [
        pytest.param(date(2026, 11, 21), 12, [], id="before-D-10"),
        pytest.param(date(2026, 11, 22), 8, [], id="D-10-before-the-morning"),
        pytest.param(date(2026, 11, 22), 9, ["D-10"], id="D-10"),
        pytest.param(date(2026, 11, 25), 9, ["D-7"], id="D-7"),
        pytest.param(date(2026, 11, 29), 9, ["D-3"], id="D-3"),
        pytest.param(date(2026, 12, 1), 9, ["D-1"], id="D-1"),
        pytest.param(date(2026, 12, 2), 9, ["D-0"], id="D"),
        pytest.param(date(2026, 12, 3), 9, ["deemed"], id="counts-as-received"),
    ],
)
def test_reminders_fall_on_d_minus_10_7_3_1_and_d(
    day: date, hour: int, expected: list[str]
) -> None:
    # The last successful check is old, so no check is due later the same day to wait for.
    h = history(check(SEEN, minutes=0), letters=(decision(NOTIFIED, SEEN),))

    assert reminders(h, at(day, hour)) == expected


def test_after_days_off_only_the_most_recent_missed_reminder_is_sent_once() -> None:
    letter = decision(NOTIFIED, SEEN)
    h = history(check(SEEN, minutes=0), letters=(letter,))
    back = at(date(2026, 11, 30), 7)  # off from before D-10 until after D-3

    [notice] = [n for n in due_notices(h, POLICY, back) if n.kind == "reminder"]
    assert notice.key.endswith(":D-3")
    assert reminders(replace(h, sent=frozenset({notice.key})), back) == []


def test_a_reminder_waits_for_the_check_due_later_that_day_then_goes_even_if_it_failed() -> None:
    seen = at(date(2026, 11, 24), 9, 30)
    letter = decision(NOTIFIED, seen)
    ok = check(seen, minutes=0)
    morning = at(date(2026, 11, 25), 9)
    jittered = replace(POLICY, jitter=lambda profile, due: timedelta(minutes=20))

    waiting = history(ok, letters=(letter,))
    assert [n.key for n in due_notices(waiting, jittered, morning)] == []

    failed = history(ok, check(morning + timedelta(minutes=20), "portal_unavailable"))
    failed = replace(failed, letters=(letter,))
    assert reminders(failed, morning + timedelta(minutes=21)) == ["D-7"]


def test_a_reminder_counts_the_days_from_today_and_says_when_the_list_was_read() -> None:
    letter = decision(NOTIFIED, SEEN)
    today = date(2026, 11, 29)
    deadlines = deadlines_as_of(letter.letter, SEEN.date(), today)

    alert = reminder_alert(
        letter.letter, deadlines, date(2026, 11, 28), today, Translator("en"), "x"
    )

    assert alert.kind == "reminder"
    assert alert.title == "Letter not opened yet: Decision (Décision) (x)"
    assert alert.body.startswith("Open it on the OFPRA website by December 2, 2026: 3 days left.")
    assert alert.body.endswith(
        "The assistant last read your list of letters on November 28, 2026: if you have opened "
        "this letter since, ignore this reminder."
    )
    assert alert.urgent is True


# The alarm -------------------------------------------------------------------------------------


def alarms(h: ProfileHistory, now: datetime) -> list[str]:
    return [n.key for n in due_notices(h, POLICY, now) if n.kind == "not_checked"]


def test_no_successful_check_for_8_days_rings_then_every_morning_until_one_succeeds() -> None:
    ok = check(at(date(2026, 12, 19), 9, 10), minutes=0)
    failed = check(at(date(2026, 12, 26), 9, 20), "login_rejected")
    h = history(ok, failed)

    assert alarms(h, at(date(2026, 12, 27), 9, 9)) == []
    assert alarms(h, at(date(2026, 12, 27), 9, 10)) == ["not_checked:2026-12-27"]
    sent = replace(h, sent=frozenset({"not_checked:2026-12-27"}))
    assert alarms(sent, at(date(2026, 12, 27), 23)) == []
    assert alarms(sent, at(date(2026, 12, 28), 8, 59)) == []
    assert alarms(sent, at(date(2026, 12, 28), 9)) == ["not_checked:2026-12-28"]
    # Off for three days: one alarm when it is back, not one per day missed.
    assert alarms(sent, at(date(2026, 12, 31), 15)) == ["not_checked:2026-12-31"]

    [notice] = [n for n in due_notices(h, POLICY, at(date(2026, 12, 28), 9))]
    assert notice.paused_by == "login_rejected"
    recovered = history(ok, failed, check(at(date(2026, 12, 29), 12)))
    assert alarms(recovered, at(date(2026, 12, 30), 9)) == []


def test_a_profile_never_checked_rings_8_days_after_setup() -> None:
    assert alarms(history(), SETUP + timedelta(days=8)) == ["not_checked:2026-11-10"]
    assert alarms(history(), SETUP + timedelta(days=8) - timedelta(seconds=1)) == []


def test_the_alarm_says_since_when_and_what_to_do() -> None:
    alert = not_checked_alert(date(2026, 12, 19), Translator("en"), "amina", "login_rejected")

    assert alert.kind == "not_checked"
    assert alert.urgent is True
    assert alert.title == "OFPRA account not checked since December 19, 2026 (amina)"
    assert alert.body == (
        "The assistant could not check your OFPRA account since December 19, 2026: check your "
        "account yourself on the OFPRA website, or go to your SPADA. Automatic checks are "
        "paused until you run 'ofpra-assistant setup --profile amina --replace' again."
    )


class MarkingTranslator(Translator):
    """Wraps every text it translates, to show which texts went through it."""

    def _(self, message: str, /, **values: object) -> str:
        return "<" + super()._(message, **values) + ">"

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        return "<" + super().ngettext(singular, plural, count, **values) + ">"


def test_reminder_and_alarm_texts_all_go_through_the_translator() -> None:
    t = MarkingTranslator("en")
    letter = decision(NOTIFIED, SEEN)
    today = date(2026, 11, 29)
    deadlines = deadlines_as_of(letter.letter, SEEN.date(), today)

    texts = [
        reminder_alert(letter.letter, deadlines, date(2026, 11, 28), today, t, "default"),
        reminder_alert(letter.letter, deadlines, today, date(2026, 12, 4), t, "default"),
        not_checked_alert(date(2026, 12, 19), t, "default", "login_rejected"),
    ]

    # Every sentence is one marked piece: nothing reaches the person untranslated.
    for alert in texts:
        # The title is one marked sentence (the letter's name inside it is marked too).
        assert re.fullmatch(r"<[^<>]+(<.+>)?[^<>]*>", alert.title), alert.title
        assert re.fullmatch(r"<[^<>]+>( <[^<>]+>)*", alert.body), alert.body
    assert texts[0].body.count("<") == 5, (
        "days left, received on, decision rule, not legal advice, stale list"
    )


# A check's own alerts, when the agent ran it -----------------------------------------------


def test_an_automated_check_forwards_new_letters_and_only_the_first_failure_of_a_run() -> None:
    letter = decision(NOTIFIED, SEEN).letter
    deadlines = deadlines_as_of(letter, NOTIFIED, date(2026, 11, 24))
    new = Alert("new_letter", "New letter from OFPRA: Décision", "...", False, letter.id)
    reminder = Alert("reminder", "Letter not opened yet: Décision", "...", False, letter.id)
    ok = CheckResult("amina", at(date(2026, 11, 24), 8), [LetterReport(letter, deadlines, True)])
    ok.alerts = [new, reminder]

    assert alerts_to_forward(ok, history()) == [new]
    assert covered_reminders(ok, [new]) == [f"reminder:{letter.id}:2026-12-02:D-10"]

    week = SETUP + timedelta(days=7)
    down = CheckResult("amina", week, error=PortalUnavailableError("down"))
    down.alerts = [Alert("check_failed", "t", "b")]
    assert alerts_to_forward(down, history(check(SETUP))) == down.alerts
    again = history(check(SETUP), check(week - timedelta(hours=2), "portal_unavailable"))
    assert alerts_to_forward(down, again) == []

    refused = CheckResult("amina", week, error=LoginRejectedError("refused"))
    refused.alerts = [Alert("check_failed", "t", "b")]
    earlier = check(week - timedelta(days=1), "login_rejected")
    assert alerts_to_forward(refused, history(earlier)) == []
    assert alerts_to_forward(refused, history(earlier, credentials_updated_at=week)) == (
        refused.alerts
    ), "new credentials refused as well: said again"
