"""The "Open" action of a desktop alert about a letter, on a real notification daemon (dunst):
sent with the alert by the agent's own connection, and a click opens that profile's page."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.freedesktop import Notification, Urgency
from assistant.notification_actions import NotificationActions, listen_for_actions, notify_body
from assistant.notifiers import AlertDispatcher, DesktopNotifier
from assistant.results import Alert
from assistant.settings import Paths
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
def actions(
    desktop: DesktopSession, clear_screen: None
) -> Iterator[tuple[NotificationActions, Opened]]:
    opened = Opened()
    listener = NotificationActions(opened, lambda profile: {"amina": "Ouvrir"}.get(profile, "Open"))
    listener.start()
    yield listener, opened
    listener.stop()


def test_the_open_action_is_sent_only_to_a_server_that_shows_actions_for_a_served_page() -> None:
    with_actions = notify_body(NOTIFICATION, "OFPRA assistant", ["actions", "body"], "Ouvrir")
    without = notify_body(NOTIFICATION, "OFPRA assistant", ["body"], "Ouvrir")

    no_page = notify_body(NOTIFICATION, "OFPRA assistant", ["actions", "body"], None)

    assert with_actions[5] == ["default", "Ouvrir", "open", "Ouvrir"]
    assert without[5] == [] and no_page[5] == []
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


def dunstctl(desktop: DesktopSession, *args: str) -> None:
    done = subprocess.run(
        ["dunstctl", *args], env=desktop.child_env(), capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr


def dunst_action(desktop: DesktopSession) -> None:
    """A click on the first notification on screen: dunst invokes its default action."""
    dunstctl(desktop, "action", "0")


@pytest.fixture
def clear_screen(desktop: DesktopSession) -> None:
    """No notification of an earlier test on screen, where a click would land."""
    dunstctl(desktop, "close-all")


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

    notifier.send(replace(alert, profile="amina"))
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

    notifier.send(replace(failed, profile="amina"))
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


@pytest.mark.desktop
def test_the_agents_alerts_open_the_served_page_at_the_profile_in_the_default_browser(
    desktop: DesktopSession, clear_screen: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    opened_file = tmp_path / "browser-was-given.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf %s "$1" > "{opened_file}"\n')
    browser.chmod(0o700)
    monkeypatch.setenv("BROWSER", str(browser))
    # Looked up again, with no display: no desktop's own browser, and no slow xdg-settings.
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    notifier = DesktopNotifier()

    class Served:
        url = "http://127.0.0.1:8765/"

        def stop(self) -> None:
            pass

    listening = listen_for_actions(paths, AlertDispatcher([notifier]), lambda: Served())
    assert listening is not None
    actions: NotificationActions = listening
    try:
        assert notifier.actions is actions
        reminder = Alert("reminder", "Letter not opened yet: Convocation", "3 days left", True)
        notifier.send(replace(reminder, profile="bilal"))
        dunst_action(desktop)
        wait_until = time.monotonic() + WAIT_SECONDS
        while not opened_file.exists() and time.monotonic() < wait_until:
            time.sleep(0.05)
    finally:
        actions.stop()

    address = opened_file.read_text()
    assert address.startswith("file://")
    opener = Path(address.removeprefix("file://")).read_text()
    assert 'action="http://127.0.0.1:8765/session"' in opener
    assert 'name="next" value="/profiles/bilal"' in opener
