"""``setup --activate``, ``setup --reset-password`` and ``setup --show-password``: the commands of
getting in (issue 22), with their questions when run on a terminal. The logic is in
``assistant/activation.py``; this module asks, and prints the new password once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING

from assistant.cli_context import (
    command_environment,
    language_option,
    terminal_translator,
)
from assistant.cli_setup import Ask, Say, ask_identifier, choose, profiles_here
from assistant.errors import N_, ConfigInvalidError, ExitStatus, exit_status_of

if TYPE_CHECKING:
    from assistant.activation import GotIn
    from assistant.environment import Environment
    from assistant.i18n import Translator
    from assistant.results import CheckResult


def cmd_getting_in(args: argparse.Namespace) -> int:
    # Getting in names its profile as setup without questions does ('default' when not given);
    # an activation on a terminal asks it, as the wizard does.
    args.profile_given = args.profile
    args.profile = args.profile or "default"
    if args.show_password:
        return _show_password(args)
    return _get_in(args)


def _get_in(args: argparse.Namespace) -> int:
    from assistant.activation import (
        GettingIn,
        activate_account,
        check_connection_key,
        check_email,
        check_mobile,
        generate_password,
        reset_password,
    )
    from assistant.consent import make_consent
    from assistant.i18n import Translator, normalise_language, system_language
    from assistant.profiles import check_identifier, check_profile_name

    check_profile_name(args.profile)
    paths, env = command_environment(args, console=sys.stderr if args.json else sys.stdout)
    t = terminal_translator(args)
    scripted = args.connection_key_stdin
    if not scripted and not sys.stdin.isatty():
        raise ConfigInvalidError(
            N_(
                "This asks questions, but this is not a terminal. Give --connection-key-stdin "
                "(and, with --activate, --identifier and --consent NAME) instead."
            )
        )
    env.credentials.ensure_secure_backend()  # said before any question
    answers = getattr(args, "way_in", None)
    if args.activate and not scripted and answers is None:
        from assistant.cli_help import INTERRUPTED
        from assistant.cli_setup import ConsentRefused, SetupStopped, run_activation_questions

        try:
            answers = run_activation_questions(
                input,
                print,
                t,
                language=language_option(args.language),
                default_portal_url=args.portal_url or env.settings.default_portal_url,
                existing=profiles_here(env),
                profile=args.profile_given,
            )
        except ConsentRefused:
            print(t._("Nothing was stored."))
            return int(ExitStatus.CONSENT_MISSING)
        except SetupStopped:
            print(t._("Setup stopped: nothing was stored."), file=sys.stderr)
            return INTERRUPTED
    if answers is not None:
        args.profile = answers.profile
    existing = env.state.profile(args.profile)
    if args.activate and existing is not None and not args.replace:
        # The same account again (an activation the portal refused half-way, run again as its
        # message says) goes on; another account's profile is never replaced silently.
        args.replace = _same_account_or_refuse(env, args)
    language = language_option(args.language)
    if answers is not None:
        t = Translator(answers.ui_language or answers.language)  # the questions' so far
        language = answers.language
    elif language and not scripted:
        t = Translator(language)  # the language the questions were asked in so far
    if args.reset_password:
        if existing is None:
            from assistant.errors import no_such_profile

            raise no_such_profile(args.profile)
        language = existing.language
    else:
        language = normalise_language(language or system_language()) or "fr"
    consent = None
    if args.activate:
        if scripted and not (args.identifier and args.consent):
            raise ConfigInvalidError(
                N_(
                    "Without questions, setup needs {flags} as well "
                    "(see 'ofpra-assistant setup --help')."
                ),
                flags="--identifier, --consent",
            )
        given_by, holder, role = args.consent, args.holder, args.role
        if answers is not None:
            given_by, holder, role = answers.given_by, answers.holder_name, answers.role
        consent = make_consent(given_by, role, language, env.clock(), holder_name=holder)
    if args.identifier == "-":
        args.identifier = sys.stdin.readline().strip()
    identifier = _identifier(env, args, t)
    if scripted:
        key = check_connection_key(sys.stdin.readline())
        password = generate_password()
        mobile, email = check_mobile(args.mobile), check_email(args.email)
    else:
        key = _ask_key(t)
        password = _ask_password(input, print, getpass.getpass, t)
        mobile = email = None
        if args.activate:
            mobile = _ask_checked(
                input, print, t, t._("Mobile number (06 or 07), or Enter: "), check_mobile
            )
            email = _ask_checked(input, print, t, t._("E-mail, or Enter: "), check_email)
    request = GettingIn(args.profile, check_identifier(identifier), key, password, mobile, email)
    # The portal's pages, then the first check, each step said on standard error in the
    # terminal's language (a silent ten seconds looks like a hang).
    from assistant.cli_context import progress_on_stderr
    from assistant.cli_first_check import first_check

    env.progress = progress_on_stderr(t)

    def check(profile: str) -> CheckResult:
        return first_check(paths, env, profile, t, show_result=False)

    if args.activate:
        assert consent is not None
        portal_url = args.portal_url or env.settings.default_portal_url
        if answers is not None:
            portal_url = answers.portal_url
        got = activate_account(
            env,
            request,
            portal_url=portal_url,
            language=language,
            consent=consent,
            replace=args.replace,
            paths=paths,
            check=check,
        )
    else:
        got = reset_password(env, request, check)
    return _report(got, Translator(language), t, args)


def _identifier(env: Environment, args: argparse.Namespace, t: Translator) -> str:
    """The one given, or (reset) the one stored, or (terminal) asked."""
    if args.identifier:
        return str(args.identifier)
    if args.reset_password:
        from assistant.errors import CredentialsMissingError

        try:
            return env.credentials.load(args.profile).identifier
        except CredentialsMissingError:
            pass
    if args.connection_key_stdin:
        raise ConfigInvalidError(
            N_(
                "Without questions, setup needs {flags} as well "
                "(see 'ofpra-assistant setup --help')."
            ),
            flags="--identifier",
        )
    return ask_identifier(input, print, None, t)


def _ask_key(t: Translator) -> str:
    from assistant.activation import check_connection_key

    while True:
        typed = getpass.getpass(
            t._("Connection key (on the paper from the GUDA, 'CLÉ DE CONNEXION'): ")
        )
        try:
            return check_connection_key(typed)
        except ConfigInvalidError as error:
            print(t.error(error))


def _ask_checked(ask: Ask, say: Say, t: Translator, question: str, check: object) -> str | None:
    while True:
        try:
            return check(ask(question))  # type: ignore[operator]
        except ConfigInvalidError as error:
            say(t.error(error))


def _ask_password(ask: Ask, say: Say, secret: Ask, t: Translator) -> str:
    """A password the assistant chooses (easy to copy by hand), or the person's own, checked
    against the portal's rules with the reason for each refusal."""
    from assistant.activation import generate_password, password_problems

    options = [
        t._("Let the assistant choose one, easy to copy and to read aloud (recommended)"),
        t._("Type my own"),
    ]
    if choose(ask, say, t._("The new password:"), options, 0, t) == 0:
        return generate_password()
    while True:
        password = secret(t._("New password: "))
        problems = password_problems(password)
        if problems:
            say(t._("The portal would refuse this password:"))
            for problem in problems:
                say("  - " + t._(problem))
            continue
        if secret(t._("Type the password again: ")) == password:
            return password
        say(t._("The two passwords are not the same (or empty). Try again."))


