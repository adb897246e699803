"""Where alerts go: the desktop's notification service, else the terminal. Never a crash.

A notifier is a small class with a ``kind`` and a ``send()``, registered by name in
``NOTIFIERS``; its docstring's first line is its help text.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from assistant.privacy import REDACTOR, escape_markup
from assistant.results import Alert

if TYPE_CHECKING:
    from assistant.i18n import Translator

log = logging.getLogger(__name__)

APP_NAME = "OFPRA assistant"


class NotifierError(Exception):
    """The notifier could not deliver; the dispatcher falls back to the next one."""


class Notifier(Protocol):
    kind: str

    def send(self, alert: Alert) -> None: ...


class DesktopNotifier:
    """Desktop notifications through the system's notification service (plyer)."""

    kind = "desktop"

    def __init__(self, timeout_seconds: int = 30) -> None:
        self.timeout_seconds = timeout_seconds
        #: The agent's connection that gives alerts about a letter their "Open" action
        #: (``assistant.notification_actions``); None elsewhere.
        self.actions: ActionSender | None = None

    def send(self, alert: Alert) -> None:
        if sys.platform == "linux" and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            raise NotifierError("no desktop session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
        # On either path: no secret. (A page's NUL and escapes were removed where its text
        # entered.) The body's markup is escaped where it is sent: below for plyer, by
        # ``body_for`` for jeepney, which knows whether the server renders it.
        alert = replace(alert, title=REDACTOR.scrub(alert.title), body=REDACTOR.scrub(alert.body))
        if sys.platform == "linux" and _send_freedesktop(alert, self.timeout_seconds, self.actions):
            return
        try:
            from plyer import notification

            notification.notify(
                title=alert.title,
                message=escape_markup(alert.body),
                app_name=APP_NAME,
                timeout=self.timeout_seconds,
            )
        except NotImplementedError:
            raise NotifierError("no notification service is available here") from None
        except Exception as error:
            # plyer passes on whatever the platform's service raised (a D-Bus error, a COM error).
            raise NotifierError(f"{type(error).__name__}: {error}") from None


class ActionSender(Protocol):
    def send(self, notification: Any, app_name: str, profile: str) -> int: ...


#: The alerts about one letter: those the agent gives an "Open" action.
LETTER_ALERT_KINDS = frozenset({"new_letter", "reminder", "deemed_notified"})


def _send_freedesktop(
    alert: Alert, timeout_seconds: int, actions: ActionSender | None = None
) -> bool:
    """On Linux, the freedesktop interface itself, for the urgency and expiry plyer cannot set;
    False where jeepney is missing (plyer then). A failure raises ``NotifierError``. An alert
    about a letter goes through ``actions`` when the agent gave one, to carry "Open"."""
    try:
        from assistant import freedesktop
    except ImportError:
        return False
    notification = freedesktop.notification_for(alert, timeout_seconds)
    try:
        if actions is not None and alert.profile and alert.kind in LETTER_ALERT_KINDS:
            actions.send(notification, APP_NAME, alert.profile)
        else:
            freedesktop.send(notification, APP_NAME)
    except freedesktop.FreedesktopError as error:
        raise NotifierError(str(error)) from None
    return True


class ConsoleNotifier:
    """Alerts printed on the terminal, when no desktop notification service answers."""

    kind = "console"

    def __init__(self, stream: TextIO, terminal: Translator | None = None) -> None:
        self.stream = stream
        #: The terminal's language (whoever reads it), not the alert's: the alert's own words
        #: stay the account holder's, and a line in the terminal's language says whose they are.
        self.terminal = terminal

    def send(self, alert: Alert) -> None:
        marker = "!!" if alert.urgent else "**"
        text = f"{marker} {alert.title}\n   {alert.body}"
        heading = self._heading(alert)
        if heading:
            text = f"{heading}\n{text}"
        print(REDACTOR.scrub(text), file=self.stream, flush=True)

    def _heading(self, alert: Alert) -> str | None:
        """ "Alert for 'amina' (in Dari):": the volunteer at the terminal may not read the
        alert's language, and must not take its words for the command's own."""
        if not alert.profile and alert.language is None:
            return None  # nothing known of whose it is (written by an older version)
        from assistant.i18n import LANGUAGES, Translator, system_language

        t = self.terminal or Translator(system_language())
        language = LANGUAGES.get(alert.language, alert.language) if alert.language else ""
        if alert.profile and language:
            return t._(
                "Alert for '{profile}' (in {language}):", profile=alert.profile, language=language
            )
        if alert.profile:
            return t._("Alert for '{profile}':", profile=alert.profile)
        return t._("Alert (in {language}):", language=language)


NOTIFIERS: dict[str, Callable[..., Notifier]] = {
    DesktopNotifier.kind: DesktopNotifier,
    ConsoleNotifier.kind: ConsoleNotifier,
}


class AlertDispatcher:
    """The local delivery target: tries each notifier in turn for every alert.

    ``send`` says how the alert went out, or raises ``NotifierError`` when it reached no one:
    the outbox then keeps it for the next delivery, and it is never counted as delivered.
    """

    #: The delivery target's name in the outbox (remote channels have their own).
    name = "local"
    #: A failed delivery is tried again at the agent's next tick: at login, the desktop's
    #: notification service comes within a minute or two, and trying costs nothing.
    retry_delays = (timedelta(0),)

    def __init__(self, notifiers: list[Notifier]) -> None:
        self.notifiers = notifiers

    def send(self, alert: Alert) -> str:
        failures = []
        for notifier in self.notifiers:
            try:
                notifier.send(alert)
                return notifier.kind
            except NotifierError as error:
                log.warning("%s notifier failed: %s", notifier.kind, error)
                failures.append(f"{notifier.kind}: {error}")
            except Exception as error:
                # A notifier's bug must not stop the others, nor count as a delivery.
                log.exception("%s notifier crashed", notifier.kind)
                failures.append(f"{notifier.kind}: {type(error).__name__}")
        raise NotifierError("; ".join(failures) or "no notifier here reaches anyone")

    def deliver(self, alert: Alert) -> str:
        """Like ``send``, but "none" when the alert reached no one."""
        try:
            return self.send(alert)
        except NotifierError:
            return "none"


def dispatcher_for(
    setting: str,
    console_stream: TextIO | None,
    *,
    console_counts: bool = True,
    terminal: Translator | None = None,
) -> AlertDispatcher:
    """``auto``: the desktop, and the terminal when the desktop fails; ``console``: the
    terminal only. The terminal is left out when no one would read it (``console_counts``
    false: the agent started at login with no terminal; no stream at all under pythonw), so
    that an alert printed to nowhere is never counted as delivered. ``terminal``: the language
    of the terminal's own words around an alert printed there (the system's by default)."""
    console: list[Notifier] = []
    if console_stream is not None and (console_counts or setting == "console"):
        # Chosen in the settings, the terminal is where the person reads (a log they watch).
        console.append(ConsoleNotifier(console_stream, terminal))
    if setting == "console":
        return AlertDispatcher(console)
    return AlertDispatcher([DesktopNotifier(), *console])
