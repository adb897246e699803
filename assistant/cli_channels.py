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
from assistant.errors import N_, ConfigInvalidError, no_such_profile


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
