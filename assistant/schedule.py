"""When the agent acts: checks, reminders and the alarm, decided from the clock and the state.

Pure decisions. Given what the state recorded for a profile (a ``ProfileHistory``), the policy
and the wall-clock time, they say what is due; nothing here waits, logs in or sends. The agent
asks at every tick (a minute), so a week missed while the laptop was off or asleep is due at the
first tick after it wakes up: the scheduler's own wait does not count time asleep (RECIPES.md),
the wall clock and the last successful check in the state do.

- A check is due ``check_interval_days`` after the last successful one; every morning while a
  letter with a deadline waits to be opened (to notice when it is); 1 h, 4 h, 12 h (the last wait
  repeats) after failures; never while the portal refused the password or the account is locked,
  until ``setup`` stores new credentials. At most one automated login per 12 hours, after a
  random delay (jitter).
- A reminder is due on D-10, D-7, D-3, D-1 and D (D = the last day to open the letter), and
  once more when it counts as received, from the dates in the state (no login). Only the most
  recent one is sent, once: a reminder missed while the laptop was off comes at the next start.
- No successful check for 8 days: an alarm, repeated every day until a check succeeds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from assistant.deadlines import PARIS, LetterDeadlines, deadlines_as_of, paris_today
from assistant.errors import ALL_ERRORS
from assistant.results import Alert, CheckResult
from assistant.state import CheckRecord, SeenLetter

if TYPE_CHECKING:
    from assistant.settings import Settings
    from assistant.state import Profile, StateStore

#: Days before the last day to open a letter (D) on which to remind; 0 is D itself.
REMINDER_DAYS: tuple[int, ...] = (10, 7, 3, 1, 0)
#: The last reminder: the day an unopened letter counts as received.
DEEMED_STAGE = "deemed"

# The rules are attributes of the error classes (flows/errors.py, assistant/errors.py): a new
# error says once what it is, and these sets follow.
#: Failures that retrying cannot cure: the agent stops logging in until ``setup`` runs again.
PAUSING_CODES = frozenset(e.code for e in ALL_ERRORS if e.needs_person)
#: Failures worth retrying soon (1 h, 4 h, ...); any other waits the longest retry delay.
RETRY_SOON_CODES = frozenset(e.code for e in ALL_ERRORS if e.retryable or e.retried_soon)
#: Failed attempts that still reached the portal's login form: they count as logins.
LOGIN_CODES = frozenset(e.code for e in ALL_ERRORS if e.reached_login)

#: How many past checks a history keeps: enough for any failure streak and the login limit.
HISTORY_LENGTH = 50
#: When one profile is due, the profiles due within this time are checked with it, in the same
#: browser (a volunteer's profiles then stay together week after week).
BATCH_AHEAD = timedelta(hours=1)

Jitter = Callable[[str, datetime], timedelta]
_NONE = (None, None, None)


def no_jitter(profile: str, due: datetime) -> timedelta:
    return timedelta(0)


@dataclass(frozen=True)
class SeededJitter:
    """A random delay in [0, maximum) that stays the same for one profile and one due time.

    The same answer at every tick (drawn again each minute, the earliest draw would win), and a
    different one for each due time and profile. The seed is random in the agent, fixed in tests.
    """

    seed: int
    maximum: timedelta

    def __call__(self, profile: str, due: datetime) -> timedelta:
        if self.maximum <= timedelta(0):
            return timedelta(0)
        draw = random.Random(f"{self.seed}|{profile}|{due.isoformat()}").random()
        return timedelta(seconds=int(draw * self.maximum.total_seconds()))


@dataclass(frozen=True)
class Policy:
    check_interval: timedelta = timedelta(days=7)
    alarm_after: timedelta = timedelta(days=8)
    retry_after: tuple[timedelta, ...] = (
        timedelta(hours=1),
        timedelta(hours=4),
        timedelta(hours=12),
    )
    min_between_logins: timedelta = timedelta(hours=12)
    #: Daily things happen from this time of day, in Paris.
    morning: time = time(9, 0)
    jitter: Jitter = no_jitter

    @classmethod
    def from_settings(
        cls, settings: Settings, jitter: Jitter | None = None, seed: int | None = None
    ) -> Policy:
        """``seed``: the home folder's (``jitter_seed``), so that ``status`` draws the same
        delays as the agent; without one, a random seed."""
        agent = settings.agent
        interval = timedelta(days=settings.check_interval_days)
        return cls(
            check_interval=interval,
            # The alarm must not ring before the next regular check was even due.
            alarm_after=max(timedelta(days=agent.alarm_after_days), interval + timedelta(days=1)),
            retry_after=tuple(timedelta(hours=h) for h in agent.retry_after_hours),
            min_between_logins=timedelta(hours=agent.min_hours_between_logins),
            morning=time(agent.morning_hour, 0),
            jitter=jitter
            if jitter is not None
            else SeededJitter(
                seed if seed is not None else random.SystemRandom().getrandbits(64),
                timedelta(minutes=agent.jitter_minutes),
            ),
        )


def jitter_seed(state: StateStore) -> int:
    """The home folder's seed for random delays: drawn once, then kept in the state."""
    drawn = str(random.SystemRandom().getrandbits(63))
    return int(state.set_meta_once("jitter_seed", drawn))


