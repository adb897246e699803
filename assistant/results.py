"""What a check found, in the shape of the JSON contract of DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assistant.deadlines import LetterDeadlines
from assistant.errors import AssistantError
from flows.models import LetterKind, PortalLetter


@dataclass(frozen=True)
class LetterReport:
    letter: PortalLetter
    deadlines: LetterDeadlines
    new: bool
    #: Dates of this letter that do not fit together (assistant/plausibility.py), as codes.
    date_warnings: tuple[str, ...] = ()

    @property
    def needs_opening(self) -> bool:
        """An unread notified letter: a legal clock runs on it."""
        return self.deadlines.notified_letter and not self.letter.read

    @property
    def unknown_unread(self) -> bool:
        """An unread letter of a kind the assistant does not know: it may carry a deadline."""
        return self.letter.kind is LetterKind.OTHER and not (self.letter.read or self.needs_opening)

    def to_json(self) -> dict[str, Any]:
        letter, deadlines = self.letter, self.deadlines
        return {
            "id": letter.id,
            "kind": letter.kind.value,
            "label": letter.label,
            "sender": letter.sender,
            "made_available_on": _iso(letter.made_available_on),
            "notified_on": _iso(letter.notified_on),
            "read": letter.read,
            "read_on": _iso(letter.read_on),
            "notified_letter": deadlines.notified_letter,
            "deemed_notified_on": _iso(deadlines.deemed_notified_on),
            "deemed_notified": deadlines.deemed_notified,
            "open_by": _iso(deadlines.open_by),
            "days_left": deadlines.days_left,
            "legally_notified_on": _iso(deadlines.legally_notified_on),
            "legal_aid_by": _iso(deadlines.legal_aid_by),
            "legal_aid_deadline": _iso(deadlines.legal_aid_deadline),
            "appeal_by": _iso(deadlines.appeal_by),
            "appeal_deadline": _iso(deadlines.appeal_deadline),
            "portal_remaining_days": letter.portal_remaining_days,
            "new": self.new,
            "date_warnings": list(self.date_warnings),
        }


@dataclass(frozen=True)
class Alert:
    """One desktop alert. ``kind``: new_letter, reminder, deemed_notified, check_failed,
    not_checked (the agent's alarm), channel_down (``letter_id`` then names the channel's
    target) or state_damaged."""

    kind: str
    title: str
    body: str
    urgent: bool = False
    letter_id: str | None = None
    #: The profile it is about, set where it is delivered (the outbox knows it), for the desktop
    #: alert's "Open" action; not part of what the alert says, so not compared.
    profile: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "urgent": self.urgent,
            "letter_id": self.letter_id,
        }


@dataclass
class CheckResult:
    profile: str
    checked_at: datetime
    letters: list[LetterReport] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    #: How each alert was delivered ("desktop" or "console"), in the order of ``alerts``.
    delivered_via: list[str] = field(default_factory=list)
    #: Each alert's deliveries, in the order of ``alerts``: ``{"channel": LABEL, "ok": ...}``.
    deliveries: list[list[dict[str, Any]]] = field(default_factory=list)
    error: AssistantError | None = None
    #: Requests the browser's fence refused, and how many of them were for a letter.
    blocked_requests: int = 0
    letter_requests_blocked: int = 0
    logged_out: bool = False
    #: Attempts made at the portal (0: none, the check stopped before the browser).
    attempts: int = 0
    #: Pages of the documents table read.
    pages: int = 0
    #: The redacted outline saved for a page that was not recognised.
    capture: Path | None = None
    #: No check of this profile had succeeded before: nothing was known to compare with.
    first_check: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        if self.error is not None:
            failed: dict[str, Any] = {
                "ok": False,
                "profile": self.profile,
                "checked_at": self.checked_at.isoformat(),
                "error": self.error.to_json(),
                "alerts": self._alerts_json(),
                "attempts": self.attempts,
            }
            if self.capture is not None:
                failed["capture"] = str(self.capture)
            return failed
        return {
            "ok": True,
            "profile": self.profile,
            "checked_at": self.checked_at.isoformat(),
            "letters": [r.to_json() for r in self.letters],
            "alerts": self._alerts_json(),
            "blocked_requests": self.blocked_requests,
            "letter_requests_blocked": self.letter_requests_blocked,
            "logged_out": self.logged_out,
            "attempts": self.attempts,
            "pages": self.pages,
            "first_check": self.first_check,
        }

    def _alerts_json(self) -> list[dict[str, Any]]:
        deliveries = self.deliveries + [[]] * (len(self.alerts) - len(self.deliveries))
        return [
            {**a.to_json(), "deliveries": d} for a, d in zip(self.alerts, deliveries, strict=True)
        ]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
