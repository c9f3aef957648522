"""Typed answers: every accepted form, and a specific Thai (and English) message for every refusal."""

import random
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given

from core import validators as v
from core.types import Context, Invalid
from dialogs.kinds import BirthDate
from models import LineUser, utcnow
from tests.helpers import PROPERTY, ZONE, adversarial_text, within_a_second

THAI = re.compile(r"[\u0e01-\u0e4e]")
QUOTED = re.compile(r"“[^”]*”")  # the person's own words, quoted back in either language


def refused(parse, raw, *args, **kwargs) -> Invalid:
    """The Invalid raised for `raw`, after checking both languages render without a gap or a stray %."""
    with pytest.raises(Invalid) as caught:
        parse(raw, *args, **kwargs)
    invalid = caught.value
    thai, english = invalid.text("th"), invalid.text("en")
    assert THAI.search(thai), f"untranslated: {thai}"
    assert not THAI.search(QUOTED.sub("", english)), f"not English: {english}"
    assert "%(" not in thai and "%(" not in english
    return invalid


def thai(parse, raw, *args, **kwargs) -> str:
    return refused(parse, raw, *args, **kwargs).text("th")


def english(parse, raw, *args, **kwargs) -> str:
    return refused(parse, raw, *args, **kwargs).text("en")


# --- Invalid --------------------------------------------------------------------------------------


def test_invalid_renders_callables_in_the_readers_language():
    invalid = Invalid(v.N_("The amount must be at most %(max)s."), max=lambda locale: f"<{locale}>")
    assert invalid.text("en") == "The amount must be at most <en>."
    assert "<th>" in invalid.text("th")
    assert isinstance(invalid, ValueError)


def test_invalid_shows_plain_values_as_typed():
    invalid = Invalid(v.N_("There is no option %(number)s. Please type a number from 1 to %(count)s."),
                      number="0012", count=4000)
    assert invalid.text("en") == "There is no option 0012. Please type a number from 1 to 4000."


# --- text -----------------------------------------------------------------------------------------


def test_text_trims_and_collapses_spaces_but_keeps_lines():
    assert v.text("  นาย   สมชาย \t ใจดี  ") == "นาย สมชาย ใจดี"
    assert v.text("ข้าว  ๒ ไร่\r\n  มัน   1 ไร่ \n") == "ข้าว ๒ ไร่\nมัน 1 ไร่"
    assert v.text("\u200bสวัสดี") == "สวัสดี"


def test_text_empty():
    assert "กรุณาพิมพ์" in thai(v.text, "   ")
    assert english(v.text, "") == "Please type your answer."
    assert v.text("  ", min_len=0) == ""


def test_text_too_short_and_too_long_name_the_bounds():
    assert "2" in thai(v.text, "ก", min_len=2)
    message = thai(v.text, "ก" * 1200, max_len=1000)
    assert "1,000" in message and "1,200" in message
    assert "at most 1,000 characters" in english(v.text, "ก" * 1200, max_len=1000)
    assert v.text("ก" * 1000, max_len=1000) == "ก" * 1000


# --- integer --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [
    ("12", 12), (" 12 ", 12), ("1,200", 1200), ("๑๒", 12), ("๑,๒๐๐", 1200), ("12 คน", 12), ("3ไร่", 3),
    ("5 people", 5), ("12.0", 12), ("-3", -3), ("0", 0), ("1,234,567", 1234567),
])
def test_integer_accepts(raw, value):
    assert v.integer(raw) == value


# --- land area ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "rai"), [
    ("5", "5"), ("2.5", "2.5"), ("๕ ไร่", "5"), ("3 ไร่ 2 งาน 50 ตารางวา", "3.625"), ("3ไร่2งาน", "3.5"),
    ("1 งาน", "0.25"), ("80 ตร.ว.", "0.2"), ("2 ไร่ 100 วา", "2.25"), ("10", "10"),
])
def test_land_is_read_in_rai_from_rai_ngan_and_square_wa(raw, rai):
    assert str(v.land_area(raw)) == rai


@pytest.mark.parametrize("raw", ["abc", "3 2 งาน", "", "ไร่"])
def test_land_that_is_not_an_area_says_how_to_write_one(raw):
    assert "3 ไร่ 2 งาน 50 ตารางวา" in thai(v.land_area, raw)


