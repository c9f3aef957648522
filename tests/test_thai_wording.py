"""The Thai catalog reads as one voice (docs/glossary.md): a question ends as a question and a label has no
polite particle, no English words, no brackets inside brackets, one term per concept; and a yes/no question's
buttons are the answers that fit it."""

import re
from datetime import date

import pytest
from babel.messages.pofile import read_po

from bot import DIALOGS
from core import i18n
from dialogs.buttons import LABEL_LIMIT
from dialogs.interview import options
from dialogs.kinds import Choice, YesNo
from domain.labels import POSITIONS, PROBLEM_INDICATORS, ROLE_LABELS
from tests.helpers import HEAD, add_target_household, no, open_interview, person, tap, th

GLOSSARY = i18n.LOCALES_DIR.parent / "docs" / "glossary.md"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")

# What a question ends on before คะ. "หรือ" makes a choice a question ("ทำต่อหรือเริ่มใหม่คะ").
QUESTION_WORDS = ("อะไร", "ไหม", "หรือไม่", "หรือเปล่า", "หรือยัง", "เท่าไร", "เท่าไหร่", "กี่", "ใคร", "ไหน", "ใด",
                  "เมื่อไร", "อย่างไร", "ทำไม")
# A polite particle as a word of its own: not the start of a longer word ("คะแนน").
PARTICLE = re.compile(r"(นะ)?(คะ|ค่ะ|ครับ)(?=[\s\"“”)\]:,.!?]|$)")


def thai_messages() -> dict[str, str]:
    with (i18n.LOCALES_DIR / "th" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and m.string}


def particle_problems(text: str) -> list[str]:
    """What is wrong with the polite particles of a Thai message.

    A bare label is the clause before a คะ (from the start of its line, a colon or an earlier particle) with no
    question word in it: "เพศคะ", "ท3 ทรัพยากร: ที่ดินทำกินคะ". A question takes คะ, not ค่ะ. A particle stands
    on its word, not after a space. The bot never says ครับ (one register)."""
    problems = []
    for line in PLACEHOLDER.sub("X", text).split("\n"):
        start = 0
        for found in PARTICLE.finditer(line):
            clause = line[start:found.start()].rsplit(":", 1)[-1]
            start = found.end()
            softened, particle = found.group(1), found.group(2)
            if not clause.strip() or clause[-1].isspace() or clause[-1] in "()":
                problems.append(f"a particle on its own: …{clause[-15:]}{found.group()}")
            elif particle == "ครับ":
                problems.append(f"ครับ in the bot's ค่ะ/คะ voice: …{clause[-15:]}ครับ")
            elif particle == "คะ" and not softened and not any(q in clause for q in (*QUESTION_WORDS, "หรือ")):
                problems.append(f"a bare label with คะ: {clause.strip()}คะ")
            elif particle == "ค่ะ" and clause.endswith(QUESTION_WORDS):
                problems.append(f"a question ending with ค่ะ: …{clause[-15:]}ค่ะ")
    return problems


# Latin words a Thai reader sees on their own screen: LINE; the language switch's "English"; the Ministry's ThaiQM
# system, which has no Thai name; and, for administrators importing files, Excel's names of formats and encodings.
LATIN_ALLOWED = {"LINE", "English", "ThaiQM", "Excel", "CSV", "XLSX", "UTF", "TIS"}
BILINGUAL = {"Language", "Choose your language / เลือกภาษา"}  # read by people who may not read Thai
PROJECT_FILE = re.compile(r"\b[\w-]+(?:/[\w.-]+)+\.\w+")  # docs/import-template.md


def latin_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]+", PROJECT_FILE.sub("", PLACEHOLDER.sub("", text)))
            if w not in LATIN_ALLOWED]


def nested_brackets(text: str) -> bool:
    depth = deepest = 0
    for char in PLACEHOLDER.sub("", text):
        depth += (char in "([") - (char in ")]")
        deepest = max(deepest, depth)
    return deepest > 1


def glossary() -> list[tuple[list[str], list[str]]]:
    """The terms table of docs/glossary.md: for each row, the Thai terms and the forms not to use."""
    rows = [line for line in GLOSSARY.read_text("utf-8").splitlines() if line.startswith("| `")]
    return [(re.findall(r"`([^`]+)`", cells[1]), re.findall(r"`([^`]+)`", cells[-2]))
            for cells in (row.split("|") for row in rows)]


# ---- the rules themselves ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["เพศคะ", "อาชีพหลักคะ", "เพศครับ", "อาชีพหลักครับ", "ท3 ทรัพยากร: ที่ดินทำกินคะ",
                                  "สัตว์เลี้ยงเพื่อการเกษตรคะ แตะทุกข้อที่มี", "ครัวเรือนนี้มีสมาชิกกี่คน (รวมหัวหน้า) คะ",
                                  "ข้อมูลถูกต้องไหมค่ะ", "%(name)s\nชื่อและนามสกุลคะ"])
def test_the_rules_catch_a_bare_label_and_a_misplaced_particle(text):
    assert particle_problems(text)


@pytest.mark.parametrize("text", ["เพศ", "เพศอะไรคะ", "อาชีพหลักคืออะไรคะ", "ครัวเรือนนี้มีสมาชิกกี่คนคะ (รวมหัวหน้า)",
                                  "ขอถามคำถามเดิมอีกครั้งนะคะ", "ยกเลิกแล้วค่ะ", "จะทำต่อหรือเริ่มใหม่คะ",
                                  "ได้คะแนนดี", "เพิ่มครัวเรือนนี้ใช่ไหมคะ\nหมู่บ้าน: %(village)s"])
