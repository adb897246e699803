"""The redacted page capture: structure and interface words only, never personal data.

The mock's ``personal_data`` scenario plants a name and numbers where a careless capture would
catch them (a greeting in a heading, a letter label, the identifier typed in the login form);
no outline may contain any of them.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from assistant.capture_command import capture_profile
from assistant.captures import save_capture
from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.notifiers import AlertDispatcher
from assistant.runner import CheckRunner, Environment
from assistant.settings import BrowserSettings, RetrySettings, Settings
from assistant.state import StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer
from flows.capture import ELIDED, capture_page, keep_text, outline
from flows.check_flow import capture_pages
from tests.conftest import (
    IDENTIFIER,
    NOW,
    PASSWORD,
    TODAY,
    FakeClock,
    RecordingNotifier,
    RecordingSleep,
    fence,
)

#: What the personal_data scenario plants, and no capture may hold (compared case-insensitively).
PLANTED = [
    "Zaineb",
    "KHAROUFI",
    "9876543210",
    IDENTIFIER,
    PASSWORD,
    "0698765432",
    "zaineb.kharoufi@example.org",
]


def assert_no_personal_data(text: str) -> None:
    lowered = text.casefold()
    for planted in PLANTED:
        assert planted.casefold() not in lowered, planted
    # Not even a number in a text or an attribute's value: every run of digits is masked.
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert not re.search(r'"[^"\n]*\d[^"\n]*"|=[^\]\s]*\d', body)


# --- The rules, without a browser ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        pytest.param("Mes documents", "Mes documents", id="nav"),
        pytest.param("Date de notification*", "Date de notification*", id="header"),
        pytest.param(
            "Temps restant pour accéder au courrier",
            "Temps restant pour accéder au courrier",
            id="long-header",
        ),
        pytest.param(
            "Remaining time to access the account",
            "Remaining time to access the account",
            id="english-header",
        ),
        pytest.param("Intitulé du pli", None, id="unknown-words"),
        pytest.param("Bonjour Mme Zaineb KHAROUFI", None, id="greeting-with-a-name"),
        pytest.param("Mme Zaineb KHAROUFI 9876543210", None, id="label-with-name-and-number"),
        pytest.param("9876543210", "N", id="number-alone"),
        pytest.param(
            "Vous avez reçu 12 courrier(s), dont 3 non lu(s).",
            "Vous avez reçu N courrier(s), dont N non lu(s).",
            id="counter",
        ),
        pytest.param("zaineb.kharoufi@example.org", None, id="email"),
        pytest.param("06 98 76 54 32", "N N N N N", id="phone"),
        pytest.param("|", "|", id="symbol"),
        pytest.param("•••••", None, id="long-symbols"),
        pytest.param("Déconnexion " * 30, None, id="too-long"),
        pytest.param("", None, id="empty"),
    ],
)
def test_keep_text_keeps_interface_words_only(text: str, kept: str | None) -> None:
    assert keep_text(text) == kept


def test_outline_never_shows_cell_text_form_values_or_addresses() -> None:
    tree = {
        "t": "html",
        "a": [["lang", "fr"]],
        "x": [],
        "c": [
            {
                "t": "input",
                "a": [["type", "text"], ["value", "Zaineb"], ["name", None]],
                "x": [],
                "c": [],
            },
            {"t": "a", "a": [["href", None], ["title", "Zaineb KHAROUFI"]], "x": ["Voir"], "c": []},
            {"t": "td", "a": [], "x": [None, None], "c": []},
            {"t": "span", "a": [["lang", "12345678901"]], "x": [], "c": []},
        ],
    }

    text = outline(tree)

    assert text == (
        "html [lang=fr]\n"
        "  input [type=text] [value] [name]\n"
        '  a [href] [title] "Voir"\n'
        f"  td {ELIDED}\n"
        "  span [lang]\n"
    )


def test_outline_counts_identical_rows_instead_of_repeating_them() -> None:
    row = {"t": "tr", "a": [], "x": [], "c": [{"t": "td", "a": [], "x": [None], "c": []}]}
    tree = {"t": "tbody", "a": [], "x": [], "c": [row, row, row]}

    assert outline(tree) == f"tbody\n  tr  [3 times]\n    td {ELIDED}\n"


def test_save_capture_is_private_and_never_overwrites(tmp_path: Path) -> None:
    at = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    first = save_capture(tmp_path / "captures", "amina", "home", "html\n", at, "on request")
    second = save_capture(tmp_path / "captures", "amina", "home", "html\n", at, "on request")

    assert first.name == "20261126T110000Z-home.txt"
    assert second.name == "20261126T110000Z-home-2.txt"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert stat.S_IMODE(first.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(first.parent.parent.stat().st_mode) == 0o700
    assert first.read_text().splitlines()[1] == (
        "# page: home; captured 2026-11-26T11:00:00+00:00; on request"
    )


# --- In a real browser, with personal data planted in the mock ---------------------------------


@pytest.fixture
def planted(portal: MockPortalServer) -> MockPortalServer:
    portal.use_scenario("personal_data", today=TODAY)
    return portal


@pytest.mark.browser
def test_capture_of_a_form_with_typed_values_keeps_none_of_them(
    page: Page, planted: MockPortalServer
) -> None:
    page.goto(planted.login_url)
    page.get_by_label("Numéro de dossier Ofpra ou Numéro AGDREF").fill(IDENTIFIER)
    page.get_by_label("Mot de passe").fill(PASSWORD)

    text = capture_page(page)

    assert text is not None
    assert_no_personal_data(text)
    assert 'label [for] "Numéro de dossier Ofpra ou Numéro AGDREF"' in text
    assert "input [type=password] [id] [name] [autocomplete=current-password] [required]" in text


@pytest.mark.browser
def test_capture_pages_holds_structure_but_no_personal_data(
    page: Page, planted: MockPortalServer
) -> None:
    captures = capture_pages(
        fence(page, planted.login_url), planted.login_url, IDENTIFIER, PASSWORD, timeout_ms=10_000
    )

    assert set(captures) == {"home", "documents"}
    for text in captures.values():
        assert_no_personal_data(text)
    assert f"h2 {ELIDED}" in captures["home"]  # the greeting is there, its words are not
    assert '"Vous avez reçu N courrier(s), dont" "non lu(s)."' in captures["home"]
    assert 'th [scope=col] "Date de mise à disposition"' in captures["documents"]
    assert 'a [href] "Déconnexion"' in captures["documents"]
    log = planted.log()
    assert (log["logins"], log["logouts"]) == (1, 1)
    assert log["view_requests"] == []


@pytest.fixture
def env(tmp_path: Path, browser: Browser) -> Iterator[Environment]:
    state = StateStore(tmp_path / "state.sqlite3")
    environment = Environment(
        settings=Settings(
            browser=BrowserSettings(timeout_seconds=5), retry=RetrySettings(attempts=1)
        ),
        state=state,
        credentials=MemoryCredentialStore(),
        dispatcher=AlertDispatcher([RecordingNotifier()]),
        clock=FakeClock(NOW),
        browser_source=lambda settings, hosts: nullcontext(browser),
        sleep=RecordingSleep(),
        captures_dir=tmp_path / "captures",
    )
    yield environment
    state.close()


def set_up(env: Environment, portal: MockPortalServer) -> None:
    env.state.save_profile("zaineb", portal.login_url, "fr", NOW)
    env.state.record_consent("zaineb", make_consent("Zaineb", "holder", "fr", NOW))
    env.credentials.save("zaineb", Credentials(IDENTIFIER, PASSWORD))


@pytest.mark.browser
@pytest.mark.parametrize("fault", ["table_renamed", "table_replaced", "table_moved", "hidden_row"])
def test_capture_of_an_unrecognised_page_holds_no_personal_data(
    env: Environment, planted: MockPortalServer, fault: str
) -> None:
    set_up(env, planted)
    planted.set_fault(fault)

    result = CheckRunner(env).check("zaineb")

    assert result.error is not None and result.error.code == "page_not_recognised"
    assert result.capture is not None
    assert_no_personal_data(result.capture.read_text(encoding="utf-8"))


@pytest.mark.browser
def test_capture_profile_on_request_saves_both_pages_privately(
    env: Environment, planted: MockPortalServer
) -> None:
    set_up(env, planted)

    outcome = capture_profile(env, "zaineb")

    assert outcome.error is None
    assert set(outcome.files) == {"home", "documents"}
    for path in outcome.files.values():
        assert path.parent == env.captures_dir / "zaineb"  # type: ignore[operator]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text(encoding="utf-8")
        assert "# page: " in text and "; on request" in text
        assert_no_personal_data(text)
    assert planted.log()["view_requests"] == []


@pytest.mark.browser
def test_capture_profile_refused_password_saves_nothing(
    env: Environment, planted: MockPortalServer
) -> None:
    set_up(env, planted)
    env.credentials.save("zaineb", Credentials(IDENTIFIER, "Wrong-Password-1!"))

    outcome = capture_profile(env, "zaineb")

    assert outcome.error is not None and outcome.error.code == "login_rejected"
    assert outcome.files == {}
    assert planted.log()["failed_logins"] == 1