def test_land_out_of_range_says_the_range():
    assert "10,000" in thai(v.land_area, "20000") and "0.01" in thai(v.land_area, "0")


def test_integer_refuses_fractions_with_whole_number_message():
    assert "จำนวนเต็ม" in thai(v.integer, "12.5")
    assert "whole number" in english(v.integer, "12.5")


@pytest.mark.parametrize("raw", ["abc", "12 13", "1,2", "12 คน 3", "สิบสอง", "1/2"])
def test_integer_refuses_non_numbers_quoting_them(raw):
    assert f"“{raw}”" in thai(v.integer, raw)


def test_integer_empty():
    assert "ตัวเลข" in thai(v.integer, "")


def test_integer_bounds():
    assert "1,000" in thai(v.integer, "1,500", maximum=1000)
    assert "at most 1,000" in english(v.integer, "1,500", maximum=1000)
    assert "1" in thai(v.integer, "0", minimum=1)
    assert "at least 1" in english(v.integer, "0", minimum=1)
    message = thai(v.integer, "200", minimum=1, maximum=120)
    assert "1" in message and "120" in message
    assert english(v.integer, "200", minimum=1, maximum=120) == "Please type a number from 1 to 120."
    assert v.integer("120", minimum=1, maximum=120) == 120


# --- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [
    ("2,500", "2500"), ("2500", "2500"), ("2,500 บาท", "2500"), ("2500บาท", "2500"), ("2500.50", "2500.50"),
    ("๒,๕๐๐ บาท", "2500"), ("฿2,500", "2500"), ("฿ 2,500", "2500"), ("2,500฿", "2500"), ("1,500.-", "1500"),
    ("1,500.- บาท", "1500"), ("500 บ.", "500"), ("500 baht", "500"), ("500 Baht", "500"), ("500 THB", "500"),
    ("0", "0"), ("0.5", "0.5"), (" 38,000 ", "38000"),
])
def test_money_accepts(raw, value):
    result = v.money(raw)
    assert result == Decimal(value) and isinstance(result, Decimal)


@pytest.mark.parametrize("raw", ["2.5k", "สองพัน", "2,500 ดอลลาร์", "$2500", "2,50", "2500 บาท 50"])
def test_money_refuses_other_letters(raw):
    message = thai(v.money, raw)
    assert "ตัวเลข" in message and f"“{raw}”" in message


def test_money_refuses_negative_amounts():
    assert "ติดลบ" in thai(v.money, "-500")
    assert "negative" in english(v.money, "-500 บาท")


def test_money_refuses_fractions_of_a_satang():
    assert "2" in thai(v.money, "10.505")
    assert "2 digits after the decimal point" in english(v.money, "10.505")


def test_money_empty():
    assert "บาท" in thai(v.money, " ")


def test_money_bounds_are_shown_as_money():
    assert "5,000 บาท" in thai(v.money, "6,000", maximum=5000)
    assert english(v.money, "6,000", maximum=5000) == "The amount must be at most 5,000 baht."
    assert "100 บาท" in thai(v.money, "50", minimum=100)
    message = thai(v.money, "50", minimum=100, maximum=Decimal("2500.50"))
    assert "100 บาท" in message and "2,500.50 บาท" in message
    assert v.money("5,000", maximum=5000) == 5000


# --- dates ----------------------------------------------------------------------------------------

NOV_25 = date(2026, 11, 25)


@pytest.mark.parametrize("raw", [
    "25/11/2569", "25/11/2026", "25-11-2569", "25.11.2569", "25 / 11 / 2569", "๒๕/๑๑/๒๕๖๙", "2026-11-25",
    "2569-11-25", "25 พ.ย. 2569", "25 พย 2569", "25 พ.ย.2569", "25 พฤศจิกายน 2569", "25 พฤศจิกายน พ.ศ. 2569",
    "25 พฤศจิกายน พ.ศ.2569", "วันพุธที่ 25 พฤศจิกายน พ.ศ. 2569", "25 November 2026", "25 Nov 2026",
    "25 nov. 2026", "25 Nov, 2026", "25 พฤศจิกา 2569", "25 พฤศจิกายน ค.ศ. 2026", "Wednesday 25 November 2026",
    "  25/11/2569  ",
])
def test_date_accepts(raw):
    assert v.date_value(raw) == NOV_25


