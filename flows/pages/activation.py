"""The pages of getting in: activation of the personal space (identifier and connection key, a
new password, a contact) and "I forgot my password" (identifier and key, a new password).

PORTAL.md gives their labels but not the order of their fields or steps: ``GettingInPage`` shows
which of the known parts the page holds now, and fills them by their labels, whichever page and
whichever order they come in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Locator

from flows import labels
from flows.errors import N_, PageNotRecognisedError
from flows.pages.base import PortalSession
from flows.pages.interruptions import wait_for_page
from flows.untrusted import untrusted_text

#: What a page of these forms can hold (several at once on a portal that asks all on one page).
PART_KEY = "key"
PART_PASSWORD = "password"
PART_CONTACT = "contact"


@dataclass(frozen=True)
class Shown:
    """What the page shows: an alert (the portal's words, made safe), the parts of the form,
    or the portal saying it is done."""

    alert: str | None
    parts: frozenset[str]
    done: bool


class GettingInPage:
    """One page of the activation or of the forgotten-password form, whatever step it is."""

    def __init__(self, session: PortalSession) -> None:
        self.session = session
        page = session.page
        self.identifier = page.get_by_label(labels.IDENTIFIER_FIELD)
        self.key = page.get_by_label(labels.CONNECTION_KEY_FIELD)
        self.new_password = page.get_by_label(labels.NEW_PASSWORD_ONLY_FIELD)
        self.confirm_password = page.get_by_label(labels.CONFIRM_PASSWORD_FIELD)
        self.mobile = page.get_by_label(labels.MOBILE_FIELD)
        self.email = page.get_by_label(labels.EMAIL_FIELD)
        self.submit = page.get_by_role("button", name=labels.SUBMIT_BUTTON)
        self.alert = page.get_by_role("alert")
        self.done_message = (
            page.get_by_role("status")
            .filter(has_text=labels.GETTING_IN_DONE_TEXT)
            .or_(page.get_by_text(labels.GETTING_IN_DONE_TEXT))
        )

    def wait_until_shown(self, what: str) -> Shown:
        """Wait for one of the known parts and say what the page holds."""
        wait_for_page(
            self.session,
            {
                "alert": self.alert,
                "done": self.done_message,
                PART_KEY: self.key,
                PART_PASSWORD: self.new_password,
                PART_CONTACT: self.mobile.or_(self.email),
            },
            what,
        )
        alert = None
        if self.alert.first.is_visible():
            alert = untrusted_text(self.alert.first.inner_text())
        parts = {
            name
            for name, locator in (
                (PART_KEY, self.key),
                (PART_PASSWORD, self.new_password),
                (PART_CONTACT, self.mobile.or_(self.email)),
            )
            if locator.first.is_visible()
        }
        return Shown(alert, frozenset(parts), self.done_message.first.is_visible())

    def alert_says(self, pattern: re.Pattern[str]) -> bool:
        """Does the page's alert say this (a pattern of ``labels``)?"""
        return self.alert.filter(has_text=pattern).first.is_visible()

    def fill_key(self, identifier: str, key: str) -> None:
        if self.identifier.first.is_visible():
            self.identifier.first.fill(identifier)
        self.key.first.fill(key)

    def fill_password(self, password: str) -> None:
        self.new_password.first.fill(password)
        if self.confirm_password.first.is_visible():
            self.confirm_password.first.fill(password)

    def fill_contact(self, mobile: str | None, email: str | None) -> None:
        if mobile and self.mobile.first.is_visible():
            self.mobile.first.fill(mobile)
        if email and self.email.first.is_visible():
            self.email.first.fill(email)

    def send(self, before: Callable[[], None] | None = None) -> None:
        """Submit the form; ``before`` runs once everything is filled and nothing is sent yet
        (the new password goes to the keyring then)."""
        button = self._submit_button()
        if before is not None:
            before()
        self.session.click_to_navigate(button, N_("the form's button"))

    def _submit_button(self) -> Locator:
        if not self.submit.first.is_visible():
            raise PageNotRecognisedError(
                N_(
                    "The portal's form has no button the assistant knows (page title: "
                    "'{title}'). Finish on the portal yourself."
                ),
                title=self.session.title(),
            )
        return self.submit.first


def open_link(session: PortalSession, link: Locator, what: str) -> GettingInPage:
    """Follow a link of the login page to one of these forms."""
    if not link.first.is_visible():
        raise PageNotRecognisedError(
            N_(
                "The portal's login page has no link to {what}. The page has changed: use the "
                "portal yourself."
            ),
            what=what,
        )
    session.click_to_navigate(link.first, what)
    return GettingInPage(session)
