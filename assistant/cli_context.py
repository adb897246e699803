"""What the commands share: their environment, the profile they are about, the language they
speak, and the log. Light at import (``--help`` imports it): heavy modules load inside.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from assistant.errors import (
    N_,
    AssistantError,
    ConfigInvalidError,
    ProfileMissingError,
    StateDamagedError,
)

if TYPE_CHECKING:
    from assistant.environment import Environment
    from assistant.i18n import Translator
    from assistant.pool import EarlyPool
    from assistant.settings import Paths

# Kept here, not imported from assistant.i18n, so that --help imports nothing heavy.
LANGUAGE_CODES = ("fr", "en", "fa_AF", "ps", "ar", "bn", "tr", "ru", "uk", "ka", "ht")


def command_environment(
    args: argparse.Namespace, console: TextIO | None, console_counts: bool = True
) -> tuple[Paths, Environment]:
    from assistant.environment import build_environment
    from assistant.settings import Paths, load_settings

    paths = Paths.from_environment()
    paths.ensure()
    configure_logging(paths, args.verbose)
    settings = load_settings(paths)
    terminal = terminal_translator(args)
    env = build_environment(
        paths,
        settings,
        console=console,
        console_reaches_someone=console_counts,
        terminal=terminal,
    )
    if env.state.recovered_from is not None:
        print(
            "ofpra-assistant: "
            + terminal._(
                "The state file was damaged. It was kept as {path}, and what could be read "
                "from it was copied into a new one.",
                path=str(env.state.recovered_from),
            ),
            file=sys.stderr,
        )
    return paths, env


def launch_early(env: Environment, profiles: list[str], browsers: EarlyPool) -> None:
    """Launch the browser as soon as the portals are known, for the profiles that may log in
    (the runner says why the others may not): the keyring is read while Chromium starts."""
    portals = []
    for name in dict.fromkeys(profiles):
        stored = env.state.profile(name)
        if stored and stored.refused_code is None and env.state.consent(name) is not None:
            portals.append(stored.portal_url)
    if portals:
        workers = min(env.settings.browser.concurrency, len(portals))
        browsers.start(env.settings, portals, workers)


def forget_keyring_anyway(profile: str, error: AssistantError) -> None:
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


def home_folder() -> str:
    from assistant.settings import Paths

    try:
        return str(Paths.from_environment().data_dir)
    except Exception:
        return ""


class TerminalFormatter(logging.Formatter):
    """The log on the terminal: one line per message, never a traceback (the file has it)."""

    def format(self, record: logging.LogRecord) -> str:
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info, plain.exc_text, plain.stack_info = None, None, None
        return super().format(plain)


def one_profile(
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


def existing_profile(env: Environment, name: str) -> str:
    return profile_among([p.name for p in env.state.profiles()], name)


def profile_among(names: list[str], name: str) -> str:
    """``name`` when it is one of the profiles set up, else the error that lists them."""
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


def language_name(code: str) -> str:
    from assistant.i18n import LANGUAGES

    return LANGUAGES.get(code, code)


def progress_on_stderr(t: Translator) -> Callable[..., None]:
    """Each step of a check by hand, one plain line on standard error (so --json stays clean,
    and a dumb terminal or a pipe shows it as well as any)."""
    import contextlib

    from assistant.cli_output import progress_line

    def progress(step: str, /, **values: object) -> None:
        # A closed standard error (`check 2>&1 | head -1`) must not stop the check itself.
        with contextlib.suppress(OSError, ValueError):
            print(progress_line(step, values, t), file=sys.stderr, flush=True)

    return progress


# Two languages, never mixed up (issue 19): the terminal's, for everything a command says to
# whoever typed it (progress, summaries, status, errors, help, questions), and the account
# holder's, for the alerts only (the desktop, the channels, the calendar), which the runner words
# from the profile's language itself. A volunteer at a French terminal setting up a person who
# reads Dari reads French; the person's desktop says Dari.


def terminal_language(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The language of whoever types the command: ``--lang CODE`` anywhere on the command line
    (before or after the command's name; the last one, as argparse keeps it), else the
    system's (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else French. Read before
    the parser is built, so that ``--help`` and usage errors speak it too; a code with no
    catalog is left for the parser to refuse."""
    from assistant.i18n import normalise_language, system_language

    chosen = None
    for index, word in enumerate(argv):
        if word == "--":
            break
        value = None
        if word == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif word.startswith("--lang="):
            value = word.partition("=")[2]
        if value is not None:
            chosen = normalise_language(value) or chosen
    return chosen or system_language(None if environ is None else dict(environ))


def terminal_translator(args: argparse.Namespace) -> Translator:
    """The terminal's language: the one ``main`` settled on from ``--lang`` or the system."""
    from assistant.i18n import Translator

    return Translator(getattr(args, "lang", None) or terminal_language([]))


def language_option(value: str | None) -> str | None:
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


def configure_logging(paths: Paths | None, verbose: bool) -> None:
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
    stream.setFormatter(TerminalFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
