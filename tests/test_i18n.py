"""Every message has a Thai translation; English falls back to Thai, never to a blank."""

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.translations import KEYWORDS, ROOT, untranslated
from core import i18n


def messages_in_code() -> set[str]:
    keywords = {name: None for name in KEYWORDS[1::2]}
    found = set()
    for pattern in ("bot/**.py", "dialogs/**.py", "domain/**.py", "core/**.py"):
        method_map = [(pattern, "python")]
        for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, keywords=keywords):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_the_code_has_a_thai_translation():
    with (i18n.LOCALES_DIR / "th" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        thai = {m.id: m.string for m in read_po(po) if m.id}
    missing = sorted(m for m in messages_in_code() if not thai.get(m))
    assert missing == [], "run `flask --app wsgi translate update` and translate these in locales/th"
    assert untranslated("th") == []


def test_the_catalogs_keep_no_message_the_code_no_longer_has():
    """A message left behind would be translated, reviewed and shipped for nothing."""
    in_code = messages_in_code()
    for path in (i18n.LOCALES_DIR / "messages.pot", *(i18n.LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
                                                      for locale in ("th", "en"))):
        with path.open("rb") as po:
            kept = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(po) if m.id}
        assert sorted(kept - in_code) == [], f"remove these from {path.name} ({path.parent.name})"


def test_a_message_missing_in_english_falls_back_to_thai(tmp_path, monkeypatch):
    (tmp_path / "th" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "en" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "th" / "LC_MESSAGES" / "messages.po").write_text('msgid "Hello"\nmsgstr "สวัสดี"\n', "utf-8")
    (tmp_path / "en" / "LC_MESSAGES" / "messages.po").write_text('msgid "Hello"\nmsgstr ""\n', "utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.gettext("Hello", "en") == "สวัสดี"
        assert i18n.gettext("Hello", "th") == "สวัสดี"
        assert i18n.gettext("Never translated", "en") == "Never translated"
    finally:
        i18n.translations.cache_clear()


def test_values_are_filled_in_each_language():
    assert "3" in i18n.gettext("Please type a number of at least %(min)s.", "th", min=3)
    assert i18n.gettext("Please type a number of at least %(min)s.", "en", min=3).endswith("3.")
