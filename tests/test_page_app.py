"""The page's Flask app through its test client: the security properties (DESIGN.md, "The page",
S1-S9), one test each or more, a walk of the URL map that fails when a route lacks the
protections, and what the pages show. The real browser's side (the opener file, S8's requests,
axe-core, 360 px) is in tests/test_page_browser.py."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from assistant.consent import make_consent
from assistant.credentials import mask_identifier
from assistant.errors import ConfigInvalidError
from assistant.page.app import create_app
from assistant.page.security import cookie_name
from assistant.page.server import PageServer, page_address
from assistant.page.tokens import (
    TokenBook,
    ensure_opener_key,
    mint_token,
    stored_opener_key,
    write_opener_file,
)
from assistant.results import Alert
from assistant.settings import PageSettings, Paths, Settings, load_settings
from assistant.state import CheckRecord, StateStore
from flows.models import LetterKind, PortalLetter
from tests.conftest import IDENTIFIER, NOW, PASSWORD, FakeClock

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
#: A channel's address, as the keyring would keep it: it must never reach a page.
CHANNEL_URL = "ntfy://secret-topic-4711@ntfy.example"
HOSTILE = (
    '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
    "\u202edecision\u202c \u2067x\u2069" + "A" * 230
)
PROFILE_PAGES = ["/", "/profiles/amina", "/profiles/jean", "/help"]


def letter(
    letter_id: str,
    kind: LetterKind,
    label: str,
    made: date,
    *,
    read_on: date | None = None,
) -> PortalLetter:
    return PortalLetter(
        id=letter_id,
        kind=kind,
        label=label,
        sender="OFPRA",
        made_available_on=made,
        notified_on=made if kind in (LetterKind.CONVOCATION, LetterKind.DECISION) else None,
        read=read_on is not None,
        read_on=read_on,
        portal_remaining_days=None,
        portal_says_notified=False,
    )


@pytest.fixture
def paths(home: Path) -> Paths:
    """A home folder with two people: amina (Dari) with a summons to open and a hostile label,
    jean (French) with an opened decision whose appeal time runs."""
    paths = Paths(config_dir=home, data_dir=home)
    paths.ensure()
    state = StateStore.open(paths.state_file)
    url = "http://127.0.0.1:9/ofpra/user/login"
    state.save_profile("amina", url, "fa_AF", NOW)
    state.save_profile("jean", url, "fr", NOW)
    state.record_consent("amina", make_consent("Amina Karimi", "holder", "fa_AF", NOW))
    state.record_consent("jean", make_consent("Jean Helper", "helper", "fr", NOW, "Jean Doe"))
    state.merge_letters(
        "amina",
        [
            letter("c1", LetterKind.CONVOCATION, "Convocation", date(2026, 11, 20)),
            letter("h1", LetterKind.OTHER, HOSTILE, date(2026, 11, 19)),
        ],
        NOW,
    )
    state.merge_letters(
        "jean",
        [
            letter(
                "d1",
                LetterKind.DECISION,
                "Décision",
                date(2026, 11, 9),
                read_on=date(2026, 11, 10),
            )
        ],
        NOW,
    )
    # The checks that read these letters (the page shows what the last one read).
    for name in ("amina", "jean"):
        state.record_check(name, CheckRecord(NOW - timedelta(minutes=1), NOW, True, None, 1, 1, 1))
    state.close()
    return paths


@pytest.fixture
def key(paths: Paths) -> bytes:
    return ensure_opener_key(paths)


@pytest.fixture
def app(paths: Paths, key: bytes) -> Flask:
    app = create_app(paths, port=PORT, tokens=TokenBook(key), settings=Settings())
    app.extensions["page_clock"] = FakeClock(NOW)
    app.extensions["page_identifiers"] = lambda name: mask_identifier(IDENTIFIER)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def get(client: FlaskClient, path: str, **kwargs: Any) -> TestResponse:
    return client.get(path, base_url=BASE, **kwargs)


def post(client: FlaskClient, path: str, **kwargs: Any) -> TestResponse:
    return client.post(path, base_url=BASE, **kwargs)


def log_in(client: FlaskClient, key: bytes) -> FlaskClient:
    answer = post(client, "/session", data={"token": mint_token(key)})
    assert answer.status_code == 200
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def state_rows(paths: Paths) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(paths.state_file) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}"), key=repr) for t in sorted(tables)}


# S1 --------------------------------------------------------------------------------------------


def test_page_setting_refuses_another_address(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFPRA_ASSISTANT_PAGE__ADDRESS", "0.0.0.0")
    with pytest.raises(ConfigInvalidError) as raised:
        load_settings(Paths(config_dir=home, data_dir=home))
    assert "page.address" in raised.value.message


def test_page_server_refuses_another_address_and_listens_on_loopback_only(paths: Paths) -> None:
    wide = Settings(page=PageSettings.model_construct(address="0.0.0.0", port=0))
    with pytest.raises(ConfigInvalidError):
        PageServer.start(paths, wide)
    server = PageServer.start(paths, Settings())
    try:
        assert server.url == f"http://127.0.0.1:{server.port}/"
        assert server._server.socket.getsockname() == ("127.0.0.1", server.port)
        # Another address of this computer does not answer on that port.
        other = _non_loopback_address()
        if other is not None:
            with pytest.raises(OSError):
                socket.create_connection((other, server.port), timeout=1).close()
    finally:
        server.stop()


def _non_loopback_address() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks a route
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_page_file_names_the_address_and_goes_with_the_server(paths: Paths) -> None:
    server = PageServer.start(paths, Settings())
    try:
        assert stat.S_IMODE(paths.page_file.stat().st_mode) == 0o600
        assert page_address(paths) == server.url
    finally:
        server.stop()
    assert not paths.page_file.exists()
    assert page_address(paths) is None


def test_page_address_is_none_when_no_agent_serves_it(paths: Paths) -> None:
    assert page_address(paths) is None  # no file
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    url = f"http://127.0.0.1:{port}/"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    for pid in (int(gone.stdout), os.getpid()):
        # A pid no longer alive; this process, alive, but nothing answers on the port.
        paths.page_file.write_text(json.dumps({"url": url, "pid": pid}))
        assert page_address(paths) is None
    paths.page_file.write_text("not json")
    assert page_address(paths) is None


# S2 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1", "127.0.0.1:1", f"[::1]:{PORT}"]
)
def test_page_another_host_gets_403_static_files_included(
    client: FlaskClient, key: bytes, host: str
) -> None:
    log_in(client, key)
    for path in [*PROFILE_PAGES, "/static/page.css"]:
        answer = client.get(path, base_url=BASE, headers={"Host": host})
        assert answer.status_code == 403, path
        assert b"amina" not in answer.data
    assert (
        post(
            client, "/session", data={"token": mint_token(key)}, headers={"Host": host}
        ).status_code
        == 403
    )


def test_page_localhost_with_the_port_is_the_page(client: FlaskClient, key: bytes) -> None:
    local = f"http://localhost:{PORT}"
    assert (
        client.post("/session", base_url=local, data={"token": mint_token(key)}).status_code == 200
    )
    assert client.get("/help", base_url=local).status_code == 200


# S3 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*PROFILE_PAGES, "/profiles/nobody", "/nothing-here"])
def test_page_without_a_session_shows_no_personal_data(client: FlaskClient, path: str) -> None:
    answer = get(client, path)
    assert answer.status_code == 401
    for secret in ("amina", "jean", "Karimi", "Convocation", "1552", PASSWORD):
        assert secret not in answer.get_data(as_text=True)


def test_page_a_forged_cookie_is_no_session(client: FlaskClient, paths: Paths) -> None:
    client.set_cookie(cookie_name(str(paths.data_dir)), "made-up", domain="127.0.0.1")
    assert get(client, "/").status_code == 401


def test_page_static_files_need_no_session(client: FlaskClient) -> None:
    assert get(client, "/static/page.css").status_code == 200


# S4 --------------------------------------------------------------------------------------------


def test_page_token_is_refused_on_second_use(client: FlaskClient, key: bytes) -> None:
    token = mint_token(key)
    first = post(client, "/session", data={"token": token})
    assert first.status_code == 200
    other = client.application.test_client()
    assert post(other, "/session", data={"token": token}).status_code == 403
    assert "Set-Cookie" not in post(other, "/session", data={"token": token}).headers


def test_page_token_is_valid_sixty_seconds() -> None:
    key = bytes(range(32))
    now = [1_000_000.0]
    book = TokenBook(key, clock=lambda: now[0])
    fresh = mint_token(key, now=now[0] - 59)
    stale = mint_token(key, now=now[0] - 61)
    assert book.redeem(fresh) is True
    assert book.redeem(stale) is False


def test_page_token_signed_by_another_key_or_altered_is_refused() -> None:
    key = bytes(range(32))
    book = TokenBook(key)
    assert book.redeem(mint_token(bytes(32))) is False
    token = mint_token(key)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[0] ^= 1
    altered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert book.redeem(altered) is False
    assert book.redeem("") is False
    assert book.redeem("not base64 at all!") is False
    assert book.redeem(token) is True


def test_page_token_of_a_key_made_again_is_redeemed_once(paths: Paths, key: bytes) -> None:
    """``open`` made the key again (its file was removed): the agent reads the new one."""
    book = TokenBook(key, key_source=lambda: stored_opener_key(paths))
    paths.page_key_file.unlink()
    fresh = ensure_opener_key(paths)
    assert fresh != key
    token = mint_token(fresh)
    assert book.redeem(token) is True
    assert book.redeem(token) is False
    assert book.redeem(mint_token(key)) is False  # the old key is gone
    assert book.redeem(mint_token(bytes(32))) is False


def test_page_token_holds_32_random_bytes() -> None:
    key = bytes(range(32))
    tokens = [mint_token(key, now=0.0) for _ in range(2)]
    raws = [base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)) for t in tokens]
    # 32 bytes of nonce, 8 of time, 32 of signature; two tokens of one instant differ.
    assert [len(r) for r in raws] == [72, 72]
    assert raws[0][:32] != raws[1][:32]


def test_page_opener_key_and_file_are_for_their_owner_only(paths: Paths, key: bytes) -> None:
    assert len(key) == 32
    assert stat.S_IMODE(paths.page_key_file.stat().st_mode) == 0o600
    assert ensure_opener_key(paths) == key
    token = mint_token(key)
    opener = write_opener_file(paths, BASE + "/", token, "/profiles/amina")
    assert opener.parent == paths.data_dir
    assert stat.S_IMODE(opener.stat().st_mode) == 0o600
    text = opener.read_text()
    # The token goes in a POSTed form field, never in the address it is sent to.
    assert f'<form id="open" method="post" action="{BASE}/session">' in text
    assert f'name="token" value="{token}"' in text
    assert text.count(token) == 1


def test_page_opener_key_readable_by_others_is_replaced(paths: Paths, key: bytes) -> None:
    paths.page_key_file.chmod(0o644)
    fresh = ensure_opener_key(paths)
    assert fresh != key
    assert stat.S_IMODE(paths.page_key_file.stat().st_mode) == 0o600


def test_page_token_never_reaches_the_log_or_an_address(
    client: FlaskClient, key: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    token = mint_token(key)
    with caplog.at_level(logging.DEBUG):
        answer = post(client, "/session", data={"token": token, "next": "/help"})
        post(client, "/session", data={"token": token})
    assert token not in caplog.text
    body = answer.get_data(as_text=True)
    assert token not in body
    assert '<meta http-equiv="refresh" content="0;url=/help">' in body
    assert "Location" not in answer.headers


@pytest.mark.parametrize(
    "target", ["//evil.example/", "http://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_page_exchange_goes_on_to_this_page_only(
    client: FlaskClient, key: bytes, target: str
) -> None:
    answer = post(client, "/session", data={"token": mint_token(key), "next": target})
    assert 'content="0;url=/"' in answer.get_data(as_text=True)


# S5 --------------------------------------------------------------------------------------------


def test_page_cookie_is_httponly_strict_without_expiry(
    client: FlaskClient, key: bytes, paths: Paths
) -> None:
    answer = post(client, "/session", data={"token": mint_token(key)})
    cookie = answer.headers["Set-Cookie"]
    name = cookie.split("=", 1)[0]
    assert name == cookie_name(str(paths.data_dir))
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert attributes == {"httponly", "samesite", "path"}
    assert "SameSite=Strict" in cookie
    assert "expires" not in cookie.lower() and "max-age" not in cookie.lower()


def test_page_cookie_name_differs_per_home_folder(tmp_path: Path) -> None:
    first, second = cookie_name(str(tmp_path / "a")), cookie_name(str(tmp_path / "b"))
    assert first != second
    assert re.fullmatch(r"ofpra_page_[0-9a-f]{8}", first)


def test_page_session_of_another_home_opens_nothing(
    client: FlaskClient, key: bytes, paths: Paths, tmp_path: Path
) -> None:
    """Two agents on one computer: the other one's cookie (another name) is no session here."""
    other_home = tmp_path / "other"
    other = create_app(
        Paths(config_dir=other_home, data_dir=other_home),
        port=PORT,
        tokens=TokenBook(key),
        settings=Settings(),
    ).test_client()
    answer = post(other, "/session", data={"token": mint_token(key)})
    name, value = answer.headers["Set-Cookie"].split(";")[0].split("=", 1)
    assert name != cookie_name(str(paths.data_dir))
    client.set_cookie(name, value, domain="127.0.0.1")
    assert get(client, "/").status_code == 401


