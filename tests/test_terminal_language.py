"""Two languages, never mixed up (issue 19): whoever types a command reads it in the terminal's
language (``--lang CODE``, else the system's, else French); the alerts speak the account holder's
(the profile's). A French volunteer setting up a person who reads Dari reads French at the
terminal, and the person's desktop says Dari."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pexpect
import pytest

from assistant.alerts import letter_alerts
from assistant.cli_context import terminal_language
from assistant.cli_output import render_check
from assistant.deadlines import deadlines_for
from assistant.errors import ExitStatus
from assistant.i18n import Translator
from assistant.notifiers import dispatcher_for
from assistant.results import Alert, CheckResult, LetterReport
from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from flows.models import LetterKind, PortalLetter
from tests.conftest import IDENTIFIER, PASSWORD, Cli, assistant_env

#: The right-to-left mark the Dari texts carry around each value (assistant/i18n.py).
RLM = "\u200f"
#: "New letter from OFPRA: Decision (Décision)" as the Dari catalog says it.
DARI_NEW_DECISION = f"{RLM}مکتوب جدید از OFPRA: {RLM}{RLM}فیصله{RLM} ({RLM}Décision{RLM}){RLM}"
#: "Letter not opened yet: Decision (Décision)", the same letter at the next check.
DARI_UNOPENED_DECISION = f"{RLM}مکتوب هنوز باز نشده: {RLM}{RLM}فیصله{RLM} ({RLM}Décision{RLM}){RLM}"
#: "New letter from OFPRA: Decision (Décision) (karim)" as the Arabic catalog says it.
ARABIC_NEW_DECISION = (
    f"{RLM}{RLM}رسالة جديدة من OFPRA: {RLM}{RLM}القرار{RLM} ({RLM}Décision{RLM}){RLM}"
    f"{RLM} ({RLM}karim{RLM})"
)
CODES = "fr, en, fa_AF, ps, ar, bn, tr, ru, uk, ka, ht"


@pytest.fixture
def live_portal() -> Iterator[MockPortalServer]:
    """A mock portal dated from the real today, since the CLI runs on the real clock."""
    with MockPortalServer("decision_9_days") as server:
        yield server


@pytest.fixture
def french_cli(tmp_path: Path, desktop: DesktopSession, request: pytest.FixtureRequest) -> Cli:
    """The command line of a volunteer whose system speaks French."""
    cli = Cli(tmp_path / "home", desktop, f"ofpra-lang-{request.node.name}"[:80])
    cli.env["LANG"] = "fr_FR.UTF-8"
    return cli


def set_up_holder(cli: Cli, portal: MockPortalServer, profile: str, language: str) -> None:
    # Without setup's first check: the test's own `check` is the first, its letters new.
    done = cli.run(
        "setup",
        "--no-check",
        "--profile",
        profile,
        "--portal-url",
        portal.login_url,
        "--identifier",
        IDENTIFIER,
        "--password-stdin",
        "--consent",
        "Marie (SPADA)",
        "--role",
        "helper",
        "--holder",
        "Amina K.",
        "--language",
        language,
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    # Said to the volunteer, in French.
    assert "Le mot de passe est gardé dans" in done.stdout, done.stdout


# The whole story, in a real browser with a real notification daemon ---------------------------


@pytest.mark.desktop
@pytest.mark.browser
def test_a_french_terminal_reads_french_and_each_holder_their_own_language(
    french_cli: Cli, live_portal: MockPortalServer, desktop: DesktopSession
) -> None:
    set_up_holder(french_cli, live_portal, "default", "fa_AF")

    done = french_cli.run("check")

    assert done.returncode == 0, done.stderr
    # The progress, on standard error, in French.
    progress = done.stderr.splitlines()
    assert "Démarrage du navigateur..." in progress
    assert "Connexion au site..." in progress
    assert "Déconnexion..." in progress
    assert "در حال" not in done.stderr  # no Dari step ("در حال ورود...")
    # The summary and its list of alerts, in French; the list says the alert went out in Dari.
    assert done.stdout.startswith("Profil 'default', vérifié le "), done.stdout
    assert "À ouvrir maintenant, le plus urgent d'abord :" in done.stdout
    assert "Alertes :\n  [desktop] Nouveau courrier de l'OFPRA : Décision\n" in done.stdout
    assert "      Envoyée en دری (Dari).\n" in done.stdout
    assert "مکتوب" not in done.stdout  # no Dari sentence ("letter")
    # The desktop's alert, as the notification daemon received it, in Dari.
    shown = [n for n in desktop.notification_history() if n["appname"] == "OFPRA assistant"]
    assert shown[-1]["summary"] == DARI_NEW_DECISION

    # `status` has always answered in the terminal's language: it still does.
    status = french_cli.run("status")
    assert "Profil 'default' (" in status.stdout, status.stdout
    assert "\n  alertes : en دری (Dari)\n" in status.stdout

    # A second person, who reads Arabic; both checked in one run. Without a notification
    # service, each alert printed on the terminal is its holder's, said as such in French.
    # With --json, the alerts go to standard error.
    set_up_holder(french_cli, live_portal, "karim", "ar")
    french_cli.env["OFPRA_ASSISTANT_NOTIFIER"] = "console"
    done = french_cli.run("check", "--all", "--json")

    assert done.returncode == 0, done.stderr
    assert (
        f"Alerte pour « default » (en دری (Dari)) :\n** {DARI_UNOPENED_DECISION}\n" in done.stderr
    ), done.stderr
    assert f"Alerte pour « karim » (en العربية (Arabic)) :\n** {ARABIC_NEW_DECISION}\n" in (
        done.stderr
    )
    assert "karim : Connexion au site..." in done.stderr.splitlines()
    # The JSON keeps the alerts' own words, and says in which language they are.
    default, karim = json.loads(done.stdout)["results"]
    [alert] = default["alerts"]
    assert (alert["title"], alert["language"]) == (DARI_UNOPENED_DECISION, "fa_AF")
    [alert] = karim["alerts"]
    assert (alert["title"], alert["language"]) == (ARABIC_NEW_DECISION, "ar")


@pytest.mark.desktop
@pytest.mark.browser
def test_demo_speaks_lang_at_the_terminal_and_language_in_its_alerts(
    tmp_path: Path, desktop: DesktopSession
) -> None:
    env = assistant_env(desktop, tmp_path / "home", "ofpra-lang-demo")
    env["LANG"] = "fr_FR.UTF-8"
    env["OFPRA_ASSISTANT_NOTIFIER"] = "console"

    done = subprocess.run(
        [sys.executable, "-m", "assistant", "demo", "--lang", "en", "--language", "fa_AF"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "Demo: mock portal scenario 'mixed' at " in done.stdout
    assert "Alerts:\n" in done.stdout
    assert "      Sent in دری (Dari).\n" in done.stdout
    # The demo's alerts went to the private desktop in Dari ("New letter from OFPRA").
    shown = [n for n in desktop.notification_history() if n["appname"] == "OFPRA assistant"]
    assert any(n["summary"].startswith(f"{RLM}مکتوب جدید از OFPRA") for n in shown)


# Which language the terminal speaks ------------------------------------------------------------


def run_plain(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """The command with no desktop at all, in a home of its own, under ``environ`` only."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **environ},
        timeout=60,
    )


