"""Pages that can come instead of any expected one: a captcha, a maintenance page."""

from __future__ import annotations

from playwright.sync_api import Locator

from flows.pages.base import PortalSession
from flows.pages.captcha import CaptchaPage
from flows.pages.maintenance import MaintenancePage


def wait_for_page(session: PortalSession, candidates: dict[str, Locator], what: str) -> str:
    """``session.wait_for_one_of`` with the interruptions added: a captcha comes first (a login
    form that has one must not be filled), a maintenance page last (a working page wins over any
    doubt); each raises its own error."""
    captcha = CaptchaPage(session)
    maintenance = MaintenancePage(session)
    found = session.wait_for_one_of(
        {"captcha": captcha.signal, **candidates, "maintenance": maintenance.signal}, what
    )
    if found == "captcha":
        raise captcha.error()
    if found == "maintenance":
        raise maintenance.error()
    return found
