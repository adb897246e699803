"""One path for every check (urlwatch's ``worker.py`` runs the pool, ``handler.py`` one job):
``check``, ``check --all``, the agent and the in-process tests that hand in their own browser all
reach the portal through the runner's one pool job, ``_Run._work``, which calls
``attempt_check`` and then ``Recorder.record``. A second path (a loop of its own for a browser
handed in, a runner that reads the portal itself) fails these tests. The real launcher's pool
has ONE Playwright driver: every reading of a run, whichever worker asked for it, runs on the
driver's thread (``flows.driver``), and the real environment's pool is ``driver_pool``."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

import assistant.runner
from assistant.agent import Agent
from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.notifiers import AlertDispatcher
from assistant.runner import CheckRunner, Environment
from assistant.schedule import Policy
from assistant.settings import BrowserSettings, Paths, Settings
from assistant.state import StateStore
from fixtures.desktop_session import DesktopSession
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from tests.conftest import IDENTIFIER, NOW, PASSWORD, TODAY, Cli, FakeClock, RecordingNotifier

ROOT = Path(__file__).resolve().parent.parent
ASSISTANT = ROOT / "assistant"


def calls_to(tree: ast.AST, name: str) -> list[ast.Call]:
    """Every call of ``name`` (as a plain name or an attribute) in ``tree``."""
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def modules_calling(name: str) -> list[str]:
    return sorted(
        path.name
        for path in ASSISTANT.rglob("*.py")
        if calls_to(ast.parse(path.read_text(encoding="utf-8")), name)
    )


def test_the_runner_has_one_entry_and_one_job() -> None:
    tree = ast.parse((ASSISTANT / "runner.py").read_text(encoding="utf-8"))
    [runner] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "CheckRunner"]
    public = sorted(
        n.name for n in runner.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
    )
    assert public == ["check", "check_many"]
    # One pool opened, one job run by it, one place that calls the attempt: no second loop.
    assert len(calls_to(tree, "pool_source")) == 1
    assert len(calls_to(tree, "submit")) == 1
    [attempt] = calls_to(tree, "attempt_check")
    job = next(
        f
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef) and any(c is attempt for c in ast.walk(f))
    )
    assert job.name == "_work"
    # The runner never picks a browser itself: the environment's pool is the only way in.
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not used & {"browser_source", "browser_pool"}


def test_only_the_runner_attempts_checks_and_only_the_attempt_reads_the_documents() -> None:
    assert modules_calling("attempt_check") == ["runner.py"]
    assert modules_calling("read_documents") == ["attempt.py"]
    # An outcome becomes a result in one place, and it is made by the runner only.
    assert modules_calling("Recorder") == ["runner.py"]


def test_the_real_launcher_pool_is_the_one_driver_pool(tmp_path: Path) -> None:
    from assistant.environment import build_environment
    from assistant.pool import driver_pool

    state = StateStore(tmp_path / "state.sqlite3")
    env = build_environment(
        Paths(config_dir=tmp_path, data_dir=tmp_path),
        Settings(),
        console=None,
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
    )
    assert env.pool_source() is driver_pool
    state.close()
    # No command makes the pool of a driver per worker thread any more.
    assert modules_calling("BrowserWorkers") == ["browsers.py"]
    assert modules_calling("pooled_browsers") == []
    assert modules_calling("EarlyPool") == ["cli.py", "cli_first_check.py"]


class Seen:
    """Each call of ``attempt_check``: which function called it, on which thread; and the
    thread each reading of the portal ran on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import flows.check_flow

        self.calls: list[tuple[str, str, str]] = []
        self.read_on: list[str] = []
        real = assistant.runner.attempt_check
        real_read = flows.check_flow.read_documents

        def attempt_check(*args: Any, **kwargs: Any) -> Any:
            caller = sys._getframe(1).f_code.co_name
            self.calls.append((args[1].profile.name, caller, threading.current_thread().name))
            return real(*args, **kwargs)

        def read_documents(*args: Any, **kwargs: Any) -> Any:
            self.read_on.append(threading.current_thread().name)
            return real_read(*args, **kwargs)

        monkeypatch.setattr(assistant.runner, "attempt_check", attempt_check)
        monkeypatch.setattr(flows.check_flow, "read_documents", read_documents)


def set_up(state: StateStore, credentials: MemoryCredentialStore, url: str, name: str) -> None:
    state.save_profile(name, url, "en", NOW)
    state.record_consent(name, make_consent("Amina", "holder", "en", NOW))
    credentials.save(name, Credentials(IDENTIFIER, PASSWORD))


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore(tmp_path / "state.sqlite3")
    yield store
    store.close()