def test_date_round_trips_what_the_bot_prints():
    from core.thai import format_date

    for style in ("full", "medium"):
        for locale in ("th", "en"):
            assert v.date_value(format_date(NOV_25, locale, style)) == NOV_25
    assert v.date_value(format_date(NOV_25, "en", "short")) == NOV_25


def test_date_buddhist_and_christian_eras():
    assert v.date_value("1/1/2500") == date(1957, 1, 1)
    assert v.date_value("1/1/2399") == date(2399, 1, 1)  # below 2400 is read as CE
    assert v.date_value("29/2/2567") == date(2024, 2, 29)
    assert v.date_value("29/2/2024") == date(2024, 2, 29)
    assert v.date_value("5 Sept 2026") == date(2026, 9, 5)


@pytest.mark.parametrize("raw", ["25/11/69", "25-11-26", "25 พ.ย. 69", "25/11/256", "25/11/25690", "1/1/0025"])
def test_date_asks_for_four_digit_years(raw):
    assert "4 หลัก" in thai(v.date_value, raw)
    assert "4 digits" in english(v.date_value, raw)


def test_date_impossible_days_say_how_long_the_month_is():
    message = thai(v.date_value, "29/2/2569")
    assert "29" in message and "กุมภาพันธ์ 2569" in message and "28 วัน" in message
    assert english(v.date_value, "29/2/2026").startswith("There is no day 29 in February 2026: that month has 28 days")
    message = thai(v.date_value, "31/4/2569")
    assert "31" in message and "เมษายน 2569" in message and "30 วัน" in message
    assert "0" in thai(v.date_value, "0/4/2569")


def test_date_impossible_month():
    message = thai(v.date_value, "1/13/2569")
    assert "13" in message and "1" in message and "12" in message


def test_date_unknown_month_name_is_quoted():
    assert "“Foo”" in thai(v.date_value, "25 Foo 2569")
    assert "“เดือนสิบ”" in thai(v.date_value, "25 เดือนสิบ 2569")


@pytest.mark.parametrize("raw", ["", "เมื่อวาน", "25/11", "2569", "25112569"])
def test_date_unreadable_shows_the_format(raw):
    assert "25/11/2569" in thai(v.date_value, raw)
    assert "25/11/2026" in english(v.date_value, raw)


def test_date_range_is_given_in_thai_buddhist_era_dates():
    earliest, latest = date(1900, 1, 1), date(2026, 11, 25)
    message = thai(v.date_value, "1/12/2569", earliest=earliest, latest=latest)
    assert "1 มกราคม 2443" in message and "25 พฤศจิกายน 2569" in message
    assert english(v.date_value, "1/12/2026", earliest=earliest, latest=latest) == (
        "Please type a date from 1 January 1900 to 25 November 2026.")
    assert "25 พฤศจิกายน 2569" in thai(v.date_value, "26/11/2569", latest=latest)
    assert "1 มกราคม 2443" in thai(v.date_value, "1/1/2442", earliest=earliest)
    assert v.date_value("25/11/2569", earliest=earliest, latest=latest) == latest


# --- yes / no -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    "ใช่", "ใช่ครับ", "ใช่ค่ะ", " ใช่ ", "ครับ", "ค่ะ", "คะ", "ครับผม", "ได้", "ได้ค่ะ", "ตกลง", "ตกลงครับ", "มี",
    "มีค่ะ", "ถูกต้อง", "โอเค", "yes", "Yes", "YES.", "y", "ok", "OK!", "okay",
])
def test_yes(raw):
    assert v.yes_no(raw) is True


@pytest.mark.parametrize("raw", [
    "ไม่ใช่", "ไม่ใช่ครับ", "ไม่", "ไม่ค่ะ", "ไม่มี", "ไม่มีครับ", "ไม่ได้", "ไม่ถูกต้อง", "no", "No.", "n", "N",
])
def test_no(raw):
    assert v.yes_no(raw) is False