@pytest.fixture
def empty_home(tmp_path: Path) -> dict[str, str]:
    return {"OFPRA_ASSISTANT_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--lang", "en", "status"], "No profile yet:", id="before-the-command"),
        pytest.param(["status", "--lang", "en"], "No profile yet:", id="after-the-command"),
        pytest.param(["status", "--lang=ru"], "Профилей пока нет:", id="with-equals"),
        pytest.param(["status", "--lang", "fa-AF"], "هنوز هیچ پروفایلی نیست", id="fa-AF"),
    ],
)
def test_lang_overrides_the_systems_language_for_status(
    args: list[str], expected: str, empty_home: dict[str, str]
) -> None:
    done = run_plain(*args, LANG="fr_FR.UTF-8", **empty_home)

    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
    assert "Pas encore de profil" not in done.stdout


def test_lang_overrides_the_systems_language_for_help_and_errors(
    empty_home: dict[str, str],
) -> None:
    helped = run_plain("check", "--help", "--lang", "en", LANG="fr_FR.UTF-8")
    assert helped.stdout.startswith("usage: ofpra-assistant check"), helped.stdout
    assert "Exit statuses:" in helped.stdout

    failed = run_plain("--lang", "en", "check", LANG="fr_FR.UTF-8", **empty_home)
    assert failed.returncode == ExitStatus.PROFILE_MISSING
    assert failed.stderr == (
        "ofpra-assistant: No profile is set up yet. Run 'ofpra-assistant setup' first.\n"
    )

    # With --json, the error's message is the terminal's too; its code, the same everywhere.
    french = run_plain("check", "--json", LANG="fr_FR.UTF-8", **empty_home)
    english = run_plain("check", "--json", "--lang", "en", LANG="fr_FR.UTF-8", **empty_home)
    assert json.loads(french.stdout)["error"] == {
        "code": "profile_missing",
        "message": "Aucun profil n'est encore configuré. Lancez d'abord 'ofpra-assistant setup'.",
    }
    assert json.loads(english.stdout)["error"] == {
        "code": "profile_missing",
        "message": "No profile is set up yet. Run 'ofpra-assistant setup' first.",
    }


