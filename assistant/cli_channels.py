"""The commands for what reaches the person away from this computer: ``channel`` (the remote
channels in the keyring) and ``calendar`` (the iCalendar file of the days to remember)."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.cli_context import (
    command_environment,
    language_option,
    one_profile,
    terminal_translator,
)
from assistant.errors import no_such_profile


def cmd_channel(args: argparse.Namespace) -> int:
    from assistant.channels import ChannelStore, masked_url, remove_channel, send_trial
    from assistant.profiles import check_profile_name

    paths, env = command_environment(args, console=sys.stdout)
    check_profile_name(args.profile)
    profile = env.state.profile(args.profile)
    if profile is None:
        raise no_such_profile(args.profile)
    store = ChannelStore(env.credentials)
    # What this command says is for whoever typed it; each channel's messages are in its own
    # language (by default the profile's).
    t = terminal_translator(args)
    audiences = {"person": t._("to the person"), "helper": t._("to a helper")}
    if args.action == "add":
        language = language_option(args.language) or profile.language
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
        removed = remove_channel(store, env.state, args.profile, args.label, env.clock())
        print(t._("Channel '{label}' removed.", label=removed.label))
        return 0
    outcomes = send_trial(
        store,
        env.state,
        paths.data_dir,
        args.profile,
        args.label,
        env.clock(),
        calendar=args.action == "send-calendar",
    )
    for outcome in outcomes:
        if outcome.cannot_carry:
            print(t._("{label}: this channel cannot carry a file: not sent", label=outcome.label))
        elif outcome.sent:
            print(t._("{label}: sent", label=outcome.label))
        else:
            print(t._("{label}: not sent ({error})", label=outcome.label, error=outcome.error))
    return 1 if any(not o.sent and not o.cannot_carry for o in outcomes) else 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from pathlib import Path

    from assistant.calendar_file import (
        build_calendar,
        home_calendar_path,
        stored_days,
        write_calendar,
    )
    from assistant.i18n import Translator

    paths, env = command_environment(args, console=sys.stdout)
    name = one_profile(env, args.profile)
    profile = env.state.profile(name)
    if profile is None:
        raise no_such_profile(name)
    # The file is the account holder's, in their language; the line below, the terminal's.
    days = stored_days(env.state, name, env.clock())
    content = build_calendar(days, name, profile.portal_url, Translator(profile.language))
    t = terminal_translator(args)
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