@pytest.mark.parametrize("raw", ["", ".", "นะ", "ไม่แน่ใจ", "อาจจะ", "maybe", "ใช่ไม่ใช่", "1"])
def test_yes_no_ambiguous_asks_for_a_tap(raw):
    message = thai(v.yes_no, raw)
    assert "ใช่" in message and "ไม่ใช่" in message
    assert english(v.yes_no, raw) == "Please tap Yes or No."


# --- national ID ----------------------------------------------------------------------------------

VALID_ID = "3100600445635"


def make_id(rng: random.Random) -> str:
    first12 = str(rng.randint(1, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return first12 + str(v.national_id_check_digit(first12))


def test_check_digit_of_the_brief_example():
    assert v.national_id_check_digit(VALID_ID[:12]) == 5


@pytest.mark.parametrize("raw", [
    VALID_ID, "3-1006-00445-63-5", "3 1006 00445 63 5", " 3100600445635 ", "๓๑๐๐๖๐๐๔๔๕๖๓๕", "3–1006–00445–63–5",
])
def test_national_id_accepts(raw):
    assert v.national_id(raw) == VALID_ID


def test_generated_ids_pass_and_every_single_digit_change_fails():
    rng = random.Random(20261125)
    for _ in range(50):
        nid = make_id(rng)
        assert v.national_id(nid) == nid
        last = int(nid[12])
        for wrong in set(range(10)) - {last}:
            with pytest.raises(Invalid):
                v.national_id(nid[:12] + str(wrong))


def test_national_id_wrong_length_counts_the_digits():
    message = thai(v.national_id, "310060044563")
    assert "13 หลัก" in message and "12" in message
    assert "but you typed 12" in english(v.national_id, "310060044563")
    assert "14" in thai(v.national_id, "31006004456351")


def test_national_id_empty():
    assert thai(v.national_id, " ") == "กรุณาพิมพ์ตัวเลข 13 หลักของเลขประจำตัวประชาชน (พิมพ์ได้ทั้งแบบมีขีดหรือไม่มีขีด)"


def test_national_id_non_digits():
    assert "ตัวเลข" in thai(v.national_id, "31006004456x5")
    assert "digits only" in english(v.national_id, "ID 3100600445635")


@pytest.mark.parametrize("first", ["0", "9"])
def test_national_id_first_digit(first):
    nid = first + VALID_ID[1:12]
    nid += str(v.national_id_check_digit(nid))
    message = thai(v.national_id, nid)
    assert "1" in message and "8" in message and first in message


def test_national_id_bad_checksum():
    assert "เลขตรวจสอบไม่ถูกต้อง กรุณาตรวจสอบอีกครั้ง" in thai(v.national_id, "3100600445636")
    assert "check digit" in english(v.national_id, "3100600445636")


def test_mask_shows_only_the_last_digit():
    assert v.mask_national_id(VALID_ID) == "x-xxxx-xxxxx-xx-5"
    assert v.mask_national_id("3-1006-00445-63-5") == "x-xxxx-xxxxx-xx-5"
    assert v.mask_national_id("5") == "x-xxxx-xxxxx-xx-5"  # a stored last digit is enough
    with pytest.raises(ValueError):
        v.mask_national_id("")


# --- phone ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [
    ("0812345678", "0812345678"), ("081-234-5678", "0812345678"), ("081 234 5678", "0812345678"),
    ("+66 81 234 5678", "0812345678"), ("+66812345678", "0812345678"), ("66812345678", "0812345678"),
    ("+66 (0)81 234 5678", "0812345678"), ("๐๘๑-๒๓๔-๕๖๗๘", "0812345678"), ("062.345.6789", "0623456789"),
    ("0912345678", "0912345678"), ("02-123-4567", "021234567"), ("(02) 123 4567", "021234567"),
    ("+66 2 123 4567", "021234567"), ("044-123456", "044123456"), ("044 123 456", "044123456"),
    ("076-123456", "076123456"), ("+66 44 123 456", "044123456"),
])
def test_phone_accepts(raw, value):
    assert v.phone(raw) == value


