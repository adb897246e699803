"""Getting in: activate the personal space from the connection key, or choose a new password
with it ("I forgot my password"). Both start at the login page and follow its links.

The new password is handed to ``store_password`` once the form holding it is filled and before
it is sent: whatever stops the flow after that (a crash, a kill, the portal failing), the password
the portal may now have is already kept. Neither flow logs in: the caller confirms with a check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

from flows import labels
from flows.check_flow import ProgressCallback, no_progress
from flows.errors import (
    N_,
    AlreadyActivatedError,
    CheckError,
    ConnectionKeyRejectedError,
    PageNotRecognisedError,
    PortalRefusedValueError,
)
from flows.fence import FencedPage
from flows.pages import LoginPage
from flows.pages.activation import (
    PART_CONTACT,
    PART_KEY,
    PART_PASSWORD,
    GettingInPage,
    Shown,
)
from flows.pages.base import PortalSession

log = logging.getLogger(__name__)

#: More pages than any known form has: a portal that keeps asking is not recognised.
MAX_PAGES: Final = 8

Purpose = Literal["activation", "reset"]


@dataclass(frozen=True)
class GettingInRequest:
    identifier: str = field(repr=False)
    key: str = field(repr=False)
    new_password: str = field(repr=False)
    mobile: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)


def activate(
    page: FencedPage,
    login_url: str,
    request: GettingInRequest,
    store_password: Callable[[], None],
    timeout_ms: float = 30_000,
    progress: ProgressCallback = no_progress,
) -> None:
    """The login page's "I have not yet activated my personal space", to its end."""
    session = PortalSession(page, timeout_ms, progress=progress)
    progress("opening_portal")
    login = LoginPage.open(session, login_url)
    progress("opening_activation")
    _fill_until_done(login.go_to_activation(), request, store_password, "activation", progress)


def reset_password(
    page: FencedPage,
    login_url: str,
    request: GettingInRequest,
    store_password: Callable[[], None],
    timeout_ms: float = 30_000,
    progress: ProgressCallback = no_progress,
) -> None:
    """The login page's "I forgot my password", with the connection key, to its end."""
    session = PortalSession(page, timeout_ms, progress=progress)
    progress("opening_portal")
    login = LoginPage.open(session, login_url)
    progress("opening_forgotten_password")
    _fill_until_done(login.go_to_forgotten_password(), request, store_password, "reset", progress)


def _fill_until_done(
    form: GettingInPage,
    request: GettingInRequest,
    store_password: Callable[[], None],
    purpose: Purpose,
    progress: ProgressCallback = no_progress,
) -> None:
    what = (
        N_("the portal's activation page")
        if purpose == "activation"
        else N_("the portal's 'I forgot my password' page")
    )
    sent: frozenset[str] = frozenset()
    stored = False
    for _ in range(MAX_PAGES):
        shown = form.wait_until_shown(what)
        if shown.done:
            log.info("%s: the portal says it is done", purpose)
            progress("portal_took_password")
            return
        if shown.alert is not None and sent:
            raise _refusal(form, shown, sent, purpose)
        if not shown.parts:
            raise PageNotRecognisedError(
                N_(
                    "The portal showed a page that is not {what} (page title: '{title}'). "
                    "Finish on the portal yourself."
                ),
                what=what,
                title=form.session.title(),
            )
        if PART_KEY in shown.parts:
            form.fill_key(request.identifier, request.key)
        if PART_PASSWORD in shown.parts:
            form.fill_password(request.new_password)
        if PART_CONTACT in shown.parts:
            form.fill_contact(request.mobile, request.email)
        before = None
        if PART_PASSWORD in shown.parts and not stored:
            before, stored = store_password, True
        log.info("%s: sending %s", purpose, ", ".join(sorted(shown.parts)))
        progress("sending_form")
        form.send(before)
        sent = shown.parts
    raise PageNotRecognisedError(
        N_(
            "The portal kept asking for more after {count} pages of {what}. Finish on the "
            "portal yourself."
        ),
        count=MAX_PAGES,
        what=what,
    )


def _refusal(
    form: GettingInPage, shown: Shown, sent: frozenset[str], purpose: Purpose
) -> CheckError:
    reason = shown.alert or ""
    if purpose == "activation" and form.alert_says(labels.ALREADY_ACTIVATED_TEXT):
        return AlreadyActivatedError(
            N_(
                "This personal space is already activated: nothing was changed. Store its "
                "password with 'ofpra-assistant setup'; if the password is lost, use "
                "'ofpra-assistant setup --reset-password' with the connection key."
            )
        )
    if PART_KEY in sent and PART_KEY in shown.parts:
        return ConnectionKeyRejectedError(
            N_(
                "The portal refused the identifier or the connection key ('{reason}'). Nothing "
                "was changed. Check both on the paper given at the GUDA (the line 'CLÉ DE "
                "CONNEXION') and try again; if the key is lost, ask your SPADA."
            ),
            reason=reason,
        )
    if PART_PASSWORD in sent:
        error = PortalRefusedValueError(
            N_(
                "The portal refused the new password: '{reason}'. Run the command again: it "
                "proposes another password."
            ),
            reason=reason,
        )
        error.refused = PART_PASSWORD
        return error
    error = PortalRefusedValueError(
        N_(
            "The portal refused the mobile number or the e-mail: '{reason}'. Run the command "
            "again with another one (--mobile 06..., --email ...)."
        ),
        reason=reason,
    )
    error.refused = PART_CONTACT
    return error
