"""How each alert of a check went out, as ``check --json`` and the summary show it.

After a check is recorded, everything pending in the outbox is delivered (this check's alerts,
and any left over from earlier, which then join its result); when it could not be recorded, its
alerts went out unrecorded. Either way the result says, alert by alert, through which local
notifier it went and to which channels.
"""

from __future__ import annotations

import logging

from assistant.environment import Environment
from assistant.outbox import Delivery, deliver_pending
from assistant.results import CheckResult

log = logging.getLogger(__name__)


def deliver_now(env: Environment, result: CheckResult, ids: dict[int, int]) -> list[Delivery]:
    """Deliver everything pending, and say in ``result`` how its alerts went. ``ids``: the
    outbox's id of each alert of the result that was enqueued, by ``id(alert)`` (an alert the
    agent holds back has none). Returns every delivery made."""
    try:
        delivered = deliver_pending(env.state, env.targets, result.checked_at, force=True)
    except Exception as error:
        log.error("the outbox could not be read: %s", error)
        delivered = []
    local = {d.alert_id: d for d in delivered if d.target == env.dispatcher.name}
    via = []
    alert_ids: list[int | None] = []
    for alert in result.alerts:
        alert_id = ids.get(id(alert))
        alert_ids.append(alert_id)
        if alert_id is None:
            via.append("held")
        else:
            done = local.get(alert_id)
            via.append(done.via if done is not None and done.via else "none")
    # Alerts left over from earlier (a kill, no notification service then) go out now.
    enqueued = set(ids.values())
    for delivery in delivered:
        if (
            delivery.target == env.dispatcher.name
            and delivery.alert_id not in enqueued
            and delivery.profile in (result.profile, "")
        ):
            result.alerts.append(delivery.alert)
            via.append(delivery.via or "none")
            alert_ids.append(delivery.alert_id)
    result.delivered_via = via
    result.deliveries = [_deliveries_of(env, alert_id) for alert_id in alert_ids]
    return delivered


def delivered_as(result: CheckResult, sent: list[Delivery]) -> None:
    """Say in ``result`` how its alerts went when they were sent without the outbox."""
    result.delivered_via = [
        next((d.via or "none" for d in sent if d.alert is a and d.target == "local"), "none")
        for a in result.alerts
    ]
    result.deliveries = [
        [
            _shown(d.target, d.via, d.error)
            for d in sent
            if d.alert is a and d.via != "not for this channel"
        ]
        for a in result.alerts
    ]


def _deliveries_of(env: Environment, alert_id: int | None) -> list[dict[str, object]]:
    """How one alert went to each of its targets, as the outbox recorded it (a channel the
    alert was not for is left out)."""
    if alert_id is None:
        return []
    try:
        rows = env.state.deliveries(alert_id)
    except Exception as error:
        log.warning("the deliveries of alert %s could not be read: %s", alert_id, error)
        return []
    shown = []
    for row in sorted(rows, key=lambda row: row["target"] != "local"):  # the local first
        if row["via"] == "not for this channel":
            continue
        ok = bool(row["ok"])
        shown.append(_shown(str(row["target"]), str(row["via"]) if ok else None, row["last_error"]))
    return shown


def _shown(target: str, via: str | None, error: object) -> dict[str, object]:
    """One delivery in ``check --json``: the channel's label (``local`` for the desktop, or the
    terminal, with ``via`` saying which), whether it went, and why not."""
    shown: dict[str, object] = {"channel": target.rsplit(":", 1)[-1], "ok": via is not None}
    if target == "local" and via is not None:
        shown["via"] = via
    if via is None and error:
        shown["error"] = str(error)
    return shown
