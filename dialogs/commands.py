"""The commands that work everywhere, typed in Thai or English or tapped as a button."""

import re

WORDS = {
    "menu": ("เมนู", "เมนูหลัก", "menu"),
    "cancel": ("ยกเลิก", "cancel", "stop", "หยุด"),
    "back": ("ย้อนกลับ", "กลับ", "back"),
    "help": ("ช่วยเหลือ", "ช่วยด้วย", "help", "?"),
    "language": ("ภาษา", "language", "english", "ภาษาไทย"),
}
_BY_WORD = {word: command for command, words in WORDS.items() for word in words}


def match(inp) -> str | None:
    """The command this input asks for, or None if it is an answer."""
    if inp.kind == "postback":
        return inp.data.get("cmd") if inp.data.get("cmd") in WORDS else None
    if inp.kind != "text" or not inp.text:
        return None
    word = re.sub(r"\s+", " ", inp.text.strip().lower())
    return _BY_WORD.get(word)
