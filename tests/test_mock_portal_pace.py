"""The mock portal's pace: each page answered after a delay (a real portal over a home
connection), and its count of the sessions open at once (how many checks are logged in)."""

from __future__ import annotations

import time
from datetime import date

from flask.testing import FlaskClient

from fixtures.mock_portal import create_app
from tests.conftest import LOGIN, log_in, mock_log, page, run_cli

TODAY = date(2026, 3, 10)
LOGOUT = "/ofpra/user/logout"


def client(page_delay_ms: float = 0) -> FlaskClient:
    app = create_app("mixed", TODAY, page_delay_ms=page_delay_ms)
    app.testing = True
    return app.test_client()


def test_mock_portal_answers_each_page_after_the_delay_it_is_given() -> None:
    slow = client(page_delay_ms=300)

    started = time.monotonic()
    page(slow, LOGIN)
    took = time.monotonic() - started

    assert took >= 0.3
    assert mock_log(slow)["page_delay_ms"] == 300


def test_mock_portal_page_delay_is_switched_by_the_control_endpoint_and_cleared_by_a_scenario() -> (
    None
):
    portal = client()
    assert portal.post("/__mock__/delay", json={"ms": 250}).get_json()["page_delay_ms"] == 250
    started = time.monotonic()
    page(portal, LOGIN)
    assert time.monotonic() - started >= 0.25
    # The control endpoints themselves answer at once, and refuse what is not a delay.
    assert portal.post("/__mock__/delay", json={"ms": "soon"}).status_code == 400
    assert portal.post("/__mock__/delay", json={"ms": -1}).status_code == 400
    assert portal.post("/__mock__/reset").get_json()["page_delay_ms"] == 250, "a reset keeps it"

    portal.post("/__mock__/scenario", json={"name": "mixed"})

    assert mock_log(portal)["page_delay_ms"] == 0


def test_mock_portal_counts_the_sessions_open_at_once() -> None:
    app = create_app("mixed", TODAY)
    app.testing = True
    first, second, third = app.test_client(), app.test_client(), app.test_client()

    log_in(first)
    log_in(second)
    first.get(LOGOUT)
    log_in(third)
    log_in(first)

    log = mock_log(first)
    assert (log["logins"], log["logouts"]) == (4, 1)
    assert (log["sessions_open"], log["most_sessions_open"]) == (3, 3)
    for session in (first, second, third):
        session.get(LOGOUT)
    assert mock_log(first)["sessions_open"] == 0


def test_mock_portal_command_takes_a_page_delay() -> None:
    done = run_cli("--page-delay-ms", "lots")

    assert done.returncode == 2
    assert "--page-delay-ms: not a delay from 0 to 60000 ms: 'lots'" in done.stderr
