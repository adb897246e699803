"""Profiles are named and never replaced silently; ``setup`` ends with a first check.

A volunteer sets up several people on one laptop: each profile has a name of its own, a second
setup onto a name already taken is refused unless asked to replace it, and a profile replaced by
another account shows nothing of the old one, anywhere.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from assistant.cli_setup import run_wizard
from assistant.consent import make_consent
from assistant.errors import ExitStatus, ProfileExistsError, exit_status_of
from assistant.i18n import Translator
from assistant.profiles import SetUp, proposed_profile_name, set_up_profile
from assistant.settings import Paths
from assistant.state import StateStore
from fixtures.desktop_session import DesktopSession
from fixtures.memory_credentials import MemoryCredentialStore
from fixtures.mock_portal import MockPortalServer, Scenario
from fixtures.mock_portal.scenarios import LetterSpec
from tests.conftest import IDENTIFIER, PASSWORD, Cli

PORTAL = "https://www.usager.ofpra.gov.fr/ofpra/user/login"
WHEN = datetime.fromisoformat("2026-12-01T10:00:00+01:00")


@pytest.mark.parametrize(
    ("taken", "proposed"),
    [
        ((), "person-1"),
        (("person-1",), "person-2"),
        (("person-1", "person-3", "default"), "person-2"),
        (("person-2",), "person-1"),
    ],
    ids=["none", "one", "a-gap", "first-free"],
)
def test_the_proposed_name_is_the_first_free_person_n(
    taken: tuple[str, ...], proposed: str
) -> None:
    assert proposed_profile_name(taken) == proposed


def ask_from(answers: list[str]) -> tuple[list[str], list[str], Callable[[str], str]]:
    queue = list(answers)
    asked: list[str] = []
    said: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        assert queue, f"the wizard asked more than the script answers: {prompt!r}"
        return queue.pop(0)

    return asked, said, ask


def test_the_wizard_proposes_a_name_and_refuses_a_taken_one_unless_replaced() -> None:
    existing = {"person-1": "Amina K., ******1552", "person-2": "Bilal, ******0042"}
    passwords = iter(["Secret-Pass-2026!"] * 2)
    asked, said, ask = ask_from(
        [
            "Amina K.",  # a space: not a profile name
            "person-1",  # taken: not replaced (Enter: "No, choose another name")
            "",
            "person-2",  # taken: replaced this time
            "1",
            "1",
            "Bilal",
            "1",
            "",
            "1234560042",
        ]
    )
    answers = run_wizard(
        ask,
        said.append,
        lambda _: next(passwords),
        default_language="en",
        default_portal_url=PORTAL,
        ui_language="en",
        existing=existing,
    )

    assert asked[0] == "Name of this profile [person-3]: "
    assert said[1] == (
        "Each profile has a name. Messages to a helper name the profile, so it should not be "
        "the person's name: the proposed one is fine. Allowed: up to 40 letters (a to z), "
        "digits, '-', '_' or '.'."
    )
    assert (
        "'Amina K.' cannot be a profile name: use up to 40 letters (a to z), digits, '-', '_' or "
        "'.', starting with a letter or a digit, for instance 'person-1'."
    ) in said
    assert "The profile 'person-1' is already set up, for Amina K., ******1552." in said
    assert "The profile 'person-2' is already set up, for Bilal, ******0042." in said
    assert "The profile 'person-2' of Bilal, ******0042 will be replaced." in said
    assert not any("person-1' of" in line for line in said)
    assert (answers.profile, answers.replace) == ("person-2", True)


def test_the_wizard_takes_the_proposed_name_with_enter() -> None:
    passwords = iter(["Secret-Pass-2026!"] * 2)
    _, said, ask = ask_from(["", "1", "Amina", "1", "", "1234561552"])
    answers = run_wizard(
        ask,
        said.append,
        lambda _: next(passwords),
        default_language="en",
        default_portal_url=PORTAL,
        ui_language="en",
        existing={"person-1": "Amina K., ******1552"},
    )

    assert (answers.profile, answers.replace) == ("person-2", False)


def set_up(
    state: StateStore,
    credentials: MemoryCredentialStore,
    paths: Paths,
    identifier: str,
    *,
    replace: bool = False,
) -> SetUp:
    return set_up_profile(
        state,
        credentials,
        profile="person-1",
        portal_url=PORTAL,
        language="fr",
        identifier=identifier,
        password="Secret-Pass-2026!",
        consent=make_consent("Marie", "helper", "fr", WHEN, holder_name="Amina K."),
        now=WHEN,
        replace=replace,
        paths=paths,
    )


def test_a_profile_that_exists_is_refused_without_replace_and_left_as_it_was(
    tmp_path: Path,
) -> None:
    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    paths.ensure()
    state = StateStore(paths.state_file)
    credentials = MemoryCredentialStore()
    set_up(state, credentials, paths, "1234561552")

    with pytest.raises(ProfileExistsError) as refused:
        set_up(state, credentials, paths, "9876540042")

    assert exit_status_of(refused.value) == ExitStatus.PROFILE_EXISTS == 29
    assert refused.value.code == "profile_exists"
    assert Translator("en").error(refused.value) == (
        "The profile 'person-1' is already set up (Amina K., ******1552): it was not changed. "
        "To replace it, run the same command with --replace (what it knew of that account is "
        "removed: letters, reminders, calendar, channels). To set up another person, choose "
        "another name with --profile."
    )
    assert credentials.load("person-1").identifier == "1234561552"
    state.close()


@pytest.mark.parametrize(
    ("identifier", "kept"),
    [("1234561552", True), ("9876540042", False)],
    ids=["same-account-keeps-its-history", "another-account-removes-it"],
)
def test_replacing_keeps_the_same_accounts_history_and_removes_another_accounts(
    tmp_path: Path, identifier: str, kept: bool
) -> None:
    from assistant.state import CheckRecord

    paths = Paths(config_dir=tmp_path, data_dir=tmp_path)
    paths.ensure()
    state = StateStore(paths.state_file)
    credentials = MemoryCredentialStore()
    set_up(state, credentials, paths, "1234561552")
    state.record_check("person-1", CheckRecord(WHEN, WHEN, True, None, 1, 1, 1))
    credentials.save_channels("person-1", '{"channels": ["the old phone"]}')
    calendar = paths.data_dir / "calendars" / "person-1.ics"
    calendar.parent.mkdir(mode=0o700)
    calendar.write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    done = set_up(state, credentials, paths, identifier, replace=True)

    assert done.replaced is not None
    assert done.replaced.who == "Amina K., ******1552"
    assert (done.removed is None) is kept
    assert len(state.checks("person-1")) == (1 if kept else 0)
    assert (credentials.load_channels("person-1") is not None) is kept
    assert calendar.exists() is kept
    assert credentials.load("person-1").identifier == identifier
    state.close()


# Through the command line, with the real keyring and the mock portal -----------------------

#: Person A's account: a summons notified 2 days ago, not opened.
ACCOUNT_A = Scenario(
    name="account_a",
    description="a pending summons",
    letters=(LetterSpec("convocation", 2, notified_days_ago=2),),
)
#: Person B's account: another identifier and password, no letter.
B_IDENTIFIER = "9876540042"
B_PASSWORD = "Other-Portal-2026!"
ACCOUNT_B = Scenario(
    name="account_b", description="empty", identifier=B_IDENTIFIER, password=B_PASSWORD
)


@pytest.fixture
def cli(tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest) -> Cli:
    cli = Cli(tmp_path / "home", desktop, f"ofpra-setup-{request.node.name}"[:80])
    # Autostart is looked up here, never in the real user's login items.
    cli.env["HOME"] = str(tmp_path / "user")
    cli.env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    cli.env["XDG_RUNTIME_DIR"] = str(tmp_path / "runtime")
    return cli


def scripted_setup(
    cli: Cli, portal_url: str, *extra: str, identifier: str = IDENTIFIER, password: str = PASSWORD
) -> subprocess.CompletedProcess[str]:
    return cli.run(
        "setup",
        *extra,
        "--portal-url",
        portal_url,
        "--identifier",
        "-",  # on standard input: Amina's and Bilal's numbers are told apart by the masked one
        "--password-stdin",
        "--consent",
        "Marie (SPADA)",
        "--role",
        "helper",
        "--holder",
        "Amina K." if identifier == IDENTIFIER else "Bilal",
        "--language",
        "en",
        stdin=f"{identifier}\n{password}\n",
    )


LOCAL_PORTAL = "http://127.0.0.1:9/ofpra/user/login"
REFUSAL = (
    "The profile 'default' is already set up (Amina K., ******1552): it was not changed. To "
    "replace it, run the same command with --replace (what it knew of that account is removed: "
    "letters, reminders, calendar, channels). To set up another person, choose another name "
    "with --profile."
)


@pytest.mark.desktop
def test_a_second_scripted_setup_onto_a_profile_is_refused_with_profile_exists(cli: Cli) -> None:
    first = scripted_setup(cli, LOCAL_PORTAL, "--no-check")
    again = scripted_setup(
        cli, LOCAL_PORTAL, "--no-check", identifier=B_IDENTIFIER, password=B_PASSWORD
    )
    as_json = scripted_setup(
        cli, LOCAL_PORTAL, "--no-check", "--json", identifier=B_IDENTIFIER, password=B_PASSWORD
    )

    assert first.returncode == 0, first.stderr
    # Nothing starts the agent at login in this test's folders: a script is told how.
    assert (
        "Nothing starts the agent at login yet: run 'ofpra-assistant autostart enable' so that "
        "it checks every week."
    ) in first.stdout.splitlines()
    assert again.returncode == ExitStatus.PROFILE_EXISTS == 29
    assert again.stderr == f"ofpra-assistant: {REFUSAL}\n"
    assert again.stdout == ""
    assert as_json.returncode == 29
    assert json.loads(as_json.stdout) == {
        "ok": False,
        "error": {"code": "profile_exists", "message": REFUSAL},
    }
    assert cli.keyring_entry("default:identifier") == IDENTIFIER
    assert cli.keyring_entry("default:password") == PASSWORD
    code, status = cli.json("status")
    assert code == 0
    assert [p["consent"]["holder_name"] for p in status["profiles"]] == ["Amina K."]

    # Another name is another profile; once an entry starts the agent, nothing more is said.
    assert cli.run("autostart", "enable").returncode == 0
    second = scripted_setup(
        cli,
        LOCAL_PORTAL,
        "--no-check",
        "--profile",
        "person-2",
        "--json",
        identifier=B_IDENTIFIER,
        password=B_PASSWORD,
    )
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == {
        "ok": True,
        "profile": "person-2",
        "portal_url": LOCAL_PORTAL,
        "language": "en",
        "replaced": None,
        "first_check": None,
        "autostart": "already",
    }
    code, status = cli.json("status")
    assert [p["profile"] for p in status["profiles"]] == ["default", "person-2"]


def rows(home: Path, table: str, profile: str = "default") -> int:
    with sqlite3.connect(home / "state.sqlite3") as db:
        (count,) = db.execute(
            f"SELECT COUNT(*) FROM {table} WHERE profile = ?", (profile,)
        ).fetchone()
    return int(count)


@pytest.mark.desktop
@pytest.mark.browser
def test_setup_checks_at_once_and_a_replacement_shows_nothing_of_the_old_account(
    cli: Cli,
) -> None:
    with MockPortalServer(ACCOUNT_A) as portal:
        # Person A, with the first check at the end of setup.
        first = scripted_setup(cli, portal.login_url)

        assert first.returncode == 0, first.stderr
        progress = first.stderr.splitlines()
        assert progress[0] == "First check of the account, now (it takes a minute or two):"
        for step in ("Logging in...", "Opening the list of letters...", "Logging out..."):
            assert step in progress
        said = first.stdout.splitlines()
        assert said.index(f"Profile 'default' is set up for ******1552 on {portal.login_url}.") < (
            next(i for i, line in enumerate(said) if line.startswith("Profile 'default', checked"))
        )
        assert "Interview appointment (Convocation)" in first.stdout
        assert "NOT OPENED: open it by" in first.stdout
        assert "Run 'ofpra-assistant check" not in first.stdout  # it was checked
        assert portal.log()["view_requests"] == []
        code, status = cli.json("status")
        [waiting] = status["profiles"][0]["letters_waiting"]
        assert waiting["kind"] == "convocation"
        # A's channel and calendar.
        added = cli.run(
            "channel",
            "add",
            "--profile",
            "default",
            "--to",
            "person",
            "--url-stdin",
            stdin="json://127.0.0.1:9/amina-phone\n",
        )
        assert added.returncode == 0, added.stderr
        assert cli.run("calendar").returncode == 0
        calendar = cli.home / "calendars" / "default.ics"
        assert "BEGIN:VEVENT" in calendar.read_text()
        assert rows(cli.home, "portal_shapes") == 1 and rows(cli.home, "outbox") > 0

        # Person B's account, onto the same name.
        portal.use_scenario(ACCOUNT_B)
        refused = scripted_setup(
            cli, portal.login_url, "--no-check", identifier=B_IDENTIFIER, password=B_PASSWORD
        )
        assert refused.returncode == 29
        replaced = scripted_setup(
            cli,
            portal.login_url,
            "--no-check",
            "--replace",
            identifier=B_IDENTIFIER,
            password=B_PASSWORD,
        )

        assert replaced.returncode == 0, replaced.stderr
        assert replaced.stdout.splitlines()[0] == (
            "The profile 'default' of Amina K., ******1552 was replaced: what it knew of that "
            "account was removed (letters, reminders, calendar, channels)."
        )
        # Nothing of A under B's credentials: not in the state, the keyring or the calendar.
        for table in ("letters", "checks", "portal_shapes", "notices_sent", "outbox"):
            assert rows(cli.home, table) == 0, table
        assert not calendar.exists()
        code, status = cli.json("status")
        [profile] = status["profiles"]
        assert profile["letters_waiting"] == [] and profile["last_check"] is None
        assert profile["consent"]["holder_name"] == "Bilal"
        assert status["agent"]["alerts_waiting"]["alerts"] == 0
        code, channels = cli.json("channel", "list", "--profile", "default")
        assert code == 0 and "amina-phone" not in json.dumps(channels)
        assert cli.run("calendar").returncode == 0
        assert "BEGIN:VEVENT" not in calendar.read_text()
        code, checked = cli.json("check")
        assert code == 0, checked
        assert checked["letters"] == [] and checked["alerts"] == []
        assert "convocation" not in json.dumps(status)


@pytest.mark.desktop
@pytest.mark.browser
def test_a_first_check_that_fails_names_the_error_and_the_profile_stays_saved(cli: Cli) -> None:
    # Nothing listens on port 9: the portal is down (one attempt is enough to say so).
    cli.env["OFPRA_ASSISTANT_RETRY__ATTEMPTS"] = "1"
    said = scripted_setup(cli, LOCAL_PORTAL)

    assert said.returncode == ExitStatus.PORTAL_UNAVAILABLE == 13
    assert said.stderr.startswith("First check of the account, now")
    assert "The check failed (portal_unavailable)" in said.stdout
    assert (
        "The profile 'default' is saved all the same. Do what the message says, then run "
        "'ofpra-assistant check --profile default'."
    ) in said.stdout.splitlines()
    code, status = cli.json("status")
    assert code == 0
    [profile] = status["profiles"]
    assert profile["profile"] == "default"
    assert profile["last_check"]["error_code"] == "portal_unavailable"
