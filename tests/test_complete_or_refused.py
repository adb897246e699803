"""Complete or refused, never partial, in a real Chromium: the pager found by any sign (page
numbers only, rel=next only, a "1 à 20 sur 45" text), with and without the home page's counters;
letters that vanish and counters that disappear from one check to the next; the portal saying
the letters cannot be shown; "empty" only from the portal's own words."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.errors import PageNotRecognisedError, PortalUnavailableError
from assistant.notifiers import AlertDispatcher
from assistant.results import Alert
from assistant.runner import CheckRunner, Environment
from assistant.settings import BrowserSettings, Settings
from assistant.state import StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer, Scenario, load_scenario
from fixtures.mock_portal.scenarios import EmptyWording
from flows.check_flow import DocumentsReading, read_documents
from flows.models import LetterKind
from flows.pages.base import PortalSession
from flows.pages.documents import DocumentsPage
from tests.conftest import IDENTIFIER, NO_PORTAL, NOW, PASSWORD, TODAY, fence

pytestmark = pytest.mark.browser

PAGED = ("paged_numbers", "paged_rel_next", "paged_count")


def read(page: Page, portal: MockPortalServer) -> DocumentsReading:
    return read_documents(
        fence(page, portal.login_url), portal.login_url, IDENTIFIER, PASSWORD, timeout_ms=5_000
    )


def with_counters(name: str, counters: bool) -> Scenario:
    return replace(load_scenario(name), home_counters=counters)


def assert_no_letter_was_opened(portal: MockPortalServer) -> None:
    assert portal.log()["view_requests"] == []


# --- Page objects on hand-written pages --------------------------------------------------------

TABLE = (
    "<table><thead><tr><th>Statut</th><th>Document</th><th>Date de mise à disposition</th>"
    "</tr></thead><tbody>{rows}</tbody></table>"
)
ROW = "<tr><td>Non lu</td><td>Décision</td><td>21/11/2026</td></tr>"


def documents_on(page: Page, html: str) -> DocumentsPage:
    page.set_content(f"<html lang='fr'><body><main>{html}</main></body></html>")
    return DocumentsPage(PortalSession(fence(page, NO_PORTAL), timeout_ms=2_000))


@pytest.mark.parametrize(
    ("pager", "signs"),
    [
        pytest.param(
            '<nav><span aria-current="page">1</span> <a href="?p=2">2</a> <a href="?p=3">3</a>'
            "</nav>",
            (False, (1, 2, 3), 1, None, None),
            id="page-numbers",
        ),
        pytest.param(
            '<nav><a href="?p=2" rel="next">&rsaquo;</a></nav>',
            (True, (), None, None, None),
            id="rel-next",
        ),
        pytest.param(
            "<nav><span>Documents 1 à 20 sur 45</span></nav>",
            (False, (), None, None, 45),
            id="count-fr",
        ),
        pytest.param(
            "<nav><span>21\u201340 of 45</span></nav>", (False, (), None, None, 45), id="count-en"
        ),
        pytest.param(
            '<nav><span aria-current="page">Page 2 sur 3</span></nav>',
            (False, (2,), 2, 3, None),
            id="page-of",
        ),
        pytest.param(
            "<nav><a href='?p=2'>&rsaquo;</a></nav>", (False, (), None, None, None), id="arrow"
        ),
    ],
)
def test_documents_page_reads_every_sign_of_a_pager(
    page: Page, pager: str, signs: tuple[object, ...]
) -> None:
    documents = documents_on(page, TABLE.format(rows=ROW * 20) + pager)

    found = documents.pager_signs()

    assert (
        found.next_link,
        found.page_numbers,
        found.current_page,
        found.total_pages,
        found.total_rows,
    ) == signs


def test_documents_page_ignores_numbers_in_the_table(page: Page) -> None:
    documents = documents_on(page, TABLE.format(rows=ROW.replace("Décision", "<a href='#'>3</a>")))

    assert documents.pager_signs().shown is False


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(
            TABLE.format(
                rows="<tr><td colspan='3'>Aucun document ne peut être affiché : le service est "
                "temporairement indisponible.</td></tr>"
            ),
            id="row-fr",
        ),
        pytest.param(
            TABLE.format(rows=ROW + "<tr><td colspan='3'>Some letters cannot be shown.</td></tr>"),
            id="row-among-letters",
        ),
        pytest.param(
            TABLE.format(rows="") + "<p>Vos documents ne peuvent pas être affichés.</p>",
            id="beside-the-table",
        ),
        pytest.param("<p>Vos documents ne peuvent pas être affichés.</p>", id="in-its-place"),
    ],
)
def test_a_message_that_letters_cannot_be_shown_beats_the_table(page: Page, html: str) -> None:
    documents = documents_on(page, html)

    with pytest.raises(PortalUnavailableError, match="cannot be shown for now"):
        documents.read_table()


@pytest.mark.parametrize(
    ("html", "empty"),
    [
        pytest.param(
            TABLE.format(rows="") + "<p>Vous n'avez aucun document.</p>", True, id="beside"
        ),
        pytest.param(
            TABLE.format(rows="<tr><td colspan='3'>Aucun document</td></tr>"), True, id="row"
        ),
        pytest.param(TABLE.format(rows=""), False, id="no-words"),
        pytest.param(TABLE.format(rows=ROW) + "<p>Aucun document non lu.</p>", False, id="rows"),
    ],
)
def test_empty_is_said_only_from_the_portals_words(page: Page, html: str, empty: bool) -> None:
    documents = documents_on(page, html)

    assert documents.read_all_pages().says_empty is empty


# --- Paginations against the mock portal -------------------------------------------------------


@pytest.mark.parametrize("counters", [False, True], ids=["no-counters", "counters"])
@pytest.mark.parametrize("scenario", PAGED)
def test_every_page_is_read_whatever_the_pager_shows(
    page: Page, portal: MockPortalServer, scenario: str, counters: bool
) -> None:
    portal.use_scenario(with_counters(scenario, counters), today=TODAY)

    reading = read(page, portal)

    assert (reading.pages, len(reading.letters)) == (3, 45)
    [summons] = [letter for letter in reading.letters if not letter.read]
    assert (summons.kind, summons.made_available_on) == (
        LetterKind.CONVOCATION,
        TODAY - timedelta(days=50),
    )
    assert reading.shape is not None
    assert (reading.shape.counters_shown, reading.shape.pager_shown) == (counters, True)
    assert reading.shape.page_size == 20
    assert reading.logged_out is True
    assert_no_letter_was_opened(portal)


@pytest.mark.parametrize("counters", [False, True], ids=["no-counters", "counters"])
def test_a_count_text_with_no_way_to_the_next_page_is_refused(
    page: Page, portal: MockPortalServer, counters: bool
) -> None:
    portal.use_scenario(
        replace(with_counters("paged_count", counters), pager=("count", "arrows")), today=TODAY
    )

    with pytest.raises(
        PageNotRecognisedError, match="holds 45 letters, but the assistant could read 20"
    ):
        read(page, portal)

    assert portal.log()["logouts"] == 1
    assert_no_letter_was_opened(portal)


def test_a_full_page_with_a_pager_it_cannot_see_is_refused_without_counters(
    page: Page, portal: MockPortalServer
) -> None:
    # Arrow links with no words and no rel: not a pager the assistant can tell. A full first
    # page, and nothing else to prove the list whole: refused, not "20 letters".
    portal.use_scenario(replace(load_scenario("paged_numbers"), pager=("arrows",)), today=TODAY)

    with pytest.raises(PageNotRecognisedError, match="exactly 20 letters on one page"):
        read(page, portal)


def test_the_same_unseen_pager_is_told_by_the_counters(
    page: Page, portal: MockPortalServer
) -> None:
    portal.use_scenario(
        replace(with_counters("paged_numbers", True), pager=("arrows",)), today=TODAY
    )

    with pytest.raises(PageNotRecognisedError, match="counts 45 letter"):
        read(page, portal)


@pytest.mark.parametrize("scenario", ["paged_numbers", "empty"])
def test_a_row_saying_letters_cannot_be_shown_is_never_an_empty_list(
    page: Page, portal: MockPortalServer, scenario: str
) -> None:
    portal.use_scenario(with_counters(scenario, False), today=TODAY)
    portal.set_fault("letters_unavailable")

    with pytest.raises(PortalUnavailableError, match="cannot be shown for now"):
        read(page, portal)

    assert portal.log()["logouts"] == 1


@pytest.mark.parametrize("place", ["below", "row", "instead"])
def test_an_empty_account_is_said_from_the_portals_empty_wording(
    page: Page, portal: MockPortalServer, place: EmptyWording
) -> None:
    empty = replace(load_scenario("empty"), home_counters=False, empty_wording=place)
    portal.use_scenario(empty, today=TODAY)

    reading = read(page, portal)

    assert reading.letters == []
    assert reading.shape is not None and reading.shape.letters == ()


@pytest.mark.parametrize("counters", [False, True], ids=["no-counters", "counters"])
def test_an_empty_table_that_says_nothing_is_not_an_empty_account(
    page: Page, portal: MockPortalServer, counters: bool
) -> None:
    portal.use_scenario(
        replace(load_scenario("empty"), home_counters=counters, empty_wording="none"), today=TODAY
    )

    with pytest.raises(PageNotRecognisedError, match="does not say that the list is empty"):
        read(page, portal)


# --- From one check to the next, through the runner --------------------------------------------


class RecordingNotifier:
    kind = "recording"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.alerts.append(alert)


@pytest.fixture
def runner(tmp_path: Path, browser: Browser, portal: MockPortalServer) -> Iterator[CheckRunner]:
    state = StateStore(tmp_path / "state.sqlite3")
    env = Environment(
        settings=Settings(browser=BrowserSettings(timeout_seconds=5)),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
        clock=lambda: NOW,
        browser_source=lambda settings, hosts: nullcontext(browser),
        sleep=lambda seconds: None,
        captures_dir=tmp_path / "captures",
    )
    state.save_profile("amina", portal.login_url, "en", NOW - timedelta(days=1))
    state.record_consent("amina", make_consent("Amina", "holder", "en", NOW))
    state.mark_credentials_updated("amina", NOW - timedelta(days=1))
    env.credentials.save("amina", Credentials(IDENTIFIER, PASSWORD))
    yield CheckRunner(env)
    state.close()


@pytest.mark.parametrize("counters", [False, True], ids=["no-counters", "counters"])
def test_letters_that_vanish_fail_the_next_check(
    runner: CheckRunner, portal: MockPortalServer, counters: bool
) -> None:
    portal.use_scenario(with_counters("paged_rel_next", counters), today=TODAY)
    assert runner.check("amina").ok

    # The oldest letter goes from the table and from the counters alike: only memory can tell.
    portal.set_fault("letters_vanish")
    result = runner.check("amina")

    assert result.error is not None and result.error.code == "page_not_recognised"
    assert "1 letter(s) seen at the last check are missing" in result.error.message
    assert result.letters == []
    last = runner.env.state.last_successful_check("amina")
    assert last is not None and last.letters == 45


def test_counters_that_disappear_fail_the_next_check(
    runner: CheckRunner, portal: MockPortalServer
) -> None:
    portal.use_scenario("mixed", today=TODAY)
    assert runner.check("amina").ok

    portal.set_fault("counters_gone")
    result = runner.check("amina")

    assert result.error is not None and result.error.code == "page_not_recognised"
    assert "no longer shows how many letters" in result.error.message
    assert [alert.kind for alert in result.alerts] == ["check_failed"]


def test_running_setup_again_accepts_the_portals_new_shape(
    runner: CheckRunner, portal: MockPortalServer
) -> None:
    portal.use_scenario("mixed", today=TODAY)
    assert runner.check("amina").ok
    portal.set_fault("counters_gone")
    assert not runner.check("amina").ok

    runner.env.state.mark_credentials_updated("amina", NOW + timedelta(seconds=1))
    runner.env.clock = lambda: NOW + timedelta(minutes=1)

    assert runner.check("amina").ok
    assert runner.check("amina").ok


def test_a_reading_refused_for_its_dates_is_not_remembered(
    runner: CheckRunner, portal: MockPortalServer
) -> None:
    # The portal's dates a month ahead of the computer's: refused (dates after today), and not
    # what the next check compares to, else every letter would have "vanished" once the dates
    # are right again.
    portal.use_scenario("mixed", today=TODAY + timedelta(days=30))
    refused = runner.check("amina")
    assert refused.error is not None and refused.error.code == "page_not_recognised"
    assert "missing from the list" not in refused.error.message

    portal.use_scenario("mixed", today=TODAY)
    result = runner.check("amina")

    assert result.ok, result.error


def test_the_unavailable_row_does_not_count_as_a_successful_check(
    runner: CheckRunner, portal: MockPortalServer
) -> None:
    portal.use_scenario(with_counters("paged_numbers", False), today=TODAY)
    portal.set_fault("letters_unavailable")

    result = runner.check("amina")

    assert result.error is not None and result.error.code == "portal_unavailable"
    assert runner.env.state.last_successful_check("amina") is None


def test_a_visible_rel_next_link_is_found_beside_a_hidden_one_with_words(page: Page) -> None:
    documents = documents_on(
        page,
        TABLE.format(rows=ROW)
        + '<nav><a href="?p=2" hidden>Page suivante</a>'
        + '<a href="?p=2" rel="next">&rsaquo;</a></nav>',
    )

    assert documents.has_next_page() is True
    assert documents.next_page_link.first.inner_text() == "\u203a"