def test_phone_mobile_wrong_length():
    message = thai(v.phone, "081-234-567")
    assert "10 หลัก" in message and "9" in message
    assert "A mobile number has 10 digits" in english(v.phone, "08123456789")


def test_phone_landline_wrong_length():
    message = thai(v.phone, "044-1234567")
    assert "9 หลัก" in message and "10" in message
    assert "A landline number has 9 digits" in english(v.phone, "02-123-456")


@pytest.mark.parametrize("raw", ["0112345678", "812345678", "+1 555 123 4567", "1234"])
def test_phone_not_thai(raw):
    assert "081-234-5678" in thai(v.phone, raw)
    assert english(v.phone, raw).startswith("This is not a Thai phone number.")


def test_phone_letters_and_empty():
    assert "ตัวเลข" in thai(v.phone, "โทร 0812345678")
    assert "081-234-5678" in thai(v.phone, "")


# --- choice and choices ---------------------------------------------------------------------------

OPTIONS = [("elderly", "ผู้สูงอายุ"), ("disabled", "ผู้พิการ"), ("bedridden", "Bedridden"), ("other", "Other")]


@pytest.mark.parametrize(("raw", "value"), [
    ("1", "elderly"), ("๒", "disabled"), (" 3 ", "bedridden"), ("4.", "other"), ("ผู้สูงอายุ", "elderly"),
    (" ผู้พิการ ", "disabled"), ("bedridden", "bedridden"), ("OTHER", "other"),
])
def test_choice_accepts(raw, value):
    assert v.choice(raw, OPTIONS) == value


def test_choice_prefers_an_exact_label_over_a_number():
    options = [("a", "2"), ("b", "1")]
    assert v.choice("1", options) == "b"
    assert v.choice("2", options) == "a"


def test_choice_number_out_of_range():
    message = thai(v.choice, "5", OPTIONS)
    assert "5" in message and "1" in message and "4" in message
    assert english(v.choice, "0", OPTIONS) == "There is no option 0. Please type a number from 1 to 4."


def test_choice_unknown_label_is_quoted():
    message = thai(v.choice, "เด็ก", OPTIONS)
    assert "“เด็ก”" in message and "4" in message
    assert "“" + "ก" * 29 + "…”" in thai(v.choice, "ก" * 80, OPTIONS)


def test_choice_empty():
    assert "4" in thai(v.choice, "", OPTIONS)


@pytest.mark.parametrize(("raw", "values"), [
    ("1,3", ["elderly", "bedridden"]), ("1 3", ["elderly", "bedridden"]),
    ("1, 3 และ 4", ["elderly", "bedridden", "other"]),
    ("3และ1", ["elderly", "bedridden"]), ("๑,๔", ["elderly", "other"]), ("3, 1, 1, 3", ["elderly", "bedridden"]),
    ("ผู้สูงอายุ, other", ["elderly", "other"]), ("Bedridden และ ผู้พิการ", ["disabled", "bedridden"]),
    ("1, ผู้พิการ", ["elderly", "disabled"]), ("2", ["disabled"]), ("ผู้พิการ", ["disabled"]),
    ("1;2\n3", ["elderly", "disabled", "bedridden"]), ("1 and 2", ["elderly", "disabled"]),
])
def test_choices_accepts(raw, values):
    assert v.choices(raw, OPTIONS) == values


def test_choices_label_containing_a_separator():
    options = [("a", "ผู้สูงอายุ, ผู้พิการ"), ("b", "อื่น ๆ")]
    assert v.choices("ผู้สูงอายุ, ผู้พิการ", options) == ["a"]
    assert v.choices("อื่น ๆ", options) == ["b"]


def test_choices_names_every_unknown_item():
    message = thai(v.choices, "1, 7, เด็ก, 9, 7", OPTIONS)
    assert "7" in message and "9" in message and "“เด็ก”" in message and "4" in message
    assert english(v.choices, "1,7", OPTIONS).startswith("Not among the options: 7.")


def test_choices_minimum_and_maximum():
    assert "1" in thai(v.choices, "", OPTIONS)
    assert "2" in thai(v.choices, "1", OPTIONS, minimum=2)
    assert v.choices("", OPTIONS, minimum=0) == []
    message = thai(v.choices, "1,2,3", OPTIONS, maximum=2)
    assert "2" in message and "3" in message
    assert english(v.choices, "1,2,3", OPTIONS, maximum=2) == (
        "Please choose no more than 2 of the options (you chose 3).")
    assert v.choices("1,1,2", OPTIONS, maximum=2) == ["elderly", "disabled"]


