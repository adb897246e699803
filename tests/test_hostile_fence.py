"""The browser's fence against the hostile portal, in a real Chromium: for every attack, no
contact with any listener (another loopback address, other ports, TCP and UDP) and no request
for a letter, with the portal's scripts off (as checks run) and on (the fence does not depend on
it); what was refused is counted in the result. Without the fence the same attacks succeed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.notifiers import AlertDispatcher
from assistant.runner import BrowserSource, CheckRunner, Environment
from assistant.settings import BrowserSettings, Settings
from assistant.state import StateStore
from fixtures.hostile_portal.fence import ATTACKS, HostilePortal, attack_names
from fixtures.memory_credentials import MemoryCredentialStore
from flows.check_flow import read_documents
from flows.errors import CheckError, PageNotRecognisedError
from flows.fence import FencedPage, RequestGuard, portal_context, table_links
from flows.launch import connect_browser, launch_browser, launch_browser_server
from tests.conftest import (
    IDENTIFIER,
    NOW,
    PASSWORD,
    TODAY,
    RecordingNotifier,
    chromium_launch_options,
)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 6_000

#: Attacks that the route itself refuses (the others end lower down: no UDP, the refusing
#: proxy, SharedWorker off, inert speculation rules), and those among them aimed at a letter.
SEEN_BY_THE_ROUTE = {
    "websocket",
    "fetch_out",
    "worker_out",
    "form_out",
    "window_open",
    "base_href",
    "form_action_out",
    "css_out",
    "iframe_out",
    "meta_refresh_out",
    "csp_report_out",
    "redirect_other_port",
    "redirect_other_host",
    "redirect_other_scheme",
    "redirect_chain_out",
    "fetch_letter",
    "location_letter",
    "link_prefetch",
    "link_header",
    "iframe_letter",
    "image_letter",
    "meta_refresh_letter",
    "refresh_header_letter",
    "redirect_letter",
    "redirect_chain_letter",
    "disguised_letter",
}
LETTER_ATTACKS = {
    "worker_out",
    "fetch_letter",
    "location_letter",
    "link_prefetch",
    "link_header",
    "iframe_letter",
    "image_letter",
    "meta_refresh_letter",
    "refresh_header_letter",
    "redirect_letter",
    "redirect_chain_letter",
    "disguised_letter",
}


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostilePortal]:
    with HostilePortal("decision_9_days", today=TODAY) as server:
        yield server


@pytest.fixture(scope="module")
def fenced_browser(playwright: Playwright, hostile: HostilePortal) -> Iterator[Browser]:
    """The browser as a check launches it for this portal."""
    options = chromium_launch_options(playwright)
    browser = launch_browser(playwright, [hostile.login_url], options.get("executable_path"))
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def served_browser(playwright: Playwright, hostile: HostilePortal) -> Iterator[Browser]:
    """The browser as several profiles at once share it: one fenced Chromium run as a server,
    this thread's driver connected to it (``[browser] concurrency`` above 1)."""
    options = chromium_launch_options(playwright)
    server = launch_browser_server(playwright, [hostile.login_url], options.get("executable_path"))
    try:
        browser = connect_browser(playwright, server)
        yield browser
        browser.close()
    finally:
        server.close()


def attacked_check(
    browser: Browser, hostile: HostilePortal, attack: str, javascript: bool
) -> tuple[CheckError | int, RequestGuard]:
    hostile.use(attack)
    outcome: CheckError | int
    with portal_context(browser, hostile.login_url, javascript=javascript) as fenced:
        guard, page = fenced.guard, fenced.page
        try:
            reading = read_documents(fenced, hostile.login_url, IDENTIFIER, PASSWORD, TIMEOUT_MS)
            outcome = len(reading.letters)
        except CheckError as error:
            outcome = error
        # Time for whatever the page started late (a worker, a pop-up, a TURN allocation).
        page.wait_for_timeout(300)
    return outcome, guard