def test_the_rules_let_questions_statements_and_labels_through(text):
    assert particle_problems(text) == []


def test_the_rules_find_english_and_nested_brackets():
    assert latin_words("ตาม พ.ร.บ. คุ้มครองข้อมูลส่วนบุคคล (PDPA)") == ["PDPA"]
    assert latin_words("ย้อนกลับ (back): กลับไปข้อก่อนหน้า") == ["back"]
    assert latin_words("%(name)s เพิ่มบัญชี LINE (ดู docs/import-template.md)") == []
    assert nested_brackets("ข้อมูล จปฐ. (ระบบ (TPMAP))") and not nested_brackets("(ที่กรอก: %(answer)s)")


# ---- the catalog -------------------------------------------------------------------------------------

def test_no_thai_message_ends_a_bare_label_with_a_polite_particle():
    found = {msgid: problems for msgid, text in thai_messages().items() if (problems := particle_problems(text))}
    assert found == {}


def test_no_thai_message_has_english_words():
    found = {msgid: words for msgid, text in thai_messages().items()
             if msgid not in BILINGUAL and (words := latin_words(text))}
    assert found == {}


def test_no_thai_message_has_brackets_inside_brackets():
    assert [msgid for msgid, text in thai_messages().items() if nested_brackets(text)] == []


def test_the_catalog_uses_the_glossarys_terms_and_never_the_forms_it_rules_out():
    rows = glossary()
    banned = [form for _terms, forms in rows for form in forms]
    assert len(rows) > 40 and "สัมภาษณ์ 4ท" in banned  # the table was read
    found = {msgid: [form for form in banned if form in text] for msgid, text in thai_messages().items()}
    assert {msgid: forms for msgid, forms in found.items() if forms} == {}


def test_an_abbreviation_is_followed_by_a_space_not_run_into_the_next_word():
    abbreviations = sorted({term for terms, _forms in glossary() for term in terms if term.endswith(".")},
                           key=len, reverse=True)
    assert "ศจพ.อ." in abbreviations and "จปฐ." in abbreviations
    pattern = re.compile("|".join(map(re.escape, abbreviations)))
    run_in = {msgid: text for msgid, text in thai_messages().items()
              if any(re.match(r"[\u0e01-\u0e4e]", text[m.end():m.end() + 1]) for m in pattern.finditer(text))}
    assert run_in == {}


def test_labels_shown_in_brackets_have_none_of_their_own():
    """The staff list shows "name (roles)" and the folder "visitor (position)": a bracket there would nest."""
    labels = [*ROLE_LABELS.values(), *(label for _value, label in POSITIONS)]
    assert [th(label) for label in labels if "(" in th(label)] == []


def test_every_answer_offered_as_a_button_fits_on_it():
    """LINE cuts a button's label at 20 characters; the whole label is in the numbered list, but a cut button reads
    wrong. Options that depend on the answers are the problem checklist's, whatever its dimension."""
    offered = [label for dialog in DIALOGS for question in dialog.questions.values()
               for label in (question.labels if isinstance(question, YesNo) else
                             [label for _value, label in question.options]
                             if isinstance(question, Choice) and not callable(question.options) else [])]
    offered += [label for items in PROBLEM_INDICATORS.values() for _value, label in items]
    offered += [options.NO_PROBLEM[1], options.NO_OTHER_PROBLEM[1]]
    assert len(offered) > 100
    assert {label: th(label) for label in offered if len(th(label)) > LABEL_LIMIT} == {}


# ---- answers that fit the question -------------------------------------------------------------------

def test_consent_and_able_to_work_are_answered_in_their_own_words(app, volunteer):
    """ยินยอม/ไม่ยินยอม for consent, ได้/ไม่ได้ for "ทำงานได้หรือไม่คะ", ใช่/ไม่ใช่ for "…ใช่ไหมคะ"; typed, they count
    as taps."""
    household_id = add_target_household(app, [person(HEAD, date(1970, 3, 1), "head")])
    open_interview(volunteer, household_id)
    assert list(volunteer.buttons())[:2] == ["ยินยอม", "ไม่ยินยอม"]
    refusal = th("The household does not agree: only the refusal will be recorded and the visit ends. Is that right?")
    assert volunteer.say("ไม่ยินยอมค่ะ") == refusal and list(volunteer.buttons())[:2] == ["ใช่", "ไม่ใช่"]
    no(volunteer)  # a slip: the consent question again
    volunteer.say("ยินยอม")
    assert th("Member %(number)s of %(count)s on record", number=1, count=1) in volunteer.text
    tap(volunteer, "Correct, no change")
    volunteer.say("1")  # one more member
    volunteer.say("เด็กหญิงมะลิ ใจดี")
    tap(volunteer, "Skip")
    tap(volunteer, "Female")
    volunteer.say("12/4/2555")
    tap(volunteer, "Child")
    tap(volunteer, "Primary school")
    tap(volunteer, "Student")
    volunteer.say("0")
    tap(volunteer, "None of these")
    assert th("Is this person able to work?") in volunteer.text and list(volunteer.buttons())[:2] == ["ได้", "ไม่ได้"]
    assert volunteer.say("อาจจะ").startswith(th("Please tap \"%(yes)s\" or \"%(no)s\".", yes="ได้", no="ไม่ได้"))
    assert "เด็กหญิงมะลิ ใจดี" in volunteer.tap("ไม่ได้") and th("Correct, continue") in volunteer.buttons()
    volunteer.say("ย้อนกลับ")
    assert th("Your earlier answer: %(answer)s", answer="ไม่ได้") in volunteer.text  # shown in the same words