def test_an_unknown_lang_is_a_usage_error_that_lists_the_codes(
    empty_home: dict[str, str],
) -> None:
    done = run_plain("status", "--lang", "xx", LANG="en_US.UTF-8", **empty_home)

    assert done.returncode == ExitStatus.USAGE
    assert done.stdout == ""
    assert f"argument --lang: there are no texts in 'xx' yet: choose one of {CODES}" in done.stderr


def test_lang_alone_prints_the_help_in_that_language() -> None:
    done = run_plain("--lang", "en", LANG="fr_FR.UTF-8")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: ofpra-assistant")
    assert "Exit statuses:" in done.stdout


def test_language_comes_before_lang_as_gettext_reads_them(empty_home: dict[str, str]) -> None:
    done = run_plain("status", LANGUAGE="de:ru:fr", LANG="fr_FR.UTF-8", **empty_home)

    assert "Профилей пока нет:" in done.stdout, done.stdout


def test_without_any_locale_variable_the_terminal_speaks_french(
    empty_home: dict[str, str],
) -> None:
    done = run_plain("status", **empty_home)

    assert "Pas encore de profil : lancez 'ofpra-assistant setup'." in done.stdout, done.stdout


@pytest.mark.parametrize(
    ("argv", "environ", "language"),
    [
        (["status"], {"LANG": "uk_UA.UTF-8"}, "uk"),
        (["--lang", "ar", "status"], {"LANG": "uk_UA.UTF-8"}, "ar"),
        (["status", "--lang=ps"], {}, "ps"),
        (["--lang", "en", "status", "--lang", "ka"], {}, "ka"),  # the last, as argparse keeps
        (["status", "--lang", "xx"], {"LANG": "ru_RU.UTF-8"}, "ru"),  # the parser refuses it
        (["channel", "--", "--lang", "en"], {"LANG": "tr_TR.UTF-8"}, "tr"),
        (["status"], {"LANGUAGE": "ht:fr", "LC_ALL": "ru_RU.UTF-8"}, "ht"),
        (["status"], {"LC_MESSAGES": "bn_BD.UTF-8", "LANG": "fr_FR.UTF-8"}, "bn"),
        (["status"], {}, "fr"),
    ],
)
def test_terminal_language_reads_the_command_line_then_the_system(
    argv: list[str], environ: dict[str, str], language: str
) -> None:
    assert terminal_language(argv, environ) == language


# The alerts keep the holder's language; the terminal's words say whose they are ---------------


