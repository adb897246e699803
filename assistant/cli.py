"""The command line, ``ofpra-assistant``: its edge and its commands. The cli_* modules are the only
code that prints (the parser, the shared context, channel and calendar, the wizard, the output).
Heavy modules (Playwright, keyring, pydantic) are imported inside the commands, so that
``--help`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from assistant.cli_context import (
    command_environment,
    configure_logging,
    existing_profile,
    forget_keyring_anyway,
    home_folder,
    language_name,
    language_option,
    launch_early,
    one_profile,
    profile_among,
    progress_on_stderr,
    terminal_language,
    terminal_translator,
)
from assistant.cli_parser import build_parser
from assistant.errors import (
    N_,
    AssistantError,
    ConfigInvalidError,
    ExitStatus,
    as_assistant_error,
    exit_status_of,
)

if TYPE_CHECKING:
    from assistant.autostart import Kind
    from assistant.errors import AssistantError
    from assistant.i18n import Translator
    from assistant.pool import EarlyPool
    from assistant.profiles import SetUp
    from assistant.results import CheckResult
    from assistant.settings import Paths


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.cli_help import INTERRUPTED, OUTPUT_CLOSED
    from assistant.i18n import Translator

    argv = sys.argv[1:] if argv is None else list(argv)
    # The terminal's language, settled before the parser: help and usage errors speak it too.
    language = terminal_language(argv)
    parser = build_parser(Translator(language))
    try:
        if not argv or _only_a_language(argv):
            # A bare `ofpra-assistant` (in a language): what it can do, not a usage error.
            parser.print_help()
            sys.stdout.flush()
            return 0
        args = parser.parse_args(argv)
        args.lang_given = args.lang is not None
        args.lang = args.lang or language
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
        print("\nofpra-assistant: " + Translator(language)._("interrupted"), file=sys.stderr)
        return INTERRUPTED


def _only_a_language(argv: list[str]) -> bool:
    """``--lang CODE`` and nothing else, with a code there are texts for."""
    from assistant.i18n import normalise_language

    if len(argv) == 2 and argv[0] == "--lang":
        value = argv[1]
    elif len(argv) == 1 and argv[0].startswith("--lang="):
        value = argv[0].partition("=")[2]
    else:
        return False
    return normalise_language(value) is not None


def _run(args: argparse.Namespace) -> int:
    handler = _handler(args.command)
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
            error = as_assistant_error(failure, where=home_folder())
            try:
                message = terminal_translator(args).error(error)
            except Exception:
                message = error.message
            if getattr(args, "json", False):
                # The message in the terminal's language, like the text output's: the code is
                # what a script reads.
                failed = {"ok": False, "error": {**error.to_json(), "message": message}}
                print(json.dumps(scrubbed(failed), ensure_ascii=False))
            else:
                print(f"ofpra-assistant: {message}", file=sys.stderr)
            return int(exit_status_of(error))


# Commands --------------------------------------------------------------------------------------


def cmd_setup(args: argparse.Namespace) -> int:
    from assistant.cli_help import INTERRUPTED
    from assistant.consent import make_consent
    from assistant.i18n import Translator, normalise_language, system_language
    from assistant.profiles import (
        check_identifier,
        check_profile_name,
        identifier_doubt,
        set_up_profile,
    )

    if args.activate or args.reset_password or args.show_password:
        from assistant.cli_getting_in import cmd_getting_in

        return cmd_getting_in(args)
    # With --json, standard output carries the JSON object only: console alerts go to stderr.
    paths, env = command_environment(args, console=sys.stderr if args.json else sys.stdout)
    if args.profile is not None:
        check_profile_name(args.profile)
    language = language_option(args.language)
    holder_name: str | None = args.holder
    non_interactive = args.password_stdin or args.consent is not None or args.json
    replace = args.replace
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
        # Scripts and QA have always had this one; the wizard proposes person-1, person-2...
        profile = args.profile or "default"
        if args.identifier == "-":
            args.identifier = sys.stdin.readline().strip()
        password = sys.stdin.readline().rstrip("\r\n")
        portal_url = args.portal_url or env.settings.default_portal_url
        language = language or system_language()
        ui_language = args.lang
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

        from assistant.cli_setup import (
            ConsentRefused,
            SetupStopped,
            WayIn,
            profiles_here,
            run_wizard,
        )

        if not sys.stdin.isatty():
            raise ConfigInvalidError(
                N_(
                    "setup asks questions, but this is not a terminal. Give --identifier, "
                    "--password-stdin and --consent NAME instead."
                )
            )
        env.credentials.ensure_secure_backend()  # say it before asking for a password
        existing = profiles_here(env)
        try:
            answers = run_wizard(
                input,
                print,
                getpass.getpass,
                default_language=args.lang,
                default_portal_url=args.portal_url or env.settings.default_portal_url,
                identifier=args.identifier,
                language=language,
                # --lang said which language the questions are in: no need to ask it.
                ui_language=args.lang if args.lang_given else None,
                ask_way_in=True,
                existing=existing,
                profile=args.profile,
            )
        except WayIn as way:
            from assistant.cli_getting_in import cmd_getting_in

            setattr(args, way.option, True)
            args.profile = way.profile or args.profile
            # The activation goes on with the answers given (whose account, consent, portal).
            args.way_in = way.answers
            args.language = args.language or way.language
            return cmd_getting_in(args)
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
        ui_language = answers.ui_language or (args.lang if args.lang_given else answers.language)
        identifier, password = answers.identifier, answers.password
        given_by, role = answers.given_by, answers.role
        holder_name = answers.holder_name
        profile, replace = answers.profile, answers.replace or replace
    now = env.clock()
    done = set_up_profile(
        env.state,
        env.credentials,
        profile=profile,
        portal_url=portal_url,
        language=normalise_language(language) or language,
        identifier=identifier,
        password=password,
        consent=make_consent(given_by, role, language, now, holder_name=holder_name),
        now=now,
        replace=replace,
        paths=paths,
    )
    # Said to whoever set it up, in the language they chose for the questions.
    t = Translator(ui_language)
    if not args.json:
        _say_set_up(done, identifier, ui_language, t)
    status = 0
    result = None
    if not args.no_check:
        from assistant.cli_first_check import first_check

        result = first_check(paths, env, done.profile, t, show_result=not args.json)
        if result.error is not None:
            status = int(exit_status_of(result.error))
    elif not args.json:
        print(
            t._(
                "Run 'ofpra-assistant check --profile {profile}' to check now.",
                profile=done.profile,
            )
        )
    autostart = _offer_autostart(t, ask=not non_interactive, quiet=args.json)
    if args.json:
        from assistant.privacy import scrubbed

        print(json.dumps(scrubbed(_setup_json(done, result, autostart)), ensure_ascii=False))
    return status


def _say_set_up(done: SetUp, identifier: str, ui_language: str, t: Translator) -> None:
    from assistant.cli_setup import keyring_name
    from assistant.credentials import mask_identifier

    if done.replaced is not None and done.removed is not None:
        print(
            t._(
                "The profile '{profile}' of {who} was replaced: what it knew of that account "
                "was removed (letters, reminders, calendar, channels).",
                profile=done.profile,
                who=done.replaced.who,
            )
        )
    elif done.replaced is not None:
        print(
            t._(
                "The profile '{profile}' already watched this account ({who}): its password "
                "and consent are updated, and what it knew of the account is kept.",
                profile=done.profile,
                who=done.replaced.who,
            )
        )
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
        print(t._("The alerts will be in {language}.", language=language_name(done.language)))


def _offer_autostart(t: Translator, *, ask: bool, quiet: bool) -> str:
    """When nothing starts the agent at login yet: the wizard offers it (yes by default), a
    script is told how in one line. Returns "enabled", "offered" (said or declined), or
    "already" (an entry is there, whatever home folder it starts)."""
    from assistant.autostart import Autostart
    from assistant.cli_setup import choose

    autostart = Autostart.here()
    if autostart.state().path is not None:
        return "already"
    if not ask:
        if not quiet:
            print(
                t._(
                    "Nothing starts the agent at login yet: run 'ofpra-assistant autostart "
                    "enable' so that it checks every week."
                )
            )
        return "offered"
    print("")
    question = t._(
        "Start the agent at every login? It checks every week and reminds before each "
        "deadline; without it, nothing runs until someone types 'ofpra-assistant run'."
    )
    if choose(input, print, question, [t._("Yes"), t._("No")], 0, t) != 0:
        print(t._("Not enabled. 'ofpra-assistant autostart enable' does it later."))
        return "offered"
    try:
        # As `autostart enable` does: the menu's launcher too, and how to start it now.
        _enable_at_login(t)
    except AssistantError as error:  # said, and the profile stays set up
        print(f"ofpra-assistant: {t.error(error)}", file=sys.stderr)
        return "offered"
    return "enabled"


def _setup_json(done: SetUp, result: CheckResult | None, autostart: str) -> dict[str, object]:
    output: dict[str, object] = {
        "ok": result is None or result.error is None,
        "profile": done.profile,
        "portal_url": done.portal_url,
        "language": done.language,
        "replaced": None
        if done.replaced is None
        else {
            "holder": done.replaced.holder,
            "identifier": done.replaced.masked_identifier,
            "account_data_removed": done.removed is not None,
        },
        "first_check": None if result is None else result.to_json(),
        "autostart": autostart,
    }
    if result is not None and result.error is not None:
        output["error"] = result.error.to_json()
    return output


def cmd_check(args: argparse.Namespace) -> int:
    from assistant.pool import EarlyPool

    # Node.js and Chromium start as soon as the portals are known (``launch_early``), while
    # Python reads the keyring.
    browsers = EarlyPool()
    try:
        return _check(args, browsers)
    finally:
        browsers.close()  # after the results are out: the browser closes meanwhile


def _check(args: argparse.Namespace, browsers: EarlyPool) -> int:
    # With --json, stdout carries the JSON object only: console alerts go to stderr.
    paths, env = command_environment(args, console=sys.stderr if args.json else sys.stdout)
    if args.all:
        profiles = [p.name for p in env.state.profiles()]
        if not profiles:
            one_profile(env, None)  # says why there is none
    else:
        # A name mistyped is said here, as status says it: not an alert about no one's account.
        profiles = [existing_profile(env, one_profile(env, args.profile))]
    launch_early(env, profiles, browsers)
    # Imported while Chromium starts.
    from assistant.agent_lock import agent_running
    from assistant.cli_output import render_check
    from assistant.privacy import scrubbed
    from assistant.runner import CheckRunner

    # Whoever typed the command reads its progress and summary, in the terminal's language;
    # the alerts are worded in each account holder's (the runner does it, from the profile).
    t = terminal_translator(args)
    env.progress = progress_on_stderr(t)
    env.agent_running = lambda: agent_running(paths)
    env.browser_pool = browsers.open
    results = CheckRunner(env).check_many(profiles)
    if args.json:
        output = (
            {"ok": all(r.ok for r in results), "results": [r.to_json(t) for r in results]}
            if args.all
            else results[0].to_json(t)
        )
        # Scrubbed before encoding: JSON escapes would hide a secret from the stream's scrubber.
        print(json.dumps(scrubbed(output), ensure_ascii=False, indent=2))
    else:
        for result in results:
            print(render_check(result, t, all_letters=args.all_letters))
    # Channels that could not be read: the alerts went to this computer only. Said, not hidden.
    for _profile, fault in env.channel_faults:
        print(f"ofpra-assistant: {t.error(fault)}", file=sys.stderr)
    # A volunteer's run fails as its first failed profile does: nothing is hidden by the others.
    failed = [r.error for r in results if r.error is not None]
    return int(exit_status_of(failed[0])) if failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    from assistant.agent_lock import agent_running
    from assistant.cli_output import render_status
    from assistant.page.server import page_address
    from assistant.status import profile_statuses

    paths, env = command_environment(args, console=sys.stdout)
    if args.profile:
        existing_profile(env, args.profile)
    statuses = profile_statuses(env, paths, only=args.profile)
    running = agent_running(paths)
    # Alerts not delivered yet: no notification service (yet), or a failing channel.
    waiting = env.state.undelivered()
    # The page's address only, never a token (tokens are minted by `open`, one at a time).
    page_url = page_address(paths)
    if args.json:
        agent = {"running": running, "alerts_waiting": waiting}
        page = {"url": page_url} if page_url else None
        print(
            json.dumps(
                {"home": str(paths.data_dir), "agent": agent, "page": page, "profiles": statuses},
                indent=2,
            )
        )
    else:
        t = terminal_translator(args)
        text = render_status(paths, statuses, t, agent_running=running)
        if page_url:
            text += "\n" + page_line(page_url, t)
        if waiting["alerts"]:
            text += "\n" + t.ngettext(
                "{count} alert waits to be delivered (since {since}): {error}",
                "{count} alerts wait to be delivered (since {since}): {error}",
                int(str(waiting["alerts"])),
                since=str(waiting["since"])[:16].replace("T", " "),
                error=waiting["last_error"] or "",
            )
        print(text)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from assistant.agent import Agent, TickReport, serve_page
    from assistant.cli_output import render_agent_started, render_tick

    # Started at login with no terminal, the agent's alerts wait for the desktop's service.
    on_terminal = sys.stdout is not None and sys.stdout.isatty()
    paths, env = command_environment(args, console=sys.stdout, console_counts=on_terminal)
    t = terminal_translator(args)

    def started() -> None:
        profiles = [p.name for p in env.state.profiles()]
        print(render_agent_started(paths, profiles, env.settings, t), flush=True)
        if agent.page is not None:
            print(page_line(agent.page.url, t), flush=True)

    def ticked(report: TickReport) -> None:
        text = render_tick(report, t)
        if text:
            print(text, flush=True)

    agent = Agent(
        paths, env.settings, env.credentials, env.dispatcher, on_tick=ticked, page=serve_page
    )
    actions = None
    if sys.platform == "linux":
        try:
            from assistant.notification_actions import listen_for_actions
        except ImportError:  # no jeepney: the alerts go out without their "Open" action
            pass
        else:
            actions = listen_for_actions(paths, env.dispatcher, lambda: agent.page)
    try:
        agent.run(on_started=started)
    finally:
        if actions is not None:
            actions.stop()
    print(t._("The agent stopped."), flush=True)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """What a check needs here, what is missing and how to fix it; never the portal, never a
    password (assistant/doctor.py)."""
    from assistant.cli_output import render_doctor
    from assistant.doctor import examine
    from assistant.settings import Paths

    paths = Paths.from_environment()
    configure_logging(None, args.verbose)  # the home folder may be what is wrong: no log file
    t = terminal_translator(args)
    report = examine(t, paths)
    error = report.error()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_doctor(report, t), flush=True)  # the report, then the verdict on stderr
        if error is not None:
            print(f"ofpra-assistant: {t.error(error)}", file=sys.stderr)
    return 0 if error is None else int(exit_status_of(error))


def _enable_at_login(t: Translator, kind: Kind | None = None, *, replace: bool = False) -> None:
    """The entry that starts the agent at login and the menu's launcher, and how to start the
    agent now: for `autostart enable` and setup's offer alike."""
    from assistant.autostart import Autostart
    from assistant.cli_output import render_autostart
    from assistant.launcher import Launcher

    state = Autostart.here().enable(kind, replace=replace)
    print(render_autostart(state, t))
    print(
        t._(
            "The application menu has the launcher 'OFPRA assistant', which opens the "
            "assistant's page: {path}",
            path=Launcher.here().install(),
        )
    )
    if state.kind == "systemd":
        print(
            t._(
                "It starts at your next login. To start it now: systemctl --user start {unit}",
                unit=state.path.name if state.path else "ofpra-assistant",
            )
        )
    else:
        print(t._("It starts at your next login. To start it now: 'ofpra-assistant run'."))