@pytest.mark.browser
def test_a_browser_handed_in_runs_the_same_job_on_its_own_thread(
    state: StateStore, browser: Browser, portal: MockPortalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal.use_scenario("decision_9_days", today=TODAY)
    credentials = MemoryCredentialStore()
    set_up(state, credentials, portal.login_url, "amina")
    set_up(state, credentials, portal.login_url, "bilal")
    env = Environment(
        settings=Settings(browser=BrowserSettings(timeout_seconds=10)),
        state=state,
        credentials=credentials,
        dispatcher=AlertDispatcher([RecordingNotifier()]),
        clock=FakeClock(NOW),
        browser_source=lambda settings, hosts: nullcontext(browser),
    )
    seen = Seen(monkeypatch)

    results = CheckRunner(env).check_many(["amina", "bilal"])

    assert [r.ok for r in results] == [True, True]
    here = threading.current_thread().name
    assert seen.calls == [("amina", "_work", here), ("bilal", "_work", here)]
    assert seen.read_on == [here, here], "a browser handed in is used on its own thread"


@pytest.mark.browser
def test_the_agent_runs_the_same_job_on_the_browser_workers(
    tmp_path: Path, state: StateStore, portal: MockPortalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal.use_scenario("decision_9_days", today=TODAY)
    credentials = MemoryCredentialStore()
    set_up(state, credentials, portal.login_url, "amina")
    settings = Settings(browser=BrowserSettings(timeout_seconds=10))
    agent = Agent(
        Paths(config_dir=tmp_path, data_dir=tmp_path),
        settings,
        credentials,
        AlertDispatcher([RecordingNotifier()]),
        clock=FakeClock(NOW),
        policy=Policy.from_settings(settings, jitter=lambda profile, due: timedelta(0)),
        open_state=lambda: nullcontext(state),
    )
    seen = Seen(monkeypatch)

    report = agent.tick()

    assert [(c.profile, c.ok) for c in report.checks] == [("amina", True)]
    [(profile, caller, thread)] = seen.calls
    assert (profile, caller) == ("amina", "_work")
    assert thread != threading.current_thread().name, "the real launcher's pool: its workers"
    assert seen.read_on == ["ofpra-driver"], "read in the one driver, not the worker's own"


#: ``ofpra-assistant`` itself, with ``attempt_check`` watched: each call is a line in a file.
WATCHED_CLI = """
import json, os, sys, threading
import assistant.runner
real = assistant.runner.attempt_check
def attempt_check(*args, **kwargs):
    with open(os.environ["ONE_PATH_CALLS"], "a") as calls:
        line = [args[1].profile.name, sys._getframe(1).f_code.co_name,
                threading.current_thread().name]
        calls.write(json.dumps(line) + "\\n")
    return real(*args, **kwargs)
assistant.runner.attempt_check = attempt_check
import flows.check_flow
real_read = flows.check_flow.read_documents
def read_documents(*args, **kwargs):
    with open(os.environ["ONE_PATH_CALLS"], "a") as calls:
        calls.write(json.dumps(["read", "", threading.current_thread().name]) + "\\n")
    return real_read(*args, **kwargs)
flows.check_flow.read_documents = read_documents
from assistant.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.browser
def test_check_and_check_all_run_the_same_job(
    tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest
) -> None:
    cli = Cli(tmp_path / "home", desktop, f"ofpra-assistant-one-path-{request.node.name}"[:80])
    calls = tmp_path / "calls.jsonl"
    with MockPortalServer("decision_9_days") as live:
        assert cli.setup(live.login_url, "amina").returncode == 0
        assert cli.setup(live.login_url, "bilal").returncode == 0
        for args in (["check", "--profile", "amina"], ["check", "--all"]):
            done = subprocess.run(
                [sys.executable, "-c", WATCHED_CLI, *args, "--json"],
                capture_output=True,
                text=True,
                env={**cli.env, "ONE_PATH_CALLS": str(calls)},
                timeout=120,
                cwd=ROOT,
            )
            assert done.returncode == 0, done.stderr
            assert json.loads(done.stdout)["ok"] is True

    lines = [json.loads(line) for line in calls.read_text().splitlines()]
    seen = [line for line in lines if line[0] != "read"]
    assert sorted(name for name, _, _ in seen) == ["amina", "amina", "bilal"]
    assert {caller for _, caller, _ in seen} == {"_work"}
    assert "MainThread" not in {thread for _, _, thread in seen}, "the real launcher's workers"
    # Three readings (check, then check --all's two), each in the run's one driver.
    assert [thread for name, _, thread in lines if name == "read"] == ["ofpra-driver"] * 3
