"""The page's actions in a real Chromium, served by a real agent (``ofpra-assistant run``) on a
private desktop session with its own keyring, against the mock portal (issue 21, item 6, and its
"done when"): two people set up from the page only, each to their first check's result; a
channel added from the page receives the test message on a loopback receiver, "Check now" shows
its steps as they happen and then its result, "Check every profile now" checks both, stop
forgets one person and ``status`` in a terminal shows the one that remains; axe-core on every
new page in French, Dari and Arabic. One agent and one browser context for the module."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from assistant.state import StateStore
from fixtures.channel_receivers import HttpReceiver
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from tests.conftest import IDENTIFIER, PASSWORD, Cli, files_holding

pytestmark = [pytest.mark.desktop, pytest.mark.browser]

WAIT_SECONDS = 60.0
#: The new pages, each checked by axe-core in each of these languages.
NEW_PAGES = [
    "/profiles/amina/check",
    "/profiles/amina/channels",
    "/profiles/amina/forget",
    "/check",
]
AXE_LANGUAGES = ["fr", "fa_AF", "ar"]
#: The password in the channel's address typed into the page: kept in the keyring only.
SECRET = "ntfy-Pass-7731"


@dataclass
class Agent:
    cli: Cli
    home: Path
    portal: MockPortalServer
    url: str


def wait_for(what: str, ready: object, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not ready():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory, desktop: DesktopSession) -> Iterator[Agent]:
    """The agent serving the page, in a home folder with nobody set up yet. Its scheduler ticks
    once at its start and not again within the module, so that every check here is one the
    page started (a tick during a first check would add a check of its own)."""
    home = tmp_path_factory.mktemp("actions") / "home"
    cli = Cli(home, desktop, "ofpra-assistant-page-actions")
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text("[agent]\ntick_seconds = 3600\n")
    with MockPortalServer("mixed") as portal:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "run"],
            env=cli.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            page_file = home / "page.json"
            wait_for("the agent's page", page_file.exists)
            url = json.loads(page_file.read_text())["url"]
            yield Agent(cli, home, portal, url)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=WAIT_SECONDS)


def next_screen(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()


def set_up_from_page(page: Page, agent: Agent, name: str, holder: str) -> None:
    """What a volunteer does at a SPADA desk for one person, on the page only: the setup's
    screens, then the first check's steps to its result."""
    page.goto(agent.url + "setup")
    page.get_by_role("radio", name="English").check()
    next_screen(page)
    page.get_by_label("Name of this profile").fill(name)
    next_screen(page)
    page.get_by_role("radio", name="No, I help the account holder").check()
    next_screen(page)
    page.get_by_role("radio", name="English").check()
    next_screen(page)
    page.get_by_label("Name of the account holder:").fill(holder)
    page.get_by_label("Your name (you help the account holder):").fill("Marie Volunteer")
    page.get_by_role("radio", name="Yes", exact=True).check()
    next_screen(page)
    page.get_by_label("Address of the portal's login page").fill(agent.portal.login_url)
    next_screen(page)
    page.get_by_label("AGDREF number or OFPRA file number").fill(IDENTIFIER)
    next_screen(page)
    page.get_by_label("Password of the OFPRA account").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    next_screen(page)
    page.wait_for_url(f"{agent.url}profiles/{name}/check*")
    expect(page.locator("ul.result")).to_contain_text(f"Profile '{name}', checked", timeout=90_000)


@pytest.fixture(scope="module")
def context(browser: Browser, agent: Agent) -> Iterator[BrowserContext]:
    """The volunteer's browser, opened as the menu's launcher opens it, and the two people
    (amina and jean) set up from it."""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    opened = agent.cli.run("open", "--print-url")
    assert opened.returncode == 0, opened.stderr
    tab = context.new_page()
    tab.goto(opened.stdout.strip())
    tab.wait_for_url(agent.url + "*")
    set_up_from_page(tab, agent, "amina", "Amina Karimi")
    set_up_from_page(tab, agent, "jean", "Jean Dupont")
    tab.close()
    # The terminal sees them as people it set up itself: their passwords in the keyring.
    assert agent.cli.keyring_entry("amina:password") == PASSWORD
    assert agent.cli.keyring_entry("jean:password") == PASSWORD
    yield context
    context.close()


@pytest.fixture(scope="module")
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    yield page
    page.close()