def cmd_autostart(args: argparse.Namespace) -> int:
    from assistant.autostart import Autostart
    from assistant.cli_output import render_autostart
    from assistant.launcher import Launcher

    t = terminal_translator(args)
    autostart = Autostart.here()
    launcher = Launcher.here()
    if args.action == "enable":
        _enable_at_login(t, args.kind, replace=args.replace)
    elif args.action == "disable":
        removed = autostart.disable(replace=args.replace)
        removed += launcher.remove()
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


def cmd_open(args: argparse.Namespace) -> int:
    from assistant.opener import open_page
    from assistant.settings import Paths

    paths = Paths.from_environment()
    paths.ensure()
    configure_logging(paths, args.verbose)
    t = terminal_translator(args)
    try:
        if args.profile is not None:
            known_profile(paths, args.profile)
        opened = open_page(paths, args.profile, launch=not args.print_url)
    except Exception as failure:
        if not args.print_url:
            # From the menu's launcher there is no terminal to read the error in.
            say_on_the_desktop(as_assistant_error(failure, where=str(paths.data_dir)), t)
        raise
    if opened.started_agent:
        print(
            "ofpra-assistant: "
            + t._(
                "The agent was not running: it now runs in the background (its log: {log}).",
                log=str(paths.log_file),
            ),
            file=sys.stderr,
        )
    if args.print_url:
        print(opened.address)
    else:
        print(page_line(opened.page_url, t))
    return 0


