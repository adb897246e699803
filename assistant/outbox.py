"""Every alert at least once: delivering what the state's outbox holds, target by target.

An alert is written to the outbox (``StateStore.enqueue_alerts``) in the same transaction that
records what it is about, with one pending delivery per target; ``deliver_pending`` then sends
each pending delivery and marks it (``StateStore.record_delivery``): done, with how it went out,
or failed, to be tried again later (the next check, the next tick of the agent, its next start).
A kill between the commit and the marks loses nothing: the alert is sent again after. Within one
process, an alert already sent to a target is never sent to it again, even when its mark could
not be written (a full disk).

A delivery target is anything with a ``name`` (recorded in the outbox) and a ``send(alert)`` that
says how the alert went out, or raises ``NotifierError`` when it reached no one: the local one
(``AlertDispatcher``: the desktop, else the terminal) and each remote channel. A target may
belong to one ``profile`` (a channel does; the local one serves every profile): an alert goes
only to the targets of its own profile (``targets_of``). A target that says when it counts as
down (``down_after``, and the alert that says so, ``down_alert``) is watched: failing that long,
it becomes an alert to the other targets of its profile, once per failure.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from assistant.notifiers import NotifierError
from assistant.results import Alert
from assistant.state import PendingDelivery, StateStore

log = logging.getLogger(__name__)

#: Waits before trying a failed delivery again (the last one repeats); a check run by hand, and
#: the agent's start, try everything at once.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)

#: What this process already sent: (state file, alert created at, alert id, target).
_SENT_IN_THIS_LIFE: set[tuple[str, str, int, str]] = set()


class DeliveryTarget(Protocol):
    #: Stable: it names the target's row in ``deliveries``.
    name: str

    def send(self, alert: Alert) -> str:
        """Deliver; return how it went out. Raise ``NotifierError`` when it reached no one."""
        ...


@dataclass(frozen=True)
class Delivery:
    """One target's delivery of one alert, as it went just now."""

    alert_id: int | None
    profile: str
    alert: Alert
    target: str
    #: How it went out; None when it reached no one (it stays in the outbox).
    via: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.via is not None


def targets_of(targets: Sequence[DeliveryTarget], profile: str) -> list[DeliveryTarget]:
    """The targets an alert of ``profile`` goes to: those of no profile in particular (the
    local one), and the profile's own (its channels), never another profile's."""
    return [t for t in targets if getattr(t, "profile", None) in (None, profile)]


def retry_at(attempts: int, now: datetime, target: DeliveryTarget | None = None) -> datetime:
    """When to try a failed delivery again: a target may set its own ``retry_delays`` (the
    desktop is tried at every tick of the agent: at login its service comes within minutes)."""
    delays = getattr(target, "retry_delays", None) or RETRY_DELAYS
    return now + delays[min(attempts, len(delays) - 1)]


def deliver_pending(
    state: StateStore,
    targets: Sequence[DeliveryTarget],
    now: datetime,
    *,
    force: bool = False,
) -> list[Delivery]:
    """Send every pending delivery to its target (those due, or all with ``force``), and mark
    each. A target that is not configured here (a channel removed since) is left pending."""
    by_name = {target.name: target for target in targets}
    done = []
    pending = state.pending_deliveries(now, force=force, targets=list(by_name))
    superseded = {(item.alert_id, item.target) for item in _superseded(pending)}
    for item in pending:
        if (item.alert_id, item.target) in superseded:
            _mark(state, item, now, via="superseded")
        else:
            done.append(_deliver_one(state, by_name[item.target], item, now))
    done += _report_targets_down(state, targets, now)
    return done


def _watched(target: DeliveryTarget) -> bool:
    return getattr(target, "down_after", None) is not None


