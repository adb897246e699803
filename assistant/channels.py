"""Remote alert channels, through Apprise: the person's phone, a helper's e-mail, and the rest.

A channel is one Apprise URL (e-mail, ntfy, Signal, Telegram, Matrix...), addressed to the person
or to a helper, with a language and a level of detail. The whole definition lives in the keyring
(``credentials.py``), one entry per profile: the URLs carry tokens and passwords, and even where
a person's alerts go is nobody else's business. Nothing about a channel is written to a file.

A remote message travels through third parties, so it is written here from a few facts (the
kind of letter, its dates, the days left), never from the desktop alert's text: never the
identifier, the password, the person's name or anything the portal wrote, and no link but the
portal's own login page. A delivery returns ok or an error and never raises; a failed one is
retried with backoff (``RetryPolicy``), and a channel failing for a day is itself an alert to
the other channels.

Delivery is the outbox's (``outbox.py``, the state's record of every alert and delivery): each
channel is a ``ChannelTarget`` there, with a ``name`` (``channel:PROFILE:LABEL``), its
``profile``, the channels' backoff as its ``retry_delays``, and a ``send(alert)`` that raises
``NotifierError`` when the channel did not take it. It rebuilds the few facts of an alert from
the state (``event_from_state``), since the outbox keeps the desktop alert only. A channel
failing for ``RetryPolicy.down_after`` is told to the profile's other targets by the outbox,
with this module's words (``ChannelTarget.down_alert``). ``ChannelDispatcher`` sends an event at
once with the same routing and words, for the tests of what each receiver gets.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from assistant.alerts import KIND_NAMES, decision_dates, decision_rule
from assistant.consent import consent_covers_channels
from assistant.deadlines import LetterDeadlines, deadlines_as_of, paris_today
from assistant.errors import (
    ALL_ERRORS,
    N_,
    AssistantError,
    ConfigInvalidError,
    ConsentMissingError,
)
from assistant.i18n import Translator, Unmarked
from assistant.notifiers import NotifierError
from assistant.results import Alert, CheckResult, LetterReport
from assistant.state import Consent, StateStore
from flows.models import LetterKind, PortalLetter

log = logging.getLogger(__name__)

PERSON = "person"
HELPER = "helper"
AUDIENCES = (PERSON, HELPER)
STANDARD = "standard"
MINIMAL = "minimal"
DETAILS = (STANDARD, MINIMAL)

CHANNEL_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_DOCUMENT_VERSION = 1

#: Alerts a helper is there for: what needs action, the alarm, a deadline close and unopened.
HELPER_DAYS_LEFT = 3


class SecretStore(Protocol):
    """Where channels are kept: ``CredentialStore`` (the keyring), or a fake in tests."""

    def save_channels(self, profile: str, document: str) -> None: ...

    def load_channels(self, profile: str) -> str | None: ...


@dataclass(frozen=True)
class Channel:
    label: str
    audience: str
    language: str
    url: str = field(repr=False)
    detail: str = STANDARD

    def __repr__(self) -> str:
        return f"Channel({self.label!r}, {self.audience}, {self.language}, {self.detail})"

    def to_document(self) -> dict[str, str]:
        return {
            "label": self.label,
            "to": self.audience,
            "language": self.language,
            "detail": self.detail,
            "url": self.url,
        }


# Channels in the keyring ------------------------------------------------------------------------


def masked_url(url: str) -> str:
    """The URL as Apprise shows it in privacy mode: tokens and passwords hidden."""
    plugin = _instantiate(url)
    if plugin is None:
        return "***"
    return str(plugin.url(privacy=True))


def _instantiate(url: str) -> Any:
    import apprise

    try:
        with _apprise_kept_out_of_the_log():
            return apprise.Apprise.instantiate(url, asset=_asset())
    except Exception:  # Apprise's plugins raise what they like on a bad URL
        return None


@contextmanager
def _apprise_kept_out_of_the_log() -> Iterator[None]:
    """Apprise logs addresses, tokens, and a URL it cannot parse whole: none of it may reach the
    assistant's log file. What the assistant needs of it is captured and scrubbed instead."""
    apprise_log = logging.getLogger("apprise")
    propagate, apprise_log.propagate = apprise_log.propagate, False
    try:
        yield
    finally:
        apprise_log.propagate = propagate


