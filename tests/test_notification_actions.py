"""The "Open" action of a desktop alert about a letter, on a real notification daemon (dunst):
sent with the alert by the agent's own connection, and a click opens that profile's page."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator

import pytest

from assistant.freedesktop import Notification, Urgency
from assistant.notification_actions import NotificationActions, notify_body
from assistant.notifiers import DesktopNotifier
from assistant.results import Alert
from fixtures.desktop_session import DesktopSession

WAIT_SECONDS = 10.0
NOTIFICATION = Notification("New letter from OFPRA", "12 days left", Urgency.NORMAL, 5000)


class Opened:
    """The profiles whose page the action opened."""

    def __init__(self) -> None:
        self.profiles: list[str] = []
        self.event = threading.Event()

    def __call__(self, profile: str) -> None:
        self.profiles.append(profile)
        self.event.set()


@pytest.fixture
def actions(desktop: DesktopSession) -> Iterator[tuple[NotificationActions, Opened]]:
    opened = Opened()
    listener = NotificationActions(opened, lambda profile: {"amina": "Ouvrir"}.get(profile, "Open"))
    listener.start()
    yield listener, opened
    listener.stop()


def test_the_open_action_is_sent_only_to_a_server_that_shows_actions() -> None:
    with_actions = notify_body(NOTIFICATION, "OFPRA assistant", ["actions", "body"], "Ouvrir")
    without = notify_body(NOTIFICATION, "OFPRA assistant", ["body"], "Ouvrir")

    assert with_actions[5] == ["default", "Ouvrir", "open", "Ouvrir"]
    assert without[5] == []
    assert (
        with_actions[:5]
        == without[:5]
        == (
            "OFPRA assistant",
            0,
            "",
            "New letter from OFPRA",
            "12 days left",
        )
    )


def dunst_action(desktop: DesktopSession) -> None:
    """A click on the newest notification: dunst invokes its default action."""
    done = subprocess.run(
        ["dunstctl", "action", "0"],
        env=desktop.child_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.desktop
def test_a_click_on_an_alert_about_a_letter_opens_its_profiles_page(
    desktop: DesktopSession, actions: tuple[NotificationActions, Opened]
) -> None:
    listener, opened = actions
    notifier = DesktopNotifier()
    notifier.actions = listener
    alert = Alert(
        "new_letter", "New letter from OFPRA: Decision", "Open it by 8 December", True, "d-1"
    )

    notifier.send(Alert(**{**alert.__dict__, "profile": "amina"}))
    dunst_action(desktop)

    assert opened.event.wait(WAIT_SECONDS), "the click reached the agent"
    assert opened.profiles == ["amina"]
    [shown] = [n for n in desktop.notification_history() if n["summary"] == alert.title]
    assert shown["appname"] == "OFPRA assistant"


@pytest.mark.desktop
def test_an_alert_that_is_not_about_a_letter_has_no_action(
    desktop: DesktopSession, actions: tuple[NotificationActions, Opened]
) -> None:
    listener, opened = actions
    notifier = DesktopNotifier()
    notifier.actions = listener
    failed = Alert("check_failed", "The check of 'amina' failed", "Log in yourself", True)

    notifier.send(Alert(**{**failed.__dict__, "profile": "amina"}))
    dunst_action(desktop)  # no default action: dunst opens its (empty, disabled) menu instead

    assert not opened.event.wait(1.0)
    assert opened.profiles == []


def test_a_signal_from_another_sender_or_about_another_notification_opens_nothing() -> None:
    opened = Opened()
    listener = NotificationActions(opened, lambda profile: "Open")
    listener._sent[7] = ("amina", ":1.42")

    listener.handle("ActionInvoked", (7, "open"), ":1.99")  # not the server that showed it
    listener.handle("ActionInvoked", (8, "open"), ":1.42")  # not one of ours
    listener.handle("ActionInvoked", (7, "reply"), ":1.42")  # not the Open action
    assert not opened.event.wait(0.5)

    listener.handle("ActionInvoked", (7, "open"), ":1.42")
    assert opened.event.wait(WAIT_SECONDS)
    assert opened.profiles == ["amina"]
    listener.handle("NotificationClosed", (7, 2), ":1.42")
    assert 7 not in listener._sent