def _report(got: GotIn, holder: Translator, t: Translator, args: argparse.Namespace) -> int:
    """The new password once, in the holder's language (``holder``: it is theirs), then the
    first check in the terminal's (``t``: the volunteer's); the exit status is the check's."""
    from assistant.cli_output import render_check
    from assistant.privacy import print_secret_once, scrubbed

    check = got.check
    if args.json:
        output = scrubbed(
            {
                "ok": check.ok,
                "profile": got.profile,
                "done": "activated" if args.activate else "password_reset",
                "check": check.to_json(),
            }
        )
        # Added after the scrubbing, which would mask it: this is its one print.
        output["new_password"] = got.new_password
        print_secret_once(json.dumps(output, ensure_ascii=False, indent=2))
    else:
        print_secret_once(new_password_text(got.new_password, holder))
        print(render_check(check, t))
    return 0 if check.error is None else int(exit_status_of(check.error))


def new_password_text(password: str, t: Translator) -> str:
    """The new password, framed and spaced so that it stands out, with the guide's advice."""
    title = t._("YOUR NEW PASSWORD FOR THE OFPRA PORTAL")
    width = max(len(title), len(password) * 2) + 8
    rule = "=" * width
    return "\n".join(
        [
            rule,
            "",
            "    " + title,
            "",
            "        " + password,
            "",
            # Each character apart, to copy it by hand without losing one.
            "        " + " ".join(password),
            "",
            rule,
            t._(
                "Write it down on paper or take a photo of it now: you need it to open your "
                "letters on the portal. It is shown only this once (later: 'ofpra-assistant "
                "setup --show-password')."
            ),
        ]
    )


def _same_account_or_refuse(env: Environment, args: argparse.Namespace) -> bool:
    """A profile of that name is already set up: True when it is the same account (the same
    identifier), else ``profile_exists``, as ``setup`` says it, before the portal is contacted
    (``--replace`` replaces it)."""
    from assistant.profiles import existing_profile, profile_exists_error

    known = existing_profile(env.state, env.credentials, args.profile)
    if known is None or (args.identifier and known.identifier == args.identifier.strip()):
        return True
    raise profile_exists_error(known)


def _show_password(args: argparse.Namespace) -> int:
    from assistant.activation import stored_password
    from assistant.privacy import print_secret_once
    from assistant.profiles import check_profile_name

    check_profile_name(args.profile)
    _, env = command_environment(args, console=sys.stdout)
    t = terminal_translator(args)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ConfigInvalidError(
                N_(
                    "--show-password asks for a confirmation on a terminal. In a script, add "
                    "--yes (and make sure the output goes to no file or log)."
                )
            )
        question = t._(
            "Show the password of '{profile}' on the screen? Make sure nobody else can see it.",
            profile=args.profile,
        )
        if choose(input, print, question, [t._("Yes"), t._("No")], 1, t) != 0:
            print(t._("Nothing was shown."))
            return int(ExitStatus.OK)
    password = stored_password(env, args.profile)
    print_secret_once(password)
    return 0
