"""The "Open" action of a desktop alert about a letter: it opens the page at that profile.

On the freedesktop interface, a notification's actions are sent with it (``actions`` in
``Notify``) and a click comes back as the ``ActionInvoked`` signal, which servers send to the
connection that sent the notification (dunst and GNOME Shell do). So only a process that stays
connected can answer the click: the agent. It sends its alerts about letters through the
connection this module keeps open, with the actions "Open" and the default one (a click on the
alert itself), and answers either by doing what ``open --profile NAME`` does (a one-time
address for the page it serves, in the default browser).

A ``check`` run by hand exits at once: its alerts carry no action, since a button that does
nothing would be worse than none. Servers that do not say ``actions`` in their capabilities get
none either. Where jeepney or the session bus is missing, the agent's alerts go out as before.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.freedesktop import (
    CALL_TIMEOUT_SECONDS,
    NOTIFICATIONS,
    FreedesktopError,
    Notification,
    body_for,
)

if TYPE_CHECKING:
    from jeepney import Message
    from jeepney.io.threading import DBusConnection, DBusRouter

    from assistant.agent import PageHandle
    from assistant.notifiers import AlertDispatcher
    from assistant.settings import Paths

log = logging.getLogger(__name__)

OPEN_ACTION = "open"
#: The action of a click on the notification itself (freedesktop's reserved key).
DEFAULT_ACTION = "default"
#: The notifications whose click is still awaited; the oldest are forgotten past this.
REMEMBERED = 256
_STOP = object()


def notify_body(
    notification: Notification, app_name: str, capabilities: list[str], label: str | None
) -> tuple[object, ...]:
    """The ``Notify`` call's arguments, with the actions when the server shows them (and there
    is a ``label``: no page served, no button)."""
    shown = label is not None and "actions" in capabilities
    actions = [DEFAULT_ACTION, label, OPEN_ACTION, label] if shown else []
    return (
        app_name,
        0,  # replaces no earlier notification
        "",  # no icon
        notification.summary,
        body_for(notification.body, capabilities),
        actions,
        {"urgency": ("y", int(notification.urgency))},
        notification.expire_timeout_ms,
    )


class NotificationActions:
    """One D-Bus connection, kept open while the agent runs: it sends the alerts about letters
    and hears which notification was clicked. ``on_open(profile)`` runs in a thread of its own."""

    def __init__(
        self,
        on_open: Callable[[str], None],
        label_for: Callable[[str], str],
        available: Callable[[], bool] = lambda: True,
    ) -> None:
        self.on_open = on_open
        self.label_for = label_for
        #: Whether a click can be answered now (the page is served).
        self.available = available
        #: Each notification sent and not closed yet: its profile, and the server that showed
        #: it (its unique name on the bus: only that server may say it was clicked).
        self._sent: OrderedDict[int, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._connection: DBusConnection | None = None
        self._router: DBusRouter | None = None
        self._signals: queue.Queue[Any] = queue.Queue(maxsize=1000)
        self._listener: threading.Thread | None = None

    def start(self) -> None:
        """Connect and listen; raises ``FreedesktopError`` when there is no session bus."""
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.threading import DBusRouter, open_dbus_connection

        try:
            self._connection = open_dbus_connection(bus="SESSION")
            self._router = DBusRouter(self._connection)
            rule = MatchRule(
                type="signal",
                interface=NOTIFICATIONS.interface,
                path=NOTIFICATIONS.object_path,
            )
            self._router.filter(rule, queue=self._signals)
            self._router.send_and_get_reply(
                message_bus.AddMatch(rule), timeout=CALL_TIMEOUT_SECONDS
            )
        except KeyError:
            self.stop()
            raise FreedesktopError("no desktop session bus") from None
        except (OSError, TimeoutError, ValueError) as error:
            self.stop()
            raise FreedesktopError(f"{type(error).__name__}: {error}") from None
        self._listener = threading.Thread(
            target=self._listen, name="notification-actions", daemon=True
        )
        self._listener.start()

    def send(self, notification: Notification, app_name: str, profile: str) -> int:
        """Show the notification with its "Open" action; the server's id for it."""
        from jeepney import new_method_call
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg

        if self._router is None:
            raise FreedesktopError("the agent's notification connection is closed")
        try:
            capabilities = self._call(new_method_call(NOTIFICATIONS, "GetCapabilities"))[0]
            label = self.label_for(profile) if self.available() else None
            body = notify_body(notification, app_name, capabilities, label)
            reply = self._router.send_and_get_reply(
                new_method_call(NOTIFICATIONS, "Notify", "susssasa{sv}i", body),
                timeout=CALL_TIMEOUT_SECONDS,
            )
            (notification_id,) = unwrap_msg(reply)
            server = str(reply.header.fields.get(_SENDER, ""))
        except DBusErrorResponse as error:
            raise FreedesktopError(f"the notification service refused: {error.name}") from None
        except (OSError, TimeoutError, ValueError) as error:
            raise FreedesktopError(f"{type(error).__name__}: {error}") from None
        with self._lock:
            self._sent[int(notification_id)] = (profile, server)
            while len(self._sent) > REMEMBERED:
                self._sent.popitem(last=False)
        return int(notification_id)

    def _call(self, message: Message) -> tuple[Any, ...]:
        from jeepney.wrappers import unwrap_msg

        assert self._router is not None
        return tuple(
            unwrap_msg(self._router.send_and_get_reply(message, timeout=CALL_TIMEOUT_SECONDS))
        )

    def handle(self, member: str, body: tuple[Any, ...], sender: str) -> None:
        """A signal of the notification service: a click on one of ours opens its profile.
        Signals are not checked by the bus: one from any other sender is ignored."""
        with self._lock:
            sent = self._sent.get(int(body[0])) if body else None
        if sent is None or sent[1] != sender:
            return  # another program's notification, one of ours forgotten, or not the server
        if member == "NotificationClosed":
            with self._lock:
                self._sent.pop(int(body[0]), None)
            return
        if member != "ActionInvoked" or body[1] not in (OPEN_ACTION, DEFAULT_ACTION):
            return
        profile = sent[0]
        log.info("the alert's Open action: the page of %s", profile)
        threading.Thread(target=self._open, args=(profile,), name="open-page", daemon=True).start()

    def _open(self, profile: str) -> None:
        try:
            self.on_open(profile)
        except Exception:
            log.exception("the page could not be opened from a desktop alert")

    def _listen(self) -> None:
        while True:
            message = self._signals.get()
            if message is _STOP:
                return
            try:
                fields = message.header.fields
                self.handle(
                    str(fields.get(_MEMBER, "")),
                    tuple(message.body),
                    str(fields.get(_SENDER, "")),
                )
            except Exception:  # a malformed signal must not end the listening
                log.exception("a notification signal could not be read")

    def stop(self) -> None:
        self._signals.put(_STOP)
        router, connection = self._router, self._connection
        self._router, self._connection = None, None
        if router is not None:
            router.close()
        if connection is not None:
            connection.close()
        if self._listener is not None:
            self._listener.join(timeout=5)


