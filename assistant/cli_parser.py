"""The command line's parser: every command, its options and its help, in the system's language.

It names no handler: ``assistant.cli`` runs the command ``args.command`` names.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from assistant import __version__
from assistant.cli_context import LANGUAGE_CODES, terminal_language

if TYPE_CHECKING:
    from assistant.i18n import Translator

#: The marks a right-to-left text puts around a value (U+200E, U+200F, U+061C, the embeddings and
#: the isolates): copied with a profile's name from a Dari, Pashto or Arabic alert or page.
_DIRECTION_MARKS = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def profile_argument(value: str) -> str:
    """A profile's name as typed or pasted: without the invisible direction marks a command
    copied from a right-to-left text carries (a name is made of a to z, digits, '-', '_', '.')."""
    return value.translate(_DIRECTION_MARKS).strip()


def build_parser(t: Translator | None = None) -> argparse.ArgumentParser:
    """The commands, their options and their help, in ``t``'s language (the terminal's)."""
    from assistant.cli_help import HelpFormatter, exit_statuses, translate_argparse
    from assistant.i18n import Translator, normalise_language

    t = t or Translator(terminal_language([]))
    translate_argparse(t)
    statuses = exit_statuses(t)

    def lang_code(value: str) -> str:
        language = normalise_language(value)
        if language is None:
            raise argparse.ArgumentTypeError(
                t._(
                    "there are no texts in '{language}' yet: choose one of {languages}",
                    language=value,
                    languages=", ".join(LANGUAGE_CODES),
                )
            )
        return language

    lang_help = t._(
        "the language of this command's own messages, help and questions: {languages} "
        "(default: the system's when there is a catalog for it, else fr). The alerts are in "
        "each account holder's language.",
        languages=", ".join(LANGUAGE_CODES),
    )

    def with_lang(parser: argparse.ArgumentParser, top: bool = False) -> argparse.ArgumentParser:
        # Before or after the command's name: `ofpra-assistant --lang en status` and
        # `ofpra-assistant status --lang en`. A command's own leaves the top one's alone.
        parser.add_argument(
            "--lang",
            metavar="CODE",
            type=lang_code,
            default=None if top else argparse.SUPPRESS,
            help=lang_help,
        )
        return parser

    def command(name: str, help: str, description: str) -> argparse.ArgumentParser:
        return with_lang(
            commands.add_parser(
                name,
                help=help,
                description=description,
                epilog=statuses,
                formatter_class=HelpFormatter,
            )
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
    with_lang(parser, top=True)
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
    setup.add_argument(
        "--profile",
        type=profile_argument,
        help=t._(
            "profile name: up to 40 letters (a to z), digits, '-', '_' or '.', not the person's "
            "name (default: asked, else 'default' without questions)"
        ),
    )
    setup.add_argument(
        "--replace",
        action="store_true",
        help=t._(
            "replace the profile of that name if it exists (another account's letters, "
            "reminders, calendar and channels are removed first)"
        ),
    )
    setup.add_argument(
        "--no-check",
        action="store_true",
        help=t._("do not run the first check at the end (it runs by default)"),
    )
    setup.add_argument(
        "--json",
        action="store_true",
        help=t._("without questions: print one JSON object (with the first check's result)"),
    )
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

    # Getting in (issue 22): activation from the connection key, a new password with it, and
    # showing the stored password to its holder.
    getting_in = setup.add_mutually_exclusive_group()
    getting_in.add_argument(
        "--activate",
        action="store_true",
        help=t._(
            "the personal space is not activated yet: activate it with the AGDREF number and the "
            "connection key, with a new password the assistant chooses (shown once)"
        ),
    )
    getting_in.add_argument(
        "--reset-password",
        action="store_true",
        help=t._("'I forgot my password': a new password with the connection key (shown once)"),
    )
    getting_in.add_argument(
        "--show-password",
        action="store_true",
        help=t._("show the stored password to its holder, after a confirmation"),
    )
    setup.add_argument(
        "--connection-key-stdin",
        action="store_true",
        help=t._("read the connection key from standard input (with --activate, --reset-password)"),
    )
    setup.add_argument(
        "--mobile", help=t._("with --activate: mobile number for the portal's notices (06/07...)")
    )
    setup.add_argument("--email", help=t._("with --activate: e-mail for the portal's notices"))
    setup.add_argument(
        "--yes", action="store_true", help=t._("with --show-password: do not ask for confirmation")
    )

    check = command(
        "check",
        t._("log in now, read the list of letters, and alert"),
        t._("Run one check now: log in, read the documents table, log out, alert."),
    )
    which = check.add_mutually_exclusive_group()
    which.add_argument(
        "--profile",
        type=profile_argument,
        help=t._("profile to check (needed when there are several)"),
    )
    which.add_argument(
        "--all",
        action="store_true",
        help=t._(
            "check every profile of the home folder, a few at a time in one browser "
            '(with --json: one object per profile, under "results")'
        ),
    )
    check.add_argument("--json", action="store_true", help=t._("print one JSON object"))
    check.add_argument(
        "--all-letters",
        action="store_true",
        help=t._("also list the letters already opened (by default they are only counted)"),
    )

    status = command(
        "status",
        t._("show the profiles, their last check and the letters waiting"),
        t._("Show each profile: consent, last check, and the unread letters' deadlines."),
    )
    status.add_argument("--profile", type=profile_argument, help=t._("only this profile"))
    status.add_argument("--json", action="store_true", help=t._("print one JSON object"))

    forget = command(
        "forget",
        t._("remove a profile's password, state and consent"),
        t._(
            "Remove the keyring entries, the state, the captures and the consent of a "
            "profile, and say what was removed."
        ),
    )
    forget.add_argument(
        "--profile",
        type=profile_argument,
        help=t._("profile to forget (needed when there are several)"),
    )
    forget.add_argument("--yes", action="store_true", help=t._("do not ask for confirmation"))

    command(
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

    open_page = command(
        "open",
        t._("open the assistant's page in the web browser"),
        t._(
            "Open the assistant's page in the default web browser, logged in: every profile, "
            "what to do and by when. The agent serves the page; when it is not running, it is "
            "started in the background first, as at login."
        ),
    )
    open_page.add_argument("--profile", type=profile_argument, help=t._("open this profile's page"))
    open_page.add_argument(
        "--print-url",
        action="store_true",
        help=t._(
            "print the one-time address instead of opening a browser (it works once, within "
            "a minute)"
        ),
    )

    autostart = command(
        "autostart",
        t._("start the agent at every login: enable, disable or status"),
        t._(
            "Write (enable), remove (disable) or show (status) the entry that starts "
            "'ofpra-assistant run' at login: a systemd user unit, or an XDG autostart entry "
            "without a systemd user session, on Linux; a script in the Startup folder on "
            "Windows; a LaunchAgent on macOS. There is one entry per user account, for one "
            "home folder. Enable also puts the launcher 'OFPRA assistant' (it runs "
            "'ofpra-assistant open') in the application menu, and disable removes it."
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

    capture = command(
        "capture",
        t._("save redacted outlines of the portal's pages, to report a changed portal"),
        t._(
            "Log in, save a redacted outline of the home page and of the documents page, and "
            "log out. An outline keeps the pages' structure and the portal's own interface "
            "words only: no letter, no name, no number, no form value. It never opens a letter."
        ),
    )
    capture.add_argument(
        "--profile",
        type=profile_argument,
        help=t._("profile to use (needed when there are several)"),
    )
    capture.add_argument(
        "--redacted",
        action="store_true",
        required=True,
        help=t._("required: say that you want the redacted outline (the only kind there is)"),
    )

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
    demo.add_argument(
        "--language", help=t._("language of the alerts (default: the terminal's, see --lang)")
    )

    doctor = command(
        "doctor",
        t._("say what a check needs on this computer, what is missing, and how to fix it"),
        t._(
            "Look at what a check needs here, without the portal and without reading any "
            "password: the browser that will be used, the keyring (reachable, unlocked), the "
            "desktop notification service, the clock and time zone, the home folder, the "
            "agent and its start at login, and each profile's last success and what blocks "
            "it. Exits with not_ready when a check cannot run."
        ),
    )
    doctor.add_argument("--json", action="store_true", help=t._("print one JSON object"))

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
        sub = with_lang(
            channel_actions.add_parser(
                name, help=help, description=help, epilog=statuses, formatter_class=HelpFormatter
            )
        )
        sub.add_argument(
            "--profile", type=profile_argument, required=True, help=t._("profile name")
        )
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
    calendar.add_argument(
        "--profile",
        type=profile_argument,
        help=t._("profile to use (needed when there are several)"),
    )
    calendar.add_argument(
        "--output",
        metavar="FILE",
        help=t._("where to write it (default: the home folder's copy)"),
    )
    return parser