def unread_decision() -> LetterReport:
    letter = PortalLetter(
        id="d-1",
        kind=LetterKind.DECISION,
        label="Décision",
        sender="OFPRA",
        made_available_on=date(2026, 11, 23),
        notified_on=date(2026, 11, 23),
        read=False,
        read_on=None,
        portal_remaining_days=12,
        portal_says_notified=False,
    )
    return LetterReport(letter, deadlines_for(letter, date(2026, 11, 26)), new=True)


def test_the_console_fallback_prints_the_holders_alert_marked_in_the_terminals_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)  # no desktop service
    [alert] = letter_alerts([unread_decision()], Translator("fa_AF"), "amina")
    stream = io.StringIO()

    via = dispatcher_for("auto", stream, terminal=Translator("fr")).deliver(alert)

    assert via == "console"
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Alerte pour « amina » (en دری (Dari)) :"
    # The holder's words as they are: "New letter from OFPRA: Decision (Décision) (amina)".
    assert lines[1] == (
        f"** {RLM}{RLM}مکتوب جدید از OFPRA: {RLM}{RLM}فیصله{RLM} ({RLM}Décision{RLM}){RLM}"
        f"{RLM} ({RLM}amina{RLM})"
    )


def test_a_checks_summary_lists_its_alerts_in_the_terminals_language() -> None:
    report = unread_decision()
    [dari] = letter_alerts([report], Translator("fa_AF"), "default")
    # One left over from an earlier check, read back from the outbox: its words only.
    earlier = Alert("check_failed", f"{RLM}هشدار", f"{RLM}متن", profile="default", language="fa_AF")
    result = CheckResult(
        profile="default",
        checked_at=datetime(2026, 11, 26, 11, 0, tzinfo=UTC),
        letters=[report],
        alerts=[dari, earlier],
        delivered_via=["desktop", "desktop"],
    )

    text = render_check(result, Translator("en"))

    assert "Alerts:\n  [desktop] New letter from OFPRA: Decision (Décision)\n" in text
    # Made available on 23 November: it counts as received 15 days later, on 8 December, so
    # the last day to open it is 7 December, 11 days after 26 November.
    assert (
        "      Open it on the OFPRA website by December 7, 2026: 11 days left. If it is not "
        "opened, it counts as received on December 8, 2026."
    ) in text
    assert f"  [desktop] {RLM}هشدار\n      {RLM}متن\n      Sent in دری (Dari)." in text
    assert text.count("Sent in دری (Dari).") == 2


