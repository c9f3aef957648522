"""Thai dates, money, land and digits: Buddhist Era years, Bangkok time, the fiscal year, ไร่-งาน-ตารางวา."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.thai import (
    be_year,
    fiscal_year,
    format_date,
    format_datetime,
    format_land,
    format_money,
    format_month,
    format_number,
    local_date,
    local_now,
    to_ascii_digits,
)
from core.validators import land_area

LEAP_DAY = date(2024, 2, 29)


def test_be_year_adds_543():
    assert be_year(date(2026, 11, 25)) == 2569
    assert be_year(LEAP_DAY) == 2567
    assert be_year(datetime(1957, 1, 1, 12)) == 2500


@pytest.mark.parametrize(("style", "thai", "english"), [
    ("full", "วันพฤหัสบดีที่ 29 กุมภาพันธ์ พ.ศ. 2567", "Thursday 29 February 2024"),
    ("medium", "29 กุมภาพันธ์ 2567", "29 February 2024"),
    ("short", "29 ก.พ. 67", "29 Feb 2024"),
])
def test_leap_day_in_each_style(style, thai, english):
    assert format_date(LEAP_DAY, style=style) == thai
    assert format_date(LEAP_DAY, "en", style) == english


def test_examples_from_the_brief():
    d = date(2026, 11, 25)
    assert format_date(d, style="full") == "วันพุธที่ 25 พฤศจิกายน พ.ศ. 2569"
    assert format_date(d) == "25 พฤศจิกายน 2569"
    assert format_date(d, style="short") == "25 พ.ย. 69"
    assert format_date(d, "en", "full") == "Wednesday 25 November 2026"
    assert format_date(d, "en", "short") == "25 Nov 2026"


def test_short_style_pads_the_two_digit_year():
    assert format_date(date(2057, 1, 5), style="short") == "5 ม.ค. 00"
    assert format_date(date(2066, 1, 5), style="short") == "5 ม.ค. 09"


def test_unknown_style_is_an_error():
    with pytest.raises(ValueError, match="long"):
        format_date(LEAP_DAY, style="long")


def test_unknown_locale_falls_back_to_thai():
    assert format_date(LEAP_DAY, "fr") == "29 กุมภาพันธ์ 2567"
    assert format_date(LEAP_DAY, "en_US") == "29 February 2024"


def test_year_boundary_crosses_buddhist_era_years():
    assert format_date(date(2025, 12, 31), style="full") == "วันพุธที่ 31 ธันวาคม พ.ศ. 2568"
    assert format_date(date(2026, 1, 1), style="full") == "วันพฤหัสบดีที่ 1 มกราคม พ.ศ. 2569"
    assert format_date(date(2025, 12, 31), style="short") == "31 ธ.ค. 68"
    assert format_date(date(2026, 1, 1), style="short") == "1 ม.ค. 69"


def test_utc_evening_of_new_years_eve_is_new_year_in_bangkok():
    moment = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)
    assert format_date(moment) == "1 มกราคม 2569"
    assert format_date(moment, "en") == "1 January 2026"
    assert format_date(moment, tz="UTC") == "31 ธันวาคม 2568"
    assert local_date(moment) == date(2026, 1, 1)
    assert local_date(datetime(2025, 12, 31, 18, 0)) == date(2026, 1, 1)  # naive = UTC, as stored
    assert local_date(datetime(2025, 12, 31, 16, 59)) == date(2025, 12, 31)


def test_naive_datetime_is_taken_as_local():
    assert format_date(datetime(2025, 12, 31, 23, 0)) == "31 ธันวาคม 2568"


def test_format_datetime_in_bangkok():
    moment = datetime(2026, 11, 25, 7, 5, tzinfo=UTC)
    assert format_datetime(moment) == "25 พ.ย. 2569 เวลา 14:05 น."
    assert format_datetime(moment, "en") == "25 Nov 2026, 14:05"
    assert format_datetime(moment, tz="UTC") == "25 พ.ย. 2569 เวลา 07:05 น."
    assert format_datetime(datetime(2025, 12, 31, 17, 30, tzinfo=UTC)) == "1 ม.ค. 2569 เวลา 00:30 น."


def test_format_month():
    assert format_month(date(2026, 2, 14)) == "กุมภาพันธ์ 2569"
    assert format_month(date(2026, 2, 14), "en") == "February 2026"
    assert format_month(date(2026, 12, 1), style="short") == "ธ.ค. 69"
    assert format_month(date(2026, 12, 1), "en", style="short") == "Dec 2026"


@pytest.mark.parametrize(("day", "year"), [
    (date(2025, 9, 30), 2568),
    (date(2025, 10, 1), 2569),
    (date(2026, 1, 1), 2569),
    (date(2026, 9, 30), 2569),
    (date(2026, 10, 1), 2570),
])
def test_fiscal_year_starts_on_1_october(day, year):
    assert fiscal_year(day) == year


def test_local_now_is_aware_and_in_bangkok():
    now = local_now()
    assert now.utcoffset() == timedelta(hours=7)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert local_now(UTC).utcoffset() == timedelta(0)


@pytest.mark.parametrize(("amount", "thai", "english"), [
    (1234, "1,234 บาท", "1,234 baht"),
    (1234.5, "1,234.50 บาท", "1,234.50 baht"),
    (Decimal("1234.50"), "1,234.50 บาท", "1,234.50 baht"),
    (Decimal("2500.00"), "2,500 บาท", "2,500 baht"),
    (0, "0 บาท", "0 baht"),
    (0.1 + 0.2, "0.30 บาท", "0.30 baht"),
    (Decimal("0.005"), "0.01 บาท", "0.01 baht"),
    (38000, "38,000 บาท", "38,000 baht"),
    (1234567.891, "1,234,567.89 บาท", "1,234,567.89 baht"),
])
def test_format_money(amount, thai, english):
    assert format_money(amount) == thai
    assert format_money(amount, "en") == english


def test_format_number():
    assert format_number(1234567) == "1,234,567"
    assert format_number(1234567, "en") == "1,234,567"
    assert format_number(999) == "999"
    assert format_number(Decimal("1234.5")) == "1,234.5"
    assert format_number(-650000) == "-650,000"


@pytest.mark.parametrize(("rai", "thai", "english"), [
    (Decimal("3.625"), "3 ไร่ 2 งาน 50 ตารางวา", "3 rai 2 ngan 50 square wa"),
    ("5", "5 ไร่", "5 rai"),
    (Decimal("0.25"), "1 งาน", "1 ngan"),
    ("0.125", "50 ตารางวา", "50 square wa"),
    ("2.37", "2 ไร่ 1 งาน 48 ตารางวา", "2 rai 1 ngan 48 square wa"),  # typed as a decimal number of rai
    ("0.12625", "50.5 ตารางวา", "50.5 square wa"),
    (10_000, "10,000 ไร่", "10,000 rai"),
    (0, "0 ไร่", "0 rai"),
])
def test_format_land_in_rai_ngan_and_square_wa(rai, thai, english):
    assert format_land(rai) == thai
    assert format_land(rai, "en") == english


@pytest.mark.parametrize("typed", ["3 ไร่ 2 งาน 50 ตารางวา", "1 งาน", "80 ตารางวา", "12 ไร่ 3 งาน"])
def test_land_reads_back_as_typed(typed):
    assert format_land(land_area(typed)) == typed


def test_thai_digits():
    assert to_ascii_digits("๐๑๒๓๔๕๖๗๘๙") == "0123456789"
    assert to_ascii_digits("หมู่ที่ ๑๒ บ้านเลขที่ 45/๓") == "หมู่ที่ 12 บ้านเลขที่ 45/3"
