"""The portal's address, parsed once as the browser parses it, and the same origin in setup, in
the browser's launch rules and in the request guard."""

from __future__ import annotations

import pytest

from assistant.errors import ConfigInvalidError
from assistant.settings import check_portal_url
from flows.fence import RequestGuard
from flows.launch import fence_arguments, launch_arguments
from flows.portal_address import Origin, PortalAddressError, origin_of, parse_portal_address


@pytest.mark.parametrize(
    ("typed", "url", "origin"),
    [
        (
            "https://www.usager.ofpra.gov.fr/ofpra/user/login",
            "https://www.usager.ofpra.gov.fr/ofpra/user/login",
            Origin("https", "www.usager.ofpra.gov.fr", 443),
        ),
        # Default ports dropped, host lower-cased, spaces around ignored.
        (
            "  HTTPS://WWW.Usager.OFPRA.gouv.fr:443/ofpra/user/login ",
            "https://www.usager.ofpra.gouv.fr/ofpra/user/login",
            Origin("https", "www.usager.ofpra.gouv.fr", 443),
        ),
        ("http://127.0.0.1:80/login", "http://127.0.0.1/login", Origin("http", "127.0.0.1", 80)),
        # An internationalised host, in the punycode form the browser sends.
        ("https://bücher.example/login", "https://xn--bcher-kva.example/login", None),
        # IPv4 in another notation: the browser reads 0x7f.1 as 127.0.0.1.
        ("http://0x7f.1:5000/login", "http://127.0.0.1:5000/login", None),
        ("http://[::1]:8080/login", "http://[::1]:8080/login", Origin("http", "[::1]", 8080)),
    ],
)
def test_address_is_normalised_as_the_browser_does(
    typed: str, url: str, origin: Origin | None
) -> None:
    address = parse_portal_address(typed)

    assert address.url == url
    if origin is not None:
        assert address.origin == origin


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("https://user:secret@www.usager.ofpra.gov.fr/login", "credentials"),
        ("https://www.usager.ofpra.gov.fr@evil.example/login", "credentials"),
        ("https://@www.usager.ofpra.gov.fr/login", "credentials"),
        # urlsplit sees the portal's host here; Chromium goes to evil.example.
        ("https://evil.example\\@www.usager.ofpra.gov.fr/login", "trick"),
        ("https://www.usager.ofpra.gov.fr\\evil", "trick"),
        # The browser drops tabs and line breaks inside an address: they hide what it reads.
        ("https://www.usager.ofpra.g\tov.fr/login", "trick"),
        ("https://www.usager.ofpra.gov.fr/lo\ngin", "trick"),
        ("ftp://www.usager.ofpra.gov.fr/login", "scheme"),
        ("javascript:alert(1)", "not_a_url"),
        ("www.usager.ofpra.gov.fr/login", "not_a_url"),
        ("https://", "not_a_url"),
    ],
)
def test_tricky_addresses_are_refused(typed: str, reason: str) -> None:
    with pytest.raises(PortalAddressError) as refused:
        parse_portal_address(typed)

    assert refused.value.reason == reason


@pytest.mark.parametrize(
    "typed",
    [
        "https://user:secret@www.usager.ofpra.gov.fr/login",
        "https://evil.example\\@www.usager.ofpra.gov.fr/login",
    ],
)
def test_setup_refuses_credentials_and_backslashes_in_the_address(typed: str) -> None:
    with pytest.raises(ConfigInvalidError, match="holds a user name, a password, a backslash"):
        check_portal_url(typed)


def test_setup_keeps_the_address_as_the_browser_will_ask_for_it() -> None:
    assert check_portal_url("https://WWW.usager.ofpra.gov.fr:443/ofpra/user/login") == (
        "https://www.usager.ofpra.gov.fr/ofpra/user/login"
    )
    with pytest.raises(ConfigInvalidError, match="must start with https://"):
        check_portal_url("http://www.usager.ofpra.gov.fr/ofpra/user/login")
    # Loopback in any notation is loopback (the mock portal).
    assert check_portal_url("http://0x7f.1:5000/login") == "http://127.0.0.1:5000/login"


def test_guard_compares_origins_as_the_browser_writes_them() -> None:
    guard = RequestGuard("https://WWW.usager.ofpra.gov.fr:443/ofpra/user/login")

    assert guard.allowed("https://www.usager.ofpra.gov.fr/ofpra/home")
    assert not guard.allowed("https://www.usager.ofpra.gov.fr:8443/ofpra/home")
    assert not guard.allowed("http://www.usager.ofpra.gov.fr/ofpra/home")
    assert not guard.allowed("wss://www.usager.ofpra.gov.fr/socket")
    assert origin_of("data:text/html,hello") is None


def test_guard_of_an_address_that_does_not_parse_allows_nothing() -> None:
    guard = RequestGuard("https://user:secret@www.usager.ofpra.gov.fr/login")

    assert guard.origin is None
    assert not guard.allowed("https://www.usager.ofpra.gov.fr/login")


def test_launch_rules_let_only_the_portals_scheme_host_and_port_past_the_refusing_proxy() -> None:
    portal = parse_portal_address("https://bücher.example/login")

    arguments = fence_arguments([portal], refusing_port=4321)

    assert arguments == [
        "--proxy-server=http://127.0.0.1:4321",
        "--proxy-bypass-list=<-loopback>;https://xn--bcher-kva.example:443",
    ]
    assert any("EXCLUDE xn--bcher-kva.example" in a for a in launch_arguments([portal.host]))
