"""The login page: identifier, password, sign in."""

from __future__ import annotations

from assistant.errors import N_, AccountLockedError, LoginRejectedError
from flows import labels
from flows.pages.base import PortalSession
from flows.pages.home import HomePage


class LoginPage:
    def __init__(self, session: PortalSession) -> None:
        self.session = session
        page = session.page
        self.identifier = page.get_by_label(labels.IDENTIFIER_FIELD)
        self.password = page.get_by_label(labels.PASSWORD_FIELD)
        self.sign_in_button = page.get_by_role("button", name=labels.SIGN_IN_BUTTON)

    @classmethod
    def open(cls, session: PortalSession, login_url: str) -> LoginPage:
        session.goto(login_url)
        login = cls(session)
        login.wait_until_shown()
        return login

    def wait_until_shown(self) -> None:
        self.session.wait_for_one_of({"form": self.password}, N_("the portal's login page"))

    def sign_in(self, identifier: str, password: str) -> HomePage:
        page = self.session.page
        self.identifier.first.fill(identifier)
        self.password.first.fill(password)
        self.sign_in_button.first.click()
        home = HomePage(self.session)
        outcome = self.session.wait_for_one_of(
            {
                "home": home.documents_link,
                "locked": page.get_by_role("alert").filter(has_text=labels.ACCOUNT_LOCKED_TEXT),
                "rejected": page.get_by_role("alert").filter(has_text=labels.LOGIN_REJECTED_TEXT),
            },
            N_("the page after logging in"),
        )
        if outcome == "locked":
            raise AccountLockedError(
                N_(
                    "The portal says the account is locked. Do not try again: unlock it on the "
                    "portal ('I forgot my password') or ask your SPADA for help."
                )
            )
        if outcome == "rejected":
            raise LoginRejectedError(
                N_(
                    "The portal refused the identifier or the password. The assistant will not "
                    "try again with them (the account could lock): update them with "
                    "'ofpra-assistant setup'."
                )
            )
        return home
