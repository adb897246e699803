"""The rules about errors (which pause the agent, count as a login, refuse the password, are
retried soon) are attributes of the error classes; the sets the agent and the state use follow
from them. Written out here by hand, so that a change of rule is a deliberate one."""

from __future__ import annotations

from assistant.errors import ALL_ERRORS
from assistant.schedule import LOGIN_CODES, PAUSING_CODES, RETRY_SOON_CODES
from assistant.state import REFUSING_CODES
from flows.errors import CheckError


def test_the_agent_pauses_on_what_only_a_person_can_cure() -> None:
    assert set(PAUSING_CODES) == {
        "login_rejected",
        "account_locked",
        "password_change_required",
        "credentials_missing",
        "consent_missing",
    }


def test_what_the_portal_refused_is_never_typed_again() -> None:
    assert set(REFUSING_CODES) == {"login_rejected", "account_locked", "password_change_required"}


def test_attempts_that_reached_the_login_form_count_as_logins() -> None:
    assert set(LOGIN_CODES) == {
        "login_rejected",
        "account_locked",
        "password_change_required",
        "captcha",
        "page_not_recognised",
    }


def test_transient_failures_and_a_keyring_not_up_yet_are_retried_soon() -> None:
    assert set(RETRY_SOON_CODES) == {
        "portal_unavailable",
        "keyring_locked",
        "disk_full",
        "profile_busy",
        "keyring_unavailable",
    }


def test_a_new_error_class_is_in_no_set_until_it_says_so() -> None:
    class NewError(CheckError):
        code = "new_error"

    assert not (NewError.needs_person or NewError.reached_login or NewError.refuses_password)
    assert not (NewError.retryable or NewError.retried_soon)


def test_a_password_refused_by_the_portal_always_pauses_the_agent() -> None:
    for error in ALL_ERRORS:
        if error.refuses_password:
            assert error.needs_person and error.reached_login, error.code
