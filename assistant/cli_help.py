"""``--help`` in the person's language: argparse's own words through our catalogs, and the exit
statuses on every command's help.

argparse looks its texts up with ``gettext`` at the moment it prints them (``argparse._``, the
standard library's ``gettext.gettext``), in a domain of its own that no system ships in these
languages. ``translate_argparse`` points those look-ups at our catalog, where the texts below are
translated like every other message. Kept light: ``--help`` must start fast.
"""

from __future__ import annotations

import argparse
import textwrap

from assistant.errors import N_, ExitStatus
from assistant.i18n import Translator

#: argparse's texts that a person sees (Python 3.11 to 3.13), exactly as argparse writes them.
ARGPARSE_TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
)

#: Exit statuses that are not an error code's: a pipe closed early, and Ctrl-C.
OUTPUT_CLOSED = 141
INTERRUPTED = 130


def translate_argparse(t: Translator) -> None:
    """Make argparse say its own words (usage, options, errors) in ``t``'s language."""

    def gettext(message: str) -> str:
        return t._(message)

    def ngettext(singular: str, plural: str, count: int) -> str:
        return t._(singular if count == 1 else plural)

    # argparse reads these module globals each time it prints, so setting them is enough.
    setattr(argparse, "_", gettext)  # noqa: B010
    setattr(argparse, "ngettext", ngettext)  # noqa: B010


def exit_statuses(t: Translator) -> str:
    """The epilog of every command's help: each exit status with its code."""
    lines = [t._("Exit statuses:")]
    lines += [f"  {status.value:>3}  {status.name.lower()}" for status in ExitStatus]
    lines.append(f"  {INTERRUPTED:>3}  " + t._("stopped with Ctrl-C (or Ctrl-D in setup)"))
    lines.append(f"  {OUTPUT_CLOSED:>3}  " + t._("the output was closed early (a pipe)"))
    lines.append(t._("The README explains each one."))
    return "\n".join(lines)


class HelpFormatter(argparse.HelpFormatter):
    """Wraps each paragraph of a description or epilog, and keeps its line breaks."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(
            textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent)
            if not line.startswith(" ")
            else indent + line
            for line in text.splitlines()
        )
