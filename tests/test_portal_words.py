"""The real portal's other shapes (issue 19), end to end in a real Chromium: date cells with
their hour, read by ``check --json``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from tests.conftest import TODAY, Cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hours_portal() -> Iterator[MockPortalServer]:
    # Dated from TODAY (26 November 2026): the CLI's real clock is later, so every date is past.
    with MockPortalServer("hours", today=TODAY) as server:
        yield server


def test_check_json_gives_each_letters_dates_and_hours_in_paris_time(
    tmp_path: Path, desktop: DesktopSession, hours_portal: MockPortalServer
) -> None:
    cli = Cli(tmp_path / "home", desktop, "ofpra-assistant-hours")
    assert cli.setup(hours_portal.login_url).returncode == 0

    status, output = cli.json("check")

    assert status == 0, output
    dates = {
        letter["kind"]: (
            letter["made_available_on"],
            letter["made_available_at"],
            letter["read_on"],
            letter["read_at"],
            letter["notified_on"],
        )
        for letter in output["letters"]
    }
    # Written by hand from scenarios/hours.json and 26 November 2026: Paris is UTC+1 in
    # November, UTC+2 in September (summer time ends on 25 October 2026).
    assert dates == {
        "decision": ("2026-11-23", "2026-11-23T11:58:00+01:00", None, None, "2026-11-23"),
        "convocation": (
            "2026-11-06",
            "2026-11-06T08:30:00+01:00",
            "2026-11-08",
            "2026-11-08T17:42:00+01:00",
            "2026-11-06",
        ),
        "six_months": ("2026-10-17", None, None, None, None),
        "introduction": (
            "2026-09-27",
            "2026-09-27T10:15:00+02:00",
            "2026-09-28",
            "2026-09-28T23:30:00+02:00",
            None,
        ),
    }
    # The day counts stay on the dates: the unread decision is to be opened by 23 + 14.
    [decision] = [letter for letter in output["letters"] if letter["kind"] == "decision"]
    assert (decision["open_by"], decision["deemed_notified_on"]) == ("2026-12-07", "2026-12-08")
    assert hours_portal.log()["view_requests"] == []
