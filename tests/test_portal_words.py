"""The real portal's other shapes (issue 19), end to end in a real Chromium: date cells with
their hour, read by ``check --json``; the documents link by another name, or by where it leads;
the logout as a button; and decoys that must end in the named error, never in a page misread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.errors import ExitStatus, exit_status_of
from assistant.notifiers import AlertDispatcher
from assistant.runner import CheckRunner, Environment
from assistant.settings import BrowserSettings, RetrySettings, Settings
from assistant.state import StateStore
from fixtures.desktop_session import DesktopSession
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from flows.pages.base import PortalSession
from flows.pages.home import HomePage
from tests.conftest import NOW, TODAY, Cli, FakeClock, RecordingNotifier, RecordingSleep, fence

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hours_portal() -> Iterator[MockPortalServer]:
    # Dated from TODAY (26 November 2026): the CLI's real clock is later, so every date is past.
    with MockPortalServer("hours", today=TODAY) as server:
        yield server


def test_check_json_gives_each_letters_dates_and_hours_in_paris_time(
    tmp_path: Path, desktop: DesktopSession, hours_portal: MockPortalServer
) -> None:
    cli = Cli(tmp_path / "home", desktop, "ofpra-assistant-hours")
    assert cli.setup(hours_portal.login_url).returncode == 0

    status, output = cli.json("check")

    assert status == 0, output
    dates = {
        letter["kind"]: (
            letter["made_available_on"],
            letter["made_available_at"],
            letter["read_on"],
            letter["read_at"],
            letter["notified_on"],
        )
        for letter in output["letters"]
    }
    # Written by hand from scenarios/hours.json and 26 November 2026: Paris is UTC+1 in
    # November, UTC+2 in September (summer time ends on 25 October 2026).
    assert dates == {
        "decision": ("2026-11-23", "2026-11-23T11:58:00+01:00", None, None, "2026-11-23"),
        "convocation": (
            "2026-11-06",
            "2026-11-06T08:30:00+01:00",
            "2026-11-08",
            "2026-11-08T17:42:00+01:00",
            "2026-11-06",
        ),
        "six_months": ("2026-10-17", None, None, None, None),
        "introduction": (
            "2026-09-27",
            "2026-09-27T10:15:00+02:00",
            "2026-09-28",
            "2026-09-28T23:30:00+02:00",
            None,
        ),
    }
    # The day counts stay on the dates: the unread decision is to be opened by 23 + 14.
    [decision] = [letter for letter in output["letters"] if letter["kind"] == "decision"]
    assert (decision["open_by"], decision["deemed_notified_on"]) == ("2026-12-07", "2026-12-08")
    assert hours_portal.log()["view_requests"] == []


@pytest.fixture
def runner(tmp_path: Path, browser: Browser, portal: MockPortalServer) -> Iterator[CheckRunner]:
    """Checks of the profile "default" in this session's Chromium, against ``portal``."""
    state = StateStore(tmp_path / "state.sqlite3")
    env = Environment(
        settings=Settings(
            browser=BrowserSettings(timeout_seconds=5), retry=RetrySettings(attempts=1)
        ),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
        clock=FakeClock(NOW),
        browser_source=lambda settings, hosts: nullcontext(browser),
        sleep=RecordingSleep(),
        captures_dir=tmp_path / "captures",
    )
    yield CheckRunner(env)
    state.close()


def set_up(runner: CheckRunner, portal: MockPortalServer, scenario: str) -> None:
    portal.use_scenario(scenario, today=TODAY)
    account = portal.state.scenario
    env = runner.env
    env.state.save_profile("default", portal.login_url, "fr", NOW)
    env.state.record_consent("default", make_consent("Amina", "holder", "fr", NOW))
    env.credentials.save("default", Credentials(account.identifier, account.password))


def pages_asked(portal: MockPortalServer) -> list[str]:
    return [f"{r['method']} {r['path'].split('?')[0]}" for r in portal.log()["requests"]]


def test_a_documents_link_named_mes_courriers_and_a_logout_button_are_used(
    runner: CheckRunner, portal: MockPortalServer
) -> None:
    set_up(runner, portal, "renamed_links")

    result = runner.check("default")

    assert result.error is None, result.error
    assert sorted(letter.letter.kind.value for letter in result.letters) == [
        "convocation",
        "introduction",
        "six_months",
    ]
    assert pages_asked(portal) == [
        "GET /ofpra/user/login",
        "POST /ofpra/user/login",
        "GET /ofpra/home",
        # "Mes courriers", which the portal redirects to the list.
        "GET /ofpra/suivi",
        "GET /ofpra/documents",
        # The "Déconnexion" button posts its form.
        "POST /ofpra/user/logout",
        "GET /ofpra/user/login",
    ]
    log = portal.log()
    assert (log["logins"], log["logouts"], log["view_requests"]) == (1, 1, [])


def test_a_documents_link_of_no_known_name_is_found_by_where_it_leads(
    runner: CheckRunner, portal: MockPortalServer
) -> None:
    set_up(runner, portal, "unnamed_link")

    result = runner.check("default")

    assert result.error is None, result.error
    assert sorted(letter.letter.id for letter in result.letters) == [
        "2026-09-27-introduction",
        "2026-11-22-decision",
    ]
    # The news page (a table, not the documents one) is passed over, never read as the list;
    # the site elsewhere, the download and the change of password are never asked for.
    assert pages_asked(portal) == [
        "GET /ofpra/user/login",
        "POST /ofpra/user/login",
        "GET /ofpra/home",
        "GET /ofpra/actualites",
        # "Suivi de mon dossier", which the portal redirects to the list.
        "GET /ofpra/suivi",
        "GET /ofpra/documents",
        # "Me déconnecter".
        "GET /ofpra/user/logout",
        "GET /ofpra/user/login",
    ]
    assert result.to_json()["blocked_requests"] == 0
    log = portal.log()
    assert (log["logouts"], log["view_requests"]) == (1, [])


