"""The fault matrix: every way the portal can fail, through the runner, in a real Chromium.

Each fault must end in a named outcome with its exit status, one "check failed" alert that says
what to do, no letter list (never "nothing new"), and no request for a document. Transient
faults are retried in fresh browser contexts; a refused password never is.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.errors import ExitStatus, exit_status_of
from assistant.notifiers import AlertDispatcher
from assistant.results import CheckResult
from assistant.runner import CheckRunner, Environment
from assistant.settings import BrowserSettings, RetrySettings, Settings
from assistant.state import StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer, Scenario
from fixtures.mock_portal.state import LOCK_AFTER_FAILED_LOGINS
from tests.conftest import NOW, PAGED, TODAY, FakeClock, RecordingNotifier, RecordingSleep

pytestmark = pytest.mark.browser

#: Short, so that the faults that can only be told by waiting (a page that never shows what the
#: flows look for, an answer that never comes) do not make the suite slow.
TIMEOUT_SECONDS = 5
ATTEMPTS = 2
BACKOFF = 7.0


@dataclass
class Harness:
    env: Environment
    portal: MockPortalServer
    captures: Path
    sleep: RecordingSleep = field(default_factory=RecordingSleep)

    def set_up(self, scenario: str | Scenario, profile: str = "default") -> None:
        self.portal.use_scenario(scenario, today=TODAY)
        account = self.portal.state.scenario
        self.env.state.save_profile(profile, self.portal.login_url, "en", NOW)
        self.env.state.record_consent(profile, make_consent("Amina", "holder", "en", NOW))
        self.env.credentials.save(profile, Credentials(account.identifier, account.password))

    def check(self, profile: str = "default") -> CheckResult:
        return CheckRunner(self.env).check(profile)

    @property
    def alerts(self) -> list[Any]:
        notifier = self.env.dispatcher.notifiers[0]
        assert isinstance(notifier, RecordingNotifier)
        return notifier.alerts


@pytest.fixture
def harness(tmp_path: Path, browser: Browser, portal: MockPortalServer) -> Iterator[Harness]:
    state = StateStore(tmp_path / "state.sqlite3")
    sleep = RecordingSleep()
    env = Environment(
        settings=Settings(
            browser=BrowserSettings(timeout_seconds=TIMEOUT_SECONDS),
            retry=RetrySettings(attempts=ATTEMPTS, backoff_seconds=BACKOFF),
        ),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
        clock=FakeClock(NOW),
        browser_source=lambda settings, hosts: nullcontext(browser),
        sleep=sleep,
        captures_dir=tmp_path / "captures",
    )
    yield Harness(env, portal, tmp_path / "captures", sleep)
    state.close()


def lock_the_account(portal: MockPortalServer) -> None:
    """As if someone had typed a wrong password too many times on the portal."""
    for _ in range(LOCK_AFTER_FAILED_LOGINS):
        portal.state.login_failed()


@dataclass(frozen=True)
class Fault:
    scenario: str | Scenario
    switch: dict[str, Any] | None
    status: ExitStatus
    says: str
    #: Attempts the check makes: ATTEMPTS for a transient fault, 1 for any other.
    attempts: int = 1
    before: Callable[[MockPortalServer], None] | None = None
    #: Attempts allowed by the settings; a slow portal costs a whole timeout per attempt, so
    #: its cases allow one (the other transient faults show the retries).
    allowed: int = ATTEMPTS


RETRIED = ATTEMPTS
FAULTS: dict[str, Fault] = {
    "login_rejected": Fault(
        "wrong_password", None, ExitStatus.LOGIN_REJECTED, "will not try again with them"
    ),
    "account_locked": Fault(
        "mixed", {"name": "account_locked"}, ExitStatus.ACCOUNT_LOCKED, "the account is locked"
    ),
    "account_locked_after_wrong_passwords": Fault(
        "mixed", None, ExitStatus.ACCOUNT_LOCKED, "Do not try again", before=lock_the_account
    ),
    "password_change_required": Fault(
        "mixed",
        {"name": "password_change"},
        ExitStatus.PASSWORD_CHANGE_REQUIRED,
        "never chooses a password",
    ),
    "captcha": Fault("mixed", {"name": "captcha"}, ExitStatus.CAPTCHA, "does not answer captchas"),
    "maintenance": Fault(
        "mixed",
        {"name": "maintenance"},
        ExitStatus.PORTAL_UNAVAILABLE,
        "shows a maintenance page ('Site en maintenance | Ofpra')",
        RETRIED,
    ),
    "maintenance_503": Fault(
        "mixed",
        {"name": "maintenance", "status": 503},
        ExitStatus.PORTAL_UNAVAILABLE,
        "(HTTP 503)",
        RETRIED,
    ),
    "http_500": Fault(
        "mixed", {"name": "http_500"}, ExitStatus.PORTAL_UNAVAILABLE, "(HTTP 500)", RETRIED
    ),
    "http_502": Fault(
        "mixed", {"name": "http_502"}, ExitStatus.PORTAL_UNAVAILABLE, "(HTTP 502)", RETRIED
    ),
    "http_503": Fault(
        "mixed", {"name": "http_503"}, ExitStatus.PORTAL_UNAVAILABLE, "(HTTP 503)", RETRIED
    ),
    "http_503_after_login": Fault(
        "mixed",
        {"name": "http_503", "page": "home"},
        ExitStatus.PORTAL_UNAVAILABLE,
        "(HTTP 503)",
        RETRIED,
    ),
    "http_502_on_the_documents_page": Fault(
        "mixed",
        {"name": "http_502", "page": "documents"},
        ExitStatus.PORTAL_UNAVAILABLE,
        "(HTTP 502)",
        RETRIED,
    ),
    "slow": Fault(
        "mixed",
        {"name": "slow", "seconds": 30},
        ExitStatus.PORTAL_UNAVAILABLE,
        f"did not answer within {TIMEOUT_SECONDS} seconds",
        allowed=1,
    ),
    "slow_documents_page": Fault(
        "mixed",
        {"name": "slow", "seconds": 30, "page": "documents"},
        ExitStatus.PORTAL_UNAVAILABLE,
        f"did not answer within {TIMEOUT_SECONDS} seconds",
        allowed=1,
    ),
    "session_expiry": Fault(
        "mixed",
        {"name": "session_expiry"},
        ExitStatus.PORTAL_UNAVAILABLE,
        "ended the session in the middle of the check",
        RETRIED,
    ),
    "session_expiry_on_page_3_of_3": Fault(
        PAGED,
        {"name": "session_expiry", "after": 2},
        ExitStatus.PORTAL_UNAVAILABLE,
        "ended the session in the middle of the check",
        RETRIED,
    ),
    "table_renamed": Fault(
        "mixed",
        {"name": "table_renamed"},
        ExitStatus.PAGE_NOT_RECOGNISED,
        "a table without a 'Document' column (headers: 'Lecture', 'Pièce',",
    ),
    "table_moved": Fault(
        "mixed",
        {"name": "table_moved"},
        ExitStatus.PAGE_NOT_RECOGNISED,
        "found no way to the documents list on the portal's page (page title: 'Mon espace "
        "personnel | Ofpra')",
    ),
    "table_replaced": Fault(
        "mixed",
        {"name": "table_replaced"},
        ExitStatus.PAGE_NOT_RECOGNISED,
        "shows no table of documents (page title: 'Ma correspondance | Ofpra')",
    ),
    "row_missing_from_the_table": Fault(
        "mixed",
        {"name": "hidden_row"},
        ExitStatus.PAGE_NOT_RECOGNISED,
        "counts 7 letter(s), 2 unread, but the documents list shows 6 letter(s), 1 unread",
    ),
}


#: What the alert of a refused password adds, for the profile "default" (issue 22).
WAYS_BACK = (
    "Three ways to get back in:\n"
    "  1. With the connection key (the paper from the GUDA): run 'ofpra-assistant setup "
    "--reset-password --profile default'.\n"
    "  2. Without the key: on the portal, 'I forgot my password', then 'I lost my personal "
    "connection key'. A new password comes by SMS or e-mail to the contact given at activation; "
    "store it with 'ofpra-assistant setup --profile default --replace'.\n"
    "  3. Or ask at the SPADA or at the accommodation centre."
)


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_is_named_alerted_and_never_nothing_new(harness: Harness, name: str) -> None:
    fault = FAULTS[name]
    harness.set_up(fault.scenario)
    harness.env.settings.retry.attempts = fault.allowed
    if fault.switch is not None:
        harness.portal.set_fault(**fault.switch)
    if fault.before is not None:
        fault.before(harness.portal)

    result = harness.check()

    # Named, with its exit status.
    assert result.error is not None
    assert exit_status_of(result.error) is fault.status
    assert result.error.code == fault.status.name.lower()
    assert fault.says in result.error.message
    # Never "nothing new": no list of letters at all, and the check is recorded as failed.
    assert result.ok is False
    as_json = result.to_json()
    assert as_json["ok"] is False
    assert "letters" not in as_json
    assert as_json["error"] == {"code": fault.status.name.lower(), "message": result.error.message}
    [record] = harness.env.state.checks("default")
    assert (record.ok, record.error_code) == (False, result.error.code)
    assert harness.env.state.last_successful_check("default") is None
    # One alert, saying what happened and what to do.
    [alert] = harness.alerts
    assert alert.kind == "check_failed"
    assert alert.title == "The OFPRA account could not be checked"
    if result.error.code in ("login_rejected", "account_locked"):
        # The portal refused the password: the guide's three ways back follow (issue 22).
        assert alert.body == result.error.message + "\n" + WAYS_BACK
    else:
        assert alert.body == result.error.message
    assert alert.urgent is not result.error.retryable
    # Its deliveries say where it went: the local target (no channel here).
    local = {"channel": "local", "ok": True, "via": "recording"}
    assert as_json["alerts"] == [{**alert.to_json(), "deliveries": [local]}]
    # Transient faults are retried, each time after a longer wait; the others never.
    assert result.attempts == fault.attempts
    assert harness.sleep.waits == [BACKOFF * 2**n for n in range(fault.attempts - 1)]
    if fault.attempts > 1:
        # A check by hand with no agent running: the person is told to try again, not promised
        # that the assistant will.
        assert result.error.message.endswith(
            f"(The assistant tried {fault.attempts} times.) No agent is running on this "
            "computer to try again: run 'ofpra-assistant check' again later, or start the "
            "agent with 'ofpra-assistant run'."
        )
    assert "assistant will try again" not in result.error.message.lower()
    # Promise 1, whatever happened.
    log = harness.portal.log()
    assert log["view_requests"] == []
    assert not any("/view" in request["path"] for request in log["requests"])
    # A page not recognised leaves a redacted outline, for the owner only, and says where.
    if fault.status is ExitStatus.PAGE_NOT_RECOGNISED:
        assert_outline_saved(harness, result)
    else:
        assert result.capture is None
        assert not harness.captures.exists()


def assert_outline_saved(harness: Harness, result: CheckResult) -> None:
    assert result.capture is not None
    [saved] = (harness.captures / "default").iterdir()
    assert saved == result.capture
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE((harness.captures / "default").stat().st_mode) == 0o700
    assert stat.S_IMODE(harness.captures.stat().st_mode) == 0o700
    assert result.error is not None
    assert (
        f"An outline of the page, without any personal data, was saved in {saved}: please send "
        "it to whoever maintains the assistant."
    ) in result.error.message
    assert result.to_json()["capture"] == str(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("# ofpra-assistant: redacted outline of a page of the OFPRA portal\n")
    assert "\nhtml [lang=fr]\n" in text
    assert '"Déconnexion"' in text


def test_a_refused_password_is_submitted_once_even_with_retries_left(harness: Harness) -> None:
    harness.set_up("wrong_password")
    harness.env.settings.retry.attempts = 3

    result = harness.check()

    assert result.error is not None and result.error.code == "login_rejected"
    assert harness.portal.log()["failed_logins"] == 1
    posts = [r for r in harness.portal.log()["requests"] if r["method"] == "POST"]
    assert len(posts) == 1
    assert harness.sleep.waits == []


def test_a_captcha_stops_the_check_before_the_password_is_typed(harness: Harness) -> None:
    harness.set_up("mixed")
    harness.portal.set_fault("captcha")

    harness.check()

    assert [r["method"] for r in harness.portal.log()["requests"]] == ["GET"]


def test_a_forced_password_change_still_logs_out(harness: Harness) -> None:
    harness.set_up("mixed")
    harness.portal.set_fault("password_change")

    harness.check()

    log = harness.portal.log()
    assert (log["logins"], log["logouts"], log["password_changes"]) == (1, 1, 0)


@pytest.mark.parametrize(
    ("switch", "attempts"),
    [
        pytest.param({"name": "http_503", "times": 1}, 2, id="http_503-once"),
        pytest.param({"name": "maintenance", "times": 2}, 3, id="maintenance-twice"),
        pytest.param({"name": "session_expiry", "times": 1}, 2, id="session-expiry-once"),
        pytest.param(
            {"name": "http_502", "page": "documents", "after": 1, "times": 1},
            2,
            id="502-on-page-2-of-3",
        ),
    ],
)
def test_a_transient_fault_is_retried_in_a_fresh_session_and_the_check_succeeds(
    harness: Harness, switch: dict[str, Any], attempts: int
) -> None:
    harness.set_up(PAGED if switch.get("after") else "mixed")
    harness.env.settings.retry.attempts = 3
    harness.portal.set_fault(**switch)

    result = harness.check()

    assert result.ok, result.error
    assert result.attempts == attempts
    assert harness.sleep.waits == [BACKOFF * 2**n for n in range(attempts - 1)]
    assert len(result.letters) == len(harness.portal.state.letters())
    assert all(alert.kind != "check_failed" for alert in result.alerts)
    log = harness.portal.log()
    # Every attempt that logged in also logged out, in its own browser context.
    assert log["logins"] >= 1
    assert log["view_requests"] == []


def test_retries_stop_at_the_configured_number_of_attempts(harness: Harness) -> None:
    harness.set_up("mixed")
    harness.env.settings.retry.attempts = 3
    harness.portal.set_fault("http_500")

    result = harness.check()

    assert result.attempts == 3
    assert harness.sleep.waits == [BACKOFF, 2 * BACKOFF]
    assert len([r for r in harness.portal.log()["requests"] if r["path"].endswith("/login")]) == 3


# --- What is not a fault: the portal's harder but normal pages ---------------------------------


@pytest.mark.parametrize(
    ("scenario", "pages", "kinds"),
    [
        pytest.param("many_letters", 10, {"convocation", "six_months", "other"}, id="200-letters"),
        pytest.param("renotification", 1, {"renotification"}, id="renotification"),
        pytest.param("unknown_labels", 1, {"other"}, id="unknown-labels"),
        pytest.param("english", 1, {"decision", "other"}, id="english-us-dates"),
    ],
)
def test_hard_but_normal_accounts_are_read_whole(
    harness: Harness, scenario: str, pages: int, kinds: set[str]
) -> None:
    harness.set_up(scenario)

    result = harness.check()

    assert result.ok, result.error
    assert result.pages == pages
    expected = sorted(
        harness.portal.state.letters(), key=lambda letter: (letter.made_available_on, letter.id)
    )
    got = sorted(result.letters, key=lambda report: report.letter.made_available_on)
    assert [(r.letter.made_available_on, r.letter.read_on) for r in got] == [
        (letter.made_available_on, letter.read_on) for letter in expected
    ]
    unread = {r.letter.kind.value for r in result.letters if not r.letter.read}
    assert unread == kinds
    log = harness.portal.log()
    assert (log["logins"], log["logouts"]) == (1, 1)
    assert log["view_requests"] == []


def test_unknown_labels_are_kept_as_other_with_their_own_words(harness: Harness) -> None:
    harness.set_up("unknown_labels")

    result = harness.check()

    assert {(r.letter.kind.value, r.letter.label) for r in result.letters} == {
        ("other", "Attestation de dépôt"),
        ("other", "Demande de pièces complémentaires"),
        ("other", "Avis d'audience"),
    }
    [waiting] = [r for r in result.letters if r.needs_opening]
    assert (waiting.letter.label, waiting.deadlines.days_left) == ("Avis d'audience", 11)


def test_a_renotification_starts_a_new_window(harness: Harness) -> None:
    harness.set_up("renotification")

    result = harness.check()

    [waiting] = [r for r in result.letters if r.needs_opening]
    assert waiting.letter.kind.value == "renotification"
    assert waiting.deadlines.days_left == 10
    assert [a.letter_id for a in result.alerts] == [waiting.letter.id]
