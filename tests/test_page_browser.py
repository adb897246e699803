"""The page in a real Chromium, with the mock portal behind it (issue 20, item 5).

One set-up for the module: three people (French, Dari, Arabic holders) set up with the CLI and
checked against the mock portal with ``check --json``, a fourth whose letter label is hostile
(written into the state directly, past the sanitising a check does), and the page served on
127.0.0.1 as the agent serves it. One browser for every test."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from assistant.page.server import PageServer
from assistant.page.tokens import mint_token, write_opener_file
from assistant.settings import Paths, Settings
from assistant.state import CheckRecord, StateStore
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from flows.models import LetterKind, PortalLetter
from tests.conftest import IDENTIFIER, PASSWORD, PROJECT_ROOT, Cli

pytestmark = [pytest.mark.desktop, pytest.mark.browser]

#: Who is set up, in which language, with which of the mock portal's scenarios.
PEOPLE = {
    "jean": ("fr", "mixed"),
    "amina": ("fa_AF", "decision_9_days"),
    "layla": ("ar", "deemed_notified"),
}
HOSTILE_LABEL = (
    '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
    "<b>bold</b> \u202etxet desrever\u202c \u2067isolate" + "X" * 220
)
AXE_LANGUAGES = ["fr", "en", "fa_AF", "ps", "ar"]
ALL_LANGUAGES = ["fr", "en", "fa_AF", "ps", "ar", "bn", "tr", "ru", "uk", "ka", "ht"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "page"
#: The JSON fields of a letter that are dates the page must show as they are.
DATE_FIELDS = (
    "open_by",
    "deemed_notified_on",
    "legal_aid_by",
    "legal_aid_deadline",
    "appeal_by",
    "appeal_deadline",
)


@dataclass
class Served:
    url: str
    paths: Paths
    key: bytes
    checks: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, desktop: DesktopSession) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("page") / "home"
    cli = Cli(home, desktop, "ofpra-assistant-page-browser")
    checks = {}
    with MockPortalServer("empty") as portal:  # dated from the real today, as the CLI is
        for name, (language, scenario) in PEOPLE.items():
            portal.use_scenario(scenario)
            done = cli.run(
                "setup",
                "--profile",
                name,
                "--portal-url",
                portal.login_url,
                "--identifier",
                IDENTIFIER,
                "--password-stdin",
                "--consent",
                f"{name.title()} Test",
                "--language",
                language,
                stdin=PASSWORD + "\n",
            )
            assert done.returncode == 0, done.stderr
            checked = cli.run("check", "--profile", name, "--json")
            checks[name] = json.loads(checked.stdout)
            assert checks[name]["ok"] is True
    paths = Paths(config_dir=home, data_dir=home)
    now = datetime.now(UTC)
    state = StateStore.open(paths.state_file)
    state.save_profile("hostile", "http://127.0.0.1:9/ofpra/user/login", "en", now)
    state.merge_letters(
        "hostile",
        [
            PortalLetter(
                id="hostile-1",
                kind=LetterKind.OTHER,
                label=HOSTILE_LABEL,
                sender=None,
                made_available_on=date.today(),
                notified_on=None,
                read=False,
                read_on=None,
                portal_remaining_days=None,
                portal_says_notified=False,
            )
        ],
        now,
    )
    # The check that read it (the page shows what the last successful check read).
    state.record_check("hostile", CheckRecord(now - timedelta(minutes=1), now, True, None, 1, 1, 0))
    state.close()
    settings = Settings(keyring_service=cli.env["OFPRA_ASSISTANT_KEYRING_SERVICE"])
    server = PageServer.start(paths, settings)
    try:
        yield Served(server.url, paths, (paths.data_dir / "page.key").read_bytes(), checks)
    finally:
        server.stop()


def open_page(context: BrowserContext, served: Served, next_path: str = "/") -> Page:
    """As ``open`` does: a one-time token in a 0600 file that POSTs it to the page."""
    opener = write_opener_file(served.paths, served.url, mint_token(served.key), next_path)
    page = context.new_page()
    page.goto(opener.as_uri())
    page.wait_for_url(served.url.rstrip("/") + next_path)
    return page


@pytest.fixture(scope="module")
def context(browser: Browser, served: Served) -> Iterator[BrowserContext]:
    """One logged-in browser context for the module; every request it makes is recorded."""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    context.requests = requests  # type: ignore[attr-defined]
    open_page(context, served).close()
    yield context
    context.close()


@pytest.fixture(scope="module")
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    yield page
    page.close()


def go(page: Page, served: Served, path: str) -> None:
    answer = page.goto(served.url.rstrip("/") + path)
    # The one error page a person with a session can meet: a profile that is not there.
    expected = 404 if path.startswith("/profiles/nobody") else 200
    assert answer is not None and answer.status == expected, path


def test_page_opens_once_from_the_opener_file(browser: Browser, served: Served) -> None:
    context = browser.new_context()
    try:
        first = open_page(context, served, "/help")
        assert first.locator("h1").count() == 1
        [cookie] = context.cookies()
        assert (cookie["httpOnly"], cookie["sameSite"], cookie["expires"]) == (True, "Strict", -1)
        # The same file again: its token was used.
        again = context.new_page()
        again.goto(served.paths.page_opener_file.as_uri())
        again.wait_for_url(served.url + "session")
        assert again.locator("h1").inner_text() == "Not allowed"
    finally:
        context.close()
    stranger = browser.new_context()
    try:
        answer = stranger.new_page().goto(served.url)
        assert answer is not None and answer.status == 401
        assert "amina" not in answer.text()
    finally:
        stranger.close()


def test_page_works_without_javascript(browser: Browser, served: Served) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        opener = write_opener_file(served.paths, served.url, mint_token(served.key), "/")
        page = context.new_page()
        page.goto(opener.as_uri())
        # Without a script the opener file waits for a click; the rest needs none.
        page.get_by_role("button", name="Open / Ouvrir").click()
        page.wait_for_url(served.url)
        page.get_by_role("link", name="jean").click()
        page.wait_for_url(served.url + "profiles/jean")
        folded = page.locator("details.group")
        assert folded.count() == 1
        folded.locator("summary").click()
        assert folded.get_attribute("open") is not None
        assert folded.locator("li.letter").first.is_visible()
    finally:
        context.close()


def _times(page: Page, selector: str) -> list[str]:
    return page.locator(f"{selector} time[datetime]").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('datetime'))"
    )


def test_page_shows_the_dates_and_days_of_check_json(page: Page, served: Served) -> None:
    compared = 0
    go(page, served, "/?lang=en")
    for name, result in served.checks.items():
        card = page.locator(f'li.card[data-profile="{name}"]')
        assert card.count() == 1
        for letter in result["letters"]:
            if letter["read"] or not letter["notified_letter"]:
                continue
            line = card.locator(f'li[data-letter="{letter["id"]}"]')
            expected = (
                letter["deemed_notified_on"] if letter["days_left"] < 0 else letter["open_by"]
            )
            assert _times(
                page, f'li.card[data-profile="{name}"] li[data-letter="{letter["id"]}"]'
            ) == [expected]
            if letter["days_left"] >= 0:
                assert f"{letter['days_left']} day" in line.inner_text()
            compared += 1
    for name, result in served.checks.items():
        go(page, served, f"/profiles/{name}")  # in the holder's language
        text = page.content()
        assert "******1552" in text and IDENTIFIER not in text and PASSWORD not in text
        for letter in result["letters"]:
            where = f'li.letter[data-letter="{letter["id"]}"]'
            shown = set(_times(page, where))
            for field in DATE_FIELDS:
                # A letter past its window shows the day it counted as received, not the last
                # day to open it (as check's own text does).
                if field == "open_by" and (letter["days_left"] or 0) < 0:
                    continue
                if letter[field] is not None:
                    assert letter[field] in shown, (name, letter["id"], field)
                    compared += 1
            assert letter["made_available_on"] in shown
            if letter["read_on"] is not None:
                assert letter["read_on"] in shown
            if letter["days_left"] is not None and letter["days_left"] >= 0 and not letter["read"]:
                assert str(letter["days_left"]) in page.locator(where).inner_text()
    assert compared >= 6


def test_page_has_no_serious_accessibility_violation(page: Page, served: Served) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    for language in AXE_LANGUAGES:
        pages = [
            "/",
            *(f"/profiles/{n}" for n in [*PEOPLE, "hostile"]),
            "/help",
            "/profiles/nobody",
        ]
        for path in pages:
            go(page, served, f"{path}?lang={language}")
            violations = axe.run(page).response["violations"]
            serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                found[f"{language} {path}"] = serious
    assert found == {}


#: The pages measured at 360 px: the setup's first screen too (its 11 languages' names).
NARROW_PAGES = ["/", "/profiles/jean", "/profiles/hostile", "/help", "/profiles/nobody", "/setup"]
FITS = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width) problems.push('page scrolls sideways');
  for (const node of document.querySelectorAll('body *')) {
    const box = node.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(node).visibility === 'hidden') continue;
    if (node.closest('.skip')) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      problems.push('cut off: ' + node.tagName + ' ' + node.className);
    }
  }
  const blocks = [...document.querySelectorAll(
    'main p, main li, main h1, main h2, main h3, main dt, main dd, main summary, ' +
    'header p, header li, footer p, footer button')];
  for (const a of blocks) for (const b of blocks) {
    if (a === b || a.contains(b) || b.contains(a)) continue;
    const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    if (p.width === 0 || q.width === 0) continue;
    const x = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const y = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (x > 1 && y > 1) problems.push('overlap: ' + a.tagName + ' / ' + b.tagName);
  }
  return problems;
}"""


