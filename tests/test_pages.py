"""Page objects against small hand-written pages: the rules that decide what a page is."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from assistant.errors import CaptchaError, PortalUnavailableError
from flows.fence import FencedPage, RequestGuard, UnfencedPageError, fence_context
from flows.models import LetterCounts
from flows.pages.base import PortalSession
from flows.pages.documents import DocumentsPage
from flows.pages.home import HomePage
from flows.pages.interruptions import wait_for_page
from tests.conftest import NO_PORTAL, fence

pytestmark = pytest.mark.browser

HOME_LINK = '<nav><a href="#d">Mes documents</a> <a href="#o">Déconnexion</a></nav>'


def session_on(page: Page, html: str) -> PortalSession:
    page.set_content(f"<html lang='fr'><body>{html}</body></html>")
    return PortalSession(fence(page, NO_PORTAL), timeout_ms=2_000)


@pytest.mark.parametrize(
    ("html", "counts"),
    [
        pytest.param(
            '<p>Vous avez reçu 7 courrier(s), dont <span class="x">2</span> non lu(s).</p>',
            LetterCounts(7, 2),
            id="fr",
        ),
        pytest.param(
            "<p>You have received 200 letter(s), including 3 unread.</p>",
            LetterCounts(200, 3),
            id="en",
        ),
        pytest.param("<p>Bienvenue dans votre espace.</p>", None, id="none-shown"),
    ],
)
def test_home_counts_are_read_from_the_portals_sentence(
    page: Page, html: str, counts: LetterCounts | None
) -> None:
    home = HomePage(session_on(page, HOME_LINK + html))

    assert home.read_counts() == counts


def test_a_greyed_out_next_page_link_is_not_followed(page: Page) -> None:
    documents = DocumentsPage(
        session_on(page, '<nav><a href="#" aria-disabled="true">Page suivante</a></nav>')
    )

    assert documents.has_next_page() is False


def test_a_next_page_link_is_found_by_its_words(page: Page) -> None:
    documents = DocumentsPage(
        session_on(page, '<nav><a href="?page=2">Next page &raquo;</a></nav>')
    )

    assert documents.has_next_page() is True


def test_a_maintenance_banner_on_a_working_page_does_not_stop_the_check(page: Page) -> None:
    session = session_on(
        page, HOME_LINK + "<p role='status'>Une maintenance est prévue samedi.</p>"
    )

    found = wait_for_page(session, {"home": HomePage(session).documents_link}, "the home page")

    assert found == "home"


def test_a_maintenance_page_is_the_portal_being_unavailable(page: Page) -> None:
    session = session_on(page, "<h1>Site en maintenance</h1><p>Revenez plus tard.</p>")

    with pytest.raises(PortalUnavailableError, match="shows a maintenance page"):
        wait_for_page(session, {"home": HomePage(session).documents_link}, "the home page")


@pytest.mark.parametrize(
    "captcha",
    [
        pytest.param('<label for="c">Recopiez le captcha</label><input id="c">', id="field"),
        pytest.param('<iframe title="reCAPTCHA" src="about:blank"></iframe>', id="frame"),
        pytest.param("<p>Prouvez que vous n'êtes pas un robot.</p>", id="words"),
    ],
)
def test_a_captcha_wins_over_a_login_form_next_to_it(page: Page, captcha: str) -> None:
    session = session_on(
        page, f'<form><label for="p">Mot de passe</label><input id="p" type="password">{captcha}'
    )
    password = page.get_by_label("Mot de passe")

    with pytest.raises(CaptchaError, match="does not answer captchas"):
        wait_for_page(session, {"form": password}, "the login page")


def test_no_page_object_without_the_guard_of_its_pages_context(page: Page) -> None:
    """A page whose context no guard routes would run the flows unfenced: refused loudly."""
    with pytest.raises(UnfencedPageError):
        FencedPage(page, RequestGuard(NO_PORTAL))  # a guard never installed
    other = page.context.browser
    assert other is not None
    elsewhere = other.new_context()
    try:
        with pytest.raises(UnfencedPageError):
            FencedPage(page, fence_context(elsewhere, NO_PORTAL))  # another context's guard
    finally:
        elsewhere.close()
    with pytest.raises(TypeError):
        PortalSession(page)  # type: ignore[arg-type]
