"""``doctor``: what a check needs on this computer, what is missing, and how to fix each.

Each probe is a small function that returns a ``Finding``; none contacts the portal, none reads
a password, and each runs under a time limit (``bounded``), so that a stuck D-Bus service or a
browser that never starts makes a finding, not a hang. A finding that is ``required`` stops a
check from running while it fails (no browser, a locked keyring, an unsafe home folder, a wrong
clock, a profile the portal refused); the others are advice (no notification service, no agent
running). The CLI prints the report; ``ready`` decides the exit status.
"""

from __future__ import annotations

import os
import platform
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from assistant.errors import N_, AssistantError, NotReadyError, as_assistant_error

if TYPE_CHECKING:
    from assistant.i18n import Translator
    from assistant.settings import Paths, Settings

#: A D-Bus service (the keyring, the notifications) that does not answer within this is absent.
DBUS_SECONDS = 2.0
#: Starting Chromium once (with Playwright's driver) takes about a second; a slow disk, more.
BROWSER_SECONDS = 30.0
#: Whatever else (the state, the folders) is local and quick.
LOCAL_SECONDS = 10.0
#: A clock before this says a dead battery or a date never set (this version did not exist).
EARLIEST_SANE = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Finding:
    """One thing a check needs: whether it is there, what was found, how to fix it."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    #: A check cannot run while this fails.
    required: bool = True
    #: What a script may want to read (the browser's version, a profile's last success...).
    facts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "required": self.required,
            "detail": self.detail,
            "fix": self.fix,
            **self.facts,
        }


@dataclass(frozen=True)
class Report:
    home: str
    findings: list[Finding]

    @property
    def ready(self) -> bool:
        """A check can run: nothing required is missing."""
        return all(finding.ok or not finding.required for finding in self.findings)

    def error(self) -> NotReadyError | None:
        missing = [f.name for f in self.findings if f.required and not f.ok]
        if not missing:
            return None
        return NotReadyError(
            N_(
                "A check cannot run on this computer yet: {missing}. Fix what 'ofpra-assistant "
                "doctor' says, then run it again."
            ),
            missing=", ".join(dict.fromkeys(missing)),
        )

    def to_json(self) -> dict[str, Any]:
        error = self.error()
        answer: dict[str, Any] = {"ok": error is None, "home": self.home}
        if error is not None:
            answer["error"] = error.to_json()
        answer["checks"] = [finding.to_json() for finding in self.findings]
        return answer


def examine(t: Translator, paths: Paths) -> Report:
    """Every probe, in the order a person would fix things; the browser's in parallel with the
    others (it is the slowest)."""
    from assistant.settings import Settings

    home = bounded("home", t, LOCAL_SECONDS, lambda: probe_home(t, paths))
    settings_finding, settings = probe_settings(t, paths)
    usable = settings or Settings()
    browser: list[Finding] = []
    browser_thread = threading.Thread(
        target=lambda: browser.append(
            bounded("browser", t, BROWSER_SECONDS, lambda: probe_browser(t, usable))
        ),
        name="ofpra-doctor-browser",
        daemon=True,
    )
    browser_thread.start()
    findings = [home, settings_finding]
    findings.append(bounded("keyring", t, DBUS_SECONDS * 3, lambda: probe_keyring(t)))
    findings.append(bounded("notifications", t, DBUS_SECONDS * 2, lambda: probe_notifications(t)))
    # Nothing is read from a home folder that is not safe (as no command reads from it).
    state_findings = (
        bounded_many("profiles", t, LOCAL_SECONDS, lambda: probe_profiles(t, paths))
        if home.ok
        else []
    )
    last_check = _latest_check(state_findings)
    findings.append(bounded("clock", t, LOCAL_SECONDS, lambda: probe_clock(t, last_check)))
    findings.append(bounded("agent", t, LOCAL_SECONDS, lambda: probe_agent(t, paths)))
    findings.append(bounded("autostart", t, LOCAL_SECONDS, lambda: probe_autostart(t)))
    browser_thread.join(BROWSER_SECONDS + 5)
    findings.insert(
        2,
        browser[0] if browser else _no_answer("browser", t, BROWSER_SECONDS),
    )
    findings.extend(state_findings)
    return Report(home=str(paths.data_dir), findings=findings)


def bounded(name: str, t: Translator, seconds: float, probe: Callable[[], Finding]) -> Finding:
    """``probe()`` run on a thread of its own, given ``seconds``: a probe that does not answer
    in time is a finding (the thread is left behind; it dies with the command), and one that
    raises says its error, never a traceback."""
    return bounded_many(name, t, seconds, lambda: [probe()])[0]


def bounded_many(
    name: str, t: Translator, seconds: float, probe: Callable[[], list[Finding]]
) -> list[Finding]:
    answer: list[list[Finding]] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            answer.append(probe())
        except BaseException as error:  # said as a finding below
            failure.append(error)

    thread = threading.Thread(target=run, name=f"ofpra-doctor-{name}", daemon=True)
    thread.start()
    thread.join(seconds)
    if answer:
        return answer[0]
    if failure:
        error = as_assistant_error(failure[0])
        if error.code != "internal_error":  # a named fault (a damaged state...) says what to do
            return [Finding(name, False, t.error(error), required=name not in ADVICE)]
        # A bug in a probe: said as such (doctor writes no log file: the home may be the fault).
        cause = f"{type(failure[0]).__name__}: {failure[0]}"
        return [
            Finding(
                name,
                False,
                t._(
                    "This could not be looked at: an unexpected error ({error}).",
                    error=cause,
                ),
                t._("Please report it, with what doctor printed."),
                required=name not in ADVICE,
            )
        ]
    return [_no_answer(name, t, seconds)]


def _no_answer(name: str, t: Translator, seconds: float) -> Finding:
    return Finding(
        name,
        False,
        t.ngettext(
            "It did not answer within {count} second.",
            "It did not answer within {count} seconds.",
            max(1, round(seconds)),
        ),
        t._("Restart the computer's session (log out and in again), then run doctor again."),
        required=name not in ADVICE,
    )


#: Findings that do not stop a check: the alerts still reach the terminal and wait in the
#: outbox; without the agent, `check` by hand still works.
ADVICE = frozenset({"notifications", "agent", "autostart"})


# Probes ----------------------------------------------------------------------------------------


def probe_home(t: Translator, paths: Paths) -> Finding:
    """The home folder passes the checks every command makes (``unsafe_folder``), and can be
    written. Nothing is created: a folder that is not there yet is made by ``setup``."""
    from assistant.errors import UnsafeFolderError
    from assistant.settings import check_own_folder

    folders = [(paths.config_dir, True), (paths.data_dir, True)]
    folders += [(paths.log_file.parent, False), (paths.captures_dir, False)]
    try:
        for folder, allow_link in folders:
            if os.path.lexists(folder):
                check_own_folder(folder, allow_link=allow_link)
    except UnsafeFolderError as error:
        return Finding(
            "home",
            False,
            t.error(error),
            t._(
                "Fix that folder as said, or set OFPRA_ASSISTANT_HOME to a folder of your own, "
                "then run doctor again."
            ),
            facts={"path": str(paths.data_dir)},
        )
    if not paths.data_dir.exists():
        return Finding(
            "home",
            True,
            t._("The home folder {path} does not exist yet: setup makes it.", path=paths.data_dir),
            facts={"path": str(paths.data_dir)},
        )
    if not os.access(paths.data_dir, os.W_OK | os.X_OK):
        return Finding(
            "home",
            False,
            t._("The home folder {path} cannot be written.", path=paths.data_dir),
            t._(
                "Make it writable (or set OFPRA_ASSISTANT_HOME to a folder you can write in), "
                "then run doctor again."
            ),
            facts={"path": str(paths.data_dir)},
        )
    return Finding(
        "home",
        True,
        t._("The home folder {path} is yours and private.", path=paths.data_dir),
        facts={"path": str(paths.data_dir)},
    )


def probe_settings(t: Translator, paths: Paths) -> tuple[Finding, Settings | None]:
    from assistant.settings import load_settings

    try:
        settings = load_settings(paths)
    except AssistantError as error:
        fix = t._(
            "Fix or remove that value in {path}, then run doctor again.", path=paths.settings_file
        )
        return Finding("settings", False, t.error(error), fix), None
    return Finding("settings", True, t._("The settings are valid.")), settings


def probe_browser(t: Translator, settings: Settings) -> Finding:
    """Start the browser a check would use (the same search: the setting, Playwright's build,
    Chrome or Edge by channel, the system's Chromium) and close it at once."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from assistant.errors import BrowserUnavailableError
    from flows.launch import find_browser

    try:
        with sync_playwright() as playwright:
            choice, version = find_browser(
                playwright,
                settings.browser.executable_path,
                settings.browser.channel,
                timeout_seconds=BROWSER_SECONDS - 5,
            )
    except (BrowserUnavailableError, PlaywrightError) as error:
        fixes = []
        if settings.browser.executable_path:
            fixes.append(
                t._(
                    "The setting [browser] executable_path names {path}: correct it, or remove "
                    "it so that the assistant looks for a browser itself.",
                    path=settings.browser.executable_path,
                )
            )
        elif settings.browser.channel:
            fixes.append(
                t._(
                    "The setting [browser] channel asks for {channel}: install it, or remove "
                    "the setting so that the assistant looks for a browser itself.",
                    channel=settings.browser.channel,
                )
            )
        fixes.append(install_browser_hint(t))
        detail = (
            t.error(error)
            if isinstance(error, AssistantError)
            else str(error).strip().splitlines()[0]
        )
        return Finding("browser", False, detail, " ".join(fixes), facts={"browser": None})
    return Finding(
        "browser",
        True,
        t._(
            "A check will use {browser} (version {version}).",
            browser=choice.describe(),
            version=version,
        ),
        facts={
            "browser": {
                "executable_path": choice.executable_path,
                "channel": choice.channel,
                "version": version,
            }
        },
    )


def install_browser_hint(t: Translator, os_release: dict[str, str] | None = None) -> str:
    """How to install a browser on this system, as precisely as the system says who it is."""
    if sys.platform == "linux":
        command = _linux_install_command(os_release)
        if command:
            return t._("Install Chromium: {command}", command=command)
        return t._("Install Chromium, Google Chrome or Microsoft Edge with the system's software.")
    return t._("Install Google Chrome or Microsoft Edge.")


def _linux_install_command(os_release: dict[str, str] | None) -> str | None:
    if os_release is None:
        try:
            os_release = platform.freedesktop_os_release()
        except OSError:
            return None
    names = [os_release.get("ID", ""), *os_release.get("ID_LIKE", "").split()]
    # Ubuntu's chromium package only installs the snap; Debian's (and Mint's) is the real one.
    if os_release.get("ID") == "ubuntu":
        return "sudo snap install chromium"
    for name, command in (
        ("debian", "sudo apt-get install chromium"),
        ("ubuntu", "sudo apt-get install chromium"),
        ("fedora", "sudo dnf install chromium"),
        ("rhel", "sudo dnf install chromium"),
        ("arch", "sudo pacman -S chromium"),
        ("opensuse", "sudo zypper install chromium"),
        ("suse", "sudo zypper install chromium"),
    ):
        if name in names:
            return command
    return None


def probe_keyring(t: Translator) -> Finding:
    """Reachable and unlocked: asked of the keyring's collection, no entry read."""
    from assistant.credentials import keyring_health

    health = keyring_health()
    if health.problem is not None:
        return Finding(
            "keyring",
            False,
            t.error(health.problem),
            t._(
                "Log in to the desktop session, whose keyring keeps the passwords (on Debian "
                "or Ubuntu without one: sudo apt-get install gnome-keyring), then run doctor "
                "again."
            )
            if sys.platform == "linux"
            else t._("Log in to the desktop session, then run doctor again."),
            facts={"backend": None, "locked": None},
        )
    facts = {"backend": health.backend, "locked": health.locked}
    if health.locked:
        return Finding(
            "keyring",
            False,
            t._(
                "The keyring ({backend}) is locked: a check cannot read the password.",
                backend=health.backend,
            ),
            t._(
                "Unlock it: log in to the desktop session, or open the keyring (Passwords and "
                "Keys) and type its password. Then run doctor again."
            ),
            facts=facts,
        )
    return Finding(
        "keyring",
        True,
        t._("The keyring ({backend}) is reachable and unlocked.", backend=health.backend)
        if health.locked is False
        else t._("The keyring ({backend}) is reachable.", backend=health.backend),
        facts=facts,
    )


def probe_notifications(t: Translator) -> Finding:
    """The desktop's notification service, asked who it is and what it can do: an urgent alert
    stays on screen (urgency), and an alert can carry a button (``actions``)."""
    if sys.platform != "linux":
        return Finding(
            "notifications",
            True,
            t._("Alerts use the system's own notifications."),
            required=False,
            facts={"server": None, "capabilities": []},
        )
    from assistant.freedesktop import FreedesktopError, server_information

    try:
        server = server_information(timeout=DBUS_SECONDS)
    except FreedesktopError as error:
        return Finding(
            "notifications",
            False,
            t._(
                "No desktop notification service answers ({error}): alerts are shown on the "
                "terminal only, and wait for the desktop when the agent runs in the background.",
                error=str(error),
            ),
            t._(
                "Run the assistant in a desktop session: every desktop has a notification "
                "service (on a minimal system: sudo apt-get install dunst)."
            ),
            required=False,
            facts={"server": None, "capabilities": []},
        )
    facts = {"server": server.name, "capabilities": list(server.capabilities)}
    if "actions" not in server.capabilities:
        return Finding(
            "notifications",
            True,
            t._(
                "Alerts are shown by {server}; it shows no buttons on them, so an alert cannot "
                "open the assistant's page.",
                server=server.name,
            ),
            required=False,
            facts=facts,
        )
    return Finding(
        "notifications",
        True,
        t._(
            "Alerts are shown by {server}, urgent ones until dismissed, with their buttons.",
            server=server.name,
        ),
        required=False,
        facts=facts,
    )


def probe_clock(t: Translator, last_check: datetime | None, now: datetime | None = None) -> Finding:
    """Paris time is known (every legal date is counted in it), and the clock is plausible: not
    before this version existed, not before the last check the state recorded."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    now = now or datetime.now(UTC)
    fix_zone = t._("Reinstall the assistant (its tzdata package carries the time zones).")
    try:
        paris = ZoneInfo("Europe/Paris")
    except ZoneInfoNotFoundError:
        return Finding("clock", False, t._("The time zone Europe/Paris is unknown here."), fix_zone)
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC).astimezone(paris).utcoffset()
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(paris).utcoffset()
    if summer != timedelta(hours=2) or winter != timedelta(hours=1):
        return Finding(
            "clock", False, t._("The time zone data of Europe/Paris is wrong."), fix_zone
        )
    fix_clock = t._(
        "Set the computer's date and time (best: automatically, from the network), then run "
        "doctor again."
    )
    shown = now.astimezone(paris).strftime("%Y-%m-%d %H:%M")
    facts = {"now": now.isoformat(), "time_zone": "Europe/Paris"}
    if now < EARLIEST_SANE:
        return Finding(
            "clock",
            False,
            t._("The computer's clock says {now} (Paris time), which cannot be.", now=shown),
            fix_clock,
            facts=facts,
        )
    if last_check is not None and last_check > now + timedelta(hours=1):
        return Finding(
            "clock",
            False,
            t._(
                "The computer's clock says {now} (Paris time), before the last check the "
                "assistant made: the clock went back.",
                now=shown,
            ),
            fix_clock,
            facts=facts,
        )
    return Finding(
        "clock",
        True,
        t._("The clock says {now}, Paris time, and the time zone data is right.", now=shown),
        facts=facts,
    )


def probe_agent(t: Translator, paths: Paths) -> Finding:
    from assistant.agent_lock import agent_running
    from assistant.autostart import Autostart

    if agent_running(paths):
        return Finding(
            "agent", True, t._("The agent is running."), required=False, facts={"running": True}
        )
    entry = Autostart.here().state()
    # With an entry of this home folder's, enabling it again would change nothing.
    started_at_login = entry.path is not None and entry.other_home is None
    return Finding(
        "agent",
        False,
        t._("The agent is not running: no check happens on its own."),
        t._("It starts at your next login. To start it now: 'ofpra-assistant run'.")
        if started_at_login
        else t._(
            "Start it with 'ofpra-assistant run', or at every login: 'ofpra-assistant "
            "autostart enable'."
        ),
        required=False,
        facts={"running": False},
    )


def probe_autostart(t: Translator) -> Finding:
    from assistant.autostart import Autostart

    state = Autostart.here().state()
    facts = {"kind": state.kind, "path": None if state.path is None else str(state.path)}
    if state.path is None:
        return Finding(
            "autostart",
            False,
            t._("Nothing starts the agent at login."),
            t._("Run 'ofpra-assistant autostart enable'."),
            required=False,
            facts=facts,
        )
    if state.other_home is not None:
        return Finding(
            "autostart",
            False,
            t._(
                "The entry that starts the agent at login ({path}) is another home folder's "
                "({home}).",
                path=state.path,
                home=state.other_home or t._("the default home folder"),
            ),
            t._("Run 'ofpra-assistant autostart enable --replace' to start this one's instead."),
            required=False,
            facts=facts,
        )
    if not state.up_to_date:
        return Finding(
            "autostart",
            False,
            t._(
                "An entry starts the agent at login ({path}), but not this installation's command.",
                path=state.path,
            ),
            t._("Run 'ofpra-assistant autostart enable' again."),
            required=False,
            facts=facts,
        )
    return Finding(
        "autostart",
        True,
        t._("The agent starts at login ({kind}).", kind=state.kind),
        required=False,
        facts=facts,
    )


#: Why a profile's checks are stopped until someone acts, by the code that stopped them.
BLOCKS: dict[str, str] = {
    "login_rejected": N_("the portal refused its password"),
    "account_locked": N_("the portal locked the account"),
    "password_change_required": N_("the portal asks for a new password"),
    "credentials_missing": N_("no identifier or password is stored for it"),
    "consent_missing": N_("no consent is recorded for it"),
}


LAST_CHECK_FAILED = N_("its last check failed ({code})")


def probe_profiles(t: Translator, paths: Paths) -> list[Finding]:
    """Each profile's last successful check, and what stops its checks (from the state: no
    keyring, no portal)."""
    from assistant.schedule import ProfileHistory
    from assistant.state import StateStore

    no_profile = Finding(
        "profiles",
        False,
        t._("No profile is set up yet."),
        t._("Run 'ofpra-assistant setup'."),
        required=False,
    )
    if not paths.state_file.exists():
        return [no_profile]
    state = StateStore.open(paths.state_file)
    try:
        findings = []
        for profile in state.profiles():
            history = ProfileHistory.from_state(state, profile)
            last_ok = history.last_ok.finished_at if history.last_ok else None
            paused = history.paused_by
            code = paused.error_code if paused is not None else None
            since = paused.finished_at if paused is not None else None
            if code is None and state.consent(profile.name) is None:
                code = "consent_missing"
            facts = {
                "profile": profile.name,
                "last_successful_check": None if last_ok is None else last_ok.isoformat(),
                "last_check_at": None
                if history.last_attempt is None
                else history.last_attempt.finished_at.isoformat(),
                "blocked_by": code,
            }
            when = (
                t._("last successful check {when}", when=_paris(last_ok))
                if last_ok
                else t._("never checked successfully yet")
            )
            if code is None:
                findings.append(Finding("profile", True, f"{profile.name}: {when}.", facts=facts))
                continue
            reason = t._(BLOCKS.get(code, LAST_CHECK_FAILED), code=code)
            blocked = (
                t._(
                    "checks stopped since {date}: {reason}",
                    date=_paris(since),
                    reason=reason,
                )
                if since is not None
                else t._("checks stopped: {reason}", reason=reason)
            )
            if code in ("login_rejected", "account_locked", "password_change_required"):
                fix = t._(
                    "Check the password on the OFPRA website (or ask your SPADA to unlock the "
                    "account), then run 'ofpra-assistant setup --profile {profile} --replace' to "
                    "store it.",
                    profile=profile.name,
                )
            else:
                fix = t._(
                    "Run 'ofpra-assistant setup --profile {profile} --replace'.",
                    profile=profile.name,
                )
            findings.append(
                Finding("profile", False, f"{profile.name}: {when}; {blocked}.", fix, facts=facts)
            )
        return findings or [no_profile]
    finally:
        state.close()


def _paris(moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M")


def _latest_check(findings: list[Finding]) -> datetime | None:
    moments = [
        datetime.fromisoformat(str(f.facts["last_check_at"]))
        for f in findings
        if f.facts.get("last_check_at")
    ]
    return max(moments, default=None)
