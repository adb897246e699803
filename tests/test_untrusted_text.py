"""Issue 11, items 3, 4, 6, 7 without a browser: the page's text made safe, secrets scrubbed at
every edge, the home folder's links and foreign folders refused, forget leaving no trace."""

from __future__ import annotations

import io
import logging
import os
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.captures import save_capture, save_private_file
from assistant.consent import make_consent
from assistant.credentials import Credentials
from assistant.errors import PageNotRecognisedError, UnsafeFolderError
from assistant.i18n import Translator
from assistant.privacy import (
    ScrubbingStream,
    SecretRedactingFilter,
    escape_markup,
    forget_in_log,
    notification_text,
)
from assistant.profiles import forget_profile, set_up_profile
from assistant.settings import Paths
from assistant.state import StateStore
from fixtures.memory_credentials import MemoryCredentialStore
from flows.untrusted import MAX_TEXT, untrusted_text

SECRET_PASSWORD = 'Zq9-Hostile"pw\\!'
SECRET_IDENTIFIER = "8675309421"
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


# Item 3: one function makes the page's text safe -----------------------------------------------


@pytest.mark.parametrize(
    ("page_text", "safe"),
    [
        ("\x1b[2J\x1b[H\x1b[32mAll fine\x1b[0m Décision", "All fine Décision"),
        ("\x1b]0;pwned\x07Title \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "Title link"),
        ("\x9b2J\x9d0;x\x9cText \x1bc\x1b(B", "Text"),
        ("Déc\x00ision\x00", "Décision"),
        ("\x07bell\x08\x7f\x85next", "bell next"),
        (
            "Décision \u202eetalp\u202c \u2066isolé\u2069 \u200fmark\u200e\u061c",
            "Décision etalp isolé mark",
        ),
        ("zero\u200bwidth\ufeff tag\U000e0041", "zerowidth tag"),
        ("line\nbreak\u2028and\u2029para\tend", "line break and para end"),
        ("<b>Convocation</b> <a href='x'>", "<b>Convocation</b> <a href='x'>"),
        ("ZWNJ\u200cstays", "ZWNJ\u200cstays"),
        (None, ""),
    ],
    ids=[
        "csi",
        "osc",
        "8-bit",
        "nul",
        "c0-c1",
        "bidi",
        "invisible",
        "separators",
        "markup-kept",
        "zwnj",
        "none",
    ],
)
def test_untrusted_text_removes_what_a_page_may_smuggle(page_text: str | None, safe: str) -> None:
    assert untrusted_text(page_text) == safe


def test_untrusted_text_bounds_the_length() -> None:
    cut = untrusted_text("Décision " + "A" * 100_000)
    assert len(cut) == MAX_TEXT
    assert cut.startswith("Décision AAA") and cut.endswith("…")
    assert untrusted_text("a" * 50, limit=10) == "a" * 9 + "…"


def test_an_empty_page_title_never_shows_the_catalog_header() -> None:
    error = PageNotRecognisedError(
        "The documents page shows no table of documents (page title: '{title}'). The "
        "portal's page has changed: check your account on the portal yourself, and report "
        "this page.",
        title="",
    )
    for language in ("fr", "ar", "en"):
        t = Translator(language)
        assert t._("") == ""
        assert "Project-Id-Version" not in t.error(error)
    assert "(page title: '')" in Translator("en").error(error)


# Item 4: one scrubber at every edge --------------------------------------------------------------


@pytest.fixture
def redactor() -> SecretRedactingFilter:
    redactor = SecretRedactingFilter()
    redactor.register(Credentials(SECRET_IDENTIFIER, SECRET_PASSWORD))
    return redactor


def test_the_scrubber_masks_secrets_in_any_case_and_in_json_like_values(
    redactor: SecretRedactingFilter,
) -> None:
    echoed = f"Bienvenue {SECRET_IDENTIFIER} ({SECRET_PASSWORD.upper()})"
    assert redactor.scrub(echoed) == "Bienvenue ******9421 (********)"
    value = {"alerts": [{"title": echoed}], SECRET_IDENTIFIER: 3, "n": None}
    assert redactor.scrub_object(value) == {
        "alerts": [{"title": "Bienvenue ******9421 (********)"}],
        "******9421": 3,
        "n": None,
    }


def test_tracebacks_written_to_the_log_are_masked(redactor: SecretRedactingFilter) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(redactor)
    log = logging.getLogger("test-traceback-masking")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise RuntimeError(f"page title: {SECRET_PASSWORD} for {SECRET_IDENTIFIER}")
        except RuntimeError:
            log.exception("check of amina failed")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "Traceback" in written and "RuntimeError: page title: ******** for ******9421" in written
    assert SECRET_PASSWORD not in written and SECRET_IDENTIFIER not in written


def test_the_scrubbing_stream_masks_what_is_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.privacy as privacy

    redactor = SecretRedactingFilter()
    redactor.register(Credentials(SECRET_IDENTIFIER, SECRET_PASSWORD))
    monkeypatch.setattr(privacy, "REDACTOR", redactor)
    target = io.StringIO()
    print(f"title {SECRET_IDENTIFIER}\x1b[2J\x00\tend", file=ScrubbingStream(target))
    assert target.getvalue() == "title ******9421\tend\n"


def test_a_value_put_in_an_error_message_is_made_safe() -> None:
    error = PageNotRecognisedError("Title: '{title}'.", title="\x1b[2Jfake\u202e\x00 ok")
    error.with_hint("Detail: {detail}", detail="\x1b]0;x\x07quoted")
    assert error.message == "Title: 'fake ok'. Detail: quoted"
    assert Translator("en").error(error) == error.message


def test_notification_text_escapes_markup_and_drops_nul(monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.privacy as privacy

    redactor = SecretRedactingFilter()
    redactor.register(Credentials(SECRET_IDENTIFIER, SECRET_PASSWORD))
    monkeypatch.setattr(privacy, "REDACTOR", redactor)
    body = f'<b>x</b> <a href="http://e">y</a> & {SECRET_IDENTIFIER}\x00'
    assert notification_text(body) == (
        '&lt;b&gt;x&lt;/b&gt; &lt;a href="http://e"&gt;y&lt;/a&gt; &amp; ******9421'
    )
    assert notification_text("<b>t</b>", markup=False) == "\u2039b\u203at\u2039/b\u203a"
    assert escape_markup("a < b & c > d") == "a &lt; b &amp; c &gt; d"


def test_capture_files_are_scrubbed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.captures as captures

    redactor = SecretRedactingFilter()
    redactor.register(Credentials(SECRET_IDENTIFIER, SECRET_PASSWORD))
    monkeypatch.setattr(captures, "REDACTOR", redactor)
    path = save_capture(tmp_path / "captures", "p", "home", f"h1 {SECRET_IDENTIFIER}\n", NOW, "t")
    assert SECRET_IDENTIFIER not in path.read_text() and "******9421" in path.read_text()


# Item 6: the home folder -------------------------------------------------------------------------


def test_an_existing_home_folder_is_never_chmodded(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o750)
    home.chmod(0o750)
    paths = Paths(home, home)
    paths.ensure()
    assert stat.S_IMODE(home.stat().st_mode) == 0o750
    # What the assistant creates is its own: 0700.
    assert stat.S_IMODE(paths.log_file.parent.stat().st_mode) == 0o700


def test_a_world_writable_home_folder_is_refused_by_name(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o777)
    with pytest.raises(UnsafeFolderError, match="Every user of this computer can change"):
        Paths(home, home).ensure()
    assert stat.S_IMODE(home.stat().st_mode) == 0o777
    assert not (home / "logs").exists()
    assert UnsafeFolderError.code == "unsafe_folder"


@pytest.mark.parametrize("linked", ["logs", "captures"])
def test_every_command_refuses_a_home_whose_folders_are_links(tmp_path: Path, linked: str) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    (home / linked).symlink_to(elsewhere)
    with pytest.raises(UnsafeFolderError, match="symbolic link"):
        Paths(home, home).ensure()
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("linked", ["captures", "captures/amina"])
def test_a_captures_folder_that_is_a_link_is_refused(tmp_path: Path, linked: str) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    paths = Paths(home, home)
    paths.ensure()
    if linked == "captures/amina":
        paths.captures_dir.mkdir()
    (home / linked).symlink_to(elsewhere)
    with pytest.raises(UnsafeFolderError, match="symbolic link"):
        save_private_file(paths.captures_dir, "amina", "x.txt", b"x", NOW)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("linked", ["captures", "captures/amina"])
def test_forget_never_follows_a_captures_link(tmp_path: Path, linked: str) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    (elsewhere / "amina").mkdir(parents=True)
    (elsewhere / "amina" / "precious.txt").write_text("not the assistant's")
    (elsewhere / "precious.txt").write_text("not the assistant's")
    paths = Paths(home, home)
    paths.ensure()
    state, credentials = StateStore(paths.state_file), MemoryCredentialStore()
    _set_up(state, credentials, "amina")
    if linked == "captures/amina":
        paths.captures_dir.mkdir()
        (home / linked).symlink_to(elsewhere / "amina")
    else:
        (home / linked).symlink_to(elsewhere)
    with pytest.raises(UnsafeFolderError, match="symbolic link"):
        forget_profile(state, credentials, paths, "amina")
    assert (elsewhere / "amina" / "precious.txt").exists()
    assert (elsewhere / "precious.txt").exists()
    assert state.profile("amina") is not None, "nothing is removed before the refusal"


# Item 7: forget leaves no trace ------------------------------------------------------------------


def _set_up(state: StateStore, credentials: MemoryCredentialStore, profile: str) -> None:
    set_up_profile(
        state,
        credentials,
        profile=profile,
        portal_url="http://127.0.0.1:9/ofpra/user/login",
        language="fr",
        identifier=SECRET_IDENTIFIER if profile == "amina" else "1111112222",
        password="pw",
        consent=make_consent(f"Consenting {profile.title()}", "holder", "fr", NOW),
        now=NOW,
    )


def test_forget_removes_the_log_records_naming_the_profile(tmp_path: Path) -> None:
    paths = Paths(tmp_path, tmp_path)
    paths.ensure()
    paths.log_file.write_text(
        "2026-11-26 12:00:00,001 INFO assistant.runner: check of amina started\n"
        "2026-11-26 12:00:01,001 WARNING assistant.runner: check of bob failed\n"
        "2026-11-26 12:00:02,001 ERROR assistant.runner: unexpected error in the check of amina\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        "RuntimeError: boom\n"
        "2026-11-26 12:00:03,001 INFO flows: login as ******9421\n"
        "2026-11-26 12:00:04,001 INFO flows: profile amina-2 and aminata are others\n"
    )
    state, credentials = StateStore(paths.state_file), MemoryCredentialStore()
    _set_up(state, credentials, "amina")
    forgotten = forget_profile(state, credentials, paths, "amina")
    assert forgotten.log_lines_removed == 6
    assert paths.log_file.read_text() == (
        "2026-11-26 12:00:01,001 WARNING assistant.runner: check of bob failed\n"
        "2026-11-26 12:00:04,001 INFO flows: profile amina-2 and aminata are others\n"
    )


def test_forget_in_log_without_a_log_removes_nothing(tmp_path: Path) -> None:
    assert forget_in_log(tmp_path / "none.log", ["amina"]) == 0


def test_forget_overwrites_the_profile_in_the_state_file(tmp_path: Path) -> None:
    paths = Paths(tmp_path, tmp_path)
    paths.ensure()
    state, credentials = StateStore(paths.state_file), MemoryCredentialStore()
    _set_up(state, credentials, "amina")
    _set_up(state, credentials, "bob")
    forget_profile(state, credentials, paths, "amina")
    files = [p for p in tmp_path.iterdir() if p.name.startswith("state.sqlite3")]
    raw = b"".join(p.read_bytes() for p in files)
    assert b"Consenting Bob" in raw, "the scan reads the file as SQLite wrote it"
    assert b"Consenting Amina" not in raw
    assert b"amina" not in raw


@pytest.mark.skipif(sys.platform != "linux", reason="POSIX owners")
def test_a_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give a folder away")
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, 12345, 12345)
    with pytest.raises(UnsafeFolderError, match="belongs to another user"):
        Paths(home, home).ensure()


def test_the_parser_makes_cells_safe_whoever_read_the_table() -> None:
    from flows.models import RawTable
    from flows.table_parser import parse_documents_table

    table = RawTable(
        headers=["Statut", "Document", "Date de mise à disposition", "Expéditeur"],
        rows=[["Non lu", "\x1b[2JDéc\x00ision \u202eX", "20/11/2026", "\x1b[31mOFPRA"]],
        page_language="fr",
    )
    (letter,) = parse_documents_table(table)
    assert (letter.label, letter.sender, letter.kind.value) == ("Décision X", "OFPRA", "decision")