def _asset() -> Any:
    import apprise

    # No persistent storage (Apprise would cache tokens on disk), no plugin folders, and one
    # delivery at a time so that a failure is this channel's own.
    return apprise.AppriseAsset(async_mode=False, storage_mode="memory")


class ChannelStore:
    def __init__(self, secrets: SecretStore) -> None:
        self.secrets = secrets

    def channels(self, profile: str) -> list[Channel]:
        document = self.secrets.load_channels(profile)
        if not document:
            return []
        try:
            data = json.loads(document)
            return [
                Channel(
                    label=entry["label"],
                    audience=entry["to"],
                    language=entry["language"],
                    url=entry["url"],
                    detail=entry.get("detail", STANDARD),
                )
                for entry in data["channels"]
            ]
        except (ValueError, KeyError, TypeError):
            raise ConfigInvalidError(
                N_(
                    "The alert channels kept in the keyring for '{profile}' cannot be read. "
                    "'ofpra-assistant forget --profile {profile}' removes them."
                ),
                profile=profile,
            ) from None

    def add(
        self,
        profile: str,
        *,
        url: str,
        audience: str,
        language: str,
        consent: Consent | None,
        label: str | None = None,
        detail: str = STANDARD,
    ) -> Channel:
        """Check everything, then store: a refusal stores nothing."""
        if not consent_covers_channels(consent):
            raise ConsentMissingError(
                N_(
                    "The consent recorded for '{profile}' does not cover sending alerts to other "
                    "channels. Run 'ofpra-assistant setup --profile {profile} --replace' again "
                    "with the account holder, then add the channel."
                ),
                profile=profile,
            )
        url = url.strip()
        plugin = _instantiate(url) if url and not any(c.isspace() for c in url) else None
        if plugin is None:
            raise ConfigInvalidError(
                N_(
                    "This is not a channel address Apprise knows. Give one Apprise URL on "
                    "standard input (for instance mailto://..., ntfys://..., signal://..., "
                    "tgram://...)."
                )
            )
        existing = self.channels(profile)
        taken = {c.label for c in existing}
        if label is None:
            label = _free_label(f"{audience}-{url.split(':', 1)[0].lower()}", taken)
        if not CHANNEL_LABEL.fullmatch(label):
            raise ConfigInvalidError(
                N_(
                    "'{name}' cannot be a channel name: use up to 40 letters, digits, '-', '_' "
                    "or '.', for instance 'phone' or 'volunteer-mail'."
                ),
                name=label,
            )
        if label in taken:
            raise ConfigInvalidError(
                N_(
                    "The profile '{profile}' already has a channel named '{name}': choose "
                    "another --name, or remove that one first."
                ),
                profile=profile,
                name=label,
            )
        channel = Channel(label, audience, language, url, detail)
        self._save(profile, [*existing, channel])
        return channel

    def remove(self, profile: str, label: str) -> Channel:
        existing = self.channels(profile)
        kept = [c for c in existing if c.label != label]
        if len(kept) == len(existing):
            raise ConfigInvalidError(
                N_(
                    "The profile '{profile}' has no channel named '{name}' "
                    "('ofpra-assistant channel list --profile {profile}' lists them)."
                ),
                profile=profile,
                name=label,
            )
        self._save(profile, kept)
        return next(c for c in existing if c.label == label)

    def _save(self, profile: str, channels: list[Channel]) -> None:
        document = {
            "version": _DOCUMENT_VERSION,
            "channels": [c.to_document() for c in channels],
        }
        self.secrets.save_channels(profile, json.dumps(document, ensure_ascii=False))