# S6 --------------------------------------------------------------------------------------------


def test_page_no_get_changes_anything(client: FlaskClient, key: bytes, paths: Paths) -> None:
    log_in(client, key)
    before = state_rows(paths)
    for path in [
        *PROFILE_PAGES,
        "/profiles/amina?lang=ar",
        "/?lang=ps",
        "/session",
        "/session/end",
    ]:
        get(client, path)
    assert state_rows(paths) == before
    # The session is still there: no GET ended it.
    assert get(client, "/help").status_code == 200


def test_page_post_without_csrf_token_is_refused(client: FlaskClient, key: bytes) -> None:
    log_in(client, key)
    assert post(client, "/session/end").status_code == 403
    assert post(client, "/session/end", data={"csrf_token": "guess"}).status_code == 403
    assert get(client, "/help").status_code == 200


def test_page_post_from_another_origin_is_refused(client: FlaskClient, key: bytes) -> None:
    log_in(client, key)
    token = csrf_of(get(client, "/help").get_data(as_text=True))
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{PORT + 1}"):
        answer = post(
            client, "/session/end", data={"csrf_token": token}, headers={"Origin": origin}
        )
        assert answer.status_code == 403, origin
    assert get(client, "/help").status_code == 200
    ended = post(client, "/session/end", data={"csrf_token": token}, headers={"Origin": BASE})
    assert ended.status_code == 200
    assert get(client, "/help").status_code == 401


