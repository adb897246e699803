"""Promises 4 and 5: the password and the identifier leave no trace; only the portal is
contacted; a bad certificate is a failure, never ignored; files are for their owner only."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from assistant.credentials import Credentials
from assistant.privacy import SecretRedactingFilter
from fixtures.channel_receivers import HttpReceiver, SmtpReceiver
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer, create_app
from fixtures.mock_portal.scenarios import load_scenario
from flows.check_flow import read_documents
from flows.fence import portal_context
from tests.conftest import TODAY, assistant_env, files_holding

# Recognisable, so a leak anywhere is found by a plain search.
LEAK_PASSWORD = "Zq9-LEAKCHECK-pw!"
LEAK_IDENTIFIER = "8675309421"
LEAK_NAME = "Leak Test"
#: A channel's secret part (an ntfy topic is its password): it is in no file and no process.
#: (Apprise's privacy mode still shows a topic in `channel list`: it masks passwords and tokens.)
LEAK_TOPIC = "topic-LEAKCHECK-7f3"


def test_redacting_filter_masks_password_and_identifier_in_log_records() -> None:
    redactor = SecretRedactingFilter()
    redactor.register(Credentials(LEAK_IDENTIFIER, LEAK_PASSWORD))
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "login %s with %s", (LEAK_IDENTIFIER, LEAK_PASSWORD), None
    )

    assert redactor.filter(record) is True
    assert record.getMessage() == "login ******9421 with ********"


@pytest.fixture
def https_portal() -> Iterator[str]:
    """The mock portal behind a self-signed certificate, as an attacker in the middle would be."""
    server = make_server("127.0.0.1", 0, create_app("mixed", TODAY), ssl_context="adhoc")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}/ofpra/user/login"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_a_certificate_error_stops_the_check_before_the_password_is_sent(
    browser: Browser, https_portal: str
) -> None:
    from assistant.errors import PortalUnavailableError

    with (
        portal_context(browser, https_portal) as fenced,
        pytest.raises(PortalUnavailableError, match="security certificate is not valid"),
    ):
        read_documents(fenced, https_portal, LEAK_IDENTIFIER, LEAK_PASSWORD, 5_000)


def process_tree_texts(home: Path | None = None) -> list[bytes]:
    """The command lines and environments of every process we may read; with ``home``, but
    those of another home folder's assistant (another test run sharing this machine: its
    secrets are its own)."""
    ours = f"OFPRA_ASSISTANT_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        texts = []
        for name in ("cmdline", "environ"):
            try:
                texts.append((entry / name).read_bytes())
            except OSError:
                continue
        homes = {v for t in texts for v in t.split(b"\0") if v.startswith(b"OFPRA_ASSISTANT_HOME=")}
        if home is not None and homes and ours not in homes:
            continue
        found.extend(texts)
    return found


@pytest.mark.desktop
@pytest.mark.browser
def test_leak_scan_finds_no_password_or_identifier_anywhere(
    tmp_path: Path,
    desktop: DesktopSession,
    smtp_receiver: SmtpReceiver,
    http_receiver: HttpReceiver,
    browser: Browser,
) -> None:
    """The terminal's commands, then the page (issue 21): the same password and identifier
    typed into the page's setup, served by a real agent, in a real Chromium."""
    home = tmp_path / "home"
    env = assistant_env(desktop, home, "ofpra-assistant-leak-test", BROWSER__TIMEOUT_SECONDS="5")
    outputs: list[str] = []
    seen_in_processes: list[bytes] = []
    stop = threading.Event()

    def watch_processes() -> None:
        while not stop.is_set():
            for text in process_tree_texts(home):
                if any(s.encode() in text for s in (LEAK_PASSWORD, LEAK_IDENTIFIER, LEAK_TOPIC)):
                    seen_in_processes.append(text[:200])
            stop.wait(0.05)

    def run(*args: str, stdin: str = "") -> None:
        done = subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        outputs.extend([done.stdout, done.stderr])

    watcher = threading.Thread(target=watch_processes, daemon=True)
    # First an account that lets these credentials in, with a new decision on it (what the
    # person's channels get), then one that refuses them (what the helper's get).
    letting_in = replace(
        load_scenario("decision_9_days"), identifier=LEAK_IDENTIFIER, password=LEAK_PASSWORD
    )
    with MockPortalServer(letting_in) as portal:
        watcher.start()
        try:
            run(
                "setup",
                "--no-check",
                "--portal-url",
                portal.login_url,
                "--identifier",
                "-",
                "--password-stdin",
                "--consent",
                LEAK_NAME,
                stdin=f"{LEAK_IDENTIFIER}\n{LEAK_PASSWORD}\n",
            )
            # Every kind of channel, to the person and to a helper, in two languages.
            for to, detail, language, url in (
                ("person", "standard", "fr", http_receiver.ntfy_url(LEAK_TOPIC)),
                ("person", "minimal", "ar", http_receiver.json_url("phone")),
                ("helper", "standard", "en", smtp_receiver.url()),
            ):
                add = ("channel", "add", "--profile", "default", "--to", to, "--url-stdin")
                run(*add, "--detail", detail, "--language", language, stdin=url + "\n")
            # The channels are part of a check: the person's two get the decision.
            run("-v", "check")
            sent_by_the_good_check = (len(smtp_receiver.raw), len(http_receiver.posts))
            portal.use_scenario("wrong_password")
            # The helper's e-mail gets the refused password.
            run("-v", "check")
            # A refused password is typed again only once setup stores one (same password here;
            # the same account, so --replace keeps its profile and channels).
            run(
                "setup",
                "--no-check",
                "--replace",
                "--portal-url",
                portal.login_url,
                "--identifier",
                "-",
                "--password-stdin",
                "--consent",
                "Leak Test",
                stdin=f"{LEAK_IDENTIFIER}\n{LEAK_PASSWORD}\n",
            )
            run("-v", "check", "--json")
            run("status")
            run("channel", "list", "--profile", "default")
            run("-v", "channel", "test", "--profile", "default")
            run("-v", "channel", "send-calendar", "--profile", "default")
            run("forget", "--yes")
            attempted = portal.log()["failed_logins"]
            page_texts = set_up_on_the_page(browser, env, home, portal.login_url, outputs)
        finally:
            stop.set()
            watcher.join()

    assert attempted == 2, "the checks did log in (with the wrong password scenario)"
    for output in outputs:
        assert LEAK_PASSWORD not in output
        assert LEAK_IDENTIFIER not in output
    sent = [raw.decode("utf-8", "replace") for raw in smtp_receiver.raw]
    sent += [post.body.decode() for post in http_receiver.posts]
    sent += smtp_receiver.texts() + http_receiver.texts()
    assert sent_by_the_good_check == (0, 2), "the decision, to the person's two channels"
    assert len(smtp_receiver.raw) == 4, "two refusals to the helper, the test and the calendar"
    assert len(http_receiver.posts) == 6, "the decision, the test and the calendar"
    assert "login_rejected" in smtp_receiver.texts()[0]
    for message in sent:
        for secret in (LEAK_PASSWORD, LEAK_IDENTIFIER, LEAK_NAME):
            assert secret not in message
    assert (home / "state.sqlite3").is_file(), "the scan below reads the state"
    assert files_holding(home, LEAK_PASSWORD, LEAK_IDENTIFIER, LEAK_TOPIC) == []
    assert seen_in_processes == []
    # The page: every answer the browser got, and every page it showed.
    assert len(page_texts) > 10
    for text in page_texts:
        assert LEAK_PASSWORD not in text
        assert LEAK_IDENTIFIER not in text
    assert (home / "logs" / "assistant.log").is_file(), "the scan above read the agent's log"


