"""The errors a portal check can end with, raised by the flows and reported by the assistant.

Each error carries a stable ``code`` (the JSON contract of DESIGN.md) and a message that says what
happened and what to do next. Messages never contain a password or an identifier. The exit status
of each code, and the errors of the assistant's own (consent, keyring, state...), live in
``assistant/errors.py``: the flows know the portal, not the command line.

A message is an English template marked with ``N_`` (so Babel extracts it) plus its values; it is
translated where it is shown, in the person's language. Whoever handles an error may append a hint
(another template with its values, e.g. where a page capture was saved); each part is translated
on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Self

from flows.untrusted import untrusted_text

#: The longest value kept in a message (a file's path, a list of headers seen).
MAX_VALUE: Final = 1000


def N_(message: str) -> str:
    """Marks a message for translation without translating it here (gettext's convention)."""
    return message


class CheckError(Exception):
    """Base of every error the assistant reports to the person."""

    code = "internal_error"
    #: A transient error may succeed if the same check is tried again later.
    retryable = False
    #: Not cured by trying again at once, but worth a retry soon by a scheduler (a keyring still
    #: locked just after login).
    retried_soon = False
    #: Retrying cannot cure it: nothing tries again until a person acts (``setup`` again).
    needs_person = False
    #: The attempt reached the portal's login form, so it counts as a login (the portal's limits).
    reached_login = False
    #: The portal will not take this password again: nothing types it until new credentials.
    refuses_password = False

    def __init__(self, template: str, **values: object) -> None:
        self.template = template
        self.values = _safe(values)
        self.hints: list[tuple[str, dict[str, object]]] = []
        self.message = _fill(template, self.values)
        super().__init__(self.message)

    def with_hint(self, template: str, **values: object) -> Self:
        """Append a sentence to the message (a template marked with ``N_``, and its values)."""
        values = _safe(values)
        self.hints.append((template, values))
        self.message = f"{self.message} {_fill(template, values)}"
        self.args = (self.message,)
        return self

    def render(self, translate: Callable[..., str]) -> str:
        """The message in another language: ``translate(template, **values)`` for each part."""
        parts = [(self.template, self.values), *self.hints]
        return " ".join(translate(template, **values) for template, values in parts)

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def _safe(values: dict[str, object]) -> dict[str, object]:
    # A value may come from the page (a title, a header, a browser error quoting a script):
    # made safe like any text the flows read, whatever raised the error.
    return {
        name: untrusted_text(value, MAX_VALUE) if isinstance(value, str) else value
        for name, value in values.items()
    }


def _fill(template: str, values: dict[str, object]) -> str:
    # Without values the template is the message as is (it may hold braces of its own).
    return template.format(**values) if values else template


class LoginRejectedError(CheckError):
    code = "login_rejected"
    needs_person = reached_login = refuses_password = True


class AccountLockedError(CheckError):
    code = "account_locked"
    needs_person = reached_login = refuses_password = True


class PortalUnavailableError(CheckError):
    code = "portal_unavailable"
    retryable = True


class PageNotRecognisedError(CheckError):
    """The portal showed a page the flows do not know: never read as "nothing new"."""

    code = "page_not_recognised"
    reached_login = True
    #: A redacted outline of the page (flows/capture.py), for whoever writes it to a file.
    capture: str | None = None


class PasswordChangeRequiredError(CheckError):
    """The portal demands a new password before showing anything: only the person may choose."""

    code = "password_change_required"
    needs_person = reached_login = refuses_password = True


class CaptchaError(CheckError):
    """The portal asks to prove a human is there: the assistant never tries to solve it."""

    code = "captcha"
    reached_login = True


class BrowserUnavailableError(CheckError):
    code = "browser_unavailable"


PORTAL_ERRORS: tuple[type[CheckError], ...] = (
    LoginRejectedError,
    AccountLockedError,
    PortalUnavailableError,
    PageNotRecognisedError,
    PasswordChangeRequiredError,
    CaptchaError,
    BrowserUnavailableError,
)


class ConnectionKeyRejectedError(CheckError):
    """The portal refused the identifier and connection key of an activation or a reset."""

    code = "connection_key_rejected"


class AlreadyActivatedError(CheckError):
    """The activation found an account already activated: log in with its password instead."""

    code = "already_activated"


class PortalRefusedValueError(CheckError):
    """The portal refused a new password or a contact the assistant checked: its reason is
    shown, made safe like any text read from the portal."""

    code = "portal_refused_value"
    #: What was refused: "password" or "contact".
    refused: str = "password"


GETTING_IN_ERRORS: tuple[type[CheckError], ...] = (
    ConnectionKeyRejectedError,
    AlreadyActivatedError,
    PortalRefusedValueError,
)
