"""The home page after login: the way to "My Documents" and to log out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import labels
from flows.pages.base import PortalSession

if TYPE_CHECKING:
    from flows.pages.documents import DocumentsPage
    from flows.pages.login import LoginPage


class HomePage:
    def __init__(self, session: PortalSession) -> None:
        self.session = session
        self.documents_link = session.page.get_by_role("link", name=labels.DOCUMENTS_LINK)

    def go_to_documents(self) -> DocumentsPage:
        from flows.pages.documents import DocumentsPage

        self.documents_link.first.click()
        documents = DocumentsPage(self.session)
        documents.wait_until_shown()
        return documents

    def log_out(self) -> LoginPage:
        return log_out(self.session)


def log_out(session: PortalSession) -> LoginPage:
    """Every logged-in page has the logout link in its header."""
    from flows.pages.login import LoginPage

    # Short: on a known page the link is already there, and a failed check should not hang here.
    session.logout_link().first.click(timeout=min(session.timeout_ms, 5_000))
    login = LoginPage(session)
    login.wait_until_shown()
    return login
