"""Typed answers turned into values, or refused with a message that says what to type instead.

Field staff answer on cheap phones with whatever keyboard they have: Thai digits, dashes, units
after numbers, Buddhist Era years. Each validator accepts those forms and, when it cannot use an
answer, raises `Invalid` naming the exact problem and the fix, so nobody is stuck in a dialog.

Reading an answer costs time linear in its length, whatever was typed: a structured answer longer
than its cap (`SHORT_ANSWER`, `CHOICE_ANSWER`, `CHOICES_ANSWER`) is refused, saying how long it may
be, before anything parses it; and no pattern here nests quantifiers or can rescan what it already
read, so no answer makes the regex engine backtrack exponentially (one such message once held up
every user's webhook for a minute).
"""

import calendar
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial

from core.i18n import N_
from core.thai import (
    BE_OFFSET,
    MONTHS_EN,
    MONTHS_EN_SHORT,
    MONTHS_TH,
    MONTHS_TH_SHORT,
    NGAN_PER_RAI,
    SQUARE_WA_PER_RAI,
    WEEKDAYS_EN,
    WEEKDAYS_TH,
    Number,
    format_date,
    format_money,
    format_month,
    format_number,
    to_ascii_digits,
)
from core.types import Invalid

Options = list[tuple[str, str]]  # (value, label), shown to the user as a numbered list


# The longest answer each kind of question reads. Real answers are far shorter (the longest date, with its
# weekday and era, is about 40 characters; option labels are at most about 40).
SHORT_ANSWER = 100  # numbers, money, dates, yes or no, national IDs, phone numbers
CHOICE_ANSWER = 200  # one option, by its label or number
CHOICES_ANSWER = 1000  # several options, by labels or numbers


def _clean(raw: str, limit: int = SHORT_ANSWER) -> str:
    """Thai digits as ASCII, zero-width spaces (common from Thai keyboards) dropped, ends trimmed;
    refused when longer than `limit`, before any parsing."""
    answer = to_ascii_digits(raw).replace("\u200b", "").strip()
    if len(answer) > limit:
        raise _too_long(limit, len(answer))
    return answer


def _too_long(limit: int, count: int) -> Invalid:
    return Invalid(N_("Please shorten your answer to at most %(max)s characters (you typed %(count)s)."),
                   max=partial(format_number, limit), count=partial(format_number, count))


def _quote(answer: str, limit: int = 30) -> str:
    """The user's own words, cut short so an error message stays readable on a phone."""
    return f"“{answer if len(answer) <= limit else answer[: limit - 1] + '…'}”"


def _check_bounds(value, minimum, maximum, at_least: str, at_most: str, between: str, show: Callable):
    """One message per situation: the whole range when both bounds exist, else the bound that was crossed.

    `show` turns a bound into a value for `Invalid` (a number, money or a date in the reader's language).
    """
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if minimum is not None and maximum is not None:
            raise Invalid(between, min=show(minimum), max=show(maximum))
        if minimum is not None:
            raise Invalid(at_least, min=show(minimum))
        raise Invalid(at_most, max=show(maximum))


# --- free text ------------------------------------------------------------------------------------


def text(raw: str, min_len: int = 1, max_len: int = 500) -> str:
    """Trimmed, with runs of spaces and tabs collapsed; line breaks kept, since people list things by line.

    Digits are kept as typed: this is the person's own wording, not a number to parse.
    """
    lines = (re.sub(r"[^\S\n]+", " ", line).strip() for line in raw.replace("\u200b", "").splitlines())
    value = "\n".join(lines).strip()
    if not value and min_len > 0:
        raise Invalid(N_("Please type your answer."))
    if len(value) < min_len:
        raise Invalid(N_("Please type at least %(min)s characters (you typed %(count)s)."),
                      min=partial(format_number, min_len), count=partial(format_number, len(value)))
    if len(value) > max_len:
        raise _too_long(max_len, len(value))
    return value


# --- numbers and money ----------------------------------------------------------------------------

_NUMBER = r"(?P<sign>[+-]?)\s*(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
# A unit word may follow a count: "12 คน", "3 ไร่", "5 people".
_INTEGER = re.compile(_NUMBER + r"\s*(?:[a-zA-Z\u0e01-\u0e4e]+\.?(?:\s+[a-zA-Z\u0e01-\u0e4e]+\.?)*)?")
# Baht may be written before or after the amount; "1,500.-" is the usual Thai way to write a whole amount.
_MONEY = re.compile(r"(?:฿\s*)?" + _NUMBER + r"(?:\.-)?\s*(?:฿|บาท|บ\.|baht|thb)?", re.IGNORECASE)