def assert_the_fence_held(
    hostile: HostilePortal, attack: str, outcome: CheckError | int, guard: RequestGuard
) -> None:
    assert hostile.contacts() == [], f"{attack}: something left the portal's origin"
    assert hostile.view_requests() == [], f"{attack}: a letter was requested"
    assert not any(request.startswith("websocket") for request in hostile.hostile_requests)
    if ATTACKS[attack].stops_the_check:
        assert isinstance(outcome, PageNotRecognisedError)
        assert "The assistant refused" in outcome.message
        assert guard.stopped_by is not None
    else:
        assert outcome == 1, f"{attack}: the check did not read the account ({outcome})"


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_fence_holds_against_every_attack_with_the_pages_scripts_on(
    fenced_browser: Browser, hostile: HostilePortal, attack: str
) -> None:
    outcome, guard = attacked_check(fenced_browser, hostile, attack, javascript=True)

    assert_the_fence_held(hostile, attack, outcome, guard)
    if attack in SEEN_BY_THE_ROUTE:
        assert guard.blocked_requests >= 1
    if attack in LETTER_ATTACKS:
        assert guard.letter_requests_blocked >= 1


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_fence_holds_against_every_attack_in_the_browser_shared_by_several_profiles(
    served_browser: Browser, hostile: HostilePortal, attack: str
) -> None:
    outcome, guard = attacked_check(served_browser, hostile, attack, javascript=True)

    assert_the_fence_held(hostile, attack, outcome, guard)
    if attack in SEEN_BY_THE_ROUTE:
        assert guard.blocked_requests >= 1
    if attack in LETTER_ATTACKS:
        assert guard.letter_requests_blocked >= 1


@pytest.mark.parametrize("attack", list(attack_names(without_scripts=True)))
def test_fence_holds_against_every_attack_as_checks_run_without_scripts(
    fenced_browser: Browser, hostile: HostilePortal, attack: str
) -> None:
    outcome, guard = attacked_check(fenced_browser, hostile, attack, javascript=False)

    assert_the_fence_held(hostile, attack, outcome, guard)


def test_scripts_do_not_run_in_a_check(fenced_browser: Browser, hostile: HostilePortal) -> None:
    outcome, guard = attacked_check(fenced_browser, hostile, "fetch_letter", javascript=False)

    assert outcome == 1
    assert guard.blocked_requests == 0, "a script ran: its fetches reached the route"


@pytest.mark.parametrize(
    ("attack", "what"),
    [
        ("webrtc", "udp"),
        ("websocket", "tcp"),
        ("redirect_other_port", "tcp"),
        ("shared_worker_out", "letter"),
        ("link_prefetch", "letter"),
        ("speculation_rules", "letter"),
    ],
)
def test_without_the_fence_the_attacks_succeed(
    playwright: Playwright, hostile: HostilePortal, attack: str, what: str
) -> None:
    """The listeners and the attacks are real: a browser without the fence is caught."""
    # Deliberately launched outside flows/launch.py, without its flags, and a page whose guard
    # never routes a request (told of its context by hand, where ``install`` would route it):
    # the one place a flow runs unfenced, to prove the attacks work.
    browser = playwright.chromium.launch(**chromium_launch_options(playwright))
    try:
        hostile.use(attack)
        context = browser.new_context()
        idle_guard = RequestGuard(hostile.login_url)
        idle_guard._context = context
        unfenced = FencedPage(context.new_page(), idle_guard)
        page = unfenced.page
        with contextlib.suppress(CheckError):
            read_documents(unfenced, hostile.login_url, IDENTIFIER, PASSWORD, TIMEOUT_MS)
        page.wait_for_timeout(500)
    finally:
        browser.close()

    if what == "letter":
        assert hostile.view_requests() != []
    else:
        assert what in {contact.protocol for contact in hostile.contacts()}


