"""Getting in (issue 22): ``setup --activate`` and ``setup --reset-password`` against the mock
portal's activation and forgotten-password pages, in a real Chromium, a real keyring and real
processes; and the ways back when the portal refuses the password."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.desktop_session import DesktopSession
from fixtures.mock_portal import MockPortalServer
from tests.conftest import IDENTIFIER, PASSWORD, Cli, files_holding

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


def activate(
    cli: Cli, portal: MockPortalServer, *extra: str, key: str = KEY
) -> subprocess.CompletedProcess[str]:
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
    # The fence let through the forms' POSTs and nothing else new: the activation's three steps
    # and the first check's login.
    posts = [r["path"] for r in live_portal.log()["requests"] if r["method"] == "POST"]
    assert posts == ["/ofpra/user/activation"] * 3 + ["/ofpra/user/login"]


@pytest.mark.parametrize(
    ("scenario", "fault", "key", "status", "code", "says"),
    [
        pytest.param(
            "not_activated",
            None,
            "AAAA-BBBB-CCCC",
            30,
            "connection_key_rejected",
            "The portal refused the identifier or the connection key ('Numéro AGDREF ou clé "
            "de connexion incorrect.'). Nothing was changed.",
            id="wrong-key",
        ),
        pytest.param(
            "mixed",
            None,
            KEY,
            31,
            "already_activated",
            "This personal space is already activated: nothing was changed. Store its password "
            "with 'ofpra-assistant setup'",
            id="already-activated",
        ),
        pytest.param(
            "not_activated",
            "password_refused",
            KEY,
            32,
            "portal_refused_value",
            "The portal refused the new password: 'Ce mot de passe a déjà été utilisé : "
            "choisissez-en un autre.'",
            id="password-refused",
        ),
    ],
)
def test_activation_refused_before_the_password_is_taken_leaves_nothing(
    cli: Cli,
    live_portal: MockPortalServer,
    scenario: str,
    fault: str | None,
    key: str,
    status: int,
    code: str,
    says: str,
) -> None:
    live_portal.use_scenario(scenario)
    if fault:
        live_portal.set_fault(fault)
    password_before = live_portal.state.account.password
    done = activate(cli, live_portal, "--json", key=key)
    assert done.returncode == status, done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["code"] == code
    assert says in error["message"]
    # The account as it was, and no profile, consent or password left behind.
    assert live_portal.state.account.password == password_before
    assert cli.keyring_entry("amina:password") is None
    assert json.loads(cli.run("status", "--json").stdout)["profiles"] == []


def test_activation_with_a_refused_contact_says_why_and_keeps_the_portals_password(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    live_portal.set_fault("contact_refused")
    done = activate(cli, live_portal, "--mobile", "0712345678")
    assert done.returncode == 32, done.stderr
    assert (
        "The portal refused the mobile number or the e-mail: 'Ce numéro de téléphone est déjà "
        "associé à un autre espace personnel.'. Run the command again with another one"
    ) in done.stderr
    # The password step was passed: the keyring holds what the portal has.
    account = live_portal.state.account
    assert not account.activated
    assert cli.keyring_entry("amina:password") == account.password
    assert GENERATED.fullmatch(account.password)
    # Run again without the fault: activated, and the check succeeds.
    live_portal.set_fault(None)
    again = activate(cli, live_portal, "--email", "amina@example.org")
    assert again.returncode == 0, again.stderr
    assert live_portal.state.account.activated
    assert cli.keyring_entry("amina:password") == live_portal.state.account.password


def test_refused_password_shows_the_three_ways_back_and_the_key_gets_back_in(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    live_portal.use_scenario("wrong_password")
    assert cli.setup(live_portal.login_url, profile="amina").returncode == 0
    refused = cli.run("check", "--profile", "amina")
    assert refused.returncode == 11, refused.stderr
    assert "Three ways to get back in:" in refused.stdout
    assert (
        "1. With the connection key (the paper from the GUDA): run 'ofpra-assistant setup "
        "--reset-password --profile amina'."
    ) in refused.stdout
    assert "2. Without the key: on the portal, 'I forgot my password', then 'I lost my" in (
        refused.stdout
    )
    assert "3. Or ask at the SPADA or at the accommodation centre." in refused.stdout
    # Plain 'setup' would make a new profile: every hint names this one, to be replaced.
    assert "store the new one with 'ofpra-assistant setup --profile amina --replace'." in (
        refused.stdout
    )
    assert "store it with 'ofpra-assistant setup --profile amina --replace'." in refused.stdout
    assert "'ofpra-assistant setup'" not in refused.stdout + refused.stderr
    status = cli.run("status")
    assert "--reset-password --profile amina" in status.stdout
    failed_logins = live_portal.log()["failed_logins"]
    # Meanwhile the refused password is never typed again.
    again = cli.run("check", "--profile", "amina")
    assert again.returncode == 11
    assert "Three ways to get back in:" in again.stdout
    assert "then run 'ofpra-assistant setup --profile amina --replace' to store it." in (
        again.stdout
    )
    assert live_portal.log()["failed_logins"] == failed_logins

    reset = cli.run(
        "setup", "--reset-password", "--profile", "amina", "--connection-key-stdin", "--json",
        stdin=KEY + "\n",
    )  # fmt: skip
    assert reset.returncode == 0, reset.stderr
    output = json.loads(reset.stdout)
    assert output["done"] == "password_reset" and output["check"]["ok"] is True
    assert live_portal.state.account.password == output["new_password"]
    assert cli.keyring_entry("amina:password") == output["new_password"]
    assert live_portal.log()["password_resets"] == 1
    # The block is lifted: the next check logs in.
    assert cli.run("check", "--profile", "amina").returncode == 0


@pytest.mark.parametrize("seed", [20261204, 7, 1552, 42, 11])
def test_sigkill_during_activation_leaves_the_account_untouched_or_its_password_kept(
    cli: Cli, live_portal: MockPortalServer, seed: int
) -> None:
    """A kill at a random moment of ``setup --activate`` (pages slowed to widen the windows):
    either the portal still has its old password and no activation, or the keyring holds
    exactly the password the portal has now. Never a password nobody has."""
    import signal
    import subprocess
    import sys
    import time

    live_portal.set_page_delay(300)
    listed = live_portal.state.account.password
    moment = random_moment(seed)
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "setup", "--activate", "--profile", "amina",
         "--identifier", IDENTIFIER, "--connection-key-stdin", "--consent", "Amina Test",
         "--language", "en", "--portal-url", live_portal.login_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli.env,
    )  # fmt: skip
    assert process.stdin is not None
    process.stdin.write((KEY + "\n").encode())
    process.stdin.close()
    time.sleep(moment)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    time.sleep(0.7)  # a request the kill cut short is answered (or not) by now
    account = live_portal.state.account
    stored = cli.keyring_entry("amina:password")
    untouched = not account.activated and account.password == listed
    assert untouched or stored == account.password, (moment, account, stored is None)


def test_show_password_asks_first_and_prints_only_the_password(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    live_portal.use_scenario("mixed")
    assert cli.setup(live_portal.login_url, profile="amina").returncode == 0
    # Not a terminal: no confirmation can be typed, so it is refused without --yes.
    refused = cli.run("setup", "--show-password", "--profile", "amina")
    assert refused.returncode == 16
    assert "--show-password asks for a confirmation on a terminal" in refused.stderr
    assert PASSWORD not in refused.stdout + refused.stderr
    shown = cli.run("setup", "--show-password", "--profile", "amina", "--yes")
    assert (shown.returncode, shown.stdout, shown.stderr) == (0, PASSWORD + "\n", "")
    missing = cli.run("setup", "--show-password", "--profile", "hamid", "--yes")
    assert missing.returncode == 18


def random_moment(seed: int) -> float:
    import random

    # From the start of the process to past the activation's last page (about 10 s here, the
    # first check after it about 5 s more).
    return random.Random(seed).uniform(0.5, 16.0)


def test_the_first_choice_on_a_terminal_activates_with_a_password_chosen_for_the_person(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    import sys

    import pexpect

    child = pexpect.spawn(
        sys.executable,
        ["-m", "assistant", "setup", "--portal-url", live_portal.login_url],
        env=cli.env,
        encoding="utf-8",
        timeout=90,
        dimensions=(60, 250),
    )
    child.expect_exact("Language / Langue:")
    child.sendline("")
    child.expect_exact("The OFPRA personal space:")
    child.expect_exact("2. I have not yet activated my personal space (I have the connection key)")
    child.sendline("2")
    child.expect_exact("Name of this profile [person-1]: ")
    child.sendline("")
    # The ordinary wizard's questions, where they apply (they were skipped).
    child.expect_exact("Is this your own OFPRA account?")
    child.sendline("1")
    child.expect_exact("This assistant will, on this computer only:")
    child.expect_exact("Your name:")
    child.sendline("Amina Test")
    child.expect_exact("Do you agree?")
    child.sendline("1")
    child.expect_exact(f"Address of the portal's login page [{live_portal.login_url}]: ")
    child.sendline("")
    child.expect_exact("AGDREF number or OFPRA file number: ")
    child.sendline(IDENTIFIER)
    child.expect_exact("Connection key (on the paper from the GUDA, 'CLÉ DE CONNEXION'): ")
    child.sendline(KEY)
    child.expect_exact("The new password:")
    child.expect_exact("[1]: ")
    child.sendline("2")
    child.expect_exact("New password: ")
    child.sendline("court-2026")
    child.expect_exact("The portal would refuse this password:")
    child.expect_exact("  - It has fewer than 12 characters.")
    child.expect_exact("  - It has no upper-case letter (A to Z).")
    child.expect_exact("New password: ")
    child.sendline("Mon-Propre-Passe-2026")
    child.expect_exact("Type the password again: ")
    child.sendline("Mon-Propre-Passe-2026")
    child.expect_exact("Mobile number (06 or 07), or Enter: ")
    child.sendline("0112345678")
    child.expect_exact("06 or 07 then 8 digits")
    child.expect_exact("Mobile number (06 or 07), or Enter: ")
    child.sendline("07 12 34 56 78")
    child.expect_exact("E-mail, or Enter: ")
    child.sendline("")
    # Its steps said as it goes (it was silent for the activation and its first check).
    child.expect_exact("Opening the portal's activation page...")
    child.expect_exact("Sending the page's answers to the portal...")
    child.expect_exact("The portal took the new password.")
    child.expect_exact("First check of the account, now")
    child.expect_exact("Logging in...")
    child.expect_exact("YOUR NEW PASSWORD FOR THE OFPRA PORTAL")
    child.expect_exact("Mon-Propre-Passe-2026")
    child.expect_exact("Write it down on paper or take a photo of it now")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    account = live_portal.state.account
    assert (account.activated, account.password, account.mobile) == (
        True,
        "Mon-Propre-Passe-2026",
        "0712345678",
    )
    assert cli.keyring_entry("person-1:password") == "Mon-Propre-Passe-2026"


def test_activation_never_replaces_a_profile_silently(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    """As setup does (issue 19): a name taken by another account is refused without --replace,
    before the portal is contacted, and the profile it names keeps its password."""
    another = cli.run(
        "setup",
        "--no-check",
        "--profile",
        "amina",
        "--portal-url",
        "https://portal.example/ofpra/user/login",
        "--identifier",
        "9876543210",
        "--password-stdin",
        "--consent",
        "Bilal Test",
        stdin=PASSWORD + "\n",
    )
    assert another.returncode == 0, another.stderr

    refused = activate(cli, live_portal, "--json")

    assert refused.returncode == 29, refused.stderr
    error = json.loads(refused.stdout)["error"]
    assert error["code"] == "profile_exists"
    assert "--replace" in error["message"]
    assert cli.keyring_entry("amina:password") == PASSWORD
    log = live_portal.log()
    assert (log["activations"], log["logins"]) == (0, 0), "the portal was not used"
    assert log["account"]["activated"] is False

    replaced = activate(cli, live_portal, "--replace", "--mobile", "0612345678", "--json")

    assert replaced.returncode == 0, replaced.stderr
    new_password = json.loads(replaced.stdout)["new_password"]
    assert cli.keyring_entry("amina:password") == new_password != PASSWORD


def test_activate_on_a_terminal_asks_whose_account_and_the_holders_language_first(
    cli: Cli, live_portal: MockPortalServer
) -> None:
    """``setup --activate`` on a terminal asks what the wizard asks, through the same questions:
    a volunteer helping a Dari holder is shown the consent in Dari; a no stores nothing."""
    import sys

    import pexpect

    from assistant.consent import consent_text
    from assistant.i18n import LANGUAGES, Translator

    child = pexpect.spawn(
        sys.executable,
        ["-m", "assistant", "--lang", "en", "setup", "--activate"],
        env=cli.env,
        encoding="utf-8",
        timeout=60,
        dimensions=(60, 250),
    )
    child.expect_exact("Name of this profile [person-1]: ")
    child.sendline("")
    child.expect_exact("Is this your own OFPRA account?")
    child.sendline("2")
    child.expect_exact("Which language does the account holder read?")
    child.sendline(str(list(LANGUAGES).index("fa_AF") + 1))
    child.expect_exact("Read this to the account holder, or show it to them:")
    child.expect_exact(consent_text(Translator("fa_AF")).splitlines()[0])
    child.expect_exact("Name of the account holder:")
    child.sendline("Amina K.")
    child.expect_exact("Your name (you help the account holder):")
    child.sendline("Marie")
    child.expect_exact("Does the account holder agree?")
    child.sendline("2")
    child.expect_exact("Nothing was stored.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 15, child.before
    assert live_portal.log()["activations"] == 0
    assert cli.keyring_entry("person-1:password") is None
