"""The page that demands a new password right after login. Only the person chooses a password:
the assistant stops there and says so."""

from __future__ import annotations

from flows import labels
from flows.errors import N_, PasswordChangeRequiredError
from flows.pages.base import PortalSession


class PasswordChangePage:
    def __init__(self, session: PortalSession) -> None:
        self.signal = session.page.get_by_label(labels.NEW_PASSWORD_FIELD)

    def error(self) -> PasswordChangeRequiredError:
        return PasswordChangeRequiredError(
            N_(
                "The portal asks for a new password before it shows anything else. The "
                "assistant never chooses a password: log in on the portal yourself, choose the "
                "new password, then run 'ofpra-assistant setup' again with it."
            )
        )
