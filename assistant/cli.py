"""The command line, ``ofpra-assistant``: the only module that prints (with cli_output).

Heavy modules (Playwright, keyring, pydantic) are imported inside the commands, so that
``--help`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from assistant import __version__
from assistant.errors import (
    N_,
    AssistantError,
    ConfigInvalidError,
    ExitStatus,
    ProfileMissingError,
    StateDamagedError,
    as_assistant_error,
    exit_status_of,
    no_such_profile,
)

if TYPE_CHECKING:
    from assistant.browsers import BrowserWorkers
    from assistant.environment import Environment
    from assistant.i18n import Translator
    from assistant.settings import Paths

# Kept here, not imported from assistant.i18n, so that --help imports nothing heavy.
LANGUAGE_CODES = ("fr", "en", "fa_AF", "ps", "ar", "bn", "tr", "ru", "uk", "ka", "ht")


def build_parser(t: Translator | None = None) -> argparse.ArgumentParser:
    """The commands, their options and their help, in ``t``'s language (the system's)."""
    from assistant.cli_help import HelpFormatter, exit_statuses, translate_argparse
    from assistant.i18n import Translator

    t = t or Translator(_ui_language())
    translate_argparse(t)
    statuses = exit_statuses(t)

    def command(name: str, help: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help,
            description=description,
            epilog=statuses,
            formatter_class=HelpFormatter,
        )

    parser = argparse.ArgumentParser(
        prog="ofpra-assistant",
        description=t._(
            "Watches an OFPRA online account for new letters and tells you how many days are "
            "left to open each one. It never opens a letter."
        ),
        epilog=statuses,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help=t._("also show the log on the terminal")
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, title=t._("commands")
    )

    setup = command(
        "setup",
        t._("store the account's password in the keyring and record consent"),
        t._(
            "Set up a profile: the portal's address, the identifier and password (kept in the "
            "OS keyring), and the account holder's consent. Without options it asks questions; "
            "with --password-stdin and --consent it asks nothing (for volunteers and scripts)."
        ),
    )
    setup.add_argument("--profile", default="default", help=t._("profile name (default: default)"))
    setup.add_argument("--portal-url", help=t._("address of the portal's login page"))
    setup.add_argument(
        "--identifier",
        help=t._(
            "AGDREF number or OFPRA file number; '-' reads it from standard input, on the line "
            "before the password (so that it shows in no process list)"
        ),
    )
    setup.add_argument(
        "--password-stdin", action="store_true", help=t._("read the password from standard input")
    )
    setup.add_argument("--consent", metavar="NAME", help=t._("name of the person who consents"))
    setup.add_argument(
        "--role",
        choices=("holder", "helper"),
        default="holder",
        help=t._("the person who consents is the account holder (default) or helps them"),
    )
    setup.add_argument(
        "--holder",
        metavar="NAME",
        help=t._("with --role helper: the account holder's name, recorded with the consent"),
    )
    setup.add_argument(
        "--language",
        help=t._(
            "language the account holder reads, for the alerts: {languages} (default: the "
            "system's when there is a catalog for it, else fr)",
            languages=", ".join(LANGUAGE_CODES),
        ),
    )
    setup.set_defaults(handler=cmd_setup)

    check = command(
        "check",
        t._("log in now, read the list of letters, and alert"),
        t._("Run one check now: log in, read the documents table, log out, alert."),
    )
    which = check.add_mutually_exclusive_group()
    which.add_argument("--profile", help=t._("profile to check (needed when there are several)"))
    which.add_argument(
        "--all",
        action="store_true",
        help=t._(
            "check every profile of the home folder, one after the other in one browser "
            '(with --json: one object per profile, under "results")'
        ),
    )
    check.add_argument("--json", action="store_true", help=t._("print one JSON object"))
    check.add_argument(
        "--all-letters",
        action="store_true",
        help=t._("also list the letters already opened (by default they are only counted)"),
    )
    check.set_defaults(handler=cmd_check)

    status = command(
        "status",
        t._("show the profiles, their last check and the letters waiting"),
        t._("Show each profile: consent, last check, and the unread letters' deadlines."),
    )
    status.add_argument("--profile", help=t._("only this profile"))
    status.add_argument("--json", action="store_true", help=t._("print one JSON object"))
    status.set_defaults(handler=cmd_status)

    forget = command(
        "forget",
        t._("remove a profile's password, state and consent"),
        t._(
            "Remove the keyring entries, the state, the captures and the consent of a "
            "profile, and say what was removed."
        ),
    )
    forget.add_argument("--profile", help=t._("profile to forget (needed when there are several)"))
    forget.add_argument("--yes", action="store_true", help=t._("do not ask for confirmation"))
    forget.set_defaults(handler=cmd_forget)

    run = command(
        "run",
        t._("the agent: check every week (daily while a letter waits) and remind, until stopped"),
        t._(
            "Run the agent in the foreground until Ctrl-C (SIGINT) or SIGTERM. It checks every "
            "profile every check_interval_days (7), every morning while a letter waits to be "
            "opened, reminds 10, 7, 3 and 1 day(s) before the last day to open it and on that "
            "day, and alarms when no check succeeded for 8 days. A check missed while the "
            "computer was off or asleep runs as soon as it is back. One agent per home folder."
        ),
    )
    run.set_defaults(handler=cmd_run)

    autostart = command(
        "autostart",
        t._("start the agent at every login: enable, disable or status"),
        t._(
            "Write (enable), remove (disable) or show (status) the entry that starts "
            "'ofpra-assistant run' at login: a systemd user unit, or an XDG autostart entry "
            "without a systemd user session, on Linux; a script in the Startup folder on "
            "Windows; a LaunchAgent on macOS. There is one entry per user account, for one "
            "home folder."
        ),
    )
    autostart.add_argument("action", choices=("enable", "disable", "status"))
    autostart.add_argument(
        "--kind",
        choices=("systemd", "xdg"),
        help=t._(
            "Linux only: the kind of entry (default: systemd when a systemd user session "
            "runs, else xdg)"
        ),
    )
    autostart.add_argument(
        "--replace",
        action="store_true",
        help=t._("replace (or remove) the entry even when it is another home folder's"),
    )
    autostart.set_defaults(handler=cmd_autostart)

    capture = command(
        "capture",
        t._("save redacted outlines of the portal's pages, to report a changed portal"),
        t._(
            "Log in, save a redacted outline of the home page and of the documents page, and "
            "log out. An outline keeps the pages' structure and the portal's own interface "
            "words only: no letter, no name, no number, no form value. It never opens a letter."
        ),
    )
    capture.add_argument("--profile", help=t._("profile to use (needed when there are several)"))
    capture.add_argument(
        "--redacted",
        action="store_true",
        required=True,
        help=t._("required: say that you want the redacted outline (the only kind there is)"),
    )
    capture.set_defaults(handler=cmd_capture)

    demo = command(
        "demo",
        t._("a real check against the bundled mock portal, with its alerts"),
        t._(
            "Start the bundled mock portal, set up a throwaway profile for it, run a real check "
            "in Chromium, show the letters and alerts, then forget the profile."
        ),
    )
    demo.add_argument(
        "--scenario", default="mixed", help=t._("mock portal scenario (default: mixed)")
    )
    demo.add_argument("--language", help=t._("language of the alerts (default: the system's)"))
    demo.set_defaults(handler=cmd_demo)

    channel = command(
        "channel",
        t._("send alerts to a phone or a helper too: add, list, test or remove a channel"),
        t._(
            "Remote alert channels, through Apprise (e-mail, ntfy, Signal, Telegram, Matrix "
            "and many more, each one URL). A channel goes to the person (new letters, the days "
            "left, reminders) or to a helper (failures that need action, the 8-day alarm, a "
            "deadline 3 days away or less still unopened). The URL is read from standard input "
            "and kept in the keyring only. No message holds the identifier, the password or "
            "the person's name."
        ),
    )
    channel_actions = channel.add_subparsers(
        dest="action", metavar="ACTION", required=True, title=t._("commands")
    )

    def action(name: str, help: str) -> argparse.ArgumentParser:
        sub = channel_actions.add_parser(
            name, help=help, description=help, epilog=statuses, formatter_class=HelpFormatter
        )
        sub.add_argument("--profile", required=True, help=t._("profile name"))
        return sub

    channel_add = action("add", t._("add a channel; its Apprise URL is read from standard input"))
    channel_add.add_argument(
        "--to", required=True, choices=("person", "helper"), help=t._("whom the channel reaches")
    )
    channel_add.add_argument(
        "--name", metavar="LABEL", help=t._("the channel's name in this profile")
    )
    channel_add.add_argument(
        "--language", help=t._("language of its messages (default: the profile's)")
    )
    channel_add.add_argument(
        "--detail",
        choices=("standard", "minimal"),
        default="standard",
        help=t._("minimal: only 'something needs your attention on your OFPRA account by <date>'"),
    )
    channel_add.add_argument(
        "--url-stdin",
        action="store_true",
        required=True,
        help=t._("read the Apprise URL from standard input (it carries tokens and passwords)"),
    )
    channel_list = action("list", t._("list the channels, their URLs masked"))
    channel_list.add_argument("--json", action="store_true", help=t._("print one JSON object"))
    channel_test = action("test", t._("send a test message, and say what each channel did"))
    channel_test.add_argument("label", nargs="?", help=t._("only this channel"))
    channel_send = action(
        "send-calendar",
        t._("send the calendar file of the deadlines to the channels that can carry a file"),
    )
    channel_send.add_argument("label", nargs="?", help=t._("only this channel"))
    channel_remove = action("remove", t._("remove a channel"))
    channel_remove.add_argument("label", help=t._("the channel's name"))
    channel.set_defaults(handler=cmd_channel)

    calendar = command(
        "calendar",
        t._("write the deadlines as a calendar file (.ics) to import"),
        t._(
            "Write an iCalendar file of the days to remember, from the last check: for each "
            "unread notified letter, the last day to open it and the day it counts as "
            "received; for a decision, the last days to ask for legal aid and to appeal. Each "
            "has alarms 3 days and 1 day before. Importing it again updates the events. The "
            "agent keeps a copy up to date in the home folder (calendars/PROFILE.ics)."
        ),
    )
    calendar.add_argument("--profile", help=t._("profile to use (needed when there are several)"))
    calendar.add_argument(
        "--output",
        metavar="FILE",
        help=t._("where to write it (default: the home folder's copy)"),
    )
    calendar.set_defaults(handler=cmd_calendar)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.cli_help import INTERRUPTED, OUTPUT_CLOSED

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        if not argv:  # a bare `ofpra-assistant`: what it can do, not a usage error
            parser.print_help()
            sys.stdout.flush()
            return 0
        args = parser.parse_args(argv)
        # Everything the assistant writes is for its owner's eyes only.
        os.umask(0o077)
        status = _run(args)
        sys.stdout.flush()  # a closed pipe is noticed here, not as a traceback at exit
        return status
    except BrokenPipeError:
        # `status | head`: the reader has what it wanted. Nothing more is written.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return OUTPUT_CLOSED
    except (KeyboardInterrupt, EOFError):  # Ctrl-C anywhere, Ctrl-D at a question
        print("\nofpra-assistant: " + _translator()._("interrupted"), file=sys.stderr)
        return INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.handler
    from assistant.privacy import scrubbed, scrubbed_standard_streams

    # Whatever is printed, a secret the portal echoed back is masked (assistant/privacy.py).
    with scrubbed_standard_streams():
        try:
            return handler(args)
        except (BrokenPipeError, EOFError):
            raise  # main() says these the way it does
        except Exception as failure:
            # The one edge of every command: a named error, or a bug said as internal_error;
            # the --json contract holds either way, and the traceback goes to the log only.
            error = as_assistant_error(failure, where=_home_folder())
            if getattr(args, "json", False):
                failed = {"ok": False, "error": error.to_json()}
                print(json.dumps(scrubbed(failed), ensure_ascii=False))
            else:
                try:
                    message = _translator().error(error)
                except Exception:
                    message = error.message
                print(f"ofpra-assistant: {message}", file=sys.stderr)
            return int(exit_status_of(error))


# Commands --------------------------------------------------------------------------------------


def cmd_setup(args: argparse.Namespace) -> int:
    from assistant.cli_help import INTERRUPTED
    from assistant.cli_setup import keyring_name
    from assistant.consent import make_consent
    from assistant.credentials import mask_identifier
    from assistant.i18n import Translator, normalise_language, system_language
    from assistant.profiles import (
        check_identifier,
        check_profile_name,
        identifier_doubt,
        set_up_profile,
    )

    _, env = _environment(args, console=sys.stdout)
    check_profile_name(args.profile)
    language = _language_option(args.language)
    holder_name: str | None = args.holder
    non_interactive = args.password_stdin or args.consent is not None
    if non_interactive:
        missing = [
            flag
            for flag, value in (
                ("--identifier", args.identifier),
                ("--password-stdin", args.password_stdin),
                ("--consent", args.consent),
            )
            if not value
        ]
        if missing:
            raise ConfigInvalidError(
                N_(
                    "Without questions, setup needs {flags} as well "
                    "(see 'ofpra-assistant setup --help')."
                ),
                flags=", ".join(missing),
            )
        if args.identifier == "-":
            args.identifier = sys.stdin.readline().strip()
        password = sys.stdin.readline().rstrip("\r\n")
        portal_url = args.portal_url or env.settings.default_portal_url
        language = language or system_language()
        ui_language = _ui_language()
        identifier, given_by, role = check_identifier(args.identifier), args.consent, args.role
        doubt = identifier_doubt(identifier)
        if doubt is not None:
            # No one to ask: said, never silently accepted.
            t = Translator(ui_language)
            print(
                "ofpra-assistant: "
                + t._("Check the identifier, it may be mistyped: {why}", why=t._(doubt)),
                file=sys.stderr,
            )
    else:
        import getpass

        from assistant.cli_setup import ConsentRefused, SetupStopped, run_wizard

        if not sys.stdin.isatty():
            raise ConfigInvalidError(
                N_(
                    "setup asks questions, but this is not a terminal. Give --identifier, "
                    "--password-stdin and --consent NAME instead."
                )
            )
        env.credentials.ensure_secure_backend()  # say it before asking for a password
        try:
            answers = run_wizard(
                input,
                print,
                getpass.getpass,
                default_language=system_language(),
                default_portal_url=args.portal_url or env.settings.default_portal_url,
                identifier=args.identifier,
                language=language,
            )
        except ConsentRefused as refused:
            print(Translator(refused.language)._("Nothing was stored."))
            return int(ExitStatus.CONSENT_MISSING)
        except SetupStopped as stopped:
            print(
                Translator(stopped.language)._("Setup stopped: nothing was stored."),
                file=sys.stderr,
            )
            return INTERRUPTED
        language, portal_url = answers.language, answers.portal_url
        ui_language = answers.ui_language or answers.language
        identifier, password = answers.identifier, answers.password
        given_by, role = answers.given_by, answers.role
        holder_name = answers.holder_name
    now = env.clock()
    done = set_up_profile(
        env.state,
        env.credentials,
        profile=args.profile,
        portal_url=portal_url,
        language=normalise_language(language) or language,
        identifier=identifier,
        password=password,
        consent=make_consent(given_by, role, language, now, holder_name=holder_name),
        now=now,
    )
    # Said to whoever set it up, in the language they chose for the questions.
    t = Translator(ui_language)
    print(
        t._(
            "Profile '{profile}' is set up for {identifier} on {url}.",
            profile=done.profile,
            identifier=mask_identifier(identifier),
            url=done.portal_url,
        )
    )
    print(t._("The password is kept in {keyring}.", keyring=keyring_name(done.keyring, t)))
    if ui_language != done.language:
        print(t._("The alerts will be in {language}.", language=_language_name(done.language)))
    print(
        t._("Run 'ofpra-assistant check --profile {profile}' to check now.", profile=done.profile)
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from assistant.browsers import BrowserWorkers

    # Node.js and Chromium start first, while Python reads the settings, state and keyring.
    browsers = BrowserWorkers(warm=1, wait_at_end=False)
    browsers.wait_for_imports()
    try:
        return _check(args, browsers)
    finally:
        browsers.close()  # after the results are out: the browser closes meanwhile


def _check(args: argparse.Namespace, browsers: BrowserWorkers) -> int:
    # With --json, stdout carries the JSON object only: console alerts go to stderr.
    paths, env = _environment(args, console=sys.stderr if args.json else sys.stdout)
    if args.all:
        profiles = [p.name for p in env.state.profiles()]
        if not profiles:
            _one_profile(env, None)  # says why there is none
    else:
        profiles = [_one_profile(env, args.profile)]
    _launch_early(env, profiles, browsers)
    # Imported while Chromium starts.
    from assistant.agent import agent_running
    from assistant.cli_output import render_check
    from assistant.privacy import scrubbed
    from assistant.runner import CheckRunner

    env.progress = _progress_on_stderr(_profile_translator(env, profiles))
    env.agent_running = lambda: agent_running(paths)
    env.browser_pool = browsers.open
    results = CheckRunner(env).check_many(profiles)
    if args.json:
        output = (
            {"ok": all(r.ok for r in results), "results": [r.to_json() for r in results]}
            if args.all
            else results[0].to_json()
        )
        # Scrubbed before encoding: JSON escapes would hide a secret from the stream's scrubber.
        print(json.dumps(scrubbed(output), ensure_ascii=False, indent=2))
    else:
        for result in results:
            t = _profile_translator(env, [result.profile])
            print(render_check(result, t, all_letters=args.all_letters))
    # Channels that could not be read: the alerts went to this computer only. Said, not hidden.
    for _profile, fault in env.channel_faults:
        print(f"ofpra-assistant: {_translator().error(fault)}", file=sys.stderr)
    # A volunteer's run fails as its first failed profile does: nothing is hidden by the others.
    failed = [r.error for r in results if r.error is not None]
    return int(exit_status_of(failed[0])) if failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    from assistant.agent import agent_running
    from assistant.cli_output import render_status
    from assistant.status import profile_statuses

    paths, env = _environment(args, console=sys.stdout)
    if args.profile:
        _existing_profile(env, args.profile)
    statuses = profile_statuses(env, paths, only=args.profile)
    running = agent_running(paths)
    # Alerts not delivered yet: no notification service (yet), or a failing channel.
    waiting = env.state.undelivered()
    if args.json:
        agent = {"running": running, "alerts_waiting": waiting}
        print(
            json.dumps(
                {"home": str(paths.data_dir), "agent": agent, "profiles": statuses}, indent=2
            )
        )
    else:
        text = render_status(paths, statuses, _translator(), agent_running=running)
        if waiting["alerts"]:
            text += "\n" + _translator().ngettext(
                "{count} alert waits to be delivered (since {since}): {error}",
                "{count} alerts wait to be delivered (since {since}): {error}",
                int(str(waiting["alerts"])),
                since=str(waiting["since"])[:16].replace("T", " "),
                error=waiting["last_error"] or "",
            )
        print(text)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from assistant.agent import Agent, TickReport
    from assistant.cli_output import render_agent_started, render_tick

    # Started at login with no terminal, the agent's alerts wait for the desktop's service.
    on_terminal = sys.stdout is not None and sys.stdout.isatty()
    paths, env = _environment(args, console=sys.stdout, console_counts=on_terminal)
    t = _translator()

    def started() -> None:
        profiles = [p.name for p in env.state.profiles()]
        print(render_agent_started(paths, profiles, env.settings, t), flush=True)

    def ticked(report: TickReport) -> None:
        text = render_tick(report, t)
        if text:
            print(text, flush=True)

    agent = Agent(paths, env.settings, env.credentials, env.dispatcher, on_tick=ticked)
    agent.run(on_started=started)
    print(t._("The agent stopped."), flush=True)
    return 0


def cmd_autostart(args: argparse.Namespace) -> int:
    from assistant.autostart import Autostart
    from assistant.cli_output import render_autostart

    t = _translator()
    autostart = Autostart.here()
    if args.action == "enable":
        state = autostart.enable(args.kind, replace=args.replace)
        print(render_autostart(state, t))
        if state.kind == "systemd":
            print(
                t._(
                    "It starts at your next login. To start it now: systemctl --user start {unit}",
                    unit=state.path.name if state.path else "ofpra-assistant",
                )
            )
        else:
            print(t._("It starts at your next login. To start it now: 'ofpra-assistant run'."))
    elif args.action == "disable":
        removed = autostart.disable(replace=args.replace)
        if removed:
            for path in removed:
                print(t._("Removed {path}", path=path))
            print(t._("The agent will no longer start at login (one running now keeps running)."))
        else:
            print(t._("Starting the agent at login was not enabled: nothing to remove."))
    else:
        state = autostart.state()
        print(render_autostart(state, t))
        if state.other_home is not None:
            print(
                t._(
                    "It starts the agent of another home folder: {home}.",
                    home=state.other_home or t._("the default home folder"),
                )
            )
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from assistant.cli_output import render_forgotten
    from assistant.profiles import check_profile_name, forget_profile

    if args.profile is not None:
        check_profile_name(args.profile)
    try:
        paths, env = _environment(args, console=sys.stdout)
    except Exception as failure:
        error = as_assistant_error(failure, where=_home_folder())
        if args.profile is not None:
            _forget_keyring_anyway(args.profile, error)
        raise error from None
    if args.profile is None:
        # Never offer to remove a profile that does not exist.
        args.profile = _one_profile(
            env,
            None,
            none=N_("No profile is set up here: there is nothing to forget."),
        )
    check_profile_name(args.profile)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigInvalidError(N_("forget needs --yes when it cannot ask (not a terminal)."))
        from assistant.cli_setup import choose

        t = _translator()
        question = t._(
            "Remove the password, the state and the consent of '{profile}'?", profile=args.profile
        )
        if choose(input, print, question, [t._("Yes"), t._("No")], 1, t) != 0:
            print(t._("Nothing was removed."))
            return 0
    forgotten = forget_profile(env.state, env.credentials, paths, args.profile)
    print(render_forgotten(forgotten, _translator()))
    return 0


def cmd_capture(args: argparse.Namespace) -> int:
    from assistant.capture_command import capture_profile
    from assistant.cli_output import render_capture

    _, env = _environment(args, console=sys.stdout)
    profile = _one_profile(env, args.profile)
    outcome = capture_profile(env, profile)
    if outcome.error is not None and not outcome.files:
        raise outcome.error
    print(render_capture(outcome, _translator()))
    return 0 if outcome.error is None else int(exit_status_of(outcome.error))


def cmd_demo(args: argparse.Namespace) -> int:
    from assistant.cli_output import render_demo
    from assistant.demo import run_demo
    from assistant.i18n import Translator

    _configure_logging(None, args.verbose)
    language = _language_option(args.language) or _ui_language()
    outcome = run_demo(args.scenario, language, console=sys.stdout)
    print(render_demo(outcome, Translator(language)))
    return 0 if outcome.result.error is None and not outcome.view_requests else 1


def cmd_channel(args: argparse.Namespace) -> int:
    from assistant.calendar_file import refresh_calendar
    from assistant.channels import (
        ChannelStore,
        deliver,
        drop_pending,
        masked_url,
        supports_attachments,
        trial_message,
    )
    from assistant.i18n import Translator
    from assistant.profiles import check_profile_name

    paths, env = _environment(args, console=sys.stdout)
    check_profile_name(args.profile)
    profile = env.state.profile(args.profile)
    if profile is None:
        raise no_such_profile(args.profile)
    store = ChannelStore(env.credentials)
    t = Translator(profile.language)
    audiences = {"person": t._("to the person"), "helper": t._("to a helper")}
    if args.action == "add":
        language = _language_option(args.language) or profile.language
        if sys.stdin.isatty():
            import getpass

            # Typed by hand: not shown on the screen, like a password.
            url = getpass.getpass(t._("The channel's Apprise URL (not shown): "))
        else:
            url = sys.stdin.readline()
        added = store.add(
            args.profile,
            url=url.strip(),
            audience=args.to,
            language=language,
            consent=env.state.consent(args.profile),
            label=args.name,
            detail=args.detail,
        )
        print(
            t._(
                "Channel '{label}' added ({audience}, in {language}): {url}",
                label=added.label,
                audience=audiences[added.audience],
                language=added.language,
                url=masked_url(added.url),
            )
        )
        print(
            t._(
                "Try it with 'ofpra-assistant channel test --profile {profile} {label}'.",
                profile=args.profile,
                label=added.label,
            )
        )
        return 0
    channels = store.channels(args.profile)
    if args.action == "list":
        if args.json:
            shown = [
                {
                    "channel": c.label,
                    "to": c.audience,
                    "language": c.language,
                    "detail": c.detail,
                    "url": masked_url(c.url),
                }
                for c in channels
            ]
            print(json.dumps({"profile": args.profile, "channels": shown}, indent=2))
            return 0
        if not channels:
            print(
                t._(
                    "No channel for '{profile}' yet: add one with 'ofpra-assistant channel add'.",
                    profile=args.profile,
                )
            )
        for c in channels:
            print(
                t._(
                    "{label} ({audience}, in {language}, detail: {detail}): {url}",
                    label=c.label,
                    audience=audiences[c.audience],
                    language=c.language,
                    detail=c.detail,
                    url=masked_url(c.url),
                )
            )
        return 0
    if args.action == "remove":
        removed = store.remove(args.profile, args.label)
        drop_pending(env.state, args.profile, removed.label, env.clock())
        print(t._("Channel '{label}' removed.", label=removed.label))
        return 0
    chosen = [c for c in channels if args.label in (None, c.label)]
    if not chosen:
        raise ConfigInvalidError(
            N_(
                "The profile '{profile}' has no channel named '{name}' "
                "('ofpra-assistant channel list --profile {profile}' lists them)."
            ),
            profile=args.profile,
            name=args.label or "",
        )
    attachments = []
    if args.action == "send-calendar":
        refreshed = refresh_calendar(env.state, paths.data_dir, args.profile, env.clock())
        assert refreshed is not None
        attachments.append(refreshed[0])
    failed = 0
    for c in chosen:
        if attachments and not supports_attachments(c):
            print(t._("{label}: this channel cannot carry a file: not sent", label=c.label))
            continue
        message = trial_message(c, calendar=bool(attachments))
        done = deliver(c, message, env.clock(), attachments=attachments)
        if done.ok:
            print(t._("{label}: sent", label=c.label))
        else:
            failed += 1
            print(t._("{label}: not sent ({error})", label=c.label, error=done.error))
    return 1 if failed else 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from pathlib import Path

    from assistant.calendar_file import (
        build_calendar,
        home_calendar_path,
        stored_days,
        write_calendar,
    )
    from assistant.i18n import Translator

    paths, env = _environment(args, console=sys.stdout)
    name = _one_profile(env, args.profile)
    profile = env.state.profile(name)
    if profile is None:
        raise no_such_profile(name)
    t = Translator(profile.language)
    days = stored_days(env.state, name, env.clock())
    content = build_calendar(days, name, profile.portal_url, t)
    path = Path(args.output) if args.output else home_calendar_path(paths.data_dir, name)
    write_calendar(path, content)
    print(
        t.ngettext(
            "Calendar written to {path}: {count} day to remember.",
            "Calendar written to {path}: {count} days to remember.",
            len(days),
            path=str(path),
        )
    )
    return 0


# Helpers ---------------------------------------------------------------------------------------


def _environment(
    args: argparse.Namespace, console: TextIO | None, console_counts: bool = True
) -> tuple[Paths, Environment]:
    from assistant.environment import build_environment
    from assistant.settings import Paths, load_settings

    paths = Paths.from_environment()
    paths.ensure()
    _configure_logging(paths, args.verbose)
    settings = load_settings(paths)
    env = build_environment(
        paths, settings, console=console, console_reaches_someone=console_counts
    )
    if env.state.recovered_from is not None:
        print(
            "ofpra-assistant: "
            + _translator()._(
                "The state file was damaged. It was kept as {path}, and what could be read "
                "from it was copied into a new one.",
                path=str(env.state.recovered_from),
            ),
            file=sys.stderr,
        )
    return paths, env


def _launch_early(env: Environment, profiles: list[str], browsers: BrowserWorkers) -> None:
    """Launch the browser as soon as the portals are known, for the profiles that may log in
    (the runner says why the others may not): the keyring is read while Chromium starts."""
    portals = []
    for name in dict.fromkeys(profiles):
        stored = env.state.profile(name)
        if stored and stored.refused_code is None and env.state.consent(name) is not None:
            portals.append(stored.portal_url)
    if portals:
        workers = min(env.settings.browser.concurrency, len(portals))
        browsers.launch(env.settings, portals, workers)


def _forget_keyring_anyway(profile: str, error: AssistantError) -> None:
    """``forget`` removes the keyring entries even when the state cannot be opened."""
    from assistant.credentials import CredentialStore
    from assistant.settings import Paths, load_settings

    paths = Paths.from_environment()
    try:
        settings = load_settings(paths)
    except AssistantError:
        return
    removed = CredentialStore(settings.keyring_service, home=paths.data_dir).delete(profile)
    if removed:
        error.with_hint(
            N_("The password of '{profile}' was removed from the keyring all the same."),
            profile=profile,
        )


def _home_folder() -> str:
    from assistant.settings import Paths

    try:
        return str(Paths.from_environment().data_dir)
    except Exception:
        return ""


class _TerminalFormatter(logging.Formatter):
    """The log on the terminal: one line per message, never a traceback (the file has it)."""

    def format(self, record: logging.LogRecord) -> str:
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info, plain.exc_text, plain.stack_info = None, None, None
        return super().format(plain)


def _one_profile(
    env: Environment,
    asked: str | None,
    none: str = N_("No profile is set up yet. Run 'ofpra-assistant setup' first."),
) -> str:
    if asked:
        return asked
    names = [p.name for p in env.state.profiles()]
    if len(names) == 1:
        return names[0]
    if not names and env.state.recovered_from is not None:
        raise StateDamagedError(
            N_(
                "The state file was damaged and no profile could be read from it (it was kept "
                "as {path}). Run 'ofpra-assistant setup' again. Meanwhile, check your account "
                "on the portal yourself."
            ),
            path=str(env.state.recovered_from),
        )
    if not names:
        raise ProfileMissingError(none)
    raise ProfileMissingError(
        N_("There are several profiles ({names}): choose one with --profile NAME."),
        names=", ".join(names),
    )


def _existing_profile(env: Environment, name: str) -> str:
    names = [p.name for p in env.state.profiles()]
    if name in names:
        return name
    if not names:
        raise ProfileMissingError(
            N_(
                "There is no profile named '{profile}': no profile is set up yet. Run "
                "'ofpra-assistant setup' first."
            ),
            profile=name,
        )
    raise ProfileMissingError(
        N_("There is no profile named '{profile}'. The profiles here: {names}."),
        profile=name,
        names=", ".join(names),
    )


def _language_name(code: str) -> str:
    from assistant.i18n import LANGUAGES

    return LANGUAGES.get(code, code)


def _profile_translator(env: Environment, profiles: list[str]) -> Translator:
    """The person's language for one profile; the system's for several."""
    from assistant.i18n import Translator

    stored = env.state.profile(profiles[0]) if len(profiles) == 1 else None
    return Translator(stored.language if stored else _ui_language())


def _progress_on_stderr(t: Translator) -> Callable[..., None]:
    """Each step of a check by hand, one plain line on standard error (so --json stays clean,
    and a dumb terminal or a pipe shows it as well as any)."""
    import contextlib

    from assistant.cli_output import progress_line

    def progress(step: str, /, **values: object) -> None:
        # A closed standard error (`check 2>&1 | head -1`) must not stop the check itself.
        with contextlib.suppress(OSError, ValueError):
            print(progress_line(step, values, t), file=sys.stderr, flush=True)

    return progress


def _ui_language() -> str:
    from assistant.i18n import system_language

    return system_language()


def _translator() -> Translator:
    """The language of messages that belong to no single profile: the system's."""
    from assistant.i18n import Translator

    return Translator(_ui_language())


def _language_option(value: str | None) -> str | None:
    from assistant.i18n import normalise_language

    if value is None:
        return None
    language = normalise_language(value)
    if language is None:
        raise ConfigInvalidError(
            N_("There are no texts in '{language}' yet. Choose one of: {languages}."),
            language=value,
            languages=", ".join(LANGUAGE_CODES),
        )
    return language


def _configure_logging(paths: Paths | None, verbose: bool) -> None:
    import logging

    from assistant.privacy import REDACTOR

    # A log that cannot be written (a full disk) must not print tracebacks to the person.
    logging.raiseExceptions = False
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    handlers: list[logging.Handler] = []
    if paths is not None:
        handlers.append(logging.FileHandler(paths.log_file, encoding="utf-8"))
    stream = logging.StreamHandler(sys.stderr)
    stream.setLevel(logging.INFO if verbose else logging.ERROR)
    handlers.append(stream)
    for handler in handlers:
        handler.addFilter(REDACTOR)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    stream.setFormatter(_TerminalFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
