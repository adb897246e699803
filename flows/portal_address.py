"""The portal's address, parsed once and the way the browser parses it (the WHATWG URL rules).

Setup validates an address with it, the browser's launch rules and the request guard compare
with it: all three see the same origin. Python's ``urlsplit`` does not parse as a browser does
(``https://portal.fr\\@evil.example/`` is ``portal.fr`` to it and ``evil.example`` to Chromium);
ada (the parser Node.js uses) follows the standard: default ports dropped, hosts lower-cased and
internationalised ones in punycode, IPv4 written in any form made dotted.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import ada_url

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class PortalAddressError(ValueError):
    """An address the assistant will not use. ``reason``: not_a_url, scheme, credentials, trick."""

    def __init__(self, reason: str, text: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {text!r}")


@dataclass(frozen=True)
class Origin:
    scheme: str
    #: Lower case, punycode, IPv6 in brackets: as the browser writes it.
    host: str
    #: The effective port (the scheme's default when the address names none).
    port: int

    def __str__(self) -> str:
        default = DEFAULT_PORTS.get(self.scheme)
        return f"{self.scheme}://{self.host}" + ("" if self.port == default else f":{self.port}")


@dataclass(frozen=True)
class PortalAddress:
    #: The address as the browser will ask for it (normalised).
    url: str
    origin: Origin

    @property
    def host(self) -> str:
        return self.origin.host

    @property
    def is_loopback(self) -> bool:
        host = self.origin.host.strip("[]")
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def same_origin(self, url: str) -> bool:
        return origin_of(url) == self.origin


def origin_of(url: str) -> Origin | None:
    """The (scheme, host, port) a browser would send a request for ``url`` to; None for an
    address without a network origin (data:, blob:, about:, or one that does not parse)."""
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return None
    scheme = parsed.protocol.rstrip(":")
    if scheme not in DEFAULT_PORTS or not parsed.hostname:
        return None
    port = int(parsed.port) if parsed.port else DEFAULT_PORTS[scheme]
    return Origin(scheme, parsed.hostname, port)


def parse_portal_address(text: str) -> PortalAddress:
    """The portal's login page address, or ``PortalAddressError``. Refused: anything but http
    and https, a user name or password before the host, and the characters a browser silently
    rewrites (backslashes, tabs, line breaks, other control characters), which hide a host."""
    stripped = text.strip()
    if "\\" in stripped or any(ord(char) < 0x21 or ord(char) == 0x7F for char in stripped):
        raise PortalAddressError("trick", text)
    try:
        parsed = ada_url.URL(stripped)
    except ValueError:
        raise PortalAddressError("not_a_url", text) from None
    scheme = parsed.protocol.rstrip(":")
    if scheme not in ("http", "https"):
        if "://" not in stripped:
            raise PortalAddressError("not_a_url", text)
        raise PortalAddressError("scheme", text)
    if parsed.username or parsed.password or "@" in stripped.split("//", 1)[-1].split("/")[0]:
        raise PortalAddressError("credentials", text)
    origin = origin_of(parsed.href)
    if origin is None:
        raise PortalAddressError("not_a_url", text)
    return PortalAddress(parsed.href, origin)
