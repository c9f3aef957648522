"""User-facing text: English message ids, Thai (the default) and English catalogs in `locales/`.

Catalogs are read from the `.po` files and compiled in memory at first use, so there is no
build step to forget. A message missing from a language falls back to Thai, then to the id:
never a blank.
"""

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LOCALE = "th"
LOCALES = ("th", "en")


@cache
def translations(locale: str) -> NullTranslations:
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    result = Translations(fp=buffer)
    if locale != DEFAULT_LOCALE:
        result.add_fallback(translations(DEFAULT_LOCALE))
    return result


def gettext(message: str, locale: str = DEFAULT_LOCALE, **values) -> str:
    text = translations(locale).gettext(message)
    return text % values if values else text


def N_(message: str) -> str:
    """Marks a msgid for `pybabel extract`; it is translated when shown, in the reader's language."""
    return message
