"""The issue's two portals, through a whole check: a notification cell later than the provision
date, a decision opened late, and a portal whose dates cannot be right."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.notifiers import AlertDispatcher, ConsoleNotifier
from assistant.runner import CheckRunner, Environment
from assistant.settings import BrowserSettings, Settings
from assistant.state import StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from fixtures.mock_portal.scenarios import Scenario
from tests.conftest import IDENTIFIER, NOW, PASSWORD, TODAY

pytestmark = pytest.mark.browser


def scenario(*letters: dict[str, Any]) -> Scenario:
    return Scenario.from_dict(
        "deadlines",
        {
            "description": "Dates from the issue's two portals.",
            "identifier": IDENTIFIER,
            "password": PASSWORD,
            "language": "fr",
            "accepts_password": True,
            "status_style": "non_lu",
            "letters": list(letters),
        },
    )


@pytest.fixture
def env(tmp_path: Path, browser: Browser, portal: MockPortalServer) -> Iterator[Environment]:
    import io

    state = StateStore(tmp_path / "state.sqlite3")
    environment = Environment(
        settings=Settings(browser=BrowserSettings(timeout_seconds=10)),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([ConsoleNotifier(io.StringIO())]),
        clock=lambda: NOW,
        browser_source=lambda settings, hosts: nullcontext(browser),
    )
    state.save_profile("default", portal.login_url, "en", NOW)
    state.record_consent("default", make_consent("Amina", "holder", "en", NOW))
    environment.credentials.save("default", Credentials(IDENTIFIER, PASSWORD))
    yield environment
    state.close()


def test_a_later_notification_cell_and_a_late_opening_give_the_laws_dates(
    env: Environment, portal: MockPortalServer
) -> None:
    # Today is Thu 26 Nov 2026. An unread decision made available Sat 21 Nov whose cell shows
    # Mon 23 Nov: 9 days left (open by Sat 5 Dec), not 11. A decision made
    # available Mon 26 Oct and opened on day 27 (Sun 22 Nov) was notified on day 15, Tue 10 Nov:
    # legal aid Wed 25 Nov (advised Tue 24th), appeal 10 Dec + 1 = Fri 11 Dec (advised Thu 10th).
    portal.use_scenario(
        scenario(
            {
                "kind": "decision",
                "made_available_days_ago": 5,
                "notified_days_ago": 3,
                "read_days_ago": None,
                "sender": "OFPRA",
            },
            {
                "kind": "decision",
                "made_available_days_ago": 31,
                "notified_days_ago": 4,
                "read_days_ago": 4,
                "sender": "OFPRA",
            },
        ),
        today=TODAY,
    )

    result = CheckRunner(env).check("default")

    assert result.error is None, result.error
    unread, opened = sorted(result.to_json()["letters"], key=lambda x: x["read"])
    assert (unread["made_available_on"], unread["notified_on"]) == ("2026-11-21", "2026-11-23")
    assert (unread["open_by"], unread["deemed_notified_on"], unread["days_left"]) == (
        "2026-12-05",
        "2026-12-06",
        9,
    )
    assert (unread["appeal_deadline"], unread["legal_aid_deadline"]) == (None, None)
    assert (opened["made_available_on"], opened["read_on"]) == ("2026-10-26", "2026-11-22")
    assert opened["legally_notified_on"] == "2026-11-10"
    assert (opened["legal_aid_by"], opened["legal_aid_deadline"]) == ("2026-11-24", "2026-11-25")
    assert (opened["appeal_by"], opened["appeal_deadline"]) == ("2026-12-10", "2026-12-11")


def test_a_portal_whose_dates_are_after_today_fails_as_page_not_recognised(
    env: Environment, portal: MockPortalServer
) -> None:
    # The portal's day is three days ahead of ours: a letter made available "tomorrow".
    portal.use_scenario(
        scenario(
            {
                "kind": "convocation",
                "made_available_days_ago": 2,
                "notified_days_ago": 2,
                "read_days_ago": None,
                "sender": "OFPRA",
            }
        ),
        today=TODAY + timedelta(days=3),
    )

    result = CheckRunner(env).check("default")

    assert result.error is not None
    assert result.error.code == "page_not_recognised"
    assert "after today" in result.error.message
    assert env.state.letters("default") == [], "nothing implausible is remembered"
    [alert] = result.alerts
    assert alert.kind == "check_failed"