@pytest.mark.parametrize(
    ("scenario", "asked", "says"),
    [
        pytest.param(
            "decoy_news",
            # Home, the news page (a table, not the documents one), back home to say so.
            ["GET /ofpra/home", "GET /ofpra/actualites", "GET /ofpra/home"],
            "The assistant logged in, but found no way to the documents list on the portal's "
            "page (page title: 'Mon espace personnel | Ofpra'): no link by any of its names "
            "('Mes documents', 'Mes courriers', 'My Documents'...), and no link leads to a page "
            "with the table of documents.",
            id="news-page-with-another-table",
        ),
        pytest.param(
            "decoy_named",
            # "Mes courriers" is followed by its name: its page is not the list.
            ["GET /ofpra/home", "GET /ofpra/actualites"],
            "The documents page shows a table without a 'Document' column (headers: 'Date', "
            "'Titre', 'Lien').",
            id="mes-courriers-leads-to-news",
        ),
    ],
)
def test_a_decoy_link_ends_in_the_named_error_and_no_document_is_asked_for(
    runner: CheckRunner,
    portal: MockPortalServer,
    caplog: pytest.LogCaptureFixture,
    scenario: str,
    asked: list[str],
    says: str,
) -> None:
    set_up(runner, portal, scenario)

    result = runner.check("default")

    assert result.error is not None
    assert exit_status_of(result.error) is ExitStatus.PAGE_NOT_RECOGNISED
    assert result.error.message.startswith(says)
    output = result.to_json()
    assert output["ok"] is False and "letters" not in output
    assert result.letters == []
    # Nothing but these pages: no view link of the news table, no download, no change of
    # password; then the logout.
    assert pages_asked(portal) == [
        "GET /ofpra/user/login",
        "POST /ofpra/user/login",
        *asked,
        "GET /ofpra/user/logout",
        "GET /ofpra/user/login",
    ]
    log = portal.log()
    assert (log["view_requests"], log["logouts"]) == ([], 1)
    if scenario == "decoy_news":
        # Of the home page's links, only the news one was a candidate: not the home page
        # itself, the logout, the other site, the download or the change of password.
        assert (
            "no link by any name of the documents list: following 1 link(s) of the home page "
            "to find the page that holds it"
        ) in caplog.messages


HOME_WITH_EVERY_KIND_OF_LINK = """
<html lang="fr"><head><title>Accueil | Ofpra</title></head><body>
<nav>
  <a href="/ofpra/home">Accueil</a>
  <a href="https://www.ofpra.gouv.fr/fr/asile">Le site de l'Ofpra</a>
  <a href="http://127.0.0.1:{other_port}/ofpra/documents">Le même site sur un autre port</a>
  <a href="/ofpra/documents/3/view">Mes courriers</a>
  <a href="/ofpra/guide/telecharger">Guide du demandeur</a>
  <a href="/ofpra/guide.pdf">Guide (PDF)</a>
  <a href="/ofpra/user/logout">Déconnexion</a>
  <a href="/ofpra/lang/en" hreflang="en">English</a>
  <a href="/ofpra/user/password/change">Changer mon mot de passe</a>
  <a href="/ofpra/suivi#haut">Suivi de mon dossier</a>
  <a href="/ofpra/suivi">Suivi (encore)</a>
  <a href="mailto:contact@example.org">Nous écrire</a>
  <a href="/ofpra/aide" download>Aide</a>
  <a href="/ofpra/cache" hidden>Caché</a>
</nav>
<table><tr><th>Document</th></tr><tr><td><a href="/ofpra/courrier/1">Décision</a></td></tr></table>
<p><a href="/ofpra/actualites">Actualités</a></p>
</body></html>
"""


def test_the_home_pages_links_that_may_lead_to_the_list_are_only_the_portals_own(
    page: Page, portal: MockPortalServer
) -> None:
    page.goto(portal.base_url + "/ofpra/accueil-test")
    other_port = int(portal.base_url.rsplit(":", 1)[1]) + 1
    page.set_content(HOME_WITH_EVERY_KIND_OF_LINK.format(other_port=other_port))
    home = HomePage(PortalSession(fence(page, portal.login_url), timeout_ms=5_000))

    # A link named as the list but leading to a letter is never the way to it.
    assert home.named_documents_link() is None
    # Not the other site or port, a letter, a download, the logout, the language, the password,
    # a mail address, a hidden link or a table's link; each address once, without its fragment.
    base = portal.base_url
    assert home.way_to_documents_candidates() == [
        f"{base}/ofpra/home",
        f"{base}/ofpra/suivi",
        f"{base}/ofpra/actualites",
    ]
    assert portal.log()["view_requests"] == []


def test_a_documents_name_on_a_letters_link_gives_way_to_the_next_named_link(
    page: Page, portal: MockPortalServer
) -> None:
    page.goto(portal.base_url + "/ofpra/accueil-test")
    page.set_content(
        '<a href="/ofpra/documents/3/view">Mes documents</a>'
        '<a href="/ofpra/courriers">Mes courriers</a>'
    )
    home = HomePage(PortalSession(fence(page, portal.login_url), timeout_ms=5_000))

    link = home.named_documents_link()

    assert link is not None and link.inner_text() == "Mes courriers"
