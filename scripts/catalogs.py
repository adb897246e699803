"""Extracts the messages from the code and updates every language's catalog (Babel).

    .venv/bin/python scripts/catalogs.py          # extract + update the .pot and every .po
    .venv/bin/python scripts/catalogs.py --check  # fail if the .pot is not up to date

New messages arrive in each .po untranslated; the English catalog is the source text itself.
Compiling the .mo files is part of the build (the Makefile), never done by hand.
"""

from __future__ import annotations

import argparse
import copy
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "assistant" / "locale"
DOMAIN = "ofpra_assistant"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
SOURCES = ("assistant", "flows")
REVIEW_NOTE = (
    "Translations for ofpra-assistant.\n"
    "NEEDS REVIEW BY A NATIVE SPEAKER: written plain and short for people who read little;\n"
    "please check every message before relying on it."
)


def languages() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from assistant.i18n import LANGUAGES

    return list(LANGUAGES)


def extract() -> Catalog:
    catalog = Catalog(project="ofpra-assistant", version="0.1", charset="utf-8")
    keywords = {**DEFAULT_KEYWORDS, "ngettext": (1, 2)}
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / source, keywords=keywords, comment_tags=("TRANSLATORS:",)
        ):
            catalog.add(
                message,
                None,
                [(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def update(template: Catalog) -> None:
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with TEMPLATE.open("wb") as file:
        write_po(file, template, width=100, omit_header=False, sort_output=True)
    for language in languages():
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as file:
                catalog = read_po(file, locale=language)
            # No fuzzy guesses: a near-miss translation shown to a person is worse than English.
            # A copy each time: Babel puts the template's own message objects into the catalog,
            # so the English copies made for "en" below showed up as other languages' texts.
            catalog.update(
                copy.deepcopy(template), no_fuzzy_matching=True, update_header_comment=False
            )
        else:
            catalog = Catalog(locale=language, project="ofpra-assistant", version="0.1")
            catalog.update(copy.deepcopy(template))
        catalog.header_comment = "# " + "\n# ".join(REVIEW_NOTE.splitlines())
        catalog.revision_date = datetime.now(UTC)
        catalog.fuzzy = False
        # Obsolete messages would linger forever; the history keeps them.
        catalog.obsolete.clear()
        for message in catalog:
            if message.id and message.fuzzy:
                message.string = ("",) * catalog.num_plurals if message.pluralizable else ""
                message.flags.discard("fuzzy")
                message.previous_id = []
        if language == "en":
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        with path.open("wb") as file:
            write_po(file, catalog, width=100, sort_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the .pot is out of date")
    args = parser.parse_args()
    template = extract()
    if args.check:
        with TEMPLATE.open("rb") as file:
            current = {m.id for m in read_po(file) if m.id}
        wanted = {m.id for m in template if m.id}
        if current != wanted:
            print(f"{TEMPLATE} is out of date: run scripts/catalogs.py", file=sys.stderr)
            return 1
        return 0
    update(template)
    return 0


if __name__ == "__main__":
    sys.exit(main())
