"""The command line, ``ofpra-assistant``: the only module that prints (with cli_output).

Heavy modules (Playwright, keyring, pydantic) are imported inside the commands, so that
``--help`` starts fast.
"""

from __future__ import annotations

import argparse
import json
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
)

if TYPE_CHECKING:
    from assistant.runner import Environment
    from assistant.settings import Paths

EXIT_STATUS_HELP = "exit statuses: " + ", ".join(
    f"{status.value} {status.name.lower()}" for status in ExitStatus
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ofpra-assistant",
        description=(
            "Watches an OFPRA online account for new letters and tells you how many days are "
            "left to open each one. It never opens a letter."
        ),
        epilog=EXIT_STATUS_HELP,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also show the log on the terminal"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    setup = commands.add_parser(
        "setup",
        help="store the account's password in the keyring and record consent",
        description=(
            "Set up a profile: the portal's address, the identifier and password (kept in the "
            "OS keyring), and the account holder's consent. Without options it asks questions; "
            "with --password-stdin and --consent it asks nothing (for volunteers and scripts)."
        ),
    )
    setup.add_argument("--profile", default="default", help="profile name (default: default)")
    setup.add_argument("--portal-url", help="address of the portal's login page")
    setup.add_argument("--identifier", help="AGDREF number or OFPRA file number")
    setup.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    setup.add_argument("--consent", metavar="NAME", help="name of the person who consents")
    setup.add_argument(
        "--role",
        choices=("holder", "helper"),
        default="holder",
        help="the person who consents is the account holder (default) or helps them",
    )
    setup.add_argument("--language", help="language of the alerts (default: fr)")
    setup.set_defaults(handler=cmd_setup)

    check = commands.add_parser(
        "check",
        help="log in now, read the list of letters, and alert",
        description="Run one check now: log in, read the documents table, log out, alert.",
        epilog=EXIT_STATUS_HELP,
    )
    check.add_argument("--profile", help="profile to check (needed when there are several)")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(handler=cmd_check)

    status = commands.add_parser(
        "status",
        help="show the profiles, their last check and the letters waiting",
        description="Show each profile: consent, last check, and the unread letters' deadlines.",
    )
    status.add_argument("--profile", help="only this profile")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(handler=cmd_status)

    forget = commands.add_parser(
        "forget",
        help="remove a profile's password, state and consent",
        description="Remove the keyring entries, the state, the captures and the consent of a "
        "profile, and say what was removed.",
    )
    forget.add_argument("--profile", default="default", help="profile name (default: default)")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.set_defaults(handler=cmd_forget)

    capture = commands.add_parser(
        "capture",
        help="save redacted outlines of the portal's pages, to report a changed portal",
        description=(
            "Log in, save a redacted outline of the home page and of the documents page, and "
            "log out. An outline keeps the pages' structure and the portal's own interface "
            "words only: no letter, no name, no number, no form value. It never opens a letter."
        ),
    )
    capture.add_argument("--profile", help="profile to use (needed when there are several)")
    capture.add_argument(
        "--redacted",
        action="store_true",
        required=True,
        help="required: say that you want the redacted outline (the only kind there is)",
    )
    capture.set_defaults(handler=cmd_capture)

    demo = commands.add_parser(
        "demo",
        help="a real check against the bundled mock portal, with its alerts",
        description=(
            "Start the bundled mock portal, set up a throwaway profile for it, run a real check "
            "in Chromium, show the letters and alerts, then forget the profile."
        ),
    )
    demo.add_argument("--scenario", default="mixed", help="mock portal scenario (default: mixed)")
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Everything the assistant writes is for its owner's eyes only.
    os.umask(0o077)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except AssistantError as error:
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "error": error.to_json()}, ensure_ascii=False))
        else:
            print(f"ofpra-assistant: {error.message}", file=sys.stderr)
        return int(error.exit_status)
    except KeyboardInterrupt:
        print("ofpra-assistant: interrupted", file=sys.stderr)
        return 130


# Commands --------------------------------------------------------------------------------------


