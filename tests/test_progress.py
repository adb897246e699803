"""No silent wait: a check by hand tells each step as it starts, on standard error, and a
failure says who will try again (never an agent that does not run)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from assistant.cli_output import progress_line
from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.i18n import Translator
from assistant.notifiers import AlertDispatcher
from assistant.runner import CheckRunner, Environment
from assistant.settings import BrowserSettings, RetrySettings, Settings
from assistant.state import StateStore
from fixtures.desktop_session import DesktopSession
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from tests.conftest import (
    IDENTIFIER,
    NOW,
    PAGED,
    PASSWORD,
    TODAY,
    FakeClock,
    RecordingNotifier,
    RecordingSleep,
    assistant_env,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BACKOFF = 7.0
NO_AGENT = (
    "No agent is running on this computer to try again: run 'ofpra-assistant check' again "
    "later, or start the agent with 'ofpra-assistant run'."
)


class RecordingProgress:
    def __init__(self) -> None:
        self.steps: list[tuple[str, dict[str, object]]] = []

    def __call__(self, step: str, /, **values: object) -> None:
        self.steps.append((step, values))


@pytest.fixture
def env(tmp_path: Path, browser: Browser, portal: MockPortalServer) -> Iterator[Environment]:
    state = StateStore(tmp_path / "state.sqlite3")
    environment = Environment(
        settings=Settings(
            browser=BrowserSettings(timeout_seconds=5),
            retry=RetrySettings(attempts=3, backoff_seconds=BACKOFF),
        ),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
        clock=FakeClock(NOW),
        browser_source=lambda settings, hosts: nullcontext(browser),
        sleep=RecordingSleep(),
        progress=RecordingProgress(),
    )
    environment.state.save_profile("default", portal.login_url, "en", NOW)
    environment.state.record_consent("default", make_consent("Amina", "holder", "en", NOW))
    environment.credentials.save("default", Credentials(IDENTIFIER, PASSWORD))
    yield environment
    state.close()


def steps(env: Environment) -> list[tuple[str, dict[str, object]]]:
    assert isinstance(env.progress, RecordingProgress)
    return env.progress.steps


@pytest.mark.browser
def test_every_step_and_every_retry_of_a_check_is_told(
    env: Environment, portal: MockPortalServer
) -> None:
    portal.use_scenario(PAGED, today=TODAY)
    portal.set_fault("http_503", times=1)

    result = CheckRunner(env).check("default")

    assert result.ok, result.error
    assert steps(env) == [
        ("starting_browser", {}),
        ("opening_portal", {}),
        ("portal_not_answering", {"code": "portal_unavailable"}),
        ("retrying", {"seconds": BACKOFF, "attempt": 2, "attempts": 3}),
        ("opening_portal", {}),
        ("logging_in", {}),
        ("opening_documents", {}),
        ("reading_page", {"page": 2}),
        ("reading_page", {"page": 3}),
        ("logging_out", {}),
    ]


def test_each_step_is_one_short_line_in_the_persons_language() -> None:
    en, fr = Translator("en"), Translator("fr")
    retrying = {"seconds": 10.0, "attempt": 2, "attempts": 3}

    assert progress_line("reading_page", {"page": 2}, en) == (
        "Reading page 2 of the list of letters..."
    )
    assert progress_line("retrying", retrying, en) == "Trying again in 10 s (attempt 2 of 3)..."
    assert progress_line("portal_not_answering", {}, en) == "The portal is not answering."
    assert progress_line("retrying", retrying, fr) != progress_line("retrying", retrying, en)
    assert "10" in progress_line("retrying", retrying, fr)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("automated", "agent_runs", "says"),
    [
        pytest.param(False, False, NO_AGENT, id="by-hand-no-agent"),
        pytest.param(
            False, True, "The agent running on this computer will try again later.", id="by-hand"
        ),
        pytest.param(True, True, "The assistant will try again later.", id="agent"),
    ],
)
def test_a_failure_says_who_will_try_again(
    env: Environment, portal: MockPortalServer, automated: bool, agent_runs: bool, says: str
) -> None:
    portal.use_scenario("mixed", today=TODAY)
    portal.set_fault("http_503")
    env.settings.retry.attempts = 1
    env.agent_running = lambda: agent_runs

    result = CheckRunner(env).check("default", automated=automated)

    assert result.error is not None
    assert result.error.message == (
        "The portal answered with an error (HTTP 503). It is probably down for a while. " + says
    )
    [alert] = result.alerts
    assert alert.body == result.error.message


# -- As a person runs it: the lines come while the check waits -----------------------------------


@pytest.mark.desktop
@pytest.mark.browser
def test_progress_lines_come_on_stderr_while_a_retry_waits_and_json_stays_clean(
    tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest
) -> None:
    wait = 4
    env = assistant_env(
        desktop,
        tmp_path / "home",
        f"ofpra-assistant-{request.node.name}",
        BROWSER__TIMEOUT_SECONDS="5",
        RETRY__BACKOFF_SECONDS=str(wait),
    )
    with MockPortalServer("decision_9_days") as live:
        setup = subprocess.run(
            [
                *(sys.executable, "-m", "assistant", "setup", "--no-check"),
                *("--portal-url", live.login_url),
                *("--identifier", IDENTIFIER, "--password-stdin"),
                *("--consent", "Amina Test", "--language", "en"),
            ],
            input=PASSWORD + "\n",
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            timeout=120,
        )
        assert setup.returncode == 0, setup.stderr
        live.set_fault("http_503", times=1)

        lines, stdout, code = _run_timing_stderr(
            [sys.executable, "-m", "assistant", "check", "--json"], env
        )

    said = [text for _, text in lines]
    assert said == [
        "Starting the browser...",
        "Opening the portal's login page...",
        "The portal is not answering.",
        f"Trying again in {wait} s (attempt 2 of 3)...",
        "Opening the portal's login page...",
        "Logging in...",
        "Opening the list of letters...",
        "Logging out...",
    ], said
    at = {text: when for when, text in reversed(lines)}  # the first time each was said
    retry_starts = at["The portal is not answering."]
    # Said as the retry starts (the portal's 503 comes at once), not when the check ends ...
    assert at[f"Trying again in {wait} s (attempt 2 of 3)..."] - retry_starts < 2
    assert retry_starts - at["Opening the portal's login page..."] < 2
    # ... and the wait comes after the line that announces it.
    second_attempt = [when for when, text in lines if text.startswith("Opening the portal")][1]
    assert second_attempt - retry_starts >= wait - 0.5
    # Standard output is the JSON object alone.
    assert code == 0
    assert json.loads(stdout)["ok"] is True


def _run_timing_stderr(
    args: list[str], env: dict[str, str]
) -> tuple[list[tuple[float, str]], str, int]:
    """Run a command; each line of its standard error with the second it arrived."""
    process = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    lines: list[tuple[float, str]] = []
    out: list[str] = []
    stdout, stderr = process.stdout, process.stderr
    assert stdout is not None and stderr is not None
    reader = threading.Thread(target=lambda: out.append(stdout.read()))
    reader.start()
    for line in stderr:
        lines.append((time.monotonic(), line.rstrip("\n")))
    code = process.wait(timeout=120)
    reader.join(timeout=10)
    return lines, "".join(out), code


@pytest.mark.browser
def test_a_check_of_several_profiles_says_which_one_it_is_on(
    env: Environment, portal: MockPortalServer
) -> None:
    portal.use_scenario("decision_9_days", today=TODAY)
    env.state.save_profile("bilal", portal.login_url, "en", NOW)
    env.state.record_consent("bilal", make_consent("Bilal", "holder", "en", NOW))
    env.credentials.save("bilal", Credentials(IDENTIFIER, PASSWORD))

    CheckRunner(env).check_many(["default", "bilal"])

    said = [(step, values) for step, values in steps(env) if step == "checking_profile"]
    assert said == [
        ("checking_profile", {"profile": "default"}),
        ("checking_profile", {"profile": "bilal"}),
    ]
    assert progress_line("checking_profile", {"profile": "bilal"}, Translator("en")) == (
        "Checking the profile 'bilal'..."
    )


@pytest.mark.browser
def test_a_page_that_is_long_to_come_is_told_while_it_is_awaited(
    env: Environment, portal: MockPortalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.pages.base

    # The table never comes (renamed): the whole timeout (5 s here) is waited for it.
    monkeypatch.setattr(flows.pages.base, "STILL_WAITING_EVERY_SECONDS", 2)
    portal.use_scenario("mixed", today=TODAY)
    portal.set_fault("table_renamed")

    result = CheckRunner(env).check("default")

    assert result.error is not None and result.error.code == "page_not_recognised"
    said = [name for name, _ in steps(env)]
    waiting = said[said.index("opening_documents") :]
    assert waiting[:3] == ["opening_documents", "still_waiting", "still_waiting"]
    assert [values for name, values in steps(env) if name == "still_waiting"][:2] == [
        {"seconds": 2},
        {"seconds": 4},
    ]
    assert progress_line("still_waiting", {"seconds": 20}, Translator("en")) == (
        "Still waiting for the portal's page (20 s)..."
    )


def test_a_closed_standard_error_does_not_stop_a_check(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from assistant.cli_context import progress_on_stderr

    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stderr", closed)

    progress = progress_on_stderr(Translator("en"))
    progress("logging_in")  # raises nothing: the check goes on
    shown = io.StringIO()
    monkeypatch.setattr(sys, "stderr", shown)
    progress("logging_out")
    assert shown.getvalue() == "Logging out...\n"


def test_a_profiles_steps_keep_its_tag_when_its_browser_work_runs_on_the_drivers_thread() -> None:
    """Several profiles at once: each job tags its steps with its profile, and its browser work
    runs on the one driver's thread with the job's context (flows/driver.py copies it)."""
    import contextvars

    from assistant.progress import SharedProgress

    said: list[tuple[str, dict[str, object]]] = []
    progress = SharedProgress(lambda: lambda step, /, **values: said.append((step, values)))

    def on_the_drivers_thread(context: contextvars.Context) -> None:
        thread = threading.Thread(target=context.run, args=(progress, "logging_in"))
        thread.start()
        thread.join()

    with progress.about("amina"):
        progress("checking_profile")
        on_the_drivers_thread(contextvars.copy_context())
    progress("done")

    assert said == [
        ("checking_profile", {"for_profile": "amina"}),
        ("logging_in", {"for_profile": "amina"}),
        ("done", {}),
    ]
