"""`flask --app wsgi translate extract|update|compile`: the gettext workflow, wrapping pybabel.

English message ids are the English text, so `update` copies each id into the English catalog
where it has no translation yet; Thai translations are written by hand in
`locales/th/LC_MESSAGES/messages.po` (a test fails while any is missing).
"""

from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask.cli import AppGroup

from core.i18n import LOCALES, LOCALES_DIR

ROOT = LOCALES_DIR.parent
TEMPLATE = LOCALES_DIR / "messages.pot"
KEYWORDS = ["-k", "_", "-k", "gettext", "-k", "N_"]

translate = AppGroup("translate", help="Extract, update and compile the message catalogs.")


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


@translate.command("extract")
def extract() -> None:
    """Write locales/messages.pot from the code."""
    pybabel("extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS, "--no-location", "--sort-output",
            "--omit-header", "-o", str(TEMPLATE), str(ROOT))


@translate.command("update")
def update() -> None:
    """Extract, merge into each catalog, and fill English from the ids."""
    extract.callback()
    for locale in LOCALES:
        pybabel("update", "-i", str(TEMPLATE), "-d", str(LOCALES_DIR), "-l", locale,
                "--omit-header", "--no-fuzzy-matching", "--ignore-obsolete")
    fill_english(LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po")
    missing = untranslated("th")
    if missing:
        click.echo(f"{len(missing)} Thai translations missing in locales/th/LC_MESSAGES/messages.po")


@translate.command("compile")
def compile_catalogs() -> None:
    """Compile .mo files (the app reads the .po files directly; this checks them and serves other tools)."""
    pybabel("compile", "-d", str(LOCALES_DIR), "--statistics")


def fill_english(path: Path) -> None:
    with path.open("rb") as po:
        catalog = read_po(po, locale="en")
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
    with path.open("wb") as po:
        write_po(po, catalog, omit_header=True, no_location=True, sort_output=True)


def untranslated(locale: str) -> list[str]:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    return [m.id for m in catalog if m.id and not m.string]