def cmd_setup(args: argparse.Namespace) -> int:
    from assistant.consent import consent_text, make_consent
    from assistant.i18n import DEFAULT_LANGUAGE, Translator
    from assistant.profiles import check_profile_name, set_up_profile

    paths, env = _environment(args, console=sys.stdout)
    check_profile_name(args.profile)
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
        password = sys.stdin.readline().rstrip("\r\n")
        portal_url = args.portal_url or env.settings.default_portal_url
        language = args.language or DEFAULT_LANGUAGE
        identifier, given_by, role = args.identifier, args.consent, args.role
    else:
        if not sys.stdin.isatty():
            raise ConfigInvalidError(
                "setup asks questions, but this is not a terminal. Give --identifier, "
                "--password-stdin and --consent NAME instead."
            )
        env.credentials.ensure_secure_backend()  # say it before asking for a password
        portal_url = args.portal_url or _ask("Portal login page", env.settings.default_portal_url)
        language = args.language or _ask("Language of the alerts (fr, en)", DEFAULT_LANGUAGE)
        print()
        print(consent_text(Translator(language)))
        print()
        own = _ask("Is this your own OFPRA account? (y/n)", "y").lower().startswith(("y", "o"))
        role = "holder" if own else "helper"
        given_by = _ask("Your name" if own else "Your name (you help the account holder)", "")
        if not _ask("Do you agree? (y/n)", "n").lower().startswith(("y", "o")):
            print("Nothing was stored.")
            return int(ExitStatus.CONSENT_MISSING)
        identifier = args.identifier or _ask("AGDREF number or OFPRA file number", "")
        import getpass

        password = getpass.getpass("Password of the OFPRA account: ")
    now = env.clock()
    done = set_up_profile(
        env.state,
        env.credentials,
        profile=args.profile,
        portal_url=portal_url,
        language=language,
        identifier=identifier,
        password=password,
        consent=make_consent(given_by, role, language, now),
        now=now,
    )
    from assistant.credentials import mask_identifier

    print(
        f"Profile '{done.profile}' is set up for {mask_identifier(identifier)} on "
        f"{done.portal_url}.\nThe password is in the keyring ({done.keyring}); the state is in "
        f"{paths.data_dir}.\nRun 'ofpra-assistant check --profile {done.profile}' to check now."
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from assistant.cli_output import render_check
    from assistant.runner import CheckRunner

    # With --json, stdout carries the JSON object only: console alerts go to stderr.
    _, env = _environment(args, console=sys.stderr if args.json else sys.stdout)
    profile = _one_profile(env, args.profile)
    result = CheckRunner(env).check(profile)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_check(result))
    return 0 if result.error is None else int(result.error.exit_status)


def cmd_status(args: argparse.Namespace) -> int:
    from assistant.cli_output import render_status
    from assistant.status import profile_statuses

    paths, env = _environment(args, console=sys.stdout)
    statuses = profile_statuses(env, paths, only=args.profile)
    if args.json:
        print(json.dumps({"home": str(paths.data_dir), "profiles": statuses}, indent=2))
    else:
        print(render_status(paths, statuses))
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from assistant.cli_output import render_forgotten
    from assistant.profiles import check_profile_name, forget_profile

    paths, env = _environment(args, console=sys.stdout)
    check_profile_name(args.profile)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigInvalidError("forget needs --yes when it cannot ask (not a terminal).")
        answer = _ask(f"Remove the password, state and consent of '{args.profile}'? (y/n)", "n")
        if not answer.lower().startswith(("y", "o")):
            print("Nothing was removed.")
            return 0
    print(render_forgotten(forget_profile(env.state, env.credentials, paths, args.profile)))
    return 0


def cmd_capture(args: argparse.Namespace) -> int:
    from assistant.captures import capture_profile
    from assistant.cli_output import render_capture

    _, env = _environment(args, console=sys.stdout)
    profile = _one_profile(env, args.profile)
    outcome = capture_profile(env, profile)
    if outcome.error is not None and not outcome.files:
        raise outcome.error
    print(render_capture(outcome))
    return 0 if outcome.error is None else int(outcome.error.exit_status)


def cmd_demo(args: argparse.Namespace) -> int:
    from assistant.cli_output import render_demo
    from assistant.demo import run_demo

    _configure_logging(None, args.verbose)
    outcome = run_demo(args.scenario, console=sys.stdout)
    print(render_demo(outcome))
    return 0 if outcome.result.error is None and not outcome.view_requests else 1


# Helpers ---------------------------------------------------------------------------------------


def _environment(args: argparse.Namespace, console: TextIO) -> tuple[Paths, Environment]:
    from assistant.credentials import CredentialStore
    from assistant.notifiers import dispatcher_for
    from assistant.runner import Environment
    from assistant.settings import Paths, load_settings
    from assistant.state import StateStore

    paths = Paths.from_environment()
    paths.ensure()
    _configure_logging(paths, args.verbose)
    settings = load_settings(paths)
    env = Environment(
        settings=settings,
        state=StateStore(paths.state_file),
        credentials=CredentialStore(settings.keyring_service),
        dispatcher=dispatcher_for(settings.notifier, console),
        captures_dir=paths.captures_dir,
    )
    return paths, env


def _one_profile(env: Environment, asked: str | None) -> str:
    if asked:
        return asked
    names = [p.name for p in env.state.profiles()]
    if len(names) == 1:
        return names[0]
    if not names:
        raise ProfileMissingError("No profile is set up yet. Run 'ofpra-assistant setup' first.")
    raise ProfileMissingError(
        N_("There are several profiles ({names}): choose one with --profile NAME."),
        names=", ".join(names),
    )


def _ask(question: str, default: str) -> str:
    suffix = f" [{default}]" if default else ""
    answer = input(f"{question}{suffix}: ").strip()
    return answer or default


def _configure_logging(paths: Paths | None, verbose: bool) -> None:
    import logging

    from assistant.privacy import REDACTOR

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