def say_on_the_desktop(error: AssistantError, t: Translator) -> None:
    """``open``'s error as a desktop alert too, when no terminal shows it (the launcher)."""
    if sys.stderr is not None and sys.stderr.isatty():
        return
    import contextlib

    from assistant.notifiers import DesktopNotifier, NotifierError
    from assistant.results import Alert

    title = t._("The assistant's page could not be opened")
    # No desktop either: the error is still on standard error and in the exit status.
    with contextlib.suppress(NotifierError):
        DesktopNotifier().send(Alert("page_not_opened", title, t.error(error), urgent=False))


def known_profile(paths: Paths, name: str) -> None:
    """A profile asked for by name exists (said before anything starts)."""
    from assistant.profiles import check_profile_name
    from assistant.state import StateStore

    check_profile_name(name)
    state = StateStore.open(paths.state_file)
    try:
        names = [p.name for p in state.profiles()]
    finally:
        state.close()
    profile_among(names, name)


def page_line(url: str, t: Translator) -> str:
    return t._("The page: {url} (to open it: 'ofpra-assistant open')", url=url)


def cmd_forget(args: argparse.Namespace) -> int:
    from assistant.cli_output import render_forgotten
    from assistant.profiles import check_profile_name, forget_profile

    if args.profile is not None:
        check_profile_name(args.profile)
    try:
        paths, env = command_environment(args, console=sys.stdout)
    except Exception as failure:
        error = as_assistant_error(failure, where=home_folder())
        if args.profile is not None:
            forget_keyring_anyway(args.profile, error)
        raise error from None
    if args.profile is None:
        # Never offer to remove a profile that does not exist.
        args.profile = one_profile(
            env,
            None,
            none=N_("No profile is set up here: there is nothing to forget."),
        )
    check_profile_name(args.profile)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigInvalidError(N_("forget needs --yes when it cannot ask (not a terminal)."))
        from assistant.cli_setup import choose

        t = terminal_translator(args)
        question = t._(
            "Remove the password, the state and the consent of '{profile}'?", profile=args.profile
        )
        if choose(input, print, question, [t._("Yes"), t._("No")], 1, t) != 0:
            print(t._("Nothing was removed."))
            return 0
    forgotten = forget_profile(env.state, env.credentials, paths, args.profile)
    print(render_forgotten(forgotten, terminal_translator(args)))
    return 0


