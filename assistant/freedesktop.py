"""Desktop notifications on Linux, through the freedesktop notification interface on D-Bus.

plyer sends no urgency and one fixed expiry (RECIPES.md): every alert looked alike and went
away after 30 s. Here an alert's weight decides: an urgent one (a deadline within 3 days, a
letter that counts as received, a failure the person must act on) is *critical* (urgency 2) and
stays until dismissed (``expire_timeout`` 0); the others are *normal* (1) and go after a while.

jeepney speaks D-Bus in pure Python (it comes with keyring on Linux); importing this module
fails where it is missing, and the desktop notifier then uses plyer.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

from assistant.results import Alert

NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.freedesktop.Notifications",
)
#: A notification service that does not answer within this is as good as absent.
CALL_TIMEOUT_SECONDS = 5.0
#: ``expire_timeout`` 0: the server keeps the notification until the person dismisses it.
UNTIL_DISMISSED = 0


class Urgency(IntEnum):
    """The freedesktop ``urgency`` hint."""

    LOW = 0
    NORMAL = 1
    CRITICAL = 2


class FreedesktopError(Exception):
    """The notification service could not be reached, or refused the notification."""


@dataclass(frozen=True)
class Notification:
    summary: str
    body: str
    urgency: Urgency
    #: Milliseconds on screen; 0: until dismissed.
    expire_timeout_ms: int


def notification_for(alert: Alert, timeout_seconds: int) -> Notification:
    """How an alert is shown: urgent ones critical and kept, the others normal and timed."""
    if alert.urgent:
        return Notification(alert.title, alert.body, Urgency.CRITICAL, UNTIL_DISMISSED)
    return Notification(alert.title, alert.body, Urgency.NORMAL, max(1, timeout_seconds) * 1000)


def body_for(body: str, capabilities: Sequence[str]) -> str:
    """A server that renders markup in the body (it says ``body-markup``) would take ``<``,
    ``>`` and ``&`` as markup: they are escaped for it, and left as they are for the others,
    which show the text as it is."""
    return html.escape(body, quote=False) if "body-markup" in capabilities else body


def send(notification: Notification, app_name: str) -> int:
    """Show the notification; the server's id for it. Any failure is a ``FreedesktopError``."""
    try:
        with open_dbus_connection(bus="SESSION") as connection:
            capabilities = _call(connection, "GetCapabilities")[0]
            (notification_id,) = _call(
                connection,
                "Notify",
                "susssasa{sv}i",
                (
                    app_name,
                    0,  # replaces no earlier notification
                    "",  # no icon
                    notification.summary,
                    body_for(notification.body, capabilities),
                    [],  # no actions
                    {"urgency": ("y", int(notification.urgency))},
                    notification.expire_timeout_ms,
                ),
            )
    except DBusErrorResponse as error:
        raise FreedesktopError(f"the notification service refused: {error.name}") from None
    except KeyError:
        raise FreedesktopError(
            "no desktop session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
        ) from None
    except (OSError, TimeoutError, ValueError) as error:
        raise FreedesktopError(f"{type(error).__name__}: {error}") from None
    return int(notification_id)


@dataclass(frozen=True)
class ServerInformation:
    """Who shows the notifications, and what it can do (``doctor``)."""

    name: str
    version: str
    capabilities: tuple[str, ...]


def server_information(timeout: float = CALL_TIMEOUT_SECONDS) -> ServerInformation:
    """Ask the notification service who it is and what it supports, without showing
    anything. Any failure (no bus, no service, no answer in time) is a ``FreedesktopError``."""
    try:
        with open_dbus_connection(bus="SESSION") as connection:
            name, _vendor, version, _spec = _call(
                connection, "GetServerInformation", timeout=timeout
            )
            (capabilities,) = _call(connection, "GetCapabilities", timeout=timeout)
    except DBusErrorResponse as error:
        raise FreedesktopError(f"{error.name}") from None
    except KeyError:
        raise FreedesktopError(
            "no desktop session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
        ) from None
    except (OSError, TimeoutError, ValueError) as error:
        raise FreedesktopError(f"{type(error).__name__}: {error}") from None
    return ServerInformation(str(name), str(version), tuple(str(c) for c in capabilities))


def _call(
    connection: DBusConnection,
    method: str,
    signature: str | None = None,
    body: tuple[object, ...] = (),
    timeout: float = CALL_TIMEOUT_SECONDS,
) -> tuple[Any, ...]:
    message = new_method_call(NOTIFICATIONS, method, signature, body)
    reply = connection.send_and_get_reply(message, timeout=timeout)
    return tuple(unwrap_msg(reply))