def usable_channels(store: ChannelStore, profile: str, consent: Consent | None) -> list[Channel]:
    """The channels alerts may go to: none while the consent is older than the channels."""
    channels = store.channels(profile)
    if channels and not consent_covers_channels(consent):
        log.warning("%s: the consent predates the channels; nothing goes to them", profile)
        return []
    return channels


def _free_label(base: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]", "", base)[:36] or "channel"
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


# What happened, in the few facts a remote message may carry ------------------------------------


@dataclass(frozen=True)
class Event:
    """One alert, reduced to what may travel: the alert's kind and, for a letter, its kind and
    dates. Nothing the portal wrote (labels, names) and nothing secret is kept here."""

    kind: str
    letter_kind: LetterKind | None = None
    open_by: date | None = None
    days_left: int | None = None
    deemed_notified_on: date | None = None
    made_available_on: date | None = None
    #: Unread, with a legal clock running on it.
    needs_opening: bool = False
    #: check_failed: an error the assistant cannot get past without a person.
    needs_action: bool = False
    error_code: str | None = None
    #: not_checked: the day of the last successful check; channel_down: failing since.
    since: date | None = None
    #: channel_down: the channel that fails.
    channel: str | None = None
    #: A letter's dates (a decision's legal-aid and appeal days among them): dates only.
    deadlines: LetterDeadlines | None = None

    @property
    def close_deadline(self) -> bool:
        return (
            self.needs_opening
            and self.days_left is not None
            and (self.days_left <= HELPER_DAYS_LEFT)
        )


def letter_event(kind: str, letter: PortalLetter, deadlines: LetterDeadlines) -> Event:
    needs_opening = deadlines.notified_letter and not letter.read
    return Event(
        kind=kind,
        letter_kind=letter.kind,
        open_by=deadlines.open_by,
        days_left=deadlines.days_left,
        deemed_notified_on=deadlines.deemed_notified_on,
        made_available_on=letter.made_available_on,
        needs_opening=needs_opening,
        deadlines=deadlines,
    )


def failure_event(error: AssistantError) -> Event:
    return Event("check_failed", needs_action=not error.retryable, error_code=error.code)


def not_checked_event(since: date) -> Event:
    return Event("not_checked", since=since)


def channel_down_event(label: str, since: date) -> Event:
    return Event("channel_down", since=since, channel=label)


def check_events(result: CheckResult) -> list[Event]:
    """One event per alert of a check, in the order of ``result.alerts``."""
    reports: dict[str, LetterReport] = {r.letter.id: r for r in result.letters}
    events = []
    for alert in result.alerts:
        events.append(alert_event(alert, reports, result))
    return events


def alert_event(alert: Alert, reports: dict[str, LetterReport], result: CheckResult) -> Event:
    if alert.letter_id is not None and alert.letter_id in reports:
        report = reports[alert.letter_id]
        return letter_event(alert.kind, report.letter, report.deadlines)
    if alert.kind == "check_failed" and result.error is not None:
        return failure_event(result.error)
    return Event(alert.kind)


def event_from_state(alert: Alert, state: StateStore, profile: str, now: datetime) -> Event:
    """An alert from the outbox, with its facts found again in the state: the letter it is
    about (its days left counted now, since a delivery may come late), the failed check's code,
    the last successful check."""
    if alert.letter_id is not None:
        for seen in state.letters(profile):
            if seen.letter.id == alert.letter_id:
                deadlines = deadlines_as_of(
                    seen.letter, paris_today(seen.last_seen_at), paris_today(now)
                )
                return letter_event(alert.kind, seen.letter, deadlines)
    if alert.kind == "check_failed":
        failed = next((c for c in state.checks(profile, limit=1) if not c.ok), None)
        code = failed.error_code if failed is not None else None
        classes = {error.code: error for error in ALL_ERRORS}
        retryable = classes[code].retryable if code in classes else False
        return Event("check_failed", needs_action=not retryable, error_code=code)
    if alert.kind == "not_checked":
        last = state.last_successful_check(profile)
        return Event("not_checked", since=paris_today(last.finished_at) if last else None)
    if alert.kind == "channel_down" and alert.letter_id:
        # The alert names the channel's target (in letter_id: what the alert is about).
        failing = state.failing_targets().get(alert.letter_id)
        since = failing[0] if failing else now - RetryPolicy().down_after
        return channel_down_event(alert.letter_id.rsplit(":", 1)[-1], paris_today(since))
    return Event(alert.kind)