def test_page_fits_360_pixels_in_every_language_and_is_rtl_in_dari(
    context: BrowserContext, served: Served
) -> None:
    narrow = context.new_page()
    narrow.set_viewport_size({"width": 360, "height": 740})
    try:
        found = {}
        for language in ALL_LANGUAGES:
            for path in NARROW_PAGES:
                go(narrow, served, f"{path}?lang={language}")
                # The details fold opened, so what it holds is measured too.
                narrow.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                problems = narrow.evaluate(FITS)
                if problems:
                    found[f"{language} {path}"] = sorted(set(problems))[:5]
        assert found == {}
        go(narrow, served, "/profiles/amina")  # the Dari holder's page, in Dari
        assert narrow.locator("html").get_attribute("dir") == "rtl"
        assert narrow.locator("html").get_attribute("lang") == "fa-AF"
        # Mirrored: the card's coloured edge is on the right.
        edge = narrow.locator("section.card").evaluate("n => getComputedStyle(n).borderRightWidth")
        assert edge == "8px"
    finally:
        narrow.close()


def test_page_hostile_label_is_harmless_text(page: Page, served: Served) -> None:
    go(page, served, "/profiles/hostile")
    letter = page.locator('li.letter[data-letter="hostile-1"]')
    assert letter.locator("bdi").first.text_content() == HOSTILE_LABEL
    assert page.evaluate("window.pwned") is None
    assert page.locator("main script, main img, main b").count() == 0
    # The override is closed inside its <bdi>: it cannot turn the words after it around.
    assert letter.locator("bdi").first.evaluate("n => getComputedStyle(n).unicodeBidi") == "isolate"


