"""A captcha: the portal asks to prove that a person is there. The assistant never solves one,
and never types the password into a form that has one (a failed captcha may count as a failed
login)."""

from __future__ import annotations

from flows import labels
from flows.errors import N_, CaptchaError
from flows.pages.base import PortalSession


class CaptchaPage:
    def __init__(self, session: PortalSession) -> None:
        page = session.page
        # A field, an image, a group or a frame (reCAPTCHA, hCaptcha) named like a captcha, or
        # the words a captcha puts next to itself.
        self.signal = (
            page.get_by_label(labels.CAPTCHA_TEXT)
            .or_(page.get_by_role("img", name=labels.CAPTCHA_TEXT))
            .or_(page.get_by_role("group", name=labels.CAPTCHA_TEXT))
            .or_(page.get_by_title(labels.CAPTCHA_TEXT))
            .or_(page.get_by_text(labels.CAPTCHA_TEXT))
        )

    def error(self) -> CaptchaError:
        return CaptchaError(
            N_(
                "The portal asks to prove that a person is there (a captcha). The assistant does "
                "not answer captchas: log in on the portal yourself to check your letters."
            )
        )