# Routing ----------------------------------------------------------------------------------------


def wants(channel: Channel, event: Event) -> bool:
    """The person's channels get what the desktop gets about their letters; a helper's get what
    needs a helper: a failure that needs action, the alarm, a close deadline still unopened."""
    if event.kind == "channel_down":
        return channel.label != event.channel
    if channel.audience == PERSON:
        return event.kind in ("new_letter", "reminder", "deemed_notified", "not_checked")
    if event.kind == "check_failed":
        return event.needs_action
    if event.kind == "not_checked":
        return True
    if event.kind in ("new_letter", "reminder"):
        return event.close_deadline
    return event.kind == "deemed_notified"


# The words --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteMessage:
    title: str
    body: str


def remote_message(event: Event, channel: Channel, profile: str, portal_url: str) -> RemoteMessage:
    """The message one channel gets, in its language, saying no more than it may."""
    t = Translator(channel.language)
    if channel.detail == MINIMAL:
        by = event.open_by if event.needs_opening and event.open_by else None
        if by is not None and (event.days_left or 0) >= 0:
            body = t._(
                "Something needs your attention on your OFPRA account by {date}.", date=t.date(by)
            )
        else:
            body = t._("Something needs your attention on your OFPRA account.")
        return RemoteMessage("OFPRA", t.paragraph(body))
    title, body = _standard_words(event, t, profile)
    if channel.audience == HELPER and event.kind not in ("check_failed", "channel_down"):
        title = t._("{title} ({profile})", title=title, profile=profile)
    if event.kind not in ("check_failed", "channel_down"):
        body += " " + t._("Open your OFPRA account: {url}", url=Unmarked(portal_url))
    return RemoteMessage(t.paragraph(title), t.paragraph(body))


def _kind_name(kind: LetterKind | None, t: Translator) -> str:
    if kind is None or kind not in KIND_NAMES:
        return t._("Letter")
    return t._(KIND_NAMES[kind])