def _report_targets_down(
    state: StateStore, targets: Sequence[DeliveryTarget], now: datetime
) -> list[Delivery]:
    """A watched target failing for ``down_after``: an alert to the other targets of its
    profile, once per failure (remembered with the profile's notices), then delivered."""
    watched = [t for t in targets if _watched(t)]
    if not watched:
        return []
    try:
        failing = state.failing_targets()
    except (sqlite3.Error, OSError) as error:  # never in the way of the deliveries themselves
        log.warning("could not read which targets fail: %s", error)
        return []
    queued = False
    for target in watched:
        if target.name not in failing:
            continue
        since, _error = failing[target.name]
        if now - since < target.down_after:  # type: ignore[attr-defined]
            continue
        profile: str = getattr(target, "profile", "")
        others = [t.name for t in targets_of(targets, profile) if t.name != target.name]
        key = f"target_down:{target.name}:{since.isoformat()}"
        try:
            with state.transaction():
                if state.record_notice(profile, key, "target_down", now):
                    alert = target.down_alert(since)  # type: ignore[attr-defined]
                    state.enqueue_alerts(profile, [alert], others, now)
                    queued = True
        except Exception as error:  # as above
            log.warning("could not say that %s is down: %s", target.name, error)
    if not queued:
        return []
    return deliver_pending(state, targets, now)


def _superseded(pending: Sequence[PendingDelivery]) -> list[PendingDelivery]:
    """Older pending alerts that a newer one of the same kind, about the same letter (or with
    the same title), replaces: two reminders of one letter left by two killed checks are
    announced once, with the newer dates."""
    newest: dict[tuple[str, str, str, str], int] = {}
    for item in pending:
        key = _topic(item)
        newest[key] = max(newest.get(key, item.alert_id), item.alert_id)
    return [item for item in pending if item.alert_id < newest[_topic(item)]]


def _topic(item: PendingDelivery) -> tuple[str, str, str, str]:
    alert = item.alert
    return (item.target, item.profile, alert.kind, alert.letter_id or alert.title)


def _deliver_one(
    state: StateStore, target: DeliveryTarget, pending: PendingDelivery, now: datetime
) -> Delivery:
    key = (str(state.path), pending.created_at.isoformat(), pending.alert_id, pending.target)
    if key in _SENT_IN_THIS_LIFE:
        via = "sent before"
    else:
        try:
            via = target.send(replace(pending.alert, profile=pending.profile))
        except NotifierError as error:
            _mark(
                state,
                pending,
                now,
                error=str(error)[:500],
                next_try_at=retry_at(pending.attempts, now, target),
            )
            return Delivery(
                pending.alert_id, pending.profile, pending.alert, pending.target, None, str(error)
            )
        _SENT_IN_THIS_LIFE.add(key)
    _mark(state, pending, now, via=via)
    return Delivery(pending.alert_id, pending.profile, pending.alert, pending.target, via)


def _mark(state: StateStore, pending: PendingDelivery, now: datetime, **how: object) -> None:
    try:
        state.record_delivery(pending.alert_id, pending.target, now, **how)  # type: ignore[arg-type]
    except (sqlite3.Error, OSError) as error:
        # Sent but not marked: sent again after a restart (at least once), never in this life.
        log.warning("could not mark the delivery of alert %s: %s", pending.alert_id, error)


def send_unrecorded(
    alerts: Sequence[Alert], targets: Sequence[DeliveryTarget], profile: str
) -> list[Delivery]:
    """When the outbox itself cannot be written (a full disk, a read-only or damaged state):
    send at once, so that what was read still reaches the person."""
    done = []
    for alert in alerts:
        for target in targets:
            try:
                sent = target.send(replace(alert, profile=profile))
                done.append(Delivery(None, profile, alert, target.name, sent))
            except NotifierError as error:
                done.append(Delivery(None, profile, alert, target.name, None, str(error)))
            except Exception as error:
                log.exception("delivery target %s crashed", target.name)
                done.append(Delivery(None, profile, alert, target.name, None, type(error).__name__))
    return done