def set_up_on_the_page(
    browser: Browser, env: dict[str, str], home: Path, portal_url: str, outputs: list[str]
) -> list[str]:
    """A real agent (``run``) serving the page; ``open --print-url``; the setup of a person
    typed into the page, the password twice, then the first check's result. Returns every
    HTTP answer the browser got (headers and bodies) and every page it showed; the agent's
    own output goes to ``outputs``."""
    agent_output = home.parent / "agent-output.txt"
    with agent_output.open("wb") as sink:
        agent = subprocess.Popen(
            [sys.executable, "-m", "assistant", "-v", "run"], env=env, stdout=sink, stderr=sink
        )
    texts: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while not (home / "page.json").exists():
            assert time.monotonic() < deadline, "the agent's page did not start"
            time.sleep(0.05)
        opened = subprocess.run(
            [sys.executable, "-m", "assistant", "open", "--print-url"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        outputs.extend([opened.stdout, opened.stderr])
        page_url = json.loads((home / "page.json").read_text())["url"]
        context = browser.new_context()
        answers: list[Response] = []
        context.on("response", lambda answer: answers.append(answer))

        def read_answers() -> None:
            # Read while their page is still the one shown (a body goes with its document).
            while answers:
                answer = answers.pop(0)
                texts.append(json.dumps(answer.all_headers()))
                with contextlib.suppress(PlaywrightError):  # a redirect has no body to read
                    texts.append(answer.body().decode("utf-8", "replace"))

        def submit(tab: Page) -> None:
            with tab.expect_navigation():
                tab.get_by_role("button", name="Continue").click()
            read_answers()
            texts.append(tab.content())

        try:
            tab = context.new_page()
            tab.goto(opened.stdout.strip())
            tab.wait_for_url(page_url)
            tab.goto(page_url + "setup")
            read_answers()
            tab.get_by_role("radio", name="English").check()
            submit(tab)
            tab.get_by_label("Name of this profile").fill("pageleak")
            submit(tab)
            submit(tab)  # their own account (the default answer)
            tab.get_by_label("Your name:").fill(LEAK_NAME)
            tab.get_by_role("radio", name="Yes").check()
            submit(tab)
            tab.get_by_label("Address of the portal's login page").fill(portal_url)
            submit(tab)
            tab.get_by_label("AGDREF number or OFPRA file number").fill(LEAK_IDENTIFIER)
            submit(tab)
            # Once wrong, then right: a refused answer never shows it back.
            tab.get_by_label("Password of the OFPRA account").fill(LEAK_PASSWORD)
            tab.get_by_label("Type the password again").fill(LEAK_PASSWORD + "x")
            submit(tab)
            assert tab.locator("p.refusal").count() == 1
            tab.get_by_label("Password of the OFPRA account").fill(LEAK_PASSWORD)
            tab.get_by_label("Type the password again").fill(LEAK_PASSWORD)
            submit(tab)
            tab.locator("ul.result").wait_for(timeout=120_000)
            read_answers()
            texts.append(tab.content())
            for path in ("", "profiles/pageleak", "profiles/pageleak/check", "setup", "help"):
                tab.goto(page_url + path)
                read_answers()
                texts.append(tab.content())
        finally:
            context.close()
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=60)
        outputs.append(agent_output.read_text(encoding="utf-8", errors="replace"))
    return texts


@pytest.mark.desktop
@pytest.mark.browser
def test_files_are_0600_and_folders_0700(tmp_path: Path, desktop: DesktopSession) -> None:
    home = tmp_path / "home"
    env = assistant_env(desktop, home, "ofpra-modes")
    with MockPortalServer("mixed") as portal:
        for args, stdin in (
            (
                (
                    "setup",
                    "--no-check",
                    "--portal-url",
                    portal.login_url,
                    "--identifier",
                    "1234561552",
                    "--password-stdin",
                    "--consent",
                    "Modes",
                ),
                "Mock-Portal-2026!\n",
            ),
            (("check",), ""),
        ):
            subprocess.run(
                [sys.executable, "-m", "assistant", *args],
                input=stdin,
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=True,
            )

    entries = [home, *home.rglob("*")]
    assert len(entries) > 3
    for path in entries:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


@pytest.mark.desktop
@pytest.mark.browser
def test_a_new_password_is_printed_once_and_found_nowhere_else(
    tmp_path: Path, desktop: DesktopSession, http_receiver: HttpReceiver
) -> None:
    """Issue 22: ``setup --activate`` and ``setup --reset-password`` print the new password once
    on standard output; no other output, no file of the home (log included), no process's
    command line or environment and no channel holds it, nor the connection key."""
    home = tmp_path / "home"
    env = assistant_env(desktop, home, "ofpra-assistant-leak-new", BROWSER__TIMEOUT_SECONDS="10")
    key = "LEAK-KEY-9Q7Z"
    outputs: list[str] = []
    seen_in_processes: list[bytes] = []
    stop = threading.Event()

    def watch_processes() -> None:
        while not stop.is_set():
            for text in process_tree_texts():
                if key.encode() in text or b"LEAKCHECK" in text:
                    seen_in_processes.append(text[:200])
            stop.wait(0.05)

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )
        outputs.extend([done.stdout, done.stderr])
        return done

    account = replace(
        load_scenario("not_activated"), identifier=LEAK_IDENTIFIER, connection_key=key
    )
    watcher = threading.Thread(target=watch_processes, daemon=True)
    with MockPortalServer(account) as portal:
        watcher.start()
        try:
            activated = run(
                "-v", "setup", "--activate", "--profile", "leak", "--identifier", "-",
                "--connection-key-stdin", "--consent", LEAK_NAME, "--portal-url",
                portal.login_url, "--mobile", "0612345678",
                stdin=f"{LEAK_IDENTIFIER}\n{key}\n",
            )  # fmt: skip
            assert activated.returncode == 0, activated.stderr
            first = portal.state.account.password
            add = ("channel", "add", "--profile", "leak", "--to", "person", "--url-stdin")
            run(*add, stdin=http_receiver.json_url("phone") + "\n")
            reset = run(
                "-v", "setup", "--reset-password", "--profile", "leak", "--connection-key-stdin",
                "--json", stdin=f"{key}\n",
            )  # fmt: skip
            assert reset.returncode == 0, reset.stderr
            second = portal.state.account.password
            run("-v", "check", "--json")
            run("status", "--json")
            run("-v", "channel", "test", "--profile", "leak")
        finally:
            stop.set()
            watcher.join()

    assert first != second
    everything = "\n".join(outputs)
    assert everything.count(first) == 1 and first in activated.stdout
    assert everything.count(second) == 1 and second in reset.stdout
    assert key not in everything
    assert LEAK_IDENTIFIER not in everything
    sent = [post.body.decode() for post in http_receiver.posts] + http_receiver.texts()
    assert sent, "the channel's test message"
    for message in sent:
        for secret in (first, second, key, LEAK_IDENTIFIER):
            assert secret not in message
    assert (home / "state.sqlite3").is_file(), "the scan below reads the state"
    assert files_holding(home, first, second, key, LEAK_IDENTIFIER) == []
    assert seen_in_processes == []
