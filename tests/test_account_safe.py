"""The account is safe: a refused password is typed once, whatever runs after it, until setup
stores credentials again; and one portal session per profile at a time, across processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from assistant.clearance import portal_session
from assistant.consent import make_consent
from assistant.environment import build_environment
from assistant.errors import ExitStatus, LoginRejectedError
from assistant.notifiers import AlertDispatcher
from assistant.settings import Paths, Settings
from assistant.state import StateStore
from fixtures.desktop_session import DesktopSession
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from tests.conftest import NOW, Cli, RecordingNotifier


@pytest.fixture
def cli(tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest) -> Cli:
    return Cli(tmp_path / "home", desktop, f"ofpra-assistant-safe-{request.node.name}"[:80])


@pytest.fixture
def refusing_portal() -> Iterator[MockPortalServer]:
    with MockPortalServer("wrong_password") as server:
        yield server


@pytest.mark.desktop
@pytest.mark.browser
def test_a_refused_password_is_typed_once_by_check_check_all_and_capture(
    cli: Cli, refusing_portal: MockPortalServer
) -> None:
    assert cli.setup(refusing_portal.login_url).returncode == 0

    runs = [cli.json("check") for _ in range(3)]
    all_code, every = cli.json("check", "--all")
    capture = cli.run("capture", "--redacted")

    assert refusing_portal.log()["failed_logins"] == 1, "the portal saw one attempt"
    (first_code, first), *again = runs
    assert first_code == ExitStatus.LOGIN_REJECTED
    assert first["error"]["code"] == "login_rejected"
    assert first["attempts"] == 1
    for code, later in again:
        assert code == ExitStatus.LOGIN_REJECTED
        assert later["error"]["code"] == "login_rejected"
        assert later["attempts"] == 0, "said at once, without the portal"
        assert "the assistant will not type it again" in later["error"]["message"]
        assert "ofpra-assistant setup --profile default" in later["error"]["message"]
    assert all_code == ExitStatus.LOGIN_REJECTED
    assert every["ok"] is False and every["results"][0]["attempts"] == 0
    assert capture.returncode == ExitStatus.LOGIN_REJECTED
    assert "Traceback" not in capture.stderr
    [status] = cli.json("status")[1]["profiles"]
    assert status["next_check_due"] is None, "the agent is paused too"

    # setup stores credentials again (the same account: --replace keeps its profile): the next
    # check may type them, once.
    assert cli.setup(refusing_portal.login_url, replace=True).returncode == 0
    assert cli.json("check")[0] == ExitStatus.LOGIN_REJECTED
    assert refusing_portal.log()["failed_logins"] == 2


def test_one_portal_session_per_profile_and_a_refusal_met_meanwhile_is_seen(
    tmp_path: Path,
) -> None:
    """Another process holds the profile's session; it ends with a refused password. This one
    waits for it, and then does not log in."""
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    state = StateStore(paths.state_file)
    state.save_profile("default", "https://portal.example/ofpra/user/login", "en", NOW)
    state.record_consent("default", make_consent("Amina", "holder", "en", NOW))
    env = build_environment(
        paths,
        Settings(),
        console=None,
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
    )
    other = FileLock(paths.data_dir / "locks" / "default.lock", thread_local=False)
    (paths.data_dir / "locks").mkdir()
    other.acquire()
    released_at: list[float] = []

    def other_process() -> None:
        time.sleep(0.5)
        elsewhere = StateStore(paths.state_file)
        elsewhere.mark_refused("default", "login_rejected", NOW)
        elsewhere.close()
        released_at.append(time.monotonic())
        other.release()

    thread = threading.Thread(target=other_process)
    thread.start()
    try:
        with pytest.raises(LoginRejectedError), portal_session(env, "default"):
            pytest.fail("logged in while another session held the profile")
        raised_at = time.monotonic()
    finally:
        thread.join()
        state.close()
    assert raised_at >= released_at[0], "this one waited for the other session to end"
