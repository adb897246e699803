"""The outbox: every alert at least once, to every target, and never counted as delivered when it
reached no one. A real SQLite file; notifiers that record or fail."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from assistant.notifiers import AlertDispatcher, NotifierError, dispatcher_for
from assistant.outbox import RETRY_DELAYS, deliver_pending
from assistant.results import Alert
from assistant.state import StateStore
from tests.conftest import NOW, FailingNotifier, RecordingNotifier

NEW = Alert("new_letter", "New letter from OFPRA: Decision", "Open it by ...", True, "d-1")


class Channel:
    """A remote channel as the outbox sees it: a name, and a send that works or fails."""

    def __init__(self, name: str, works: bool = True) -> None:
        self.name, self.works = name, works
        self.sent: list[Alert] = []

    def send(self, alert: Alert) -> str:
        if not self.works:
            raise NotifierError(f"{self.name} is down")
        self.sent.append(alert)
        return self.name


@pytest.fixture
def state(tmp_path: Path) -> StateStore:
    store = StateStore(tmp_path / "state.sqlite3")
    store.save_profile("amina", "https://portal.example/login", "en", NOW)
    return store


def test_outbox_an_alert_is_written_with_what_it_is_about_or_not_at_all(
    state: StateStore,
) -> None:
    with pytest.raises(RuntimeError), state.transaction():
        state.enqueue_alerts("amina", [NEW], ["local"], NOW)
        raise RuntimeError("killed before the commit")

    assert state.outbox() == []
    with state.transaction():
        [alert_id] = state.enqueue_alerts("amina", [NEW], ["local"], NOW)
    assert state.outbox() == [(alert_id, "amina", NEW)]


def test_outbox_what_reached_no_one_stays_until_a_target_works(state: StateStore) -> None:
    state.enqueue_alerts("amina", [NEW], ["local"], NOW)
    desktop = FailingNotifier()
    dispatcher = AlertDispatcher([desktop])

    [failed] = deliver_pending(state, [dispatcher], NOW)

    assert failed.via is None and "no service" in (failed.error or "")
    [row] = state.deliveries(failed.alert_id or 0)
    assert (row["ok"], row["attempts"]) == (0, 1)
    # The desktop is tried again at the agent's next tick.
    assert row["next_try_at"] == NOW.isoformat()
    assert state.undelivered()["alerts"] == 1

    recording = RecordingNotifier()
    [done] = deliver_pending(state, [AlertDispatcher([recording])], NOW, force=True)

    assert done.via == "recording"
    assert recording.alerts == [NEW]
    assert state.undelivered()["alerts"] == 0
    assert deliver_pending(state, [AlertDispatcher([recording])], NOW, force=True) == []


def test_outbox_each_target_records_its_own_delivery(state: StateStore) -> None:
    phone, volunteer = Channel("apprise:phone"), Channel("apprise:volunteer", works=False)
    local = AlertDispatcher([RecordingNotifier()])
    [alert_id] = state.enqueue_alerts("amina", [NEW], ["local", phone.name, volunteer.name], NOW)

    deliver_pending(state, [local, phone, volunteer], NOW)

    rows = {r["target"]: (r["ok"], r["via"]) for r in state.deliveries(alert_id)}
    [failed] = [r for r in state.deliveries(alert_id) if not r["ok"]]
    assert failed["next_try_at"] == (NOW + RETRY_DELAYS[0]).isoformat()
    # A channel's retry is not due again yet, unless forced (a check by hand, the agent's start).
    assert deliver_pending(state, [local, phone, volunteer], NOW) == []
    assert rows == {
        "local": (1, "recording"),
        "apprise:phone": (1, "apprise:phone"),
        "apprise:volunteer": (0, None),
    }
    volunteer.works = True
    deliver_pending(state, [local, phone, volunteer], NOW, force=True)
    assert phone.sent == [NEW] and volunteer.sent == [NEW]


def test_outbox_two_left_over_reminders_of_one_letter_are_announced_once(
    state: StateStore,
) -> None:
    older = Alert("reminder", "Letter not opened yet: Decision", "5 days left", False, "d-1")
    newer = Alert("reminder", "Letter not opened yet: Decision", "4 days left", False, "d-1")
    state.enqueue_alerts("amina", [NEW, older], ["local"], NOW)
    state.enqueue_alerts("amina", [newer], ["local"], NOW)
    recording = RecordingNotifier()

    deliver_pending(state, [AlertDispatcher([recording])], NOW)

    assert recording.alerts == [NEW, newer]
    assert state.undelivered()["alerts"] == 0


def test_dispatcher_an_alert_that_reached_no_one_is_not_delivered() -> None:
    with pytest.raises(NotifierError):
        AlertDispatcher([FailingNotifier()]).send(NEW)
    assert AlertDispatcher([FailingNotifier()]).deliver(NEW) == "none"
    # No terminal anyone reads (the agent at login; pythonw has no stream at all).
    with pytest.raises(NotifierError):
        dispatcher_for("console", None).send(NEW)
    quiet = dispatcher_for("auto", io.StringIO(), console_counts=False)
    assert [n.kind for n in quiet.notifiers] == ["desktop"]
    shown = io.StringIO()
    assert dispatcher_for("console", shown, console_counts=False).send(NEW) == "console"
    assert "New letter from OFPRA: Decision" in shown.getvalue()


def test_outbox_a_delivery_that_cannot_be_marked_is_not_sent_twice_in_one_life(
    state: StateStore, tmp_path: Path
) -> None:
    state.enqueue_alerts("amina", [NEW], ["local"], NOW)
    recording = RecordingNotifier()
    target = AlertDispatcher([recording])
    real_record = state.record_delivery

    def full_disk(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    state.record_delivery = full_disk  # type: ignore[method-assign]
    deliver_pending(state, [target], NOW)
    state.record_delivery = real_record  # type: ignore[method-assign]
    [again] = deliver_pending(state, [target], NOW, force=True)

    assert recording.alerts == [NEW], "sent once in this process"
    assert again.via == "sent before"
    assert state.undelivered()["alerts"] == 0
