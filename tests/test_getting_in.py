"""Getting in (issue 22): ``setup --activate`` and ``setup --reset-password`` against the mock
portal's activation and forgotten-password pages, in a real Chromium, a real keyring and real
processes; and the ways back when the portal refuses the password."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from tests.conftest import IDENTIFIER, Cli, files_holding

pytestmark = [pytest.mark.desktop, pytest.mark.browser]

KEY = "K7P2-M9QX-4TZ8"
#: A generated password: three capitalised words and three digits, joined by "-".
GENERATED = re.compile(r"^[A-Z][a-z]+-[A-Z][a-z]+-[A-Z][a-z]+-[2-9]{3}$")


@pytest.fixture
def live_portal() -> Iterator[MockPortalServer]:
    """Dated from the real today, since the CLI runs on the real clock."""
    with MockPortalServer("not_activated") as server:
        yield server


@pytest.fixture
def cli(tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest) -> Cli:
    return Cli(tmp_path / "home", desktop, f"ofpra-assistant-gi-{request.node.name}"[:80])


def activate(cli: Cli, portal: MockPortalServer, *extra: str, key: str = KEY):  # type: ignore[no-untyped-def]
    return cli.run(
        "setup",
        "--activate",
        "--profile",
        "amina",
        "--identifier",
        IDENTIFIER,
        "--connection-key-stdin",
        "--consent",
        "Amina Test",
        "--language",
        "en",
        "--portal-url",
        portal.login_url,
        *extra,
        stdin=key + "\n",
    )


def test_activation_from_the_key_ends_in_a_first_check_and_the_password_shown_once(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    done = activate(cli, live_portal, "--mobile", "06 12 34 56 78", "--json")
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    password = output["new_password"]
    assert GENERATED.fullmatch(password)
    assert output["ok"] is True and output["done"] == "activated"
    assert output["check"]["ok"] is True
    account = live_portal.state.account
    assert (account.activated, account.password, account.mobile) == (True, password, "0612345678")
    assert cli.keyring_entry("amina:password") == password
    # The one print: on standard output once, nowhere else.
    assert done.stdout.count(password) == 1
    assert password not in done.stderr
    assert files_holding(cli.home, password) == []
    assert live_portal.log()["view_requests"] == []
