"""What ``status`` reports for each profile, from the state alone (no login).

The next check and the alarms are what the agent decides (``schedule``), so that ``status``
and ``run`` never disagree; the random delay the agent draws (from the home folder's seed) is
shown beside the due time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from assistant.deadlines import LetterDeadlines, deadlines_as_of, paris_today
from assistant.environment import Environment
from assistant.results import LetterReport
from assistant.schedule import (
    Policy,
    ProfileHistory,
    Waiting,
    alarm_from,
    drawn_delay,
    jitter_seed,
    next_reminder,
    no_jitter,
    not_checked_since,
    plan_check,
)
from assistant.settings import Paths


def profile_statuses(
    env: Environment, paths: Paths, only: str | None = None
) -> list[dict[str, Any]]:
    now = env.clock()
    today = paris_today(now)
    policy = Policy.from_settings(env.settings, jitter=no_jitter)
    agent_policy = Policy.from_settings(env.settings, seed=jitter_seed(env.state))
    statuses = []
    failing = env.state.failing_targets()
    for profile in env.state.profiles():
        if only and profile.name != only:
            continue
        consent = env.state.consent(profile.name)
        checks = env.state.checks(profile.name, limit=1)
        history = ProfileHistory.from_state(env.state, profile)
        last_ok = history.last_ok
        plan = plan_check(history, policy, now)
        delay = drawn_delay(history, agent_policy, now)
        waiting = []
        decisions = []
        unknown = []
        for seen in env.state.letters(profile.name):
            deadlines = deadlines_as_of(seen.letter, paris_today(seen.last_seen_at), today)
            if LetterReport(seen.letter, deadlines, new=False).unknown_unread:
                # A kind the assistant does not know may carry a deadline: shown too.
                unknown.append(
                    {
                        "id": seen.letter.id,
                        "label": seen.letter.label,
                        "made_available_on": seen.letter.made_available_on.isoformat(),
                    }
                )
            if (
                seen.letter.read
                and deadlines.appeal_deadline is not None
                and deadlines.appeal_deadline >= today
            ):
                # An opened decision whose appeal time still runs: its days, if it is negative.
                decisions.append(
                    {
                        "id": seen.letter.id,
                        "label": seen.letter.label,
                        "kind": seen.letter.kind.value,
                        **_decision_days(deadlines),
                    }
                )
            if deadlines.notified_letter and not seen.letter.read:
                reminder = next_reminder(Waiting(seen, deadlines), history, today)
                waiting.append(
                    {
                        "id": seen.letter.id,
                        "label": seen.letter.label,
                        "kind": seen.letter.kind.value,
                        "open_by": _iso(deadlines.open_by),
                        "days_left": deadlines.days_left,
                        "deemed_notified_on": _iso(deadlines.deemed_notified_on),
                        **_decision_days(deadlines),
                        "next_reminder_on": _iso(reminder.day if reminder else None),
                    }
                )
        paused = history.paused_by
        alarms = []
        if paused is not None:
            alarms.append(
                {
                    "kind": "paused",
                    "error_code": paused.error_code,
                    "since": paused.finished_at.isoformat(),
                }
            )
        if now >= alarm_from(history, policy, now):
            alarms.append({"kind": "not_checked", "since": not_checked_since(history).isoformat()})
        statuses.append(
            {
                "profile": profile.name,
                "portal_url": profile.portal_url,
                "language": profile.language,
                "consent": None
                if consent is None
                else {
                    "given_by": consent.given_by,
                    "role": consent.role,
                    "holder_name": consent.holder_name,
                    "given_at": consent.given_at.isoformat(),
                    "text_version": consent.text_version,
                },
                "last_check": None
                if not checks
                else {
                    "at": checks[0].finished_at.isoformat(),
                    "ok": checks[0].ok,
                    "error_code": checks[0].error_code,
                },
                "last_successful_check": last_ok.finished_at.isoformat() if last_ok else None,
                "next_check_due": plan.at.isoformat() if plan.at else None,
                "next_check_reason": plan.reason,
                # The agent's random delay after the due time (none for a first check).
                "next_check_delay_minutes": round(delay.total_seconds() / 60),
                "alarms": alarms,
                "letters_waiting": waiting,
                "decisions_notified": decisions,
                "dates_counted_on": today.isoformat(),
                "letters_of_unknown_kind": unknown,
                "channels_failing": _channels_failing(failing, profile.name, now),
            }
        )
    return statuses


def _channels_failing(
    failing: dict[str, tuple[datetime, str | None]], profile: str, now: datetime
) -> list[dict[str, Any]]:
    """The profile's channels with deliveries that failed and wait for another try (from the
    outbox, no keyring): since when, the last error, and whether it counts as down (a day)."""
    from assistant.channels import RetryPolicy

    policy = RetryPolicy()
    prefix = f"channel:{profile}:"
    return [
        {
            "channel": target[len(prefix) :],
            "since": since.isoformat(),
            "down": policy.is_down(since, now),
            "last_error": error,
        }
        for target, (since, error) in sorted(failing.items())
        if target.startswith(prefix)
    ]


def _decision_days(deadlines: LetterDeadlines) -> dict[str, str | None]:
    return {
        "legally_notified_on": _iso(deadlines.legally_notified_on),
        "legal_aid_by": _iso(deadlines.legal_aid_by),
        "legal_aid_deadline": _iso(deadlines.legal_aid_deadline),
        "appeal_by": _iso(deadlines.appeal_by),
        "appeal_deadline": _iso(deadlines.appeal_deadline),
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