def _standard_words(event: Event, t: Translator, profile: str) -> tuple[str, str]:
    kind = _kind_name(event.letter_kind, t)
    if event.kind == "check_failed":
        title = t._("OFPRA assistant: the check of '{profile}' failed", profile=profile)
        body = t._(
            "It needs you ({code}): run 'ofpra-assistant check --profile {profile}' on the "
            "computer to see what to do.",
            code=event.error_code or "",
            profile=profile,
        )
        return title, body
    if event.kind == "channel_down":
        assert event.since is not None
        title = t._("An alert channel is not working: {channel}", channel=event.channel or "")
        body = t._(
            "The alert channel '{channel}' of '{profile}' has failed since {date}; the other "
            "channels still get the alerts. Try it with 'ofpra-assistant channel test --profile "
            "{profile}'.",
            channel=event.channel or "",
            profile=profile,
            date=t.date(event.since),
        )
        return title, body
    if event.kind == "not_checked" and event.since is None:
        return "OFPRA", t._("Something needs your attention on your OFPRA account.")
    if event.kind == "not_checked":
        assert event.since is not None
        title = t._("OFPRA account not checked since {date}", date=t.date(event.since))
        body = t._(
            "The assistant could not check your OFPRA account since {date}: check your account "
            "yourself on the OFPRA website, or go to your SPADA.",
            date=t.date(event.since),
        )
        return title, body
    if event.kind == "deemed_notified" and event.deemed_notified_on is not None:
        title = t._("OFPRA: letter counted as received ({kind})", kind=kind)
        body = t._(
            "This OFPRA letter was not opened. Since {date} it counts as received. "
            "Open it now on the OFPRA website and ask your SPADA for help.",
            date=t.date(event.deemed_notified_on),
        )
        return title, body
    if event.kind == "reminder":
        title = t._("OFPRA: letter not opened yet ({kind})", kind=kind)
    else:
        title = t._("OFPRA: new letter ({kind})", kind=kind)
    opened_decision = (
        decision_dates(event.deadlines, t)
        if event.letter_kind is LetterKind.DECISION and event.deadlines is not None
        else None
    )
    if not event.needs_opening and opened_decision is not None:
        return t._("Time limits of an opened decision: {name}", name=kind), opened_decision
    if not event.needs_opening or event.open_by is None or event.days_left is None:
        assert event.made_available_on is not None
        body = t._(
            "Made available on {date}. Open it on the OFPRA website when you can.",
            date=t.date(event.made_available_on),
        )
        return title, body
    if event.days_left <= 0:
        when = t._("Open it today on the OFPRA website.")
    else:
        when = t.ngettext(
            "Open it on the OFPRA website by {date}: {count} day left.",
            "Open it on the OFPRA website by {date}: {count} days left.",
            event.days_left,
            date=t.date(event.open_by),
        )
    body = when
    if event.deemed_notified_on is not None:
        body += " " + t._(
            "If it is not opened, it counts as received on {date}.",
            date=t.date(event.deemed_notified_on),
        )
    if event.letter_kind is LetterKind.DECISION:
        body += " " + decision_rule(t)
    return title, body


def trial_message(channel: Channel, *, calendar: bool = False) -> RemoteMessage:
    t = Translator(channel.language)
    if calendar:
        return RemoteMessage(
            t.paragraph(t._("OFPRA assistant: the calendar of your deadlines")),
            t.paragraph(
                t._("The attached file holds the days to remember: open it with your calendar.")
            ),
        )
    return RemoteMessage(
        t.paragraph(t._("OFPRA assistant: test message")),
        t.paragraph(t._("This channel is set up to receive the OFPRA assistant's alerts.")),
    )


# Delivery ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """How one message went to one channel."""

    channel: str
    ok: bool
    at: datetime
    error: str | None = None
    attempts: int = 1
    #: The channel cannot carry a file: the message went without it.
    attachment_dropped: bool = False

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"channel": self.channel, "ok": self.ok}
        if self.error is not None:
            shown["error"] = self.error
        if self.attempts > 1:
            shown["attempts"] = self.attempts
        return shown


Sender = Callable[[Channel, RemoteMessage, Sequence[Path]], tuple[bool, str | None]]


def apprise_send(
    channel: Channel, message: RemoteMessage, attachments: Sequence[Path] = ()
) -> tuple[bool, str | None]:
    """Send through Apprise; (True, None) or (False, what went wrong, scrubbed). Never raises."""
    import apprise

    try:
        with (
            _apprise_kept_out_of_the_log(),
            apprise.LogCapture(level=logging.WARNING) as captured,
        ):
            notifier = apprise.Apprise(asset=_asset())
            if not notifier.add(channel.url):
                return False, "Apprise does not know this channel address"
            ok = bool(
                notifier.notify(
                    body=message.body,
                    title=message.title,
                    body_format=apprise.NotifyFormat.TEXT,
                    attach=[str(p) for p in attachments] or None,
                )
            )
            lines = captured.getvalue().splitlines()
    except Exception as error:  # a plugin's bug must not stop the other channels
        return False, scrub(f"{type(error).__name__}: {error}", channel.url)
    if ok:
        return True, None
    reason = lines[-1].split(" - ", 2)[-1] if lines else "the channel did not accept the message"
    return False, scrub(reason, channel.url)


