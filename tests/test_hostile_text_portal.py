"""Issue 11 against the hostile portal's text attacks, in a real Chromium: the page's text is
made safe where it enters, and a portal that echoes the password and the identifier leaks them
into no output, file, notification or screenshot; notification bodies hold no live markup
(read back from a real dunst); forget leaves no trace of the profile."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from assistant.credentials import Credentials
from assistant.privacy import REDACTOR, secret_masks
from fixtures.desktop_session import DesktopSession
from fixtures.hostile_portal.text_attacks import (
    FAKE_ALL_FINE,
    READING_ATTACKS,
    HostileTextPortal,
)
from flows.check_flow import read_documents
from flows.fence import portal_context
from flows.pages import LoginPage
from flows.pages.base import PortalSession
from flows.pages.logged_in import log_out
from flows.untrusted import MAX_TEXT
from tests.conftest import TODAY, assistant_env, files_holding

pytestmark = pytest.mark.browser

# Recognisable, so that a leak anywhere is found by a plain search.
HOSTILE_PASSWORD = "Zq9-HOSTILE-echo!"
HOSTILE_IDENTIFIER = "8675309421"
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def unsafe_characters(text: str, allowed: str = "") -> list[str]:
    """Control characters (NUL and ESC included) and bidi controls in ``text``."""
    return [
        repr(char)
        for char in text
        if char not in allowed and (unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS)
    ]


def test_the_table_of_a_hostile_page_is_read_as_safe_text(browser: Browser) -> None:
    with (
        HostileTextPortal(READING_ATTACKS, today=TODAY) as portal,
        portal_context(browser, portal.login_url) as fenced,
    ):
        reading = read_documents(
            fenced, portal.login_url, HOSTILE_IDENTIFIER, HOSTILE_PASSWORD, 10_000
        )
        record = portal.record
    labels = [letter.label for letter in reading.letters]
    assert len(labels) == 6
    for letter in reading.letters:
        assert unsafe_characters(letter.label + (letter.sender or "")) == []
        assert len(letter.label) <= MAX_TEXT
    assert labels[0] == f"{FAKE_ALL_FINE} Décision"  # text, no longer an instruction
    assert reading.letters[0].sender == "OFPRA"
    assert labels[1].startswith("<b>Convocation</b>")  # kept as text; escaped where rendered
    assert labels[2] == "Décision etalp isolé marque"
    assert labels[3] == "Courrier postal"  # a script tries to put NUL bytes in it
    assert len(labels[4]) == MAX_TEXT and labels[4].endswith("…")
    assert reading.logged_out
    assert record.view_requests == []


def test_the_debug_screenshot_masks_every_element_that_echoes_a_secret(browser: Browser) -> None:
    REDACTOR.register(Credentials(HOSTILE_IDENTIFIER, HOSTILE_PASSWORD))
    with (
        HostileTextPortal(["echo_secrets"], today=TODAY) as portal,
        portal_context(browser, portal.login_url) as fenced,
    ):
        page = fenced.page
        session = PortalSession(fenced, 10_000)
        LoginPage.open(session, portal.login_url).sign_in(HOSTILE_IDENTIFIER, HOSTILE_PASSWORD)
        assert HOSTILE_PASSWORD in page.inner_text("body"), "the page does echo the secrets"
        fields = page.locator("input, textarea, select, [contenteditable]")
        pictures = []
        # The home page, then the login page after logout (the one a failed check's screenshot
        # shows): both echo the secrets in their ".echo" paragraphs.
        for shown in ("home", "login"):
            if shown == "login":
                log_out(session)
                assert HOSTILE_PASSWORD in page.inner_text("body")
            masked = page.screenshot(mask=secret_masks(page), full_page=True)
            # Masked by hand, the picture is the same; bare, it is not.
            by_hand = page.screenshot(mask=[fields, page.locator(".echo")], full_page=True)
            bare = page.screenshot(mask=[fields], full_page=True)
            pictures.append((masked, by_hand, bare))
    for masked, by_hand, bare in pictures:
        assert masked == by_hand
        assert masked != bare


def _run(env: dict[str, str], outputs: list[str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    outputs.extend([done.stdout, done.stderr])
    return done.stdout


def _setup(env: dict[str, str], outputs: list[str], profile: str, url: str) -> None:
    _run(
        env,
        outputs,
        "setup",
        "--no-check",
        "--profile",
        profile,
        "--portal-url",
        url,
        "--identifier",
        "-",
        "--password-stdin",
        "--consent",
        "Hostile Test",
        "--language",
        "en",
        stdin=f"{HOSTILE_IDENTIFIER}\n{HOSTILE_PASSWORD}\n",
    )


def _scan_home(home: Path) -> list[str]:
    secrets = (HOSTILE_PASSWORD, HOSTILE_IDENTIFIER)
    return files_holding(home, *secrets, *(secret.lower() for secret in secrets))


@pytest.mark.desktop
def test_a_hostile_portal_breaks_no_promise_end_to_end(
    tmp_path: Path, desktop: DesktopSession
) -> None:
    home = tmp_path / "home"
    env = assistant_env(
        desktop,
        home,
        "ofpra-assistant-hostile-text",
        BROWSER__TIMEOUT_SECONDS="5",
        RETRY__ATTEMPTS="1",
        DEBUG_SCREENSHOT="true",
    )
    outputs: list[str] = []
    before = len(desktop.notification_history())
    with (
        HostileTextPortal(READING_ATTACKS) as reading,
        HostileTextPortal(["echo_failure"]) as echo_failure,
        HostileTextPortal(["empty_title"]) as empty_title,
    ):
        _setup(env, outputs, "reading", reading.login_url)
        _setup(env, outputs, "echoing", echo_failure.login_url)
        _setup(env, outputs, "untitled", empty_title.login_url)
        _run(env, outputs, "check", "--profile", "reading")
        checked = _run(env, outputs, "check", "--profile", "reading", "--json")
        _run(env, outputs, "-v", "check", "--profile", "echoing")
        untitled = _run(env, outputs, "check", "--profile", "untitled", "--json")
        _run(env, outputs, "status")
        leaks_before_forget = _scan_home(home)
        screenshots = list((home / "captures").rglob("*.png"))
        records = [reading.record, echo_failure.record, empty_title.record]
        for profile in ("reading", "echoing", "untitled"):
            _run(env, outputs, "forget", "--profile", profile, "--yes")
    notifications = desktop.notification_history()[before:]

    # The attacks were made: the portals received the logins, and echoed the secrets back.
    assert [r.logins for r in records] == [2, 1, 1]
    assert all(r.view_requests == [] for r in records)
    assert screenshots, "the failed checks saved their debug screenshot"

    # No secret in any output, file or notification.
    everything = "\n".join(outputs) + json.dumps(notifications, ensure_ascii=False)
    assert HOSTILE_PASSWORD.lower() not in everything.lower()
    assert HOSTILE_IDENTIFIER not in everything
    assert "******9421" in everything, "the echoes were masked, not lost"
    assert leaks_before_forget == []
    assert _scan_home(home) == []

    # No control character from the page reaches the terminal (line breaks are the CLI's own).
    for output in outputs:
        assert unsafe_characters(output, allowed="\n") == [], output
    assert FAKE_ALL_FINE in "\n".join(outputs)  # shown as a label, inside the assistant's lines

    # JSON holds the same safe text; an empty title never becomes the catalog's header.
    letters = json.loads(checked)["letters"]
    assert len(letters) == 6
    for letter in letters:
        assert unsafe_characters(letter["label"] + (letter["sender"] or "")) == []
    untitled_error = json.loads(untitled)["error"]
    assert untitled_error["code"] == "page_not_recognised"
    assert "page title: ''" in untitled_error["message"]
    assert "Project-Id-Version" not in everything

    # Notifications: no live markup in a body, no NUL, no control character.
    ours = [n for n in notifications if n.get("appname") == "OFPRA assistant"]
    assert len(ours) == 2 * 6 + 2  # two reads of six letters, two failed checks
    from assistant.freedesktop import body_for

    bodies = [n["body"] for n in ours]
    # The test dunst renders no markup (it does not say "body-markup"): the text reaches it as
    # it is; a server that renders markup gets it escaped (body_for, tested on its own).
    assert any("<b>Erreur</b>" in body for body in bodies), bodies
    assert "&lt;b&gt;Erreur" in body_for("<b>Erreur</b>", ["body", "body-markup"])
    for n in ours:
        assert unsafe_characters(n["summary"] + n["body"]) == []

    # Forget left no trace of the profiles in the log or the state.
    log = (home / "logs" / "assistant.log").read_text()
    for profile in ("reading", "echoing", "untitled"):
        assert profile not in log
    assert "******9421" not in log
    state = b"".join(p.read_bytes() for p in home.glob("state.sqlite3*"))
    assert b"Hostile Test" not in state and b"echoing" not in state
