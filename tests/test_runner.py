"""A whole check through the runner: real browser, real SQLite, fake clock, recording notifier."""

from __future__ import annotations

import base64
import stat
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.notifiers import AlertDispatcher
from assistant.results import Alert
from assistant.runner import CheckRunner, Environment
from assistant.settings import BrowserSettings, Settings
from assistant.state import StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from tests.conftest import (
    IDENTIFIER,
    NOW,
    PASSWORD,
    TODAY,
    FailingNotifier,
    FakeClock,
    RecordingNotifier,
    RecordingSleep,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def env(tmp_path: Path, browser: Browser) -> Iterator[Environment]:
    state = StateStore(tmp_path / "state.sqlite3")
    notifier = RecordingNotifier()
    environment = Environment(
        settings=Settings(browser=BrowserSettings(timeout_seconds=10)),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([notifier]),
        clock=FakeClock(NOW),
        browser_source=lambda settings, hosts: nullcontext(browser),
        sleep=RecordingSleep(),
        captures_dir=tmp_path / "captures",
    )
    yield environment
    state.close()


def set_up(env: Environment, portal: MockPortalServer, profile: str = "default") -> None:
    env.state.save_profile(profile, portal.login_url, "en", NOW)
    env.state.record_consent(profile, make_consent("Amina", "holder", "en", NOW))
    env.credentials.save(profile, Credentials(IDENTIFIER, PASSWORD))


def recorded(env: Environment) -> list[Alert]:
    notifier = env.dispatcher.notifiers[0]
    assert isinstance(notifier, RecordingNotifier)
    return notifier.alerts


def test_check_reports_a_new_decision_with_9_days_left(
    env: Environment, portal: MockPortalServer
) -> None:
    portal.use_scenario("decision_9_days", today=TODAY)
    set_up(env, portal)

    result = CheckRunner(env).check("default")

    assert result.error is None
    [letter] = result.to_json()["letters"]
    assert letter == {
        "id": (TODAY - timedelta(days=5)).isoformat() + "-decision",
        "kind": "decision",
        "label": "Décision",
        "sender": "OFPRA",
        "made_available_on": "2026-11-21",
        # This portal shows no hour.
        "made_available_at": None,
        "notified_on": "2026-11-21",
        "read": False,
        "read_on": None,
        "read_at": None,
        "notified_letter": True,
        "deemed_notified_on": "2026-12-06",
        "deemed_notified": False,
        "open_by": "2026-12-05",
        "days_left": 9,
        "legally_notified_on": None,
        "legal_aid_by": None,
        "legal_aid_deadline": None,
        "appeal_by": None,
        "appeal_deadline": None,
        "portal_remaining_days": 10,
        "new": True,
        "date_warnings": [],
    }
    [alert] = recorded(env)
    assert alert.kind == "new_letter"
    assert alert.title == "New letter from OFPRA: Decision (Décision)"
    assert alert.body.startswith(
        "Open it on the OFPRA website by December 5, 2026: 9 days left. "
        "If it is not opened, it counts as received on December 6, 2026."
    )
    assert result.delivered_via == ["recording"]
    assert result.logged_out is True
    assert result.blocked_requests == 0
    assert portal.log()["view_requests"] == []


def test_check_marks_letters_new_only_the_first_time_and_keeps_reminding(
    env: Environment, portal: MockPortalServer
) -> None:
    portal.use_scenario("mixed", today=TODAY)
    set_up(env, portal)
    runner = CheckRunner(env)

    first = runner.check("default")
    second = runner.check("default")

    # A first check has no last check to compare with: what the person opened long ago (the
    # mixed scenario's letters of 2025) is no news; what they have not opened is.
    assert first.first_check is True and first.to_json()["first_check"] is True
    assert any(report.letter.read for report in first.letters)
    assert [report.new for report in first.letters] == [
        not report.letter.read for report in first.letters
    ]
    assert second.first_check is False
    assert not any(report.new for report in second.letters)
    unread_notified = [r.letter.id for r in second.letters if r.needs_opening]
    assert unread_notified, "the mixed scenario has an unread notified letter"
    # The first time, one alert per unread letter (an opened one is no news); then one
    # reminder per unread notified letter.
    assert [a.letter_id for a in first.alerts] == [
        r.letter.id for r in first.letters if not r.letter.read
    ]
    assert len(first.alerts) >= 2
    assert [a.letter_id for a in second.alerts] == unread_notified
    assert {a.kind for a in second.alerts} == {"reminder"}
    assert portal.log()["view_requests"] == []


def test_check_of_a_deemed_notified_letter_says_so_loudly(
    env: Environment, portal: MockPortalServer
) -> None:
    portal.use_scenario("deemed_notified", today=TODAY)
    set_up(env, portal)

    result = CheckRunner(env).check("default")

    [report] = [r for r in result.letters if r.needs_opening]
    assert report.deadlines.deemed_notified is True
    [alert] = [a for a in result.alerts if a.letter_id == report.letter.id]
    assert alert.kind == "deemed_notified"
    assert alert.urgent is True
    assert "counts as received" in alert.body


def test_failed_check_is_an_alert_and_a_failed_record_never_an_all_clear(
    env: Environment, portal: MockPortalServer
) -> None:
    portal.use_scenario("wrong_password", today=TODAY)
    set_up(env, portal)

    result = CheckRunner(env).check("default")

    assert result.to_json()["ok"] is False
    assert result.to_json()["error"]["code"] == "login_rejected"
    assert "letters" not in result.to_json()
    [alert] = recorded(env)
    assert alert.kind == "check_failed"
    assert "refused the identifier or the password" in alert.body
    [record] = env.state.checks("default")
    assert (record.ok, record.error_code) == (False, "login_rejected")
    assert env.state.last_successful_check("default") is None


def test_check_refuses_without_consent_before_any_login(
    env: Environment, portal: MockPortalServer
) -> None:
    portal.use_scenario("mixed", today=TODAY)
    env.state.save_profile("default", portal.login_url, "en", NOW)
    env.credentials.save("default", Credentials(IDENTIFIER, PASSWORD))

    result = CheckRunner(env).check("default")

    assert result.error is not None
    assert result.error.code == "consent_missing"
    assert portal.log()["requests"] == []


def test_check_of_an_unreachable_portal_is_portal_unavailable(env: Environment) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    env.state.save_profile("default", f"http://127.0.0.1:{closed_port}/login", "en", NOW)
    env.state.record_consent("default", make_consent("Amina", "holder", "en", NOW))
    env.credentials.save("default", Credentials(IDENTIFIER, PASSWORD))

    result = CheckRunner(env).check("default")

    assert result.error is not None
    assert result.error.code == "portal_unavailable"
    assert result.error.retryable is True


def test_a_profile_left_without_a_result_is_a_failure_never_dropped(
    env: Environment, portal: MockPortalServer
) -> None:
    """A fault in the runner that leaves a profile without a result (its job stopped before
    the check: here, telling its progress failed) still ends in that profile's failure and its
    alert, in its place: never a shorter list."""
    set_up(env, portal, "amina")
    set_up(env, portal, "bilal")

    def progress(step: str, /, **values: object) -> None:
        if values.get("profile") == "bilal":
            raise RuntimeError("the progress could not be told")

    env.progress = progress

    results = CheckRunner(env).check_many(["amina", "bilal"])

    assert [r.profile for r in results] == ["amina", "bilal"]
    assert results[0].error is None
    assert results[1].error is not None and results[1].error.code == "portal_unavailable"
    assert [a.kind for a in recorded(env)][-1] == "check_failed"
    assert [c.error_code for c in env.state.checks("bilal")] == ["portal_unavailable"]


def test_alerts_fall_back_to_the_next_notifier(env: Environment, portal: MockPortalServer) -> None:
    portal.use_scenario("decision_9_days", today=TODAY)
    set_up(env, portal)
    fallback = RecordingNotifier()
    env.dispatcher = AlertDispatcher([FailingNotifier(), fallback])

    result = CheckRunner(env).check("default")

    assert result.delivered_via == ["recording"]
    assert [a.title for a in fallback.alerts] == ["New letter from OFPRA: Decision (Décision)"]


def test_one_browser_checks_several_profiles_each_in_its_own_session(
    env: Environment, portal: MockPortalServer
) -> None:
    portal.use_scenario("mixed", today=TODAY)
    set_up(env, portal, "amina")
    set_up(env, portal, "bilal")

    results = CheckRunner(env).check_many(["amina", "bilal", "nobody"])

    assert [r.profile for r in results] == ["amina", "bilal", "nobody"]
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].error is not None and results[2].error.code == "profile_missing"
    assert all(a.title.endswith("(amina)") for a in results[0].alerts)
    log = portal.log()
    assert (log["logins"], log["logouts"]) == (2, 2)