@dataclass(frozen=True)
class ProfileHistory:
    """What the state says about one profile, as the decisions need it."""

    name: str
    language: str
    created_at: datetime
    credentials_updated_at: datetime | None
    #: Past checks, the most recent first (at most HISTORY_LENGTH).
    attempts: tuple[CheckRecord, ...] = ()
    last_ok: CheckRecord | None = None
    #: The letters the last successful check read (a letter the portal no longer lists is not).
    letters: tuple[SeenLetter, ...] = ()
    #: Keys of the notices already sent.
    sent: frozenset[str] = field(default_factory=frozenset)
    #: The portal refused the credentials (or locked the account), until setup stores new ones.
    refused: CheckRecord | None = None

    @classmethod
    def from_state(cls, state: StateStore, profile: Profile) -> ProfileHistory:
        last_ok = state.last_successful_check(profile.name)
        letters = (
            tuple(
                seen
                for seen in state.letters(profile.name)
                if seen.last_seen_at >= last_ok.started_at
            )
            if last_ok
            else ()
        )
        return cls(
            name=profile.name,
            language=profile.language,
            created_at=profile.created_at,
            credentials_updated_at=profile.credentials_updated_at,
            attempts=tuple(state.checks(profile.name, limit=HISTORY_LENGTH)),
            last_ok=last_ok,
            letters=letters,
            sent=frozenset(state.notices_sent(profile.name)),
            refused=None
            if profile.refused_code is None or profile.refused_at is None
            else CheckRecord(
                profile.refused_at, profile.refused_at, False, profile.refused_code, *_NONE
            ),
        )

    def as_of(self, now: datetime) -> ProfileHistory:
        """What can be trusted at ``now``: a check dated in the future (a clock that was ahead
        and came back) is unknown, and a profile "created" in the future was created now."""
        if (
            self.created_at <= now
            and all(a.started_at <= now for a in self.attempts)
            and (self.last_ok is None or self.last_ok.started_at <= now)
        ):
            return self
        attempts = tuple(a for a in self.attempts if a.started_at <= now)
        last_ok = next((a for a in attempts if a.ok), None)
        letters = (
            tuple(s for s in self.letters if s.last_seen_at <= now) if last_ok is not None else ()
        )
        return replace(
            self,
            created_at=min(self.created_at, now),
            attempts=attempts,
            last_ok=last_ok,
            letters=letters,
        )

    @property
    def last_attempt(self) -> CheckRecord | None:
        return self.attempts[0] if self.attempts else None

    @property
    def failure_streak(self) -> int:
        """Failed checks since the last successful one."""
        streak = 0
        for attempt in self.attempts:
            if attempt.ok:
                break
            streak += 1
        return streak

    @property
    def last_automated_login(self) -> CheckRecord | None:
        for attempt in self.attempts:
            if attempt.automated and (attempt.ok or attempt.error_code in LOGIN_CODES):
                return attempt
        return None

    def credentials_updated_since(self, attempt: CheckRecord) -> bool:
        updated = self.credentials_updated_at
        return updated is not None and updated > attempt.finished_at

    @property
    def paused_by(self) -> CheckRecord | None:
        """The refused login that pauses the agent, until setup stores credentials again."""
        if self.refused is not None:
            return self.refused
        last = self.last_attempt
        if last is None or last.ok or last.error_code not in PAUSING_CODES:
            return None
        return None if self.credentials_updated_since(last) else last


# Checks ----------------------------------------------------------------------------------------

CheckReason = Literal["first", "weekly", "daily", "retry", "paused"]


@dataclass(frozen=True)
class CheckPlan:
    #: When the next automated check is due; None while the profile is paused.
    at: datetime | None
    reason: CheckReason
    #: The error code of the failure that paused the profile.
    paused_by: str | None = None

    def due(self, now: datetime) -> bool:
        return self.at is not None and self.at <= now