def fenced_source(playwright: Playwright) -> BrowserSource:
    """``launch_for_hosts`` on the test session's Playwright (one per process): the browser
    launched for the profiles' portal addresses, as a check launches it."""

    @contextmanager
    def source(settings: Settings, portal_urls: list[str]) -> Iterator[Browser]:
        browser = launch_browser(playwright, portal_urls, settings.browser.executable_path)
        try:
            yield browser
        finally:
            browser.close()

    return source


def runner_for(tmp_path: Path, hostile: HostilePortal, playwright: Playwright) -> Environment:
    options = chromium_launch_options(playwright)
    state = StateStore(tmp_path / "state.sqlite3")
    settings = Settings(
        browser=BrowserSettings(timeout_seconds=10, executable_path=options.get("executable_path"))
    )
    env = Environment(
        settings=settings,
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
        clock=lambda: NOW,
        browser_source=fenced_source(playwright),
    )
    env.state.save_profile("default", hostile.login_url, "en", NOW)
    env.state.record_consent("default", make_consent("Amina", "holder", "en", NOW))
    env.credentials.save("default", Credentials(IDENTIFIER, PASSWORD))
    return env


@pytest.mark.parametrize(
    ("attack", "blocked", "letters_blocked"),
    [(None, 0, 0), ("link_prefetch", 8, 8), ("css_out", 12, 0)],
)
def test_check_reports_what_the_fence_refused(
    tmp_path: Path,
    hostile: HostilePortal,
    playwright: Playwright,
    attack: str | None,
    blocked: int,
    letters_blocked: int,
) -> None:
    """Through the runner and the browser it launches. A check loads four pages (login, home,
    documents, login again after logging out), each carrying the attack: link_prefetch's
    prefetch and preload of a letter (its rel=prerender asks for nothing) and css_out's two
    stylesheets and one image from elsewhere are refused on each."""
    env = runner_for(tmp_path, hostile, playwright)
    hostile.use(attack)
    try:
        result = CheckRunner(env).check("default")
    finally:
        env.state.close()

    report = result.to_json()
    assert report["ok"] is True, report
    assert (report["blocked_requests"], report["letter_requests_blocked"]) == (
        blocked,
        letters_blocked,
    )
    assert len(report["letters"]) == 1
    assert hostile.contacts() == [] and hostile.view_requests() == []


@pytest.mark.parametrize(
    ("path", "letter"),
    [
        ("/ofpra/documents/12/view", True),
        ("/ofpra/document/download?id=12", True),
        ("/ofpra/courrier?telecharger=1", True),
        ("/files/courrier-12.PDF", True),
        ("/ofpra/documents", False),
        ("/ofpra/documents?page=2", False),
        ("/ofpra/home", False),
        ("/ofpra/user/logout", False),
    ],
)
def test_guard_knows_a_document_by_its_address(path: str, letter: bool) -> None:
    guard = RequestGuard("https://portal.example/ofpra/user/login")

    assert guard.is_letter("https://portal.example" + path) is letter


def test_guard_learns_the_view_links_of_a_table_before_the_browser_sees_the_page() -> None:
    """Addresses of the rows' links, whatever their words; a pagination link is not one."""
    guard = RequestGuard("https://portal.example/ofpra/user/login")
    page = """<table><thead><tr><th>Document</th></tr></thead><tbody>
      <tr><td>Décision</td><td><a href="/ofpra/c/7">&#x1F441;</a></td></tr>
      <tr><td><a href="x?id=8#top" aria-label="Voir">Voir</a></td></tr></tbody>
      <tfoot><tr><td><a rel="next" href="/ofpra/documents?page=2">Suivante</a></td></tr></tfoot>
    </table><a href="/ofpra/home">Accueil</a>"""

    guard.letter_addresses.update(table_links(page, "https://portal.example/ofpra/documents"))

    assert guard.letter_addresses == {
        "https://portal.example/ofpra/c/7",
        "https://portal.example/ofpra/x?id=8",
    }
    assert guard.is_letter("https://portal.example/ofpra/c/7#again")
    assert not guard.is_letter("https://portal.example/ofpra/documents?page=2")