def test_page_loads_nothing_from_outside(context: BrowserContext, served: Served) -> None:
    requests: list[str] = context.requests  # type: ignore[attr-defined]
    assert requests
    outside = [url for url in requests if not url.startswith((served.url, "file://"))]
    assert outside == []


def test_page_screenshots_of_the_overview(context: BrowserContext, served: Served) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = context.new_page()
    try:
        for language in ("fr", "fa_AF"):
            go(shot, served, f"/?lang={language}")
            path = ARTIFACTS / f"overview-{language}.png"
            shot.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000
            print(f"screenshot of the overview ({language}): {path}")
    finally:
        shot.close()
    assert os.access(ARTIFACTS, os.W_OK)


#: The setup's screens in French, as a volunteer reads them (the catalog's words, by hand).
FRENCH = {
    "continue": "Continuer",
    "helper": "Non, j'aide le ou la titulaire du compte",
    "holder": "Nom du ou de la titulaire du compte :",
    "given_by": "Votre nom (vous aidez la personne titulaire du compte) :",
    "portal": "Adresse de la page de connexion du site",
    "identifier": "Numéro AGDREF ou numéro de dossier OFPRA",
    "password": "Mot de passe du compte OFPRA",
    "again": "Tapez encore le mot de passe",
}


def test_page_setup_in_french_for_a_dari_reader_through_the_first_check(
    browser: Browser, served: Served, portal: MockPortalServer, desktop: DesktopSession
) -> None:
    """Issue 21: a volunteer sets up, in French, the account of a person who reads Dari, from
    the page only: one question a screen (axe-core on each, in French, Dari and Arabic), the
    first check's steps and result, then the person's own page in Dari. Last in the module: it
    adds a person and chooses the page's language."""
    from axe_playwright_python.sync_playwright import Axe

    portal.use_scenario("decision_9_days")
    axe = Axe()
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    serious: dict[str, list[str]] = {}
    steps: list[str] = []

    def checked(page: Page) -> None:
        """Each screen: its step, and no serious accessibility fault in fr, fa_AF and ar."""
        step = page.locator("form.setup").first.get_attribute("data-step") or "?"
        steps.append(step)
        for language in ("fa_AF", "ar", "fr"):
            go(page, served, f"/setup?lang={language}")
            violations = axe.run(page).response["violations"]
            found = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
            if found:
                serious[f"{language} {step}"] = found
        go(page, served, "/setup")

    def next_screen(page: Page, label: str = FRENCH["continue"]) -> None:
        with page.expect_navigation():
            page.get_by_role("button", name=label).click()

    try:
        page = open_page(context, served, "/setup")
        page.get_by_role("radio", name="Français").check()
        next_screen(page, "Continue")
        assert page.locator("html").get_attribute("lang") == "fr"
        checked(page)  # the profile's name, proposed
        assert page.get_by_label("Nom de ce profil").input_value() == "person-1"
        next_screen(page)
        checked(page)  # whose account
        page.get_by_role("radio", name=FRENCH["helper"]).check()
        next_screen(page)
        checked(page)  # the holder's language
        page.get_by_role("radio", name="دری (Dari)").check()
        next_screen(page)
        checked(page)  # the consent, in Dari and in French
        dari = page.locator('div.consent[lang="fa-AF"][dir="rtl"]')
        assert dari.locator("p").count() == 9
        assert (
            page.locator('div.consent[lang="fr"]')
            .first.inner_text()
            .startswith("Cet assistant va, sur cet ordinateur seulement :")
        )
        page.get_by_label(FRENCH["holder"]).fill("Farid Ahmadi")
        page.get_by_label(FRENCH["given_by"]).fill("Marie Bénévole")
        page.get_by_role("radio", name="Oui").check()
        next_screen(page)
        checked(page)  # the portal's address: plain http off this computer is refused
        page.get_by_label(FRENCH["portal"]).fill("http://usager.ofpra.example/ofpra/user/login")
        next_screen(page)
        assert (
            page.locator("p.refusal")
            .inner_text()
            .startswith(
                "L'adresse du site 'http://usager.ofpra.example/ofpra/user/login' doit "
                "commencer par https://"
            )
        )
        page.get_by_label(FRENCH["portal"]).fill(portal.login_url)
        next_screen(page)
        checked(page)  # the identifier
        page.get_by_label(FRENCH["identifier"]).fill(IDENTIFIER)
        next_screen(page)
        checked(page)  # the password, twice
        assert page.get_by_label(FRENCH["password"]).get_attribute("type") == "password"
        page.get_by_label(FRENCH["password"]).fill(PASSWORD)
        page.get_by_label(FRENCH["again"]).fill(PASSWORD)
        next_screen(page)
        page.wait_for_url(served.url + "profiles/person-1/check?lang=fr")
        # The first check's steps as they happen (the page reloads itself), then its result.
        result = page.locator('section.check-run[data-profile="person-1"] ul.result')
        result.wait_for(timeout=90_000)
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("ol.steps li").count() >= 2
        assert "level-calm" in (result.get_attribute("class") or "")
        assert PASSWORD not in page.content() and IDENTIFIER not in page.content()
        # The same person's page: in Dari, their language, with the letter the check read.
        go(page, served, "/profiles/person-1")
        assert page.locator("html").get_attribute("lang") == "fa-AF"
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("li.letter").count() >= 1
        assert "******1552" in page.content()
    finally:
        context.close()
        # The page's language chosen here stays this test's.
        (served.paths.data_dir / "page-language").unlink(missing_ok=True)
    assert steps == ["name", "whose", "holder_language", "consent", "portal", "identifier",
                     "password"]  # fmt: skip
    assert serious == {}
    log = portal.log()
    assert log["logins"] == 1 and log["view_requests"] == []
    state = StateStore.open(served.paths.state_file)
    try:
        profile = state.profile("person-1")
        consent = state.consent("person-1")
    finally:
        state.close()
    assert profile is not None and profile.language == "fa_AF"
    assert consent is not None
    assert (consent.holder_name, consent.given_by, consent.role) == (
        "Farid Ahmadi",
        "Marie Bénévole",
        "helper",
    )
    assert [url for url in requests if not url.startswith((served.url, "file://"))] == []
    # The terminal sees the person as one it set up itself.
    cli = Cli(served.paths.data_dir, desktop, "ofpra-assistant-page-browser")
    code, status = cli.json("status")
    assert code == 0
    by_name = {entry["profile"]: entry for entry in status["profiles"]}
    page_set_up, cli_set_up = by_name["person-1"], by_name["amina"]
    assert set(page_set_up) == set(cli_set_up)
    assert page_set_up["language"] == cli_set_up["language"] == "fa_AF"
    assert page_set_up["consent"]["text_version"] == cli_set_up["consent"]["text_version"]
    assert page_set_up["last_check"]["ok"] is True
    # The password went from the page to the keyring, and only there.
    assert cli.keyring_entry("person-1:password") == PASSWORD