def test_page_csrf_token_of_another_session_is_refused(app: Flask, key: bytes) -> None:
    first, second = log_in(app.test_client(), key), log_in(app.test_client(), key)
    token = csrf_of(get(first, "/help").get_data(as_text=True))
    assert post(second, "/session/end", data={"csrf_token": token}).status_code == 403


def test_page_exchange_from_another_site_is_refused(client: FlaskClient, key: bytes) -> None:
    answer = post(
        client,
        "/session",
        data={"token": mint_token(key)},
        headers={"Origin": "http://evil.example"},
    )
    assert answer.status_code == 403
    # The opener file's own origin ("null", a file:// page) is the way in.
    opened = post(client, "/session", data={"token": mint_token(key)}, headers={"Origin": "null"})
    assert opened.status_code == 200


# S7 --------------------------------------------------------------------------------------------

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def assert_headers(answer: TestResponse, personal: bool) -> None:
    for name, value in HEADERS.items():
        assert answer.headers.get(name) == value, name
    if personal:
        assert answer.headers.get("Cache-Control") == "no-store"


def test_page_every_answer_has_the_security_headers(
    client: FlaskClient, key: bytes, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_headers(get(client, "/"), personal=True)  # 401
    assert_headers(client.get("/", base_url="http://evil.example"), personal=True)  # 403
    assert_headers(get(client, "/static/page.css"), personal=False)
    log_in(client, key)
    for path in [*PROFILE_PAGES, "/profiles/nobody"]:
        assert_headers(get(client, path), personal=True)
    from assistant.page import model

    def broken(*args: object) -> None:
        raise RuntimeError("amina's page broke")

    monkeypatch.setattr(model.PageData, "cards", broken)
    assert_headers(get(client, "/"), personal=True)  # 500


# S8 --------------------------------------------------------------------------------------------


def test_page_refers_to_nothing_outside_its_origin(client: FlaskClient, key: bytes) -> None:
    log_in(client, key)
    for path in PROFILE_PAGES:
        html = get(client, path).get_data(as_text=True)
        for address in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert address.startswith(("/", "#", "?")) and not address.startswith("//"), address
        assert "@import" not in html and "url(" not in html
    css = get(client, "/static/page.css").get_data(as_text=True)
    for address in re.findall(r"url\(([^)]*)\)", css):
        assert address.strip("\"'").startswith("fonts/"), address
    assert "@import" not in css


# S9 --------------------------------------------------------------------------------------------


def test_page_portal_text_is_escaped_and_isolated(client: FlaskClient, key: bytes) -> None:
    log_in(client, key)
    html = get(client, "/profiles/amina?lang=en").get_data(as_text=True)
    assert "<script>window" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    escaped = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f"<bdi>{escaped.replace(chr(34), '&#34;')}</bdi>" in html
    assert "<bdi>Convocation</bdi>" in html


def test_page_shows_no_password_identifier_or_channel_address(
    client: FlaskClient, key: bytes
) -> None:
    log_in(client, key)
    for path in PROFILE_PAGES:
        html = get(client, path).get_data(as_text=True)
        assert PASSWORD not in html and IDENTIFIER not in html and CHANNEL_URL not in html
    assert "<bdi>******1552</bdi>" in get(client, "/profiles/amina").get_data(as_text=True)


# What the pages show ---------------------------------------------------------------------------


def test_page_profile_shows_the_dates_written_by_hand(client: FlaskClient, key: bytes) -> None:
    log_in(client, key)
    amina = get(client, "/profiles/amina?lang=en").get_data(as_text=True)
    # Put online 20 November: open by 4 December (8 days from 26 November), counted as
    # received on 5 December if not opened.
    assert 'by <time datetime="2026-12-04">December 4, 2026</time>: 8 days left' in amina
    assert '<time datetime="2026-12-05">December 5, 2026</time>' in amina
    assert 'dir="ltr"' in amina
    jean = get(client, "/profiles/jean?lang=en").get_data(as_text=True)
    # Opened 10 November: legal aid's 15 days ended on 25 November; the appeal's last day is
    # 11 December (a délai franc: the day after 10 December).
    assert 'ended on <time datetime="2026-11-25">' in jean
    assert 'sent by <time datetime="2026-12-11">' in jean
    assert "This is not legal advice" in jean


def test_page_commands_and_portal_labels_keep_their_order_right_to_left(
    client: FlaskClient, key: bytes
) -> None:
    log_in(client, key)
    dari = get(client, "/help?lang=fa_AF").get_data(as_text=True)
    assert "<bdi>&#39;ofpra-assistant autostart disable&#39;</bdi>" in dari
    assert "«<bdi>J&#39;ai oublié mon mot de passe</bdi>»" in dari
    english = get(client, "/help?lang=en").get_data(as_text=True)
    assert "&#39;ofpra-assistant autostart disable&#39;" in english
    assert "<bdi>&#39;ofpra" not in english


def test_page_overview_most_urgent_first(client: FlaskClient, key: bytes) -> None:
    log_in(client, key)
    html = get(client, "/?lang=en").get_data(as_text=True)
    assert html.index("/profiles/amina") < html.index("/profiles/jean")
    # Whose account each card is, as a volunteer with person-1, person-2... needs to see.
    amina = html.index('<p class="holder">Account holder: <bdi>Amina Karimi</bdi></p>')
    jean = html.index('<p class="holder">Account holder: <bdi>Jean Doe</bdi></p>')
    assert html.index("/profiles/amina") < amina < html.index("/profiles/jean") < jean
    assert "Open Interview appointment (<bdi>Convocation</bdi>) on the OFPRA site by" in html


def test_page_profile_in_the_holders_language_and_back(client: FlaskClient, key: bytes) -> None:
    log_in(client, key)
    dari = get(client, "/profiles/amina").get_data(as_text=True)
    assert '<html lang="fa-AF" dir="rtl">' in dari
    assert "<title>amina · " in dari
    assert 'href="/profiles/amina?lang=en"' in dari
    english = get(client, "/profiles/amina?lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english
    assert 'href="/profiles/amina?lang=fa_AF"' in english


def test_page_overview_says_what_needs_a_person(
    client: FlaskClient, key: bytes, paths: Paths
) -> None:
    state = StateStore.open(paths.state_file)
    # amina: the portal refused the password (the automatic checks pause).
    refused = NOW - timedelta(hours=3)
    state.record_check(
        "amina", CheckRecord(refused, refused, False, "login_rejected", None, None, None)
    )
    # omar: last success ten days ago, a page not recognised since; a channel down for two
    # days, its alert still waiting.
    state.save_profile("omar", "http://127.0.0.1:9/ofpra/user/login", "en", NOW)
    state.record_consent("omar", make_consent("Omar Test", "holder", "en", NOW))
    old = NOW - timedelta(days=10)
    state.record_check("omar", CheckRecord(old, old, True, None, 1, 0, 0))
    failed = NOW - timedelta(hours=2)
    state.record_check(
        "omar", CheckRecord(failed, failed, False, "page_not_recognised", None, None, None)
    )
    since = NOW - timedelta(days=2)
    [alert_id] = state.enqueue_alerts(
        "omar", [Alert("reminder", "t", "b")], ["channel:omar:person-ntfy"], since
    )
    state.record_delivery(
        alert_id, "channel:omar:person-ntfy", since, error=CHANNEL_URL, next_try_at=NOW
    )
    state.close()
    log_in(client, key)
    html = unescape(get(client, "/?lang=en").get_data(as_text=True))
    amina, omar = html.split('data-profile="omar"')
    assert "The portal refused the password, or the account is locked" in amina
    assert "'ofpra-assistant setup --profile amina --replace' again" in amina
    assert "No successful check since <time" in omar
    assert "The alert channel <bdi>person-ntfy</bdi> has not worked since" in omar
    assert "1 alert is waiting to be delivered" in omar
    assert CHANNEL_URL not in html
    # The 8-day alarm says it, not the last failure's own words.
    assert "does not recognise" not in omar
    # jean, with nothing to do, comes last.
    assert omar.index('data-profile="jean"') > omar.index("1 alert is waiting")
    assert "‼ Urgent" in html.replace('<span class="sign" aria-hidden="true">‼</span> ', "‼ ")


def test_page_profile_lists_the_last_ten_checks_in_words(
    client: FlaskClient, key: bytes, paths: Paths
) -> None:
    state = StateStore.open(paths.state_file)
    for hours in range(12, 1, -1):
        at = NOW + timedelta(hours=hours)
        state.record_check("jean", CheckRecord(at, at, True, None, 1, 0, 0))
    failed = NOW + timedelta(hours=13)
    state.record_check(
        "jean", CheckRecord(failed, failed, False, "page_not_recognised", None, None, None)
    )
    state.close()
    log_in(client, key)
    html = unescape(get(client, "/profiles/jean?lang=en").get_data(as_text=True))
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", html)
    assert len(rows) == 10
    # The most recent first: 27 November 2026, 1:00 in Paris (noon plus 13 hours).
    assert (
        '<time datetime="2026-11-27T01:00+01:00">November 27, 2026, 1:00, Paris time' in rows[0][0]
    )
    assert rows[0][1].endswith("Failed: a page the assistant does not recognise")
    assert rows[1][1].endswith("Read the list: 1 letter, 0 new")
    # No alarm rings: the last failure is said in its own words, with what to do.
    assert "The last check found a page the assistant does not recognise" in html


def test_page_with_no_profile_says_how_to_add_one(key: bytes, tmp_path: Path) -> None:
    empty = Paths(config_dir=tmp_path / "empty", data_dir=tmp_path / "empty")
    empty.ensure()
    client = create_app(empty, port=PORT, tokens=TokenBook(key), settings=Settings()).test_client()
    log_in(client, key)
    html = unescape(get(client, "/?lang=en").get_data(as_text=True))
    assert (
        'No profile yet: press "Set up a person" below to add the first one. In a terminal, '
        "'ofpra-assistant setup' does the same." in html
    )
    french = unescape(get(client, "/?lang=fr").get_data(as_text=True))
    assert "appuyez sur « Inscrire une personne » ci-dessous" in french


def test_page_a_refused_password_says_the_way_back_on_the_page_too(
    client: FlaskClient, key: bytes, paths: Paths
) -> None:
    state = StateStore.open(paths.state_file)
    refused = NOW - timedelta(hours=1)
    state.record_check(
        "jean", CheckRecord(refused, refused, False, "login_rejected", None, None, None, True)
    )
    state.close()
    log_in(client, key)
    html = unescape(get(client, "/profiles/jean?lang=en").get_data(as_text=True))
    assert "automatic checks are paused" in html
    assert (
        'Or on this page: press "Set up a person", give the same profile name (jean) and the '
        "new password. The letters already seen are kept." in html
    )
    # The person who is not paused is not told to set up again.
    amina = unescape(get(client, "/profiles/amina?lang=en").get_data(as_text=True))
    assert "Or on this page" not in amina


def test_page_one_profile_goes_straight_to_it(
    client: FlaskClient, key: bytes, paths: Paths
) -> None:
    state = StateStore.open(paths.state_file)
    state.remove_profile("jean")
    state.close()
    log_in(client, key)
    answer = get(client, "/?lang=ar")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/profiles/amina?lang=ar"


def test_page_fault_is_a_plain_page_and_logged(
    client: FlaskClient,
    key: bytes,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from assistant.page import model

    def broken(*args: object) -> None:
        raise RuntimeError("amina's page broke")

    monkeypatch.setattr(model.PageData, "cards", broken)
    log_in(client, key)
    with caplog.at_level(logging.ERROR):
        answer = get(client, "/?lang=en")
    assert answer.status_code == 500
    assert "amina" not in answer.get_data(as_text=True)
    assert "Something went wrong" in answer.get_data(as_text=True)
    assert "amina's page broke" in caplog.text


def test_page_server_keeps_serving_after_a_fault(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.error
    import urllib.parse
    import urllib.request

    from assistant.page import model

    server = PageServer.start(paths, Settings())
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        key = paths.page_key_file.read_bytes()
        form = urllib.parse.urlencode({"token": mint_token(key)}).encode()
        with opener.open(server.url + "session", data=form, timeout=10) as answer:
            cookie = answer.headers["Set-Cookie"].split(";")[0]
        overview = urllib.request.Request(server.url + "?lang=en", headers={"Cookie": cookie})

        def broken(*args: object) -> None:
            raise RuntimeError("amina's page broke")

        with monkeypatch.context() as patched:
            patched.setattr(model.PageData, "cards", broken)
            with pytest.raises(urllib.error.HTTPError) as failed:
                opener.open(overview, timeout=10)
            assert failed.value.code == 500
            assert b"amina" not in failed.value.read()
        with opener.open(overview, timeout=10) as answer:
            assert answer.status == 200
            assert b"amina" in answer.read()
    finally:
        server.stop()


# Every route -----------------------------------------------------------------------------------

#: The only routes open without a session; adding one means changing this test on purpose.
PUBLIC = {"session.exchange", "static"}
SAMPLE_VALUES = {"name": "amina", "filename": "page.css"}


def test_page_every_route_is_guarded(app: Flask, key: bytes) -> None:
    rules = list(app.url_map.iter_rules())
    assert {r.endpoint for r in rules} >= {"views.overview", "views.profile", "views.help_page"}
    for rule in rules:
        path = rule.build(SAMPLE_VALUES, append_unknown=False)[1]  # type: ignore[index]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            where = f"{method} {path} ({rule.endpoint})"
            stranger = app.test_client()
            wrong_host = stranger.open(path, method=method, base_url="http://evil.example:1")
            assert wrong_host.status_code == 403, where
            assert_headers(wrong_host, personal=True)
            anonymous = stranger.open(path, method=method, base_url=BASE)
            assert_headers(anonymous, personal=rule.endpoint != "static")
            if rule.endpoint not in PUBLIC:
                assert anonymous.status_code in (401, 403), where
                assert "amina" not in anonymous.get_data(as_text=True), where
            if method != "GET":
                member = log_in(app.test_client(), key)
                no_csrf = member.open(path, method=method, base_url=BASE)
                assert no_csrf.status_code == 403, where
                with_origin = member.open(
                    path, method=method, base_url=BASE, headers={"Origin": "http://evil.example"}
                )
                assert with_origin.status_code == 403, where
