"""The login page: identifier, password, sign in; and what the portal may answer."""

from __future__ import annotations

from flows import labels
from flows.errors import (
    N_,
    AccountLockedError,
    LoginRejectedError,
    PageNotRecognisedError,
    PortalUnavailableError,
)
from flows.pages.activation import GettingInPage, open_link
from flows.pages.base import PortalSession
from flows.pages.home import HomePage
from flows.pages.interruptions import wait_for_page
from flows.pages.password_change import PasswordChangePage


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
        wait_for_page(self.session, {"form": self.password}, N_("the portal's login page"))

    def go_to_activation(self) -> GettingInPage:
        """The link "JE N'AI PAS ENCORE ACTIVÉ MON ESPACE PERSONNEL"."""
        link = self.session.page.get_by_role("link", name=labels.ACTIVATION_LINK)
        return open_link(self.session, link, N_("the activation of the personal space"))

    def go_to_forgotten_password(self) -> GettingInPage:
        """The link "J'ai oublié mon mot de passe" / "I forgot my password"."""
        link = self.session.page.get_by_role("link", name=labels.FORGOT_PASSWORD_LINK)
        return open_link(self.session, link, N_("'I forgot my password'"))

    def sign_in(self, identifier: str, password: str) -> HomePage:
        """Submit the password once. Whatever the answer, it is never submitted again by this
        check: a second wrong try brings the account closer to being locked."""
        page = self.session.page
        self.identifier.first.fill(identifier)
        self.password.first.fill(password)
        self.session.click(self.sign_in_button.first, N_("the sign-in button"))
        home = HomePage(self.session)
        password_change = PasswordChangePage(self.session)
        try:
            outcome = wait_for_page(
                self.session,
                {
                    "home": home.documents_link,
                    "password_change": password_change.signal,
                    "locked": page.get_by_role("alert").filter(has_text=labels.ACCOUNT_LOCKED_TEXT),
                    "rejected": page.get_by_role("alert").filter(
                        has_text=labels.LOGIN_REJECTED_TEXT
                    ),
                    # Logged in, on a home page whose link to the list has none of its names:
                    # the home page finds it by where its links lead, or says it cannot.
                    "signed_in": self.session.logout_link(),
                },
                N_("the page after logging in"),
            )
        except PageNotRecognisedError:
            if self.session.logout_link().first.is_visible():
                self.session.logged_in = True
                raise home.no_documents_link() from None
            raise
        except PortalUnavailableError:
            # The password may have been accepted before the portal failed: try to log out.
            self.session.logged_in = True
            raise
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
                    "try again with them (the account could lock)."
                )
            )
        self.session.logged_in = True
        if outcome == "password_change":
            raise password_change.error()
        return home