def pixel_at(page: Page, png: bytes, x: float, y: float) -> list[int]:
    """The colour of one pixel of a PNG, decoded by the browser itself."""
    data = base64.b64encode(png).decode()
    return page.evaluate(
        """async ([data, x, y]) => {
            const image = new Image();
            image.src = "data:image/png;base64," + data;
            await image.decode();
            const canvas = document.createElement("canvas");
            canvas.width = image.width;
            canvas.height = image.height;
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            return Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3));
        }""",
        [data, x, y],
    )


def test_debug_screenshot_is_opt_in_and_masks_every_input(
    env: Environment, portal: MockPortalServer, page: Page
) -> None:
    portal.use_scenario("wrong_password", today=TODAY)
    set_up(env, portal)
    CheckRunner(env).check("default")
    assert env.captures_dir is not None
    assert not (env.captures_dir / "default").exists(), "no picture unless asked for"

    env.settings = Settings(browser=BrowserSettings(timeout_seconds=10), debug_screenshot=True)
    # A refused password is typed again only after setup stores one.
    env.state.mark_credentials_updated("default", NOW)
    CheckRunner(env).check("default")

    [shot] = sorted((env.captures_dir / "default").glob("*-failed-check.png"))
    assert stat.S_IMODE(shot.stat().st_mode) == 0o600
    # The same failed login, as the check saw it: where the identifier field is.
    page.goto(portal.login_url)
    page.get_by_label("Numéro de dossier Ofpra ou Numéro AGDREF").fill(IDENTIFIER)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    box = page.get_by_label("Numéro de dossier Ofpra ou Numéro AGDREF").bounding_box()
    assert box is not None and page.get_by_role("alert").is_visible()
    masked = pixel_at(page, shot.read_bytes(), box["x"] + 5, box["y"] + box["height"] / 2)
    assert masked == [255, 0, 255], "Playwright's mask colour covers the identifier field"
