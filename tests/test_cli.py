"""``ofpra-assistant`` as a person or a script runs it: a real process, a real keyring, a real
notification daemon, a real browser, and the mock portal on loopback."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.cli import build_parser
from assistant.errors import ExitStatus
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from tests.conftest import IDENTIFIER, PASSWORD, Cli, files_holding

pytestmark = [pytest.mark.desktop, pytest.mark.browser]


@pytest.fixture
def live_portal() -> Iterator[MockPortalServer]:
    """A mock portal dated from the real today, since the CLI runs on the real clock."""
    with MockPortalServer("decision_9_days") as server:
        yield server


@pytest.fixture
def cli(tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest) -> Cli:
    return Cli(tmp_path / "home", desktop, f"ofpra-assistant-cli-{request.node.name}"[:80])


def test_setup_check_status_forget_round_trip(
    cli: Cli, live_portal: MockPortalServer, desktop: DesktopSession
) -> None:
    done = cli.setup(live_portal.login_url)
    assert done.returncode == 0, done.stderr
    assert "Profile 'default' is set up for ******1552" in done.stdout
    assert cli.keyring_entry("default:password") == PASSWORD

    code, first = cli.json("check")
    assert code == 0
    assert first["ok"] is True
    assert first["profile"] == "default"
    [letter] = first["letters"]
    assert (letter["kind"], letter["read"], letter["days_left"], letter["new"]) == (
        "decision",
        False,
        9,
        True,
    )
    for field in ("id", "label", "made_available_on", "notified_on", "read_on"):
        assert field in letter
    [alert] = first["alerts"]
    assert alert["title"] == "New letter from OFPRA: Decision (Décision)"
    assert any(n["summary"] == alert["title"] for n in desktop.notification_history())

    code, second = cli.json("check")
    assert code == 0
    assert second["letters"][0]["new"] is False
    assert second["alerts"][0]["kind"] == "reminder"

    code, status = cli.json("status")
    [profile] = status["profiles"]
    assert profile["consent"]["given_by"] == "Amina Test"
    assert profile["last_check"]["ok"] is True
    assert [w["days_left"] for w in profile["letters_waiting"]] == [9]

    done = cli.run("forget", "--profile", "default", "--yes")
    assert done.returncode == 0, done.stderr
    assert "keyring: removed the identifier and the password" in done.stdout
    assert "2 check record(s)" in done.stdout
    assert cli.keyring_entry("default:password") is None
    assert cli.keyring_entry("default:identifier") is None
    with sqlite3.connect(cli.home / "state.sqlite3") as db:
        for table in ("profiles", "consents", "letters", "checks"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0

    code, after = cli.json("check")
    assert code == ExitStatus.PROFILE_MISSING
    assert after["error"]["code"] == "profile_missing"
    assert live_portal.log()["view_requests"] == []


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/ofpra/user/login"


def drop_consent(cli: Cli) -> None:
    with sqlite3.connect(cli.home / "state.sqlite3") as db:
        db.execute("DELETE FROM consents")


def drop_password(cli: Cli) -> None:
    code = f"import keyring; keyring.delete_password({cli.keyring_service!r}, 'default:password')"
    subprocess.run([sys.executable, "-c", code], env=cli.env, check=True, timeout=60)


def bad_settings(cli: Cli) -> None:
    (cli.home / "settings.toml").write_text("check_interval_days = 0\n")


@pytest.mark.parametrize(
    ("scenario", "url", "break_it", "status", "message"),
    [
        pytest.param(
            "wrong_password", None, None, ExitStatus.LOGIN_REJECTED, "refused", id="login_rejected"
        ),
        pytest.param(
            "mixed",
            "closed",
            None,
            ExitStatus.PORTAL_UNAVAILABLE,
            "could not be reached",
            id="portal_unavailable",
        ),
        pytest.param(
            "mixed",
            "/ofpra/user/password",
            None,
            ExitStatus.PAGE_NOT_RECOGNISED,
            "not the portal's login page",
            id="page_not_recognised",
        ),
        pytest.param(
            "mixed",
            None,
            drop_consent,
            ExitStatus.CONSENT_MISSING,
            "No consent is recorded",
            id="consent_missing",
        ),
        pytest.param(
            "mixed",
            None,
            drop_password,
            ExitStatus.CREDENTIALS_MISSING,
            "No portal identifier or password",
            id="credentials_missing",
        ),
        pytest.param(
            "mixed",
            None,
            bad_settings,
            ExitStatus.CONFIG_INVALID,
            "'check_interval_days'",
            id="config_invalid",
        ),
    ],
)
def test_check_failures_have_their_code_exit_status_and_message(
    cli: Cli,
    live_portal: MockPortalServer,
    scenario: str,
    url: str | None,
    break_it: Any,
    status: ExitStatus,
    message: str,
) -> None:
    live_portal.use_scenario(scenario)
    if url == "closed":
        portal_url = closed_port_url()
    elif url:
        portal_url = live_portal.base_url + url
    else:
        portal_url = live_portal.login_url
    assert cli.setup(portal_url).returncode == 0
    if break_it:
        break_it(cli)

    code, result = cli.json("check")

    assert code == status
    assert result["ok"] is False
    assert result["error"]["code"] == status.name.lower()
    assert message in result["error"]["message"]
    assert "letters" not in result
    assert live_portal.log()["view_requests"] == []


def test_setup_without_a_keyring_refuses_and_stores_nothing(cli: Cli) -> None:
    env = {k: v for k, v in cli.env.items() if k != "DBUS_SESSION_BUS_ADDRESS"}

    done = cli.run(
        "setup",
        "--identifier",
        IDENTIFIER,
        "--password-stdin",
        "--consent",
        "Amina",
        stdin=PASSWORD + "\n",
        env=env,
    )

    assert done.returncode == ExitStatus.KEYRING_UNAVAILABLE
    assert "No OS keyring is available" in done.stderr
    with sqlite3.connect(cli.home / "state.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM profiles").fetchone()[0] == 0


def test_setup_refuses_a_plain_http_portal_that_is_not_local(cli: Cli) -> None:
    done = cli.setup("http://portal.example.org/login")

    assert done.returncode == ExitStatus.CONFIG_INVALID
    assert "must start with https://" in done.stderr
    assert cli.keyring_entry("default:password") is None


def test_setup_without_a_terminal_says_which_flags_it_needs(cli: Cli) -> None:
    done = cli.run("setup")

    assert done.returncode == ExitStatus.CONFIG_INVALID
    assert "--identifier, --password-stdin and --consent NAME" in done.stderr


def test_check_with_several_profiles_asks_which(cli: Cli, live_portal: MockPortalServer) -> None:
    assert cli.setup(live_portal.login_url, "amina").returncode == 0
    assert cli.setup(live_portal.login_url, "bilal").returncode == 0

    code, result = cli.json("check")

    assert code == ExitStatus.PROFILE_MISSING
    assert "several profiles (amina, bilal)" in result["error"]["message"]


def test_the_password_is_in_no_file_output_or_log(cli: Cli, live_portal: MockPortalServer) -> None:
    outputs = [cli.setup(live_portal.login_url), cli.run("check"), cli.run("status")]
    live_portal.use_scenario("wrong_password")
    outputs.append(cli.run("check", "-v"))

    for done in outputs:
        assert PASSWORD not in done.stdout + done.stderr
        assert IDENTIFIER not in done.stdout + done.stderr
    assert files_holding(cli.home, PASSWORD, IDENTIFIER) == []


def subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)  # type: ignore[arg-type]


@pytest.mark.parametrize("command", subcommands())
def test_every_command_has_help(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0
    assert done.stdout.startswith(f"usage: ofpra-assistant {command}")
    assert len(done.stdout.splitlines()) > 3


def test_check_without_a_usable_browser_says_how_to_get_one(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    assert cli.setup(live_portal.login_url).returncode == 0
    env = {**cli.env, "OFPRA_ASSISTANT_BROWSER__EXECUTABLE_PATH": "/nonexistent/chromium"}

    done = cli.run("check", "--json", env=env)

    assert done.returncode == ExitStatus.BROWSER_UNAVAILABLE
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "browser_unavailable"
    assert "tried: /nonexistent/chromium" in error["message"]
    assert "[browser] executable_path" in error["message"]
    assert live_portal.log()["requests"] == []


@pytest.mark.parametrize(
    ("fault", "status", "message"),
    [
        pytest.param("captcha", ExitStatus.CAPTCHA, "does not answer captchas", id="captcha"),
        pytest.param(
            "password_change",
            ExitStatus.PASSWORD_CHANGE_REQUIRED,
            "never chooses a password",
            id="password_change_required",
        ),
        pytest.param(
            "table_renamed",
            ExitStatus.PAGE_NOT_RECOGNISED,
            "without a 'Document' column",
            id="page_not_recognised-with-capture",
        ),
    ],
)
def test_check_names_portal_faults_with_their_exit_status(
    cli: Cli, live_portal: MockPortalServer, fault: str, status: ExitStatus, message: str
) -> None:
    live_portal.use_scenario("mixed")
    assert cli.setup(live_portal.login_url).returncode == 0
    live_portal.set_fault(fault)

    code, result = cli.json("check")

    assert code == status
    assert result["error"]["code"] == status.name.lower()
    assert message in result["error"]["message"]
    assert "letters" not in result
    if status is ExitStatus.PAGE_NOT_RECOGNISED:
        capture = Path(result["capture"])
        assert capture.parent == cli.home / "captures" / "default"
        assert oct(capture.stat().st_mode & 0o777) == oct(0o600)
        assert str(capture) in result["error"]["message"]
    assert live_portal.log()["view_requests"] == []


def test_capture_redacted_saves_outlines_without_personal_data(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    live_portal.use_scenario("personal_data")
    account = live_portal.state.scenario
    done = cli.run(
        "setup",
        "--no-check",
        "--portal-url",
        live_portal.login_url,
        "--identifier",
        account.identifier,
        "--password-stdin",
        "--consent",
        "Zaineb K.",
        stdin=account.password + "\n",
    )
    assert done.returncode == 0, done.stderr

    done = cli.run("capture", "--redacted")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "Profile 'default': redacted outlines saved (no letter was opened):\n"
    )
    files = sorted((cli.home / "captures" / "default").iterdir())
    assert [f.name.rsplit("-", 1)[1] for f in files] == ["documents.txt", "home.txt"]
    for path in files:
        assert f": {path}" in done.stdout
        assert oct(path.stat().st_mode & 0o777) == oct(0o600)
        text = path.read_text(encoding="utf-8").casefold()
        for planted in ("zaineb", "kharoufi", "9876543210", account.identifier, "0698765432"):
            assert planted not in text
    assert live_portal.log()["view_requests"] == []
    assert (live_portal.log()["logins"], live_portal.log()["logouts"]) == (1, 1)


def test_capture_without_redacted_is_a_usage_error(cli: Cli) -> None:
    done = cli.run("capture")

    assert done.returncode == ExitStatus.USAGE
    assert "the following arguments are required: --redacted" in done.stderr


def test_check_all_checks_every_profile_in_one_run_and_fails_as_its_first_failure(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    assert cli.setup(live_portal.login_url, "amina").returncode == 0
    assert cli.setup(live_portal.login_url, "bilal").returncode == 0

    code, both = cli.json("check", "--all")

    assert code == 0
    assert both["ok"] is True
    assert [r["profile"] for r in both["results"]] == ["amina", "bilal"]
    assert all(r["letters"][0]["days_left"] == 9 for r in both["results"])
    assert (live_portal.log()["logins"], live_portal.log()["logouts"]) == (2, 2)

    drop_consent_of(cli, "bilal")
    code, one_failed = cli.json("check", "--all")

    assert code == ExitStatus.CONSENT_MISSING
    assert one_failed["ok"] is False
    assert [r["ok"] for r in one_failed["results"]] == [True, False]
    assert one_failed["results"][1]["error"]["code"] == "consent_missing"


def drop_consent_of(cli: Cli, profile: str) -> None:
    with sqlite3.connect(cli.home / "state.sqlite3") as db:
        db.execute("DELETE FROM consents WHERE profile = ?", (profile,))


# --help in the person's language, and the edges of the commands ------------------------------

LOCAL_PORTAL = "http://127.0.0.1:9/ofpra/user/login"


def run_plain(
    *args: str, lang: str = "en_US.UTF-8", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")
    }
    environ.update({"LANG": lang, **env})
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def test_help_is_in_french_under_a_french_lang() -> None:
    done = run_plain("setup", "--help", lang="fr_FR.UTF-8")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("utilisation : ofpra-assistant setup")
    assert "afficher cette aide et quitter" in done.stdout
    assert "Options:" in done.stdout
    assert "lire le mot de passe sur l'entrée standard" in done.stdout
    assert "Codes de sortie :" in done.stdout
    assert "show this help message" not in done.stdout
    assert "read the password from standard input" not in done.stdout


def test_help_follows_language_before_lang() -> None:
    done = run_plain("--help", lang="fr_FR.UTF-8", LANGUAGE="ar:fr")

    assert done.stdout.startswith("الاستخدام: ofpra-assistant")
    assert "عرض هذه المساعدة والخروج" in done.stdout


def test_a_usage_error_is_said_in_the_persons_language() -> None:
    done = run_plain("status", "--nosuch", lang="fr_FR.UTF-8")

    assert done.returncode == ExitStatus.USAGE
    assert "ofpra-assistant : erreur : arguments non reconnus : --nosuch" in done.stderr


def test_a_bare_command_prints_the_help() -> None:
    done = run_plain()

    assert done.returncode == 0
    assert done.stdout.startswith("usage: ofpra-assistant")
    assert "setup" in done.stdout and "Exit statuses:" in done.stdout
    assert done.stderr == ""


def test_every_commands_help_lists_the_exit_statuses() -> None:
    from assistant.i18n import Translator

    parser = build_parser(Translator("en"))
    action = next(a for a in parser._actions if a.dest == "command")
    helps = {"": parser.format_help()} | {
        name: sub.format_help()
        for name, sub in action.choices.items()  # type: ignore[union-attr]
    }

    assert sorted(helps) == ["", *subcommands()]
    for command, text in helps.items():
        assert "Exit statuses:" in text, command
        for status in ExitStatus:
            assert f"  {status.value:>3}  {status.name.lower()}\n" in text, (command, status)
        assert "  130  stopped with Ctrl-C" in text, command


def test_argparse_texts_keep_their_placeholders_in_every_language() -> None:
    from assistant.cli_help import ARGPARSE_TEXTS
    from assistant.i18n import LANGUAGES, Translator

    placeholder = re.compile(r"%\(\w+\)[sr]|%[sr]")
    for language in LANGUAGES:
        t = Translator(language)
        for text in ARGPARSE_TEXTS:
            translated = t._(text)
            assert sorted(placeholder.findall(translated)) == sorted(placeholder.findall(text)), (
                language,
                translated,
            )
            assert translated.endswith("\n") == text.endswith("\n")


def test_status_of_a_profile_that_does_not_exist_names_the_error(cli: Cli) -> None:
    assert cli.setup(LOCAL_PORTAL, "amina").returncode == 0
    assert cli.setup(LOCAL_PORTAL, "bilal").returncode == 0

    done = cli.run("status", "--profile", "nosuch")
    code, result = cli.json("status", "--profile", "nosuch")

    assert done.returncode == ExitStatus.PROFILE_MISSING
    assert "There is no profile named 'nosuch'. The profiles here: amina, bilal." in done.stderr
    assert code == ExitStatus.PROFILE_MISSING
    assert result["error"]["code"] == "profile_missing"
    assert cli.run("status", "--profile", "amina").returncode == 0


def test_check_of_a_profile_that_does_not_exist_names_the_error_and_alerts_no_one(
    cli: Cli,
) -> None:
    assert cli.setup(LOCAL_PORTAL, "amina").returncode == 0
    assert cli.setup(LOCAL_PORTAL, "bilal").returncode == 0

    # A typo at the terminal: said there, as status says it, not sent as a desktop alert
    # about an account no one holds (it went out in English, "checked" on the day).
    done = cli.run("check", "--profile", "nosuch")
    code, result = cli.json("check", "--profile", "nosuch")

    assert done.returncode == ExitStatus.PROFILE_MISSING
    assert done.stderr == (
        "ofpra-assistant: There is no profile named 'nosuch'. The profiles here: amina, bilal.\n"
    )
    assert done.stdout == ""
    assert code == ExitStatus.PROFILE_MISSING
    assert result["error"]["code"] == "profile_missing"
    assert "alerts" not in result


def test_status_of_a_named_profile_with_none_set_up_says_so(cli: Cli) -> None:
    done = cli.run("status", "--profile", "nosuch")

    assert done.returncode == ExitStatus.PROFILE_MISSING
    assert "no profile is set up yet. Run 'ofpra-assistant setup' first." in done.stderr


def test_forget_without_a_profile_and_none_set_up_offers_nothing(cli: Cli) -> None:
    done = cli.run("forget")

    assert done.returncode == ExitStatus.PROFILE_MISSING
    assert "No profile is set up here: there is nothing to forget." in done.stderr
    assert "default" not in done.stdout + done.stderr


def test_forget_without_a_profile_among_several_asks_which(cli: Cli) -> None:
    assert cli.setup(LOCAL_PORTAL, "amina").returncode == 0
    assert cli.setup(LOCAL_PORTAL, "bilal").returncode == 0

    done = cli.run("forget", "--yes")

    assert done.returncode == ExitStatus.PROFILE_MISSING
    assert "several profiles (amina, bilal): choose one with --profile NAME" in done.stderr
    assert cli.keyring_entry("amina:password") == PASSWORD
    assert cli.keyring_entry("bilal:password") == PASSWORD


def test_forget_without_a_profile_forgets_the_only_one(cli: Cli) -> None:
    assert cli.setup(LOCAL_PORTAL, "amina").returncode == 0

    done = cli.run("forget", "--yes")

    assert done.returncode == 0, done.stderr
    assert "Forgot the profile 'amina':" in done.stdout
    assert cli.keyring_entry("amina:password") is None


def test_status_into_a_closed_pipe_ends_quietly(cli: Cli) -> None:
    for name in ("amina", "bilal", "chadi"):
        assert cli.setup(LOCAL_PORTAL, name).returncode == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written, as after `head -1`
    try:
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "status"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=cli.env,
            timeout=60,
        )
    finally:
        os.close(write_end)

    assert "BrokenPipeError" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 141


def test_setup_without_questions_warns_of_a_doubtful_identifier_and_says_the_keyring(
    cli: Cli,
) -> None:
    done = cli.run(
        "setup",
        "--no-check",
        "--portal-url",
        LOCAL_PORTAL,
        "--identifier",
        "abc-12 34",
        "--password-stdin",
        "--consent",
        "Marie",
        "--role",
        "helper",
        "--holder",
        "Amina K.",
        stdin=PASSWORD + "\n",
    )

    assert done.returncode == 0, done.stderr
    assert "Check the identifier, it may be mistyped: It is not an AGDREF number" in done.stderr
    assert "The password is kept in the system keyring." in done.stdout
    assert "keyring.backends" not in done.stdout
    assert cli.keyring_entry("default:identifier") == "abc-1234"
    with sqlite3.connect(cli.home / "state.sqlite3") as db:
        row = db.execute("SELECT given_by, role, holder_name FROM consents").fetchone()
    assert row == ("Marie", "helper", "Amina K.")
    code, status = cli.json("status")
    assert code == 0
    consent = status["profiles"][0]["consent"]
    assert (consent["given_by"], consent["role"], consent["holder_name"]) == (
        "Marie",
        "helper",
        "Amina K.",
    )


def test_ctrl_d_at_forgets_question_removes_nothing_and_shows_no_traceback(cli: Cli) -> None:
    import pexpect

    assert cli.setup(LOCAL_PORTAL, "amina").returncode == 0
    child = pexpect.spawn(
        sys.executable,
        ["-m", "assistant", "forget"],
        env=cli.env,
        encoding="utf-8",
        timeout=30,
    )
    child.expect_exact("Remove the password, the state and the consent of 'amina'?")
    child.expect_exact("[2]: ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    assert "interrupted" in (child.before or "")
    assert cli.keyring_entry("amina:password") == PASSWORD