def cmd_capture(args: argparse.Namespace) -> int:
    from assistant.capture_command import capture_profile
    from assistant.cli_output import render_capture

    _, env = command_environment(args, console=sys.stdout)
    profile = one_profile(env, args.profile)
    outcome = capture_profile(env, profile)
    if outcome.error is not None and not outcome.files:
        raise outcome.error
    print(render_capture(outcome, terminal_translator(args)))
    return 0 if outcome.error is None else int(exit_status_of(outcome.error))


def cmd_demo(args: argparse.Namespace) -> int:
    from assistant.cli_output import render_demo
    from assistant.demo import run_demo

    configure_logging(None, args.verbose)
    # --language: the alerts' (the throwaway holder's); --lang: everything else it says.
    terminal = terminal_translator(args)
    language = language_option(args.language) or terminal.language
    outcome = run_demo(args.scenario, language, console=sys.stdout, terminal=terminal)
    print(render_demo(outcome, terminal))
    return 0 if outcome.result.error is None and not outcome.view_requests else 1


def _handler(command: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs ``command`` (the parser names none, so that it stays light)."""
    if command in ("channel", "calendar"):
        from assistant import cli_channels

        return cli_channels.cmd_channel if command == "channel" else cli_channels.cmd_calendar
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "setup": cmd_setup,
        "check": cmd_check,
        "status": cmd_status,
        "forget": cmd_forget,
        "run": cmd_run,
        "autostart": cmd_autostart,
        "open": cmd_open,
        "capture": cmd_capture,
        "demo": cmd_demo,
        "doctor": cmd_doctor,
    }
    return handlers[command]