def test_page_channel_added_receives_the_test_message_and_check_now_shows_steps_then_result(
    page: Page, agent: Agent
) -> None:
    with HttpReceiver() as receiver:
        page.goto(agent.url + "profiles/amina")
        page.get_by_role("link", name="Alert channels").click()
        page.get_by_label("The channel's Apprise URL (not shown)").fill(
            f"ntfy://amina:{SECRET}@127.0.0.1:{receiver.port}/amina-x7"
        )
        page.get_by_label("A name for it (optional), for instance 'phone'").fill("phone")
        page.get_by_role("button", name="Add the channel").click()
        expect(page.locator("li[data-channel=phone]")).to_be_visible()
        page.locator("li[data-channel=phone]").get_by_role("button", name="Send a test").click()
        expect(page.get_by_role("status")).to_contain_text("phone: sent")
        assert SECRET not in page.content()

        [message] = receiver.texts_for("amina-x7")
        assert message == (
            "OFPRA assistant: test message\n"
            "This channel is set up to receive the OFPRA assistant's alerts."
        )
    # Kept where the terminal's `channel` keeps it: the keyring of this home folder.
    listed = agent.cli.run("channel", "list", "--profile", "amina")
    assert listed.stdout.startswith("phone (to the person, in en, detail: standard): ntfy://")
    # Nowhere else: no file of the home folder (the agent's log included) holds its password.
    assert files_holding(agent.home, SECRET) == []

    # The portal is slow on the list of letters once: the steps show before the result.
    agent.portal.set_fault("slow", seconds=3, page="documents", times=1)
    page.goto(agent.url + "profiles/amina")
    page.get_by_role("button", name="Check now").click()
    page.wait_for_url(agent.url + "profiles/amina/check")
    page.evaluate("window.sameDocument = true")
    steps = page.locator("ol.steps")
    expect(steps).to_contain_text("Opening the list of letters...", timeout=30_000)
    assert page.locator("h3", has_text="Result").count() == 0
    expect(page.get_by_role("button", name="A check is under way")).to_be_disabled()
    # The page of a check under way, as a screen reader meets it: no timed reload.
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    result = page.locator("ul.result")
    expect(result).to_contain_text("Profile 'amina', checked", timeout=30_000)
    said = steps.inner_text().splitlines()
    assert said[:4] == [
        "Starting the browser...",
        "Opening the portal's login page...",
        "Logging in...",
        "Opening the list of letters...",
    ]
    assert said[-1] == "Logging out..."
    expect(result).to_contain_text("7 letters on the portal")
    expect(page.get_by_role("button", name="Check again")).to_be_enabled()
    # The steps and the result came in place: the page was never reloaded.
    assert page.evaluate("window.sameDocument") is True
    # The check ran in the agent, with the agent's keyring: recorded as any check is.
    state = StateStore.open(agent.home / "state.sqlite3")
    try:
        checks = state.checks("amina")
        letters = state.letters("amina")
    finally:
        state.close()
    assert [c.ok for c in checks] == [True, True] and len(letters) == 7


def test_page_actions_have_no_serious_accessibility_violation_and_fit_360_pixels(
    context: BrowserContext, agent: Agent
) -> None:
    axe = Axe()
    found = {}
    page = context.new_page()
    try:
        for width in (1000, 360):
            page.set_viewport_size({"width": width, "height": 800})
            for language in AXE_LANGUAGES:
                for path in NEW_PAGES:
                    answer = page.goto(f"{agent.url.rstrip('/')}{path}?lang={language}")
                    assert answer is not None and answer.status == 200, path
                    where = f"{language} {path} at {width} px"
                    if width == 360:
                        wide = page.evaluate(
                            "document.documentElement.scrollWidth"
                            " > document.documentElement.clientWidth"
                        )
                        if wide:
                            found[where] = ["scrolls sideways"]
                        continue
                    violations = axe.run(page).response["violations"]
                    serious = [
                        v["id"] for v in violations if v["impact"] in ("serious", "critical")
                    ]
                    if serious:
                        found[where] = serious
    finally:
        page.close()
    assert found == {}


def test_page_checks_both_then_stop_forgets_one_and_status_shows_the_other(
    page: Page, agent: Agent
) -> None:
    page.goto(agent.url)
    page.get_by_role("button", name="Check every profile now").click()
    page.wait_for_url(agent.url + "check")
    for name in ("amina", "jean"):
        run = page.locator(f"section.check-run[data-profile={name}]")
        expect(run.locator("ol.steps")).to_contain_text("Logging in...", timeout=30_000)
        expect(run.locator("ul.result")).to_contain_text(
            f"Profile '{name}', checked", timeout=30_000
        )

    page.goto(agent.url + "profiles/jean")
    page.get_by_role("link", name="Stop and forget").click()
    expect(page.locator("main")).to_contain_text(
        "its identifier and password, kept in this computer's keyring;"
    )
    page.get_by_role("button", name="Stop and forget jean").click()

    # One person left: the overview is their page, with what was done said once.
    page.wait_for_url(agent.url + "profiles/amina")
    expect(page.get_by_role("status").locator("p")).to_have_text(
        [
            "Forgot the profile 'jean':",
            "keyring: removed the identifier and the password",
            "state: removed the profile, its consent, 7 letter record(s) and 2 check record(s)",
            # The page's setup said in the log that it set jean up: that line goes too.
            "log: removed 1 line that named the profile",
        ]
    )
    status = json.loads(agent.cli.run("status", "--json").stdout)
    assert [p["profile"] for p in status["profiles"]] == ["amina"]
    assert agent.cli.keyring_entry("jean:password") is None
