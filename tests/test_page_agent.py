"""The agent serves the page from its start to its end, and a page that fails never stops it."""

from __future__ import annotations

import logging
import signal
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assistant.agent import Agent, PageHandle, TickReport, serve_page
from assistant.notifiers import AlertDispatcher
from assistant.page.server import page_address
from assistant.settings import Paths, Settings
from fixtures.memory_credentials import MemoryCredentialStore
from tests.conftest import RecordingNotifier

TICK_WAIT_SECONDS = 30.0


class TickingAgent(Agent):
    """The agent with its tick counted (the real tick runs)."""

    ticked = threading.Event()

    def tick(self) -> TickReport:
        report = super().tick()
        self.ticked.set()
        return report


def agent_on(tmp_path: Path, page: object) -> TickingAgent:
    agent = TickingAgent(
        Paths(config_dir=tmp_path, data_dir=tmp_path),
        Settings(),
        MemoryCredentialStore(),
        AlertDispatcher([RecordingNotifier()]),
        page=page,  # type: ignore[arg-type]
    )
    agent.ticked = threading.Event()
    return agent


def answer_of(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url + "static/page.css", timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_the_agent_serves_the_page_while_it_runs_and_removes_its_file_at_the_end(
    tmp_path: Path,
) -> None:
    agent = agent_on(tmp_path, serve_page)
    seen: dict[str, object] = {}

    def started() -> None:
        assert agent.page is not None
        seen["url"] = agent.page.url
        seen["found"] = page_address(agent.paths)
        seen["answer"] = answer_of(agent.page.url)
        assert agent.ticked.wait(TICK_WAIT_SECONDS)
        agent.request_stop(signal.SIGINT)

    assert agent.run(on_started=started) == signal.SIGINT

    assert seen["found"] == seen["url"]
    assert seen["answer"] == 200
    assert agent.page is None
    assert page_address(agent.paths) is None
    assert not (tmp_path / "page.json").exists()
    with pytest.raises(OSError):
        answer_of(str(seen["url"]))


def test_a_page_that_cannot_start_leaves_the_agent_checking(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(paths: Paths, settings: Settings) -> PageHandle:
        raise RuntimeError("the page's own bug")

    agent = agent_on(tmp_path, broken)
    ticked: list[bool] = []

    def started() -> None:
        ticked.append(agent.ticked.wait(TICK_WAIT_SECONDS))
        agent.request_stop(signal.SIGTERM)

    with caplog.at_level(logging.ERROR, logger="assistant.agent"):
        assert agent.run(on_started=started) == signal.SIGTERM

    assert ticked == [True], "the tick ran all the same"
    assert agent.page is None
    assert "the page is not served" in caplog.text


def test_a_page_that_fails_to_stop_does_not_keep_the_agent_running(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Stuck:
        url = "http://127.0.0.1:9/"

        def stop(self) -> None:
            raise OSError("already closed")

    agent = agent_on(tmp_path, lambda paths, settings, environment: Stuck())

    def started() -> None:
        agent.request_stop(signal.SIGINT)

    with caplog.at_level(logging.ERROR, logger="assistant.agent"):
        assert agent.run(on_started=started) == signal.SIGINT

    assert "the page did not stop cleanly" in caplog.text


def test_settings_for_the_page_that_name_another_address_leave_the_agent_without_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings()
    settings.page.address = "0.0.0.0"
    agent = agent_on(tmp_path, serve_page)
    agent.settings = settings

    def started() -> None:
        agent.request_stop(signal.SIGINT)

    with caplog.at_level(logging.ERROR, logger="assistant.agent"):
        assert agent.run(on_started=started) == signal.SIGINT

    assert "The page can listen on 127.0.0.1 only" in caplog.text
    assert not (tmp_path / "page.json").exists()