def plan_check(history: ProfileHistory, policy: Policy, now: datetime) -> CheckPlan:
    """When the next automated check is due. Never more than one interval past ``now``, even
    after the clock jumped (a check dated in the future is unknown); the first check of a new
    profile has no random delay."""
    history = history.as_of(now)
    paused = history.paused_by
    if paused is not None:
        return CheckPlan(None, "paused", paused.error_code)
    reason: CheckReason
    last_ok = history.last_ok
    if last_ok is None:
        base, reason = history.created_at, "first"
    else:
        base, reason = last_ok.finished_at + policy.check_interval, "weekly"
        if waiting_letters(history, paris_today(now)):
            next_morning = at_morning(paris_today(last_ok.finished_at) + timedelta(days=1), policy)
            if next_morning < base:
                base, reason = next_morning, "daily"
    last = history.last_attempt
    if last is not None and not last.ok and not history.credentials_updated_since(last):
        retry = last.finished_at + retry_delay(history.failure_streak, last.error_code, policy)
        if retry > base:
            base, reason = retry, "retry"
    # A clock that jumped: never more than an interval past now (or past the end of a check
    # that started before now), before the random delay.
    latest = max([now, *(a.finished_at for a in history.attempts[:1])])
    base = min(base, latest + policy.check_interval)
    at = base if reason == "first" else base + policy.jitter(history.name, base)
    login = history.last_automated_login
    if login is not None:
        at = max(at, min(login.started_at, now) + policy.min_between_logins)
    return CheckPlan(at, reason)


def drawn_delay(history: ProfileHistory, policy: Policy, now: datetime) -> timedelta:
    """The random delay the next check draws (for status): none for a first check."""
    plan = plan_check(history, policy, now)
    if plan.at is None or plan.reason == "first":
        return timedelta(0)
    without = plan_check(history, replace(policy, jitter=no_jitter), now)
    assert without.at is not None
    return max(plan.at - without.at, timedelta(0))


def due_profiles(histories: list[ProfileHistory], policy: Policy, now: datetime) -> list[str]:
    """The profiles to check now: those due, and those due soon along with them."""
    plans = {h.name: plan_check(h, policy, now) for h in histories}
    if not any(plan.due(now) for plan in plans.values()):
        return []
    return [name for name, plan in plans.items() if plan.due(now + BATCH_AHEAD)]


def retry_delay(streak: int, error_code: str | None, policy: Policy) -> timedelta:
    if error_code not in RETRY_SOON_CODES:
        return policy.retry_after[-1]
    return policy.retry_after[min(max(streak, 1), len(policy.retry_after)) - 1]


def at_morning(day: date, policy: Policy) -> datetime:
    return datetime.combine(day, policy.morning, tzinfo=PARIS)


# Letters and their reminders -------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One reminder of a letter: ``D-10`` ... ``D-0``, or ``deemed``."""

    name: str
    day: date


@dataclass(frozen=True)
class Waiting:
    """An unread letter with a deadline, with its dates as the last check found them."""

    seen: SeenLetter
    deadlines: LetterDeadlines

    @property
    def seen_on(self) -> date:
        return paris_today(self.seen.last_seen_at)


def unread_with_deadline(history: ProfileHistory, today: date) -> list[Waiting]:
    found = []
    for seen in history.letters:
        if seen.letter.read:
            continue
        deadlines = deadlines_as_of(seen.letter, paris_today(seen.last_seen_at), today)
        if deadlines.notified_letter and deadlines.open_by is not None:
            found.append(Waiting(seen, deadlines))
    return found


def waiting_letters(history: ProfileHistory, today: date) -> list[Waiting]:
    """Unread letters that can still be opened in time: while there is one, check daily."""
    return [
        w
        for w in unread_with_deadline(history, today)
        if w.deadlines.days_left is not None and w.deadlines.days_left >= 0
    ]


def reminder_stages(deadlines: LetterDeadlines) -> list[Stage]:
    assert deadlines.open_by is not None and deadlines.deemed_notified_on is not None
    stages = [Stage(f"D-{n}", deadlines.open_by - timedelta(days=n)) for n in REMINDER_DAYS]
    stages.append(Stage(DEEMED_STAGE, deadlines.deemed_notified_on))
    return stages


def stage_on(deadlines: LetterDeadlines, day: date) -> Stage | None:
    """The most recent reminder on or before ``day``."""
    reached = [s for s in reminder_stages(deadlines) if s.day <= day]
    return reached[-1] if reached else None


def reminder_key(letter_id: str, deadlines: LetterDeadlines, stage: Stage) -> str:
    # With the date, a letter whose deadline changes (a new notification) is reminded again.
    return f"reminder:{letter_id}:{deadlines.open_by}:{stage.name}"


def not_checked_key(day: date) -> str:
    return f"not_checked:{day.isoformat()}"


