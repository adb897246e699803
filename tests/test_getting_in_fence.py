"""The fence holds on the pages of getting in (issue 22): the activation flow, with the hostile
portal's every attack on every page and the pages' scripts on (the worst case; flows run with
them off), sends nothing anywhere but the portal and requests no letter. One browser for all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright

from fixtures.hostile_portal.fence import ATTACKS, HostilePortal
from flows.activation_flow import GettingInRequest, activate
from flows.errors import CheckError
from flows.fence import portal_context
from flows.launch import launch_browser
from tests.conftest import IDENTIFIER, TODAY, chromium_launch_options

pytestmark = pytest.mark.browser

TIMEOUT_MS = 6_000
KEY = "K7P2-M9QX-4TZ8"
NEW_PASSWORD = "Tapis-Cerise-Nuage-478"


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostilePortal]:
    with HostilePortal("not_activated", today=TODAY) as server:
        yield server


@pytest.fixture(scope="module")
def fenced_browser(playwright: Playwright, hostile: HostilePortal) -> Iterator[Browser]:
    options = chromium_launch_options(playwright)
    browser = launch_browser(playwright, [hostile.login_url], options.get("executable_path"))
    yield browser
    browser.close()


#: The attacks that strike every page (the others only rewrite the login form's answer, which
#: the activation never posts: test_hostile_fence.py has them).
ON_EVERY_PAGE = [
    name
    for name in ATTACKS
    if not name.startswith("redirect_") and name not in ("disguised_letter", "form_action_out")
]


@pytest.mark.parametrize("attack", ON_EVERY_PAGE)
def test_the_fence_holds_on_the_activation_pages(
    fenced_browser: Browser, hostile: HostilePortal, attack: str
) -> None:
    hostile.use(attack)
    stored: list[str] = []
    request = GettingInRequest(IDENTIFIER, KEY, NEW_PASSWORD, mobile="0612345678")
    outcome: CheckError | None = None
    with portal_context(fenced_browser, hostile.login_url, javascript=True) as fenced:
        guard, page = fenced.guard, fenced.page
        try:
            activate(fenced, hostile.login_url, request, lambda: stored.append("kept"), TIMEOUT_MS)
        except CheckError as error:
            outcome = error
        page.wait_for_timeout(300)  # whatever the page started late
    assert hostile.contacts() == [], f"{attack}: something left the portal's origin"
    assert hostile.view_requests() == [], f"{attack}: a letter was requested"
    assert not any(r.startswith("websocket") for r in hostile.hostile_requests)
    account = hostile.state.account
    if outcome is None:
        # Done: the portal has the password that was handed to be kept first.
        assert (account.activated, account.password, stored) == (True, NEW_PASSWORD, ["kept"])
    else:
        # Stopped by the fence (a form sent elsewhere): said, and never a password nobody has.
        assert outcome.code == "page_not_recognised", outcome.message
        assert guard.stopped_by is not None
        assert account.password != NEW_PASSWORD or stored == ["kept"]


def test_activation_then_reset_on_the_english_pages(playwright: Playwright) -> None:
    """The same flows find the English labels of the guide's screenshots."""
    from dataclasses import replace

    from fixtures.mock_portal import MockPortalServer
    from fixtures.mock_portal.scenarios import load_scenario
    from flows.activation_flow import reset_password

    english = replace(load_scenario("not_activated"), language="en")
    with MockPortalServer(english, today=TODAY) as portal:
        options = chromium_launch_options(playwright)
        browser = launch_browser(playwright, [portal.login_url], options.get("executable_path"))
        try:
            for flow, password in (
                (activate, NEW_PASSWORD),
                (reset_password, "Vague-Sucre-Zebre-925"),
            ):
                request = GettingInRequest(IDENTIFIER, KEY, password, email="amina@example.org")
                with portal_context(browser, portal.login_url) as fenced:
                    flow(fenced, portal.login_url, request, lambda: None, TIMEOUT_MS)
                assert fenced.guard.blocked_requests == 0
                assert portal.state.account.password == password
        finally:
            browser.close()
        account = portal.state.account
        assert (account.activated, account.email) == (True, "amina@example.org")
        assert portal.log()["password_resets"] == 1