@pytest.mark.desktop
def test_setup_with_lang_asks_its_questions_in_it_without_asking_which(
    tmp_path: Path, desktop: DesktopSession
) -> None:
    env = assistant_env(desktop, tmp_path / "home", "ofpra-lang-wizard")
    env["LANG"] = "fr_FR.UTF-8"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "assistant", "setup", "--lang", "en"],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(60, 250),
    )

    child.expect_exact("The OFPRA personal space:")
    assert "Language / Langue" not in (child.before or "")
    child.sendline("")  # the password is known
    child.expect_exact("Name of this profile [person-1]: ")
    child.sendline("")
    child.expect_exact("Is this your own OFPRA account?")
    child.sendeof()
    child.expect_exact("Setup stopped: nothing was stored.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def test_the_agents_lines_say_in_which_language_an_alert_went_out() -> None:
    from assistant.agent import TickReport
    from assistant.cli_output import render_tick

    sent = Alert("new_letter", f"{RLM}مکتوب", "", profile="amina", language="fa_AF")
    same = Alert("new_letter", "Nouveau courrier", "", profile="marc", language="fr")
    report = TickReport(
        at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        delivered=[(sent, "desktop"), (same, "desktop")],
    )

    text = render_tick(report, Translator("fr"))

    assert text == (
        f"1er décembre 2026, 9:00, heure de Paris alerte [desktop] : {RLM}مکتوب Envoyée en دری "
        "(Dari).\n1er décembre 2026, 9:00, heure de Paris alerte [desktop] : Nouveau courrier"
    )


def test_status_says_in_which_language_a_profiles_alerts_go(tmp_path: Path) -> None:
    from assistant.cli_output import render_status
    from assistant.settings import Paths

    status: dict[str, Any] = {
        "profile": "amina",
        "portal_url": "https://portal.example/ofpra/user/login",
        "language": "fa_AF",
        "consent": None,
        "last_check": None,
        "last_successful_check": None,
        "next_check_due": None,
        "next_check_reason": "paused",
        "letters_waiting": [],
    }

    text = render_status(Paths(tmp_path, tmp_path), [status], Translator("en"), False)

    assert "\n  alerts: in دری (Dari)\n" in text


def test_a_command_in_a_right_to_left_way_back_is_copied_as_it_is() -> None:
    from assistant.activation import ways_back

    first, second, _ = ways_back(Translator("ps"), "person-5")

    # Copied from a Pashto alert into a terminal, the command must name the profile as it is:
    # a direction mark glued to the name made it "no profile named 'person-5'".
    assert "'ofpra-assistant setup --reset-password --profile person-5'" in first
    assert "'ofpra-assistant setup --profile person-5 --replace'" in second


@pytest.mark.parametrize("command", ["status", "check", "forget", "open", "setup", "calendar"])
def test_a_profile_name_copied_with_direction_marks_is_read_without_them(command: str) -> None:
    from assistant.cli_parser import build_parser

    parser = build_parser(Translator("fr"))

    args = parser.parse_args([command, "--profile", f"{RLM}person-5{RLM}\u2069"])

    assert args.profile == "person-5"


def test_a_failed_checks_alert_keeps_every_line_of_its_body_under_it() -> None:
    ways = "Three ways to get back in:\n  1. With the key.\n  2. Without it."
    alert = Alert(kind="check_failed", title="Could not check (amina)", body="Refused.\n" + ways)
    result = CheckResult(
        profile="amina",
        checked_at=datetime(2026, 12, 4, 16, 0, tzinfo=UTC),
        letters=[],
        alerts=[alert],
        delivered_via=["desktop"],
    )

    text = render_check(result, Translator("en"))

    assert (
        "  [desktop] Could not check (amina)\n"
        "      Refused.\n"
        "      Three ways to get back in:\n"
        "        1. With the key.\n"
        "        2. Without it.\n"
    ) in text + "\n"


def test_status_names_the_account_holder_a_helper_agreed_for(tmp_path: Path) -> None:
    from assistant.cli_output import render_status
    from assistant.settings import Paths

    # Profiles are named person-1, person-2...: the volunteer tells them apart by the holder.
    status: dict[str, Any] = {
        "profile": "person-1",
        "portal_url": "https://portal.example/ofpra/user/login",
        "language": "fa_AF",
        "consent": {
            "given_by": "Marie (SPADA)",
            "role": "helper",
            "holder_name": "Amina K.",
            "given_at": "2026-12-04T16:02:00+00:00",
        },
        "last_check": None,
        "last_successful_check": None,
        "next_check_due": None,
        "next_check_reason": "paused",
        "letters_waiting": [],
    }

    text = render_status(Paths(tmp_path, tmp_path), [status], Translator("fr"), False)

    assert (
        "\n  accord : donné par Marie (SPADA) (personne qui aide) pour Amina K. le "
        "4 décembre 2026, 17:02, heure de Paris\n"
    ) in text


def test_a_new_password_speaks_the_holders_language_and_its_check_the_terminals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    from assistant.activation import GotIn
    from assistant.cli_getting_in import _report

    check = CheckResult(profile="person-5", checked_at=datetime(2026, 12, 4, 16, 11, tzinfo=UTC))
    got = GotIn("person-5", "Sauge-Chat-Cuvette-265", check)
    args = argparse.Namespace(json=False, activate=False)

    assert _report(got, Translator("ps"), Translator("fr"), args) == 0

    out = capsys.readouterr().out
    # The frame is the Pashto holder's; the check's summary is for the French volunteer.
    assert "ستاسو نوی پټنوم د OFPRA ویبپاڼې لپاره" in out
    assert "Profil 'person-5', vérifié le 4 décembre 2026, 17:11, heure de Paris" in out
