"""The flows in a real Chromium against the mock portal, in French and English."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page

from assistant.errors import LoginRejectedError, PageNotRecognisedError
from fixtures.mock_portal import MockPortalServer, list_scenarios, load_scenario
from flows.check_flow import read_documents
from flows.fence import FencedPage, portal_context
from flows.models import LetterKind
from tests.conftest import IDENTIFIER, PASSWORD, TODAY, fence

pytestmark = pytest.mark.browser


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def read(
    page: Page | FencedPage, portal: MockPortalServer, password: str = PASSWORD
) -> list[tuple]:
    fenced = page if isinstance(page, FencedPage) else fence(page, portal.login_url)
    reading = read_documents(fenced, portal.login_url, IDENTIFIER, password, timeout_ms=10_000)
    assert reading.logged_out is True
    return [
        (letter.kind, letter.made_available_on, letter.notified_on, letter.read_on)
        for letter in reading.letters
    ]


def assert_no_letter_was_opened(portal: MockPortalServer) -> None:
    log = portal.log()
    assert log["view_requests"] == []
    assert not any("/view" in request["path"] for request in log["requests"])


def test_flow_reads_an_empty_account(page: Page, portal: MockPortalServer) -> None:
    portal.use_scenario("empty", today=TODAY)

    assert read(page, portal) == []
    assert portal.log()["logins"] == 1
    assert portal.log()["logouts"] == 1
    assert_no_letter_was_opened(portal)


def test_flow_logs_out_of_a_header_still_settling(page: Page, portal: MockPortalServer) -> None:
    """The logout link slides in for 2.5 s (longer than the 1 s the click once got): the check
    waits for it and ends the session, rather than leaving it open on the portal."""
    portal.use_scenario("empty", today=TODAY)
    portal.set_fault("header_settling", seconds=2.5)

    assert read(page, portal) == []
    assert portal.log()["logouts"] == 1


def test_flow_reads_a_new_unread_decision(page: Page, portal: MockPortalServer) -> None:
    portal.use_scenario("decision_9_days", today=TODAY)

    assert read(page, portal) == [(LetterKind.DECISION, days_ago(5), days_ago(5), None)]
    assert_no_letter_was_opened(portal)


def test_flow_reads_every_letter_of_a_mixed_account(page: Page, portal: MockPortalServer) -> None:
    portal.use_scenario("mixed", today=TODAY)
    expected = [
        (
            letter.kind,
            letter.made_available_on,
            letter.notified_on,
            letter.read_on,
        )
        for letter in sorted(
            portal.state.letters(), key=lambda item: item.made_available_on, reverse=True
        )
    ]

    letters = read(page, portal)

    assert letters == [(LetterKind(k), m, n, r) for k, m, n, r in expected]
    assert len(letters) >= 6
    assert sum(1 for letter in letters if letter[3] is None) >= 2
    assert_no_letter_was_opened(portal)


def test_flow_reads_the_english_portal_with_us_dates(page: Page, portal: MockPortalServer) -> None:
    portal.use_scenario("english", today=TODAY)
    reading = read_documents(
        fence(page, portal.login_url), portal.login_url, IDENTIFIER, PASSWORD, timeout_ms=10_000
    )

    assert reading.language == "en"
    kinds = [letter.kind for letter in reading.letters]
    assert LetterKind.OTHER in kinds
    assert {letter.label for letter in reading.letters} >= {"Filing receipt"}
    for letter, expected in zip(
        reading.letters,
        sorted(portal.state.letters(), key=lambda item: item.made_available_on, reverse=True),
        strict=True,
    ):
        assert letter.made_available_on == expected.made_available_on
        assert letter.read_on == expected.read_on
    assert_no_letter_was_opened(portal)


def test_flow_reads_the_same_letters_after_switching_to_english(
    page: Page, portal: MockPortalServer
) -> None:
    portal.use_scenario("mixed", today=TODAY)
    fenced = fence(page, portal.login_url)
    french = read(fenced, portal)
    fenced.guard.expect_navigation()  # the test's own steps, announced to the guard as a flow's
    page.goto(portal.login_url)
    fenced.guard.expect_navigation()
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"

    english = read(fenced, portal)

    assert english == french
    assert_no_letter_was_opened(portal)


def test_flow_reports_a_wrong_password_and_tries_once(page: Page, portal: MockPortalServer) -> None:
    portal.use_scenario("wrong_password", today=TODAY)

    with pytest.raises(LoginRejectedError, match="will not try again"):
        read(page, portal)

    log = portal.log()
    assert (log["logins"], log["failed_logins"]) == (0, 1)
    assert_no_letter_was_opened(portal)


def test_flow_refuses_a_page_that_is_not_the_login_page(
    page: Page, portal: MockPortalServer
) -> None:
    portal.use_scenario("mixed", today=TODAY)

    with pytest.raises(PageNotRecognisedError, match="not the portal's login page"):
        read_documents(
            fence(page, portal.login_url),
            portal.base_url + "/ofpra/user/password",
            IDENTIFIER,
            PASSWORD,
            timeout_ms=2_000,
        )


def test_context_blocks_requests_to_any_other_host(
    browser: Browser, portal: MockPortalServer
) -> None:
    portal.use_scenario("empty", today=TODAY)
    with portal_context(browser, portal.login_url) as fenced:
        guard, page = fenced.guard, fenced.page
        guard.expect_navigation()  # a fenced context loads only the pages a flow asks for
        page.goto(portal.login_url)
        outcome = page.evaluate(
            """async () => {
                try { await fetch("http://example.org/beacon"); return "sent"; }
                catch (error) { return "blocked"; }
            }"""
        )

    assert outcome == "blocked"
    assert guard.blocked_hosts == ["example.org"]
    assert page.video is None, "no video of a session that types a password"


@pytest.mark.parametrize("scenario", list_scenarios())
@pytest.mark.parametrize("language", ["fr", "en"])
def test_flow_reads_every_scenario_exactly_in_both_languages(
    page: Page, portal: MockPortalServer, scenario: str, language: str
) -> None:
    portal.use_scenario(scenario, today=TODAY)
    page.goto(portal.login_url)
    page.get_by_role("link", name="English" if language == "en" else "Français").click()

    if not load_scenario(scenario).accepts_password:
        with pytest.raises(LoginRejectedError):
            read(page, portal)
        return
    if load_scenario(scenario).documents_link == "":
        # A decoy (decoy_news, decoy_named): no link leads to the list, and no other page is
        # ever read as it.
        with pytest.raises(PageNotRecognisedError):
            read(page, portal)
        assert_no_letter_was_opened(portal)
        return
    expected = [
        (LetterKind(letter.kind), letter.made_available_on, letter.notified_on, letter.read_on)
        for letter in sorted(
            portal.state.letters(), key=lambda item: item.made_available_on, reverse=True
        )
    ]
    assert read(page, portal) == expected
    assert_no_letter_was_opened(portal)