def integer(raw: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number: "1,200", "๑๒", "12 คน" (a unit word after the number is allowed), "12.0"."""
    answer = _clean(raw)
    if not answer:
        raise Invalid(N_("Please type a number, for example 12."))
    match = _INTEGER.fullmatch(answer)
    if not match:
        raise Invalid(N_("Please type the number in digits, for example 12 (you typed %(answer)s)."),
                      answer=_quote(answer))
    if (match["frac"] or "0").strip("0"):
        raise Invalid(N_("Please type a whole number, without a decimal point (you typed %(answer)s)."),
                      answer=_quote(answer))
    value = int(match["sign"] + match["int"].replace(",", ""))
    _check_bounds(value, minimum, maximum,
                  N_("Please type a number of at least %(min)s."),
                  N_("Please type a number of at most %(max)s."),
                  N_("Please type a number from %(min)s to %(max)s."),
                  show=lambda bound: partial(format_number, bound))
    return value


def money(raw: str, minimum: Number = 0, maximum: Number | None = None) -> Decimal:
    """An amount in baht: "2,500", "2,500 บาท", "฿2,500", "2500.50", "๒,๕๐๐ บาท", "1,500.-", "500 บ.", "500 THB".

    Letters other than baht are refused ("2.5k" would be a guess), as are negative amounts and
    fractions of a satang.
    """
    answer = _clean(raw)
    if not answer:
        raise Invalid(N_("Please type the amount in baht, for example 2,500."))
    match = _MONEY.fullmatch(answer)
    if not match:
        raise Invalid(N_("Please type the amount in digits only, for example 2,500 or 2,500 baht "
                         "(you typed %(answer)s)."), answer=_quote(answer))
    if match["sign"] == "-":
        raise Invalid(N_("The amount cannot be negative. Please type the amount without a minus sign."))
    if len(match["frac"] or "") > 2:
        raise Invalid(N_("Please type at most 2 digits after the decimal point (satang), for example 2,500.50."))
    value = Decimal(match["int"].replace(",", "") + ("." + match["frac"] if match["frac"] else ""))
    # Negative amounts are refused above, so a minimum of 0 needs no message of its own.
    _check_bounds(value, _decimal_or_none(minimum or None), _decimal_or_none(maximum),
                  N_("The amount must be at least %(min)s."),
                  N_("The amount must be at most %(max)s."),
                  N_("The amount must be from %(min)s to %(max)s."),
                  show=lambda bound: partial(format_money, bound))
    return value


_RAI = re.compile(r"(?P<rai>\d{1,5}(?:\.\d{1,2})?) ?(?:ไร่|rai)?", re.IGNORECASE)  # a number alone: rai
_LAND = re.compile(r"(?:(?P<rai>\d{1,5}(?:\.\d{1,2})?) ?(?:ไร่|rai))?"  # each part with its unit
                   r" ?(?:(?P<ngan>\d{1,3}) ?งาน)?"
                   r" ?(?:(?P<wa>\d{1,3}(?:\.\d{1,2})?) ?(?:ตารางวา|ตร\. ?ว\.|วา))?", re.IGNORECASE)
MAX_RAI = 10_000


def land_area(raw: str) -> Decimal:
    """Land in rai: a number ("5", "2.5", "3 ไร่"), or rai, งาน and ตารางวา as the land office writes them
    ("3 ไร่ 2 งาน 50 ตารางวา", "1 งาน", "80 ตร.ว."); 1 rai = 4 งาน = 400 ตารางวา."""
    answer = re.sub(r"\s+", " ", _clean(raw))
    match = _RAI.fullmatch(answer) or _LAND.fullmatch(answer)
    if not match or not any(match.groupdict().values()):
        raise Invalid(N_("Please type the land area in rai, for example 5 or 2.5, or as 3 rai 2 ngan 50 square wa."))
    rai, ngan, wa = (Decimal(match.groupdict().get(part) or 0) for part in ("rai", "ngan", "wa"))
    value = rai + ngan / NGAN_PER_RAI + wa / SQUARE_WA_PER_RAI
    if not 0 < value <= MAX_RAI:
        raise Invalid(N_("Please type a land area from 0.01 to 10,000 rai."))
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _decimal_or_none(n: Number | None) -> Decimal | None:
    return None if n is None else Decimal(str(n))


# --- dates ----------------------------------------------------------------------------------------


def _month_key(name: str) -> str:
    """Month names compared without dots, spaces or case: "พ.ย.", "พย", "Nov." all match."""
    return re.sub(r"[.\s,]", "", name).casefold()


_MONTHS = {
    _month_key(name): number
    for names in (MONTHS_TH, MONTHS_TH_SHORT, MONTHS_EN, MONTHS_EN_SHORT)
    for number, name in enumerate(names)
    if name
} | {re.sub("(คม|ยน|พันธ์)$", "", name): number for number, name in enumerate(MONTHS_TH) if name} | {"sept": 9}
# The second part is the spoken short form people also type: ธันวา, กุมภา, พฤศจิกา.
_WEEKDAY = "|".join(re.escape(name) for name in (*WEEKDAYS_TH, *WEEKDAYS_EN))
# "วันพุธที่ 25 พฤศจิกายน พ.ศ. 2569" is how core.thai writes dates, so it must read back too.
_WEEKDAY_PREFIX = re.compile(rf"^(?:{_WEEKDAY})(?:\s*ที่)?\s*,?\s*", re.IGNORECASE)
_DAY_FIRST = re.compile(r"(?P<day>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*(?P<year>\d+)")
_YEAR_FIRST = re.compile(r"(?P<year>\d{4})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})")
# The month name starts and ends with a letter, so the spaces around it belong to one place only.
_MONTH_NAME = re.compile(r"(?P<day>\d{1,2})\s*(?P<month>[^\d\s](?:\D*[^\d\s])?)\s*(?P<year>\d+)")
_ERA = re.compile(r"(?:พ\.?\s?ศ\.?|ค\.?\s?ศ\.?|b\.?\s?e\.?|a\.?\s?d\.?|c\.?\s?e\.?)$", re.IGNORECASE)


def _year(digits: str) -> int:
    """Four digits, Buddhist Era from 2400 up (no CE date we handle is that late), else Christian Era."""
    if len(digits) != 4 or int(digits) < 1000:
        raise Invalid(N_("Please type the year in 4 digits, for example 2569 (B.E.) or 2026."))
    year = int(digits)
    return year - BE_OFFSET if year >= 2400 else year


def _parse_date(answer: str) -> date:
    if weekday := _WEEKDAY_PREFIX.match(answer):
        answer = answer[weekday.end():]
    if match := _DAY_FIRST.fullmatch(answer) or _YEAR_FIRST.fullmatch(answer):
        month = int(match["month"])
    elif match := _MONTH_NAME.fullmatch(answer):
        name = _ERA.sub("", match["month"]).rstrip()
        month = _MONTHS.get(_month_key(name))
        if month is None:
            raise Invalid(N_("I don't know the month %(month)s. Please type the date like 25/11/2026 or 25 Nov 2026."),
                          month=_quote(name.strip()))
    else:
        raise Invalid(N_("Please type the date as day/month/year, for example 25/11/2026 or 25 Nov 2026."))
    year, day = _year(match["year"]), int(match["day"])
    if not 1 <= month <= 12:
        raise Invalid(N_("There is no month %(month)s. The month is a number from 1 to 12."), month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise Invalid(N_("There is no day %(day)s in %(month)s: that month has %(days)s days. Please check the date."),
                      day=day, month=partial(format_month, date(year, month, 1)), days=days)
    return date(year, month, day)


def date_value(raw: str, earliest: date | None = None, latest: date | None = None) -> date:
    """A calendar date typed the ways Thai staff write them.

    Accepted: 25/11/2569, 25-11-2569, 25.11.2026, 2026-11-25, "25 พ.ย. 2569", "25 พฤศจิกายน พ.ศ. 2569",
    "25 ธันวา 2569", "25 Nov 2026", with or without a weekday in front. Years from 2400 are Buddhist Era. Two-digit years
    are refused rather than guessed: 69 could be 2569 or 1969.
    """
    answer = _clean(raw)
    if not answer:
        raise Invalid(N_("Please type the date as day/month/year, for example 25/11/2026 or 25 Nov 2026."))
    value = _parse_date(answer)
    _check_bounds(value, earliest, latest,
                  N_("The date cannot be before %(min)s."),
                  N_("The date cannot be after %(max)s."),
                  N_("Please type a date from %(min)s to %(max)s."),
                  show=lambda bound: partial(format_date, bound))
    return value


# --- yes or no ------------------------------------------------------------------------------------

# A polite particle alone ("ครับ", "ค่ะ") is an agreeing answer in Thai, so it counts as yes.
_POLITE = ("ครับผม", "ครับ", "ค่ะ", "คะ", "ค้ะ", "จ้ะ", "จ้า", "จ่ะ")
YES = frozenset({"ใช่", "ได้", "ตกลง", "มี", "ถูก", "ถูกต้อง", "โอเค", "yes", "y", "ok", "okay", *_POLITE})
NO = frozenset({"ไม่", "ไม่ใช่", "ไม่มี", "ไม่ได้", "ไม่ถูก", "ไม่ถูกต้อง", "no", "n"})
_TRAILING_WORDS = (*_POLITE, "นะ")
_WHITESPACE = "".join(filter(str.isspace, map(chr, range(0x3001))))  # what \s matches: no space is above U+3000
_TRAILING_MARKS = _WHITESPACE + ".!,ๆ"


def _without_trailer(answer: str) -> str:
    """The answer without the particles and punctuation after it, peeled off from the end one at a time
    (each step removes something, so this is linear in the answer's length)."""
    while True:
        shorter = answer.rstrip(_TRAILING_MARKS)
        shorter = next((shorter.removesuffix(word) for word in _TRAILING_WORDS if shorter.endswith(word)), shorter)
        if shorter == answer:
            return answer
        answer = shorter


def yes_no(raw: str, yes: str = "", no: str = "") -> bool:
    """Yes: ใช่, ได้, ตกลง, มี, ถูก(ต้อง), โอเค, yes, y, ok(ay), or a polite particle alone (ครับ, ค่ะ).

    No: ไม่, ไม่ใช่, ไม่มี, ไม่ได้, ไม่ถูก(ต้อง), no, n. `yes` and `no` add the words of a question's own
    answers ("ยินยอม", "ไม่ยินยอม"). Particles and punctuation after the word are ignored ("ใช่ครับ",
    "ไม่มีค่ะ"). Anything else is ambiguous and asks for a tap.
    """
    answer = _clean(raw).casefold().rstrip(" .!,")
    word = _without_trailer(answer) or answer  # nothing but particles: the particle is the answer
    if word in YES or (yes and word == _clean(yes).casefold()):
        return True
    if word in NO or (no and word == _clean(no).casefold()):
        return False
    raise Invalid(N_("Please tap Yes or No."))


# --- national ID ----------------------------------------------------------------------------------


def national_id_check_digit(first12: str) -> int:
    """(11 − Σ dᵢ·(13−i) mod 11) mod 10 over the first 12 digits, i counted from 0 (weights 13 down to 2)."""
    total = sum(int(digit) * (13 - i) for i, digit in enumerate(first12[:12]))
    return (11 - total % 11) % 10


def national_id(raw: str) -> str:
    """A person's 13-digit national ID, returned as digits only; spaces and dashes may be typed."""
    digits = re.sub(r"[\s\-–.]", "", _clean(raw))
    if not digits:
        raise Invalid(N_("Please type the 13 digits of the national ID number (with or without dashes)."))
    if not digits.isascii() or not digits.isdigit():
        raise Invalid(N_("A national ID number has digits only. Please type its 13 digits, without letters."))
    if len(digits) != 13:
        raise Invalid(N_("A national ID number has 13 digits, but you typed %(count)s. "
                         "Please type all 13 digits (with or without dashes)."), count=len(digits))
    if not "1" <= digits[0] <= "8":
        raise Invalid(N_("A person's national ID number starts with a digit from 1 to 8, not %(digit)s. "
                         "Please check the first digit."), digit=digits[0])
    if national_id_check_digit(digits) != int(digits[12]):
        raise Invalid(N_("The check digit (the last digit) is wrong. Please check the number again."))
    return digits


def mask_national_id(nid: str) -> str:
    """ "x-xxxx-xxxxx-xx-5": only the last digit, in the card's 1-4-5-2-1 grouping.

    Only the last digit is read, so a stored last digit is enough (the full ID is not kept readable).
    """
    digits = re.sub(r"\D", "", to_ascii_digits(nid))
    if not digits:
        raise ValueError("a national ID (or at least its last digit) is needed to mask it")
    return f"x-xxxx-xxxxx-xx-{digits[-1]}"


# --- phone ----------------------------------------------------------------------------------------


def phone(raw: str) -> str:
    """A Thai number as 10 (mobile: 06, 08, 09) or 9 (landline: 02 Bangkok, 03x–05x, 07x) digits.

    "+66 81 234 5678", "66812345678", "081-234-5678", "(02) 123 4567" and Thai digits are accepted.
    """
    answer = re.sub(r"[\s\-.()]", "", _clean(raw))
    if not answer:
        raise Invalid(N_("Please type a phone number, for example 081-234-5678."))
    if not re.fullmatch(r"\+?\d+", answer):
        raise Invalid(N_("Please type the phone number in digits, for example 081-234-5678."))
    digits = answer.lstrip("+")
    if digits.startswith("66") and (answer.startswith("+") or len(digits) in (10, 11, 12)):
        digits = "0" + digits[2:].removeprefix("0")  # +66 replaces the leading 0; "+66 (0)81…" repeats it
    if re.match(r"0[689]", digits):
        if len(digits) != 10:
            raise Invalid(N_("A mobile number has 10 digits, for example 081-234-5678, but you typed %(count)s."),
                          count=len(digits))
    elif re.match(r"0[2-57]", digits):
        if len(digits) != 9:
            raise Invalid(N_("A landline number has 9 digits including the area code, for example 044-123456 "
                             "or 02-123-4567, but you typed %(count)s."), count=len(digits))
    else:
        raise Invalid(N_("This is not a Thai phone number. Type a mobile number such as 081-234-5678 "
                         "or a landline with its area code such as 044-123456."))
    return digits


# --- choices --------------------------------------------------------------------------------------


def _normal(label: str) -> str:
    return " ".join(to_ascii_digits(label).casefold().split())


def _match(answer: str, options: Options) -> str | None:
    """An option's value by its label, else by its number in the list; an exact label wins over a number."""
    key = _normal(answer)
    for value, label in options:
        if _normal(label) == key:
            return value
    number = key.removesuffix(".")
    if number.isascii() and number.isdigit() and 1 <= int(number) <= len(options):
        return options[int(number) - 1][0]
    return None


def choice(raw: str, options: Options) -> str:
    """One option, by its label (any case) or its number as shown in the numbered list."""
    answer = _clean(raw, CHOICE_ANSWER)
    if not answer:
        raise Invalid(N_("Please choose one option: type its number (1 to %(count)s) or tap it."), count=len(options))
    value = _match(answer, options)
    if value is None:
        if answer.isascii() and answer.removesuffix(".").isdigit():
            raise Invalid(N_("There is no option %(number)s. Please type a number from 1 to %(count)s."),
                          number=int(answer.removesuffix(".")), count=len(options))
        raise Invalid(N_("%(answer)s is not one of the options. Please type its number (1 to %(count)s) or tap it."),
                      answer=_quote(answer), count=len(options))
    return value


# One character or word at a time, none the start of another: a run of digits can be read only one way.
_NUMBER_LIST = re.compile(r"(?:\d|[\s,;、&]|และ|and)+", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,;、\n]|\s(?:และ|and|&)\s", re.IGNORECASE)  # the pieces between are trimmed


def choices(raw: str, options: Options, minimum: int = 1, maximum: int | None = None) -> list[str]:
    """Several options: "1,3", "1 3", "1, 3 และ 5", or labels separated by commas.

    Returned once each, in the order of the options, so the same answer always stores the same way.
    """
    answer = _clean(raw, CHOICES_ANSWER)
    if not answer:
        pieces = []
    elif _match(answer, options) is not None:
        pieces = [answer]  # one label that happens to contain a separator ("ผู้สูงอายุ, ผู้พิการ")
    elif _NUMBER_LIST.fullmatch(answer):
        pieces = re.findall(r"\d+", answer)
    else:
        pieces = [piece.strip() for piece in _SEPARATORS.split(answer) if piece.strip()]
    chosen = {_match(piece, options) for piece in pieces}
    unknown = [piece if piece.isdigit() else _quote(piece) for piece in pieces if _match(piece, options) is None]
    if unknown:
        raise Invalid(N_("Not among the options: %(items)s. Please type numbers from 1 to %(count)s, "
                         "separated by commas, for example 1, 3."), items=", ".join(dict.fromkeys(unknown)),
                      count=len(options))
    values = [value for value, _label in options if value in chosen]
    if len(values) < minimum:
        raise Invalid(N_("Please choose at least %(min)s of the options, for example 1, 3."), min=minimum)
    if maximum is not None and len(values) > maximum:
        raise Invalid(N_("Please choose no more than %(max)s of the options (you chose %(count)s)."), max=maximum,
                      count=len(values))
    return values