# Notices: what the agent sends without a check -----------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A reminder of a letter, or the alarm that the account was not checked."""

    kind: Literal["reminder", "not_checked"]
    profile: str
    key: str
    waiting: Waiting | None = None
    #: not_checked: the last successful check (or the setup, when there never was one).
    since: datetime | None = None
    #: not_checked: why checks are paused, if they are.
    paused_by: str | None = None


def due_notices(history: ProfileHistory, policy: Policy, now: datetime) -> list[Notice]:
    history = history.as_of(now)
    plan = plan_check(history, policy, now)
    notices = []
    for waiting in unread_with_deadline(history, paris_today(now)):
        reminder = _reminder(history, waiting, plan, policy, now)
        if reminder is not None:
            notices.append(reminder)
    alarm = _not_checked(history, plan, policy, now)
    if alarm is not None:
        notices.append(alarm)
    return notices


def _reminder(
    history: ProfileHistory, waiting: Waiting, plan: CheckPlan, policy: Policy, now: datetime
) -> Notice | None:
    today = paris_today(now)
    stage = stage_on(waiting.deadlines, today)
    if stage is None:
        return None
    if at_morning(stage.day, policy) > now:
        # Today's reminder, before the morning: yesterday's one is the one due now.
        stage = stage_on(waiting.deadlines, today - timedelta(days=1))
        if stage is None:
            return None
    key = reminder_key(waiting.seen.letter.id, waiting.deadlines, stage)
    if key in history.sent:
        return None
    # A check later today will read fresher dates (the letter may have been opened): the
    # reminder waits for it, unless a check was already tried since the reminder was due.
    starts = at_morning(stage.day, policy)
    end_of_day = datetime.combine(today + timedelta(days=1), time(0, 0), tzinfo=PARIS)
    if (
        plan.at is not None
        and now < plan.at < end_of_day
        and not any(a.started_at >= starts for a in history.attempts)
    ):
        return None
    return Notice("reminder", history.name, key, waiting=waiting)


def not_checked_since(history: ProfileHistory) -> datetime:
    return history.last_ok.finished_at if history.last_ok else history.created_at


def alarm_from(history: ProfileHistory, policy: Policy, now: datetime | None = None) -> datetime:
    """When the alarm first rings if no check succeeds (never more than ``alarm_after`` past
    ``now``, whatever the clock did)."""
    if now is not None:
        history = history.as_of(now)
    at = not_checked_since(history) + policy.alarm_after
    return at if now is None else min(at, now + policy.alarm_after)


def _not_checked(
    history: ProfileHistory, plan: CheckPlan, policy: Policy, now: datetime
) -> Notice | None:
    first = alarm_from(history, policy, now)
    if now < first:
        return None
    # The first alarm as soon as it is due, then one a day from the morning on.
    today = paris_today(now)
    day = today
    if today > paris_today(first) and now < at_morning(today, policy):
        day = today - timedelta(days=1)
    key = not_checked_key(day)
    if key in history.sent:
        return None
    return Notice(
        "not_checked",
        history.name,
        key,
        since=not_checked_since(history),
        paused_by=plan.paused_by,
    )


# What the agent does with a check's own alerts -------------------------------------------------


def alerts_to_forward(result: CheckResult, before: ProfileHistory) -> list[Alert]:
    """Which of an automated check's alerts to deliver.

    A new letter: always. Reminders and "counts as received": not here, the reminder schedule
    sends them (a daily check must not remind every day). A failure: the first of a run of the
    same failure only; the alarm covers a long one.
    """
    if result.error is not None:
        last = before.last_attempt
        if (
            last is not None
            and not last.ok
            and last.error_code == result.error.code
            and not before.credentials_updated_since(last)
        ):
            return []
        return list(result.alerts)
    return [a for a in result.alerts if a.kind == "new_letter"]


def covered_reminders(result: CheckResult, delivered: list[Alert]) -> list[str]:
    """Reminder keys made needless by a delivered new-letter alert (it gave the days left)."""
    today = paris_today(result.checked_at)
    alerted = {a.letter_id for a in delivered if a.letter_id}
    keys = []
    for report in result.letters:
        deadlines = report.deadlines
        if report.letter.id not in alerted or deadlines.deemed_notified_on is None:
            continue
        stage = stage_on(deadlines, today)
        if stage is not None:
            keys.append(reminder_key(report.letter.id, deadlines, stage))
    return keys


def next_reminder(waiting: Waiting, history: ProfileHistory, today: date) -> Stage | None:
    """The next reminder not sent yet, today or later (for status)."""
    for stage in reminder_stages(waiting.deadlines):
        key = reminder_key(waiting.seen.letter.id, waiting.deadlines, stage)
        if stage.day >= today and key not in history.sent:
            return stage
    return None
