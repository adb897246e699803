"""What a check ends with: its outcome written to the state and the outbox in one transaction,
then every alert pending delivered. Never raises, even when the state itself is what failed.

``Recorder.record`` is the one way an outcome becomes a ``CheckResult``, for every profile of
every run, from whichever thread finished it: the check's record, the letters, the reminders the
alerts cover, the portal's shape and the alerts all go in together, or none of them (and then
the alerts go out at once, with one more that says why). One at a time: the outbox is delivered
once, and SQLite's transactions of two threads never interleave.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from assistant.alerts import failure_alert, letter_alerts
from assistant.attempt import Outcome
from assistant.captures import save_capture
from assistant.deadlines import deadlines_for, paris_today
from assistant.delivery_report import deliver_now, delivered_as
from assistant.environment import Environment
from assistant.errors import (
    N_,
    AssistantError,
    CaptchaError,
    LoginRejectedError,
    PageNotRecognisedError,
    PortalUnavailableError,
    as_assistant_error,
)
from assistant.i18n import Translator
from assistant.outbox import Delivery, send_unrecorded
from assistant.plausibility import review_dates
from assistant.portal_memory import PortalMemory
from assistant.privacy import REDACTOR
from assistant.results import Alert, CheckResult, LetterReport
from assistant.schedule import ProfileHistory, alerts_to_forward, covered_reminders
from assistant.state import CheckRecord, Profile

log = logging.getLogger(__name__)


class Recorder:
    def __init__(self, env: Environment) -> None:
        self.env = env
        #: Every delivery made (the checks' alerts, and earlier ones left over).
        self.delivered: list[Delivery] = []
        self._one_at_a_time = threading.Lock()

    def record(self, outcome: Outcome, *, automated: bool) -> CheckResult:
        """The outcome in the state and the outbox, its alerts delivered: the check's result.

        ``automated``: the agent ran it; its record says so (its logins are limited), and it
        sends new letters only (its reminder schedule sends the rest)."""
        with self._one_at_a_time:
            try:
                if outcome.error is None and outcome.profile is not None:
                    return self._succeeded(outcome, outcome.profile, automated)
                return self._failed(outcome, outcome.error or no_reading(), automated)
            except Exception as error:
                return self._failed(outcome, as_assistant_error(error), automated)

    def _succeeded(self, outcome: Outcome, profile: Profile, automated: bool) -> CheckResult:
        reading = outcome.reading
        assert reading is not None
        state = self.env.state
        checked_at = self.env.clock()
        today = paris_today(checked_at)
        # The state is an edge too: a label that echoes a secret is kept masked.
        letters = REDACTOR.scrub_letters(reading.letters)
        # Dates that cannot be right fail the check (page_not_recognised): never used silently.
        dates = review_dates(letters, today)
        if dates.error is not None:
            return self._failed(outcome, dates.error, automated)
        # "New" is new since the last check. A first check has none to compare with: a letter
        # the person has opened already (in 2025, say) is no news to them, so it is not new.
        first_check = state.last_successful_check(profile.name) is None
        # The account holder's language: the alerts', never the terminal's (the CLI has its
        # own for what it prints).
        holder = Translator(profile.language)
        result = CheckResult(
            profile=profile.name,
            checked_at=checked_at,
            blocked_requests=outcome.blocked_requests,
            letter_requests_blocked=outcome.letter_requests_blocked,
            logged_out=reading.logged_out,
            attempts=outcome.attempts,
            pages=reading.pages,
            first_check=first_check,
        )

        def record() -> list[Alert]:
            first_seen = state.merge_letters(profile.name, letters, checked_at)
            new_ids = {
                letter.id
                for letter in letters
                if letter.id in first_seen and not (first_check and letter.read)
            }
            result.letters = [
                LetterReport(
                    letter,
                    deadlines_for(letter, today),
                    letter.id in new_ids,
                    dates.warnings_for(letter),
                )
                for letter in letters
            ]
            result.alerts = letter_alerts(result.letters, holder, profile.name)
            # The agent sends new letters only; its reminder schedule sends the rest.
            to_send = (
                [a for a in result.alerts if a.kind == "new_letter"]
                if automated
                else list(result.alerts)
            )
            if automated:
                for key in covered_reminders(result, to_send):
                    state.record_notice(profile.name, key, "reminder", checked_at)
            state.record_check(
                profile.name,
                CheckRecord(
                    started_at=outcome.started,
                    finished_at=checked_at,
                    ok=True,
                    error_code=None,
                    letters=len(result.letters),
                    new_letters=len(new_ids),
                    unread_notified=sum(1 for r in result.letters if r.needs_opening),
                    automated=automated,
                ),
            )
            # Only a reading accepted whole (dates included) becomes what the next check
            # compares to: in this transaction, so never without the check's record.
            PortalMemory(state, profile).remember(reading.shape, checked_at)
            return to_send

        if not self._commit_and_deliver(result, holder, record):
            # Nothing of this reading was remembered: its letters are new again next time.
            result.letters = [
                LetterReport(
                    letter,
                    deadlines_for(letter, today),
                    not (first_check and letter.read),
                    dates.warnings_for(letter),
                )
                for letter in letters
            ]
        return result

    def _failed(self, outcome: Outcome, error: AssistantError, automated: bool) -> CheckResult:
        """A failed check: its alert in the outbox with the record of the check, then sent.
        Never raises, even when the state itself is what failed."""
        state = self.env.state
        name = outcome.name
        log.warning("check of %s failed: %s: %s", name, error.code, error.message)
        capture = (
            self._save_capture(name, error) if isinstance(error, PageNotRecognisedError) else None
        )
        self._say_who_tries_again(error, automated)
        if isinstance(error, LoginRejectedError) and not getattr(error, "remembered", False):
            # The page does not know the profile's name; plain 'setup' would make a new one.
            error.with_hint(
                N_(
                    "If the password was changed, store the new one with 'ofpra-assistant "
                    "setup --profile {profile} --replace'."
                ),
                profile=name,
            )
        finished = self.env.clock()
        result = CheckResult(
            profile=name,
            checked_at=finished,
            error=error,
            attempts=outcome.attempts,
            capture=capture,
        )
        try:
            profile = state.profile(name)
        except Exception as fault:
            log.warning("the state could not be read: %s", fault)
            profile = None
        holder = Translator(profile.language if profile else "en")
        result.alerts = [failure_alert(error, holder, name)]

        def record() -> list[Alert]:
            if profile is None or getattr(error, "remembered", False):
                return list(result.alerts)
            to_send = list(result.alerts)
            if automated:
                to_send = alerts_to_forward(result, ProfileHistory.from_state(state, profile))
            state.record_check(
                name,
                CheckRecord(
                    outcome.started, finished, False, error.code, None, None, None, automated
                ),
            )
            return to_send

        self._commit_and_deliver(result, holder, record)
        return result

    def _say_who_tries_again(self, error: AssistantError, automated: bool) -> None:
        """A failure that may pass says who tries again: the agent, or, when a check by hand
        fails and no agent runs, the person (never a promise that nobody keeps)."""
        if not (error.retryable or isinstance(error, CaptchaError)):
            return
        if automated:
            hint = N_("The assistant will try again later.")
        elif self.env.agent_running():
            hint = N_("The agent running on this computer will try again later.")
        else:
            hint = N_(
                "No agent is running on this computer to try again: run 'ofpra-assistant "
                "check' again later, or start the agent with 'ofpra-assistant run'."
            )
        if (hint, {}) not in error.hints:  # one error may end several profiles' checks
            error.with_hint(hint)

    def _commit_and_deliver(
        self, result: CheckResult, holder: Translator, record: Callable[[], list[Alert]]
    ) -> bool:
        """Record the check and put its alerts in the outbox in one transaction, then deliver
        everything pending (earlier alerts of this profile join this check's ``alerts``).
        When the state cannot be written, the alerts go out at once, with one more that says
        why; False then."""
        state = self.env.state
        # The local target and this profile's own channels; the delivery below needs them all.
        targets = self.env.targets_for(result.profile)
        try:
            with state.transaction():
                to_send = record()
                ids = state.enqueue_alerts(
                    result.profile, to_send, [t.name for t in targets], result.checked_at
                )
        except Exception as error:
            fault = as_assistant_error(error, where=str(state.path))
            log.error("check of %s not recorded: %s: %s", result.profile, fault.code, error)
            result.alerts = [*result.alerts, failure_alert(fault, holder, result.profile)]
            if result.error is None:
                result.error = fault
            sent = send_unrecorded(result.alerts, targets, result.profile)
            self.delivered.extend(sent)
            delivered_as(result, sent)
            return False
        self.delivered.extend(
            deliver_now(self.env, result, dict(zip(map(id, to_send), ids, strict=True)))
        )
        return True

    def _save_capture(self, name: str, error: PageNotRecognisedError) -> Path | None:
        """Write the redacted outline of the unrecognised page, and say where in the message."""
        if error.capture is None or self.env.captures_dir is None:
            return None
        try:
            path = save_capture(
                self.env.captures_dir,
                name,
                "not_recognised",
                error.capture,
                self.env.clock(),
                "the check did not recognise this page",
            )
        except OSError as failure:
            log.warning("could not save the page capture: %s", failure)
            return None
        error.with_hint(
            N_(
                "An outline of the page, without any personal data, was saved in {path}: "
                "please send it to whoever maintains the assistant."
            ),
            path=str(path),
        )
        return path


def no_reading() -> PortalUnavailableError:
    return PortalUnavailableError(N_("The portal could not be read ({detail})."), detail="")
