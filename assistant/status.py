"""What ``status`` reports for each profile, from the state alone (no login)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from assistant.deadlines import deadlines_for, paris_today
from assistant.runner import Environment
from assistant.settings import Paths


def profile_statuses(
    env: Environment, paths: Paths, only: str | None = None
) -> list[dict[str, Any]]:
    now = env.clock()
    today = paris_today(now)
    statuses = []
    for profile in env.state.profiles():
        if only and profile.name != only:
            continue
        consent = env.state.consent(profile.name)
        checks = env.state.checks(profile.name, limit=1)
        last_ok = env.state.last_successful_check(profile.name)
        next_due = (
            last_ok.finished_at + timedelta(days=env.settings.check_interval_days)
            if last_ok
            else now
        )
        waiting = []
        for seen in env.state.letters(profile.name):
            # The portal's remaining-time count was true on the day of the check, not today.
            letter = replace(seen.letter, portal_remaining_days=None)
            deadlines = deadlines_for(letter, today)
            if deadlines.notified_letter and not letter.read:
                waiting.append(
                    {
                        "id": letter.id,
                        "label": letter.label,
                        "kind": letter.kind.value,
                        "open_by": deadlines.open_by.isoformat() if deadlines.open_by else None,
                        "days_left": deadlines.days_left,
                        "deemed_notified_on": (
                            deadlines.deemed_notified_on.isoformat()
                            if deadlines.deemed_notified_on
                            else None
                        ),
                    }
                )
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
                "next_check_due": next_due.isoformat(),
                "letters_waiting": waiting,
            }
        )
    return statuses
