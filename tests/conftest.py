"""Shared fixtures: the mock portal on loopback, the real Chromium, a private desktop session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright

from assistant.deadlines import PARIS
from fixtures.channel_receivers import HttpReceiver, SmtpReceiver
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from flows.browser import launch_arguments

#: The day every browser test lives on; the mock portal's letters are dated from it.
TODAY = date(2026, 11, 26)
#: Noon in Paris that day, as the agent's fake clock sees it.
NOW = datetime.combine(TODAY, time(12, 0), tzinfo=PARIS)

IDENTIFIER = "1234561552"
PASSWORD = "Mock-Portal-2026!"


@pytest.fixture(scope="session")
def mock_portal_server() -> Iterator[MockPortalServer]:
    with MockPortalServer("empty", today=TODAY) as server:
        yield server


@pytest.fixture
def portal(mock_portal_server: MockPortalServer) -> Iterator[MockPortalServer]:
    """The session's mock portal, reset for this test (scenario "empty" until it switches)."""
    mock_portal_server.use_scenario("empty", today=TODAY)
    yield mock_portal_server
    mock_portal_server.use_scenario("empty", today=TODAY)


def chromium_launch_options(playwright: Playwright) -> dict[str, Any]:
    """The same browser the assistant would pick: Playwright's own build, else the system's."""
    from flows.browser import browser_candidates

    for choice in browser_candidates(playwright, None, None):
        if choice.executable_path is None and choice.channel is None:
            return {}
        if choice.executable_path is not None:
            return {"executable_path": choice.executable_path}
    raise RuntimeError("no Chromium found: run scripts/install-system-deps.sh (Debian chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        **chromium_launch_options(playwright),
        "args": launch_arguments(["127.0.0.1"]),
    }


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh OFPRA_ASSISTANT_HOME for this test."""
    folder = tmp_path / "home"
    monkeypatch.setenv("OFPRA_ASSISTANT_HOME", str(folder))
    return folder


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """A real SMTP server on loopback, for the mailto:// channels."""
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    """A real HTTP server on loopback, for the json:// and ntfy:// channels."""
    with HttpReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def desktop() -> Iterator[DesktopSession]:
    """A private D-Bus session with a real gnome-keyring and a real dunst, for the whole run.

    It is exported into this process's environment too, so in-process keyring and plyer calls
    reach it; the keyring backend is chosen again now that a Secret Service is there.
    """
    import keyring.core

    with DesktopSession() as session:
        session.apply_to_os_environ()
        keyring.core.init_backend()
        yield session


@pytest.fixture(scope="session", autouse=True)
def english_messages() -> Iterator[None]:
    """Messages in English for every test and every process it starts, whatever the machine's
    language (the assistant's default would be French). Tests of other languages say theirs."""
    import os

    saved = {name: os.environ.get(name) for name in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    for name in saved:
        os.environ.pop(name, None)
    os.environ["LANG"] = "en_US.UTF-8"
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
