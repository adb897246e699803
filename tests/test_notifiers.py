"""Alerts reach a real notification daemon intact, and fall back to the terminal otherwise."""

from __future__ import annotations

import io

import pytest

from assistant.notifiers import (
    NOTIFIERS,
    AlertDispatcher,
    ConsoleNotifier,
    DesktopNotifier,
    NotifierError,
    dispatcher_for,
)
from assistant.results import Alert
from fixtures.desktop_session import DesktopSession


@pytest.mark.desktop
def test_desktop_alert_reaches_the_daemon_intact(desktop: DesktopSession) -> None:
    alert = Alert(
        "new_letter",
        "Nouveau courrier de l'OFPRA : Décision",
        "Ouvrez-le avant le 5 décembre 2026 : 9 jours. رسالة جديدة",
    )

    assert dispatcher_for("auto", io.StringIO()).deliver(alert) == "desktop"

    [shown] = desktop.notification_history()[-1:]
    assert shown["summary"] == alert.title
    assert shown["body"] == alert.body
    assert shown["appname"] == "OFPRA assistant"


def test_desktop_notifier_without_a_session_bus_fails_cleanly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)

    with pytest.raises(NotifierError, match="no desktop session bus"):
        DesktopNotifier().send(Alert("new_letter", "t", "b"))


def test_console_takes_over_when_the_desktop_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    stream = io.StringIO()

    via = dispatcher_for("auto", stream).deliver(
        Alert("reminder", "Letter not opened yet: Décision", "3 days left.", urgent=True)
    )

    assert via == "console"
    assert stream.getvalue() == "!! Letter not opened yet: Décision\n   3 days left.\n"


def test_console_setting_never_tries_the_desktop() -> None:
    dispatcher = dispatcher_for("console", io.StringIO())

    assert [n.kind for n in dispatcher.notifiers] == ["console"]


def test_an_alert_nobody_can_deliver_is_reported_as_such() -> None:
    class Broken:
        kind = "broken"

        def send(self, alert: Alert) -> None:
            raise NotifierError("down")

    assert AlertDispatcher([Broken()]).deliver(Alert("new_letter", "t", "b")) == "none"


@pytest.mark.parametrize("kind", sorted(NOTIFIERS))
def test_every_notifier_is_registered_with_a_one_line_help(kind: str) -> None:
    notifier_class = NOTIFIERS[kind]
    doc = (notifier_class.__doc__ or "").strip()

    assert getattr(notifier_class, "kind", None) == kind
    assert doc and "\n" not in doc, f"{kind} needs a one-line docstring used as help"


def test_console_notifier_writes_to_the_stream_it_was_given() -> None:
    stream = io.StringIO()
    ConsoleNotifier(stream).send(Alert("new_letter", "Title", "Body"))

    assert stream.getvalue() == "** Title\n   Body\n"