def scrub(text: str, url: str) -> str:
    """Remove every part of the channel's URL (tokens, users, hosts) from a message about it."""
    from urllib.parse import unquote

    for part in sorted(set(re.split(r"[:/@?&=#,;+\s]+", unquote(url))), key=len, reverse=True):
        if len(part) >= 4:
            text = text.replace(part, "***")
    return text[:200]


def supports_attachments(channel: Channel) -> bool:
    plugin = _instantiate(channel.url)
    return bool(getattr(plugin, "attachment_support", False))


def deliver(
    channel: Channel,
    message: RemoteMessage,
    now: datetime,
    *,
    attachments: Sequence[Path] = (),
    send: Sender = apprise_send,
) -> Delivery:
    dropped = bool(attachments) and not supports_attachments(channel)
    ok, error = send(channel, message, () if dropped else attachments)
    if not ok:
        log.warning("channel %s: not delivered: %s", channel.label, error)
    return Delivery(channel.label, ok, now, error, attachment_dropped=dropped)


# Retries, and a channel that keeps failing -----------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """A failed delivery is tried again after 5 min, then twice as long each time, at most
    6 h apart, for up to 3 days; a channel failing for a day is an alert to the others."""

    first_wait: timedelta = timedelta(minutes=5)
    max_wait: timedelta = timedelta(hours=6)
    give_up_after: timedelta = timedelta(days=3)
    down_after: timedelta = timedelta(days=1)

    def next_attempt(
        self, attempts: int, first_failed_at: datetime, last_at: datetime
    ) -> datetime | None:
        """When to try again after ``attempts`` failed attempts; None: give up."""
        wait = min(self.first_wait * (2 ** max(attempts - 1, 0)), self.max_wait)
        at = last_at + wait
        return None if at - first_failed_at > self.give_up_after else at

    def delays(self) -> tuple[timedelta, ...]:
        """The waits in order, the last one repeating (the outbox's ``retry_delays``)."""
        waits = [self.first_wait]
        while waits[-1] < self.max_wait:
            waits.append(min(waits[-1] * 2, self.max_wait))
        return tuple(waits)

    def is_down(self, failing_since: datetime | None, now: datetime) -> bool:
        return failing_since is not None and now - failing_since >= self.down_after


class ChannelDispatcher:
    """Delivers each event to the channels that want it, at once, with the same routing and
    words as the outbox's ``ChannelTarget``: for the tests of what each receiver gets, and for
    a message that is not an alert. Retries and a channel that keeps failing are the outbox's."""

    def __init__(
        self,
        channels: list[Channel],
        *,
        profile: str,
        portal_url: str,
        clock: Callable[[], datetime],
        send: Sender = apprise_send,
    ) -> None:
        self.channels = channels
        self.profile = profile
        self.portal_url = portal_url
        self.clock = clock
        self.send = send

    def deliver_event(self, event: Event) -> list[Delivery]:
        deliveries = []
        for channel in self.channels:
            if wants(channel, event):
                message = remote_message(event, channel, self.profile, self.portal_url)
                deliveries.append(deliver(channel, message, self.clock(), send=self.send))
        return deliveries


class ChannelTarget:
    """One remote channel as a delivery target of the outbox: ``send`` delivers the alert's
    remote message, or raises ``NotifierError`` (the outbox then tries again later)."""

    def __init__(
        self,
        channel: Channel,
        *,
        profile: str,
        portal_url: str,
        state: StateStore,
        clock: Callable[[], datetime],
        send: Sender = apprise_send,
    ) -> None:
        self.channel = channel
        #: The profile is in the name: two profiles may each have a channel called "phone".
        self.name = target_name(profile, channel.label)
        self.profile = profile
        policy = RetryPolicy()
        self.retry_delays = policy.delays()
        #: Failing this long, the channel is an alert to the profile's other targets (outbox).
        self.down_after = policy.down_after
        self.portal_url = portal_url
        self.state = state
        self.clock = clock
        self._send = send

    def wants(self, alert: Alert) -> bool:
        return wants(self.channel, event_from_state(alert, self.state, self.profile, self.clock()))

    def send(self, alert: Alert) -> str:
        now = self.clock()
        event = event_from_state(alert, self.state, self.profile, now)
        if not wants(self.channel, event):
            return "not for this channel"
        message = remote_message(event, self.channel, self.profile, self.portal_url)
        delivery = deliver(self.channel, message, now, send=self._send)
        if not delivery.ok:
            raise NotifierError(delivery.error or "not delivered")
        return self.name

    def down_alert(self, since: datetime) -> Alert:
        """The alert that this channel has failed since ``since``, in the profile's language,
        for the desktop and the other channels (which get their own words, ``remote_message``)."""
        stored = self.state.profile(self.profile)
        t = Translator(stored.language if stored else "en")
        title, body = _standard_words(
            channel_down_event(self.channel.label, paris_today(since)), t, self.profile
        )
        return Alert(
            "channel_down",
            t.paragraph(title),
            t.paragraph(body),
            letter_id=self.name,
            profile=self.profile,
            language=t.language,
        )


def target_name(profile: str, label: str) -> str:
    """The channel's name in the outbox: two profiles may each have a channel called "phone"."""
    return f"channel:{profile}:{label}"


def drop_pending(state: StateStore, profile: str, label: str, now: datetime) -> int:
    """A removed channel's deliveries still to do are done with (it would otherwise wait, and
    show as failing, for ever); say how many."""
    name = target_name(profile, label)
    pending = state.pending_deliveries(now, force=True, targets=[name])
    with state.transaction():
        for item in pending:
            state.record_delivery(item.alert_id, name, now, via="channel removed")
    return len(pending)


@dataclass(frozen=True)
class TrialOutcome:
    """What one channel did with a test message (or the calendar file): the CLI and the page
    say it, each in its own words."""

    label: str
    sent: bool
    error: str | None = None
    #: The calendar was asked for and this channel cannot carry a file: nothing was sent.
    cannot_carry: bool = False


def send_trial(
    store: ChannelStore,
    state: StateStore,
    data_dir: Path,
    profile: str,
    label: str | None,
    now: datetime,
    *,
    calendar: bool = False,
) -> list[TrialOutcome]:
    """A test message (or, with ``calendar``, the calendar file, written afresh in the home
    folder first) to the channel named ``label``, or to each of the profile's channels."""
    from assistant.calendar_file import refresh_calendar

    chosen = [c for c in store.channels(profile) if label in (None, c.label)]
    if not chosen:
        raise ConfigInvalidError(
            N_(
                "The profile '{profile}' has no channel named '{name}' "
                "('ofpra-assistant channel list --profile {profile}' lists them)."
            ),
            profile=profile,
            name=label or "",
        )
    attachments = []
    if calendar:
        refreshed = refresh_calendar(state, data_dir, profile, now)
        assert refreshed is not None
        attachments.append(refreshed[0])
    outcomes = []
    for channel in chosen:
        if attachments and not supports_attachments(channel):
            outcomes.append(TrialOutcome(channel.label, False, cannot_carry=True))
            continue
        message = trial_message(channel, calendar=bool(attachments))
        done = deliver(channel, message, now, attachments=attachments)
        outcomes.append(TrialOutcome(channel.label, done.ok, done.error))
    return outcomes


def remove_channel(
    store: ChannelStore, state: StateStore, profile: str, label: str, now: datetime
) -> Channel:
    """Remove the channel from the keyring, and its deliveries still to do from the outbox."""
    removed = store.remove(profile, label)
    drop_pending(state, profile, removed.label, now)
    return removed


def channel_targets(
    store: ChannelStore, state: StateStore, profile: str, clock: Callable[[], datetime]
) -> list[ChannelTarget]:
    """The delivery targets of a profile's channels (none while its consent is older)."""
    stored = state.profile(profile)
    if stored is None:
        return []
    return [
        ChannelTarget(c, profile=profile, portal_url=stored.portal_url, state=state, clock=clock)
        for c in usable_channels(store, profile, state.consent(profile))
    ]