# --- any text, at once ----------------------------------------------------------------------------

MANY = [(f"v{i}", label) for i, label in enumerate(
    ["ผู้สูงอายุ", "ผู้พิการ", "ผู้สูงอายุ, ผู้พิการ", "1", "1,000", "อื่น ๆ", "and", "และ", "Bedridden", "x 1",
     "๑", "ไม่มี", "ค่ะ", "12 คน", "No steady occupation or income"], 1)]
VALIDATORS = {
    "text": v.text,
    "integer": lambda raw: v.integer(raw, 0, 30),
    "money": v.money,
    "date_value": v.date_value,
    "birth_date": lambda raw: BirthDate("born", "Born?").parse(raw, Context(LineUser(language="th"), None, None,
                                                                             utcnow(), ZONE)),
    "yes_no": v.yes_no,
    "national_id": v.national_id,
    "phone": v.phone,
    "choice": lambda raw: v.choice(raw, MANY),
    "choices": lambda raw: v.choices(raw, MANY),
}


def read_within_a_second(name: str, raw: str):
    """The validator's value, or its refusal rendered in Thai; any other exception, or a second, fails."""
    with within_a_second(f"{name}({raw[:40]!r}…, {len(raw)} characters)"):
        try:
            return VALIDATORS[name](raw)
        except Invalid as invalid:
            return invalid.text("th")


@PROPERTY
@given(adversarial_text)
def test_every_validator_reads_any_text_at_once(raw):
    """Digit runs, separators, spaces, Thai digits, emoji, 10,000 characters: each validator answers
    (a value or a message) well within a second, whatever is typed."""
    for name in VALIDATORS:
        read_within_a_second(name, raw)


@pytest.mark.parametrize(("name", "raw"), [
    ("choices", "1" * 30 + "x"),  # took 67 s, four times longer with every two more digits
    ("choices", "1,000" * 10 + "x"),  # 92 s
    ("birth_date", "1" + " " * 2000 + "x"),  # 25 s
    ("date_value", "1" + " " * 2000 + "x"),
    ("integer", "5" * 5000),  # raised ValueError: Python refuses to read an int of over 4,300 digits
])
def test_the_answers_that_froze_the_bot_are_refused_at_once_with_a_message(name, raw):
    message = read_within_a_second(name, raw)
    assert isinstance(message, str) and THAI.search(message)


def test_a_tick_list_answer_of_digits_and_a_letter_names_what_is_not_an_option():
    message = read_within_a_second("choices", "1" * 30 + "x")
    assert "“" + "1" * 29 + "…”" in message and "15" in message


@pytest.mark.parametrize(("parse", "limit"), [
    (v.integer, v.SHORT_ANSWER), (v.money, v.SHORT_ANSWER), (v.date_value, v.SHORT_ANSWER),
    (v.yes_no, v.SHORT_ANSWER), (v.national_id, v.SHORT_ANSWER), (v.phone, v.SHORT_ANSWER),
    (lambda raw: v.choice(raw, OPTIONS), v.CHOICE_ANSWER), (lambda raw: v.choices(raw, OPTIONS), v.CHOICES_ANSWER),
])
def test_an_answer_over_its_length_cap_is_told_how_long_it_may_be(parse, limit):
    raw = "1" * (limit + 1)
    assert english(parse, raw) == (f"Please shorten your answer to at most {limit:,} characters "
                                   f"(you typed {limit + 1:,}).")
    assert f"{limit:,}" in thai(parse, raw)
    try:  # spaces around it and zero-width spaces don't count
        parse(" " * 5000 + "1" * limit + "\u200b" * 50)
    except Invalid as invalid:
        assert "shorten" not in invalid.text("en")


def test_a_long_birth_date_says_how_long_a_date_may_be():
    message = read_within_a_second("birth_date", "1" + " " * 2000 + "x")
    assert "100" in message and "2,002" in message
