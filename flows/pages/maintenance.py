"""The portal's maintenance page: no letter can be read, and that is said, never "nothing new"."""

from __future__ import annotations

from flows import labels
from flows.errors import N_, PortalUnavailableError
from flows.pages.base import PortalSession


class MaintenancePage:
    def __init__(self, session: PortalSession) -> None:
        self.session = session
        # A heading, not any mention: a banner announcing next week's maintenance on a working
        # page must not stop a check.
        self.signal = session.page.get_by_role("heading", name=labels.MAINTENANCE_TEXT)

    def error(self) -> PortalUnavailableError:
        return PortalUnavailableError(
            N_(
                "The portal shows a maintenance page ('{title}'): it cannot be used for now. "
                "If this lasts, check your account yourself."
            ),
            title=self.session.title(),
        )