def _header_fields() -> tuple[Any, Any]:
    from jeepney.low_level import HeaderFields

    return HeaderFields.member, HeaderFields.sender


_MEMBER, _SENDER = _header_fields()


def listen_for_actions(
    paths: Paths, dispatcher: AlertDispatcher, page: Callable[[], PageHandle | None]
) -> NotificationActions | None:
    """The agent's alerts about letters get the "Open" action, answered with the page ``page()``
    serves then. None where it cannot be (no jeepney, no session bus): alerts go out as before."""
    from assistant.notifiers import DesktopNotifier
    from assistant.opener import open_in_browser

    desktops = [n for n in dispatcher.notifiers if isinstance(n, DesktopNotifier)]
    if not desktops:
        return None

    def on_open(profile: str) -> None:
        served = page()
        if served is None:
            log.warning("an alert's Open action, but the page is not served")
            return
        open_in_browser(paths, served.url, profile)

    actions = NotificationActions(
        on_open, lambda profile: open_label(paths, profile), lambda: page() is not None
    )
    try:
        actions.start()
    except (ImportError, FreedesktopError) as error:
        log.info("desktop alerts without the Open action: %s", error)
        return None
    for desktop in desktops:
        desktop.actions = actions
    return actions


def open_label(paths: Paths, profile: str) -> str:
    """ "Open", in the language of the profile's holder (the alert's language)."""
    from assistant.i18n import Translator
    from assistant.state import StateStore

    language = "fr"
    try:
        state = StateStore.open(paths.state_file)
        try:
            stored = state.profile(profile)
        finally:
            state.close()
        if stored is not None:
            language = stored.language
    except Exception:  # the label is not worth an alert lost
        log.warning("the language of %s could not be read for the Open action", profile)
    return Translator(language)._("Open")
