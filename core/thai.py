"""Thai dates, money and digits, as field staff read and type them.

Babel supplies the Thai month and day names but has no Buddhist calendar (its Thai dates print
ค.ศ. years), so the Buddhist Era year and the layouts are put together here. Everything is a pure
function: no Flask, no database.
"""

import re
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import get_day_names, get_month_names
from babel.numbers import format_decimal

TIMEZONE = "Asia/Bangkok"
BE_OFFSET = 543  # พ.ศ. = ค.ศ. + 543
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
SQUARE_WA_PER_RAI, NGAN_PER_RAI = 400, 4  # Thai land units: 1 ไร่ = 4 งาน = 400 ตารางวา

# Indexed by month number (index 0 unused) and by `date.weekday()` (Monday = 0), as Python counts.
MONTHS_TH = ("", *(get_month_names("wide", locale="th")[m] for m in range(1, 13)))
MONTHS_TH_SHORT = ("", *(get_month_names("abbreviated", locale="th")[m] for m in range(1, 13)))
MONTHS_EN = ("", *(get_month_names("wide", locale="en")[m] for m in range(1, 13)))
MONTHS_EN_SHORT = ("", *(get_month_names("abbreviated", locale="en")[m] for m in range(1, 13)))
WEEKDAYS_TH = tuple(get_day_names("wide", locale="th")[d] for d in range(7))
WEEKDAYS_EN = tuple(get_day_names("wide", locale="en")[d] for d in range(7))

Number = int | float | Decimal


def to_ascii_digits(text: str) -> str:
    """Thai digits (๐–๙) as 0–9, so answers typed on a Thai keyboard parse like any other."""
    return text.translate(THAI_DIGITS)


def compact_code(text: str) -> str:
    """A code as printed or typed ("๓๐๐๖-๐๐๑๒๓๔-๕", "3006 001234 5") as its bare digits: ASCII, no spaces or dashes."""
    return re.sub(r"[\s\-]", "", to_ascii_digits(text))


def _english(locale: str) -> bool:
    """Only English is laid out differently; any other locale falls back to Thai, as core.i18n does."""
    return locale.replace("-", "_").split("_")[0] == "en"


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def be_year(d: date) -> int:
    return d.year + BE_OFFSET


def fiscal_year(d: date) -> int:
    """The Thai fiscal year runs 1 October – 30 September and is named by the BE year it ends in."""
    return be_year(d) + (1 if d.month >= 10 else 0)


def local_now(tz: str | tzinfo = TIMEZONE) -> datetime:
    return datetime.now(_zone(tz))


def local_date(dt_utc: datetime, tz: str | tzinfo = TIMEZONE) -> date:
    """The calendar day in `tz` of a moment stored in UTC (a naive datetime is taken as UTC)."""
    if dt_utc.tzinfo is None:
        dt_utc = dt_utc.replace(tzinfo=UTC)
    return dt_utc.astimezone(_zone(tz)).date()


def _local(d: date | datetime, tz: str | tzinfo) -> date | datetime:
    """An aware datetime in `tz`; dates and naive datetimes are taken as already local."""
    if isinstance(d, datetime) and d.tzinfo is not None:
        return d.astimezone(_zone(tz))
    return d


def format_date(d: date | datetime, locale: str = "th", style: str = "medium", tz: str | tzinfo = TIMEZONE) -> str:
    """Thai: "วันพุธที่ 25 พฤศจิกายน พ.ศ. 2569" (full), "25 พฤศจิกายน 2569" (medium), "25 พ.ย. 69" (short).

    English keeps the Christian Era: "Wednesday 25 November 2026", "25 November 2026", "25 Nov 2026".
    """
    d = _local(d, tz)
    if _english(locale):
        layouts = {
            "full": f"{WEEKDAYS_EN[d.weekday()]} {d.day} {MONTHS_EN[d.month]} {d.year}",
            "medium": f"{d.day} {MONTHS_EN[d.month]} {d.year}",
            "short": f"{d.day} {MONTHS_EN_SHORT[d.month]} {d.year}",
        }
    else:
        year = be_year(d)
        layouts = {
            "full": f"{WEEKDAYS_TH[d.weekday()]}ที่ {d.day} {MONTHS_TH[d.month]} พ.ศ. {year}",
            "medium": f"{d.day} {MONTHS_TH[d.month]} {year}",
            "short": f"{d.day} {MONTHS_TH_SHORT[d.month]} {year % 100:02d}",
        }
    if style not in layouts:
        raise ValueError(f"unknown date style {style!r}; use one of {', '.join(layouts)}")
    return layouts[style]


def format_month(d: date, locale: str = "th", style: str = "wide") -> str:
    """The month of `d` with its year, for monthly reports and messages: "พฤศจิกายน 2569", "November 2026";
    short, where space is tight (a chart's axis): "พ.ย. 69", "Nov 2026"."""
    if style not in ("wide", "short"):
        raise ValueError(f"unknown month style {style!r}; use wide or short")
    if _english(locale):
        return f"{(MONTHS_EN if style == 'wide' else MONTHS_EN_SHORT)[d.month]} {d.year}"
    if style == "short":
        return f"{MONTHS_TH_SHORT[d.month]} {be_year(d) % 100:02d}"
    return f"{MONTHS_TH[d.month]} {be_year(d)}"


def format_datetime(dt: datetime, locale: str = "th", tz: str | tzinfo = TIMEZONE) -> str:
    """ "25 พ.ย. 2569 เวลา 14:05 น." / "25 Nov 2026, 14:05", in `tz` when `dt` is aware."""
    dt = _local(dt, tz)
    if _english(locale):
        return f"{dt.day} {MONTHS_EN_SHORT[dt.month]} {dt.year}, {dt:%H:%M}"
    return f"{dt.day} {MONTHS_TH_SHORT[dt.month]} {be_year(dt)} เวลา {dt:%H:%M} น."


def _decimal(n: Number) -> Decimal:
    """Floats go through str() so 0.1 stays 0.1 rather than its binary expansion."""
    return Decimal(str(n)) if isinstance(n, float) else Decimal(n)


def format_number(n: Number, locale: str = "th") -> str:
    """Thousands separators, Arabic digits (what Thai officials type): "1,234,567", "1,234.5"."""
    return format_decimal(_decimal(n), locale="en" if _english(locale) else "th")


def format_money(amount: Number, locale: str = "th") -> str:
    """ "1,234 บาท" when whole, else to the satang: "1,234.50 บาท"; English "1,234 baht"."""
    value = _decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0.00"
    if _english(locale):
        return f"{format_decimal(value, format=pattern, locale='en')} baht"
    return f"{format_decimal(value, format=pattern, locale='th')} บาท"


def format_land(rai: Number | str, locale: str = "th") -> str:
    """Land in rai (a decimal number, as stored) the way a land title writes it: 3.625 → "3 ไร่ 2 งาน 50 ตารางวา",
    English "3 rai 2 ngan 50 square wa". Parts that are zero are left out; ตารางวา keep up to 2 decimals."""
    square_wa = (Decimal(str(rai)) * SQUARE_WA_PER_RAI).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole_rai, rest = divmod(square_wa, SQUARE_WA_PER_RAI)
    ngan, square_wa = divmod(rest, SQUARE_WA_PER_RAI // NGAN_PER_RAI)
    units = ("rai", "ngan", "square wa") if _english(locale) else ("ไร่", "งาน", "ตารางวา")
    parts = [f"{format_number(amount.normalize(), locale)} {unit}"
             for amount, unit in zip((whole_rai, ngan, square_wa), units, strict=True) if amount]
    return " ".join(parts) or f"0 {units[0]}"
