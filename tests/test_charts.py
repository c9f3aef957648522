"""Charts: PNGs of the asked size, Thai drawn with the bundled font (no missing glyph), gaps and empty data
drawn rather than failing, long area names kept inside the picture, and no matplotlib at start-up."""

import io
import logging
import subprocess
import sys
import warnings
from datetime import date

import pytest
from PIL import Image

from bot.charts import A4, PHONE, Bar, BarTexts, IncomePeriod, IncomeTexts, Size, area_bars, income_trend

MONTHS = [date(2026 + month // 12, month % 12 + 1, 1) for month in range(1, 13)]  # ก.พ. 69 … ม.ค. 70
INCOME = IncomeTexts("รายได้ต่อคนต่อปี 12 งวดล่าสุด", "รายได้จริง", "เส้นความยากจน จปฐ.", "เป้าหมาย", "บาท/คน/ปี",
                     "ยังไม่มีข้อมูลรายได้")
VISITS = BarTexts("การเยี่ยมบ้านประจำเดือน ธ.ค. 69 แยกตามตำบล", ("ทันกำหนด", "ล่าช้า"), "ครัวเรือน", "ยังไม่มีข้อมูล")
SUBDISTRICTS = ["จักราช", "ทองหลาง", "สีสุก", "หนองขาม", "หนองงูเหลือม", "หนองพลวง", "ศรีละกอ", "คลองเมือง"]
LONG_NAME = "เทศบาลตำบลหนองขามพัฒนาเศรษฐกิจพอเพียงตามแนวพระราชดำริ อำเภอจักราช จังหวัดนครราชสีมา" * 2


def trend(incomes, lines=None, target=45000, texts=INCOME, size=PHONE) -> bytes:
    lines = lines or [38000] * 8 + [40000] * (len(incomes) - 8)
    return income_trend([IncomePeriod(month, income, line) for month, income, line in zip(MONTHS, incomes, lines,
                                                                                            strict=False)],
                        target, texts, size)


def picture(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("L")


def inked(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    """Whether anything darker than the white background is drawn in `box` (left, top, right, bottom)."""
    return image.crop(box).getextrema()[0] < 200


def clear_edges(image: Image.Image, border: int = 3) -> bool:
    """Nothing drawn in the outer `border` pixels: a text running off the picture would cross them."""
    width, height = image.size
    edges = [(0, 0, width, border), (0, height - border, width, height), (0, 0, border, height),
             (width - border, 0, width, height)]
    return not any(inked(image, edge) for edge in edges)


@pytest.fixture
def thai_drawn(caplog):
    """Fails the test when matplotlib draws a glyph the font lacks (tofu) or falls back to another font."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert not [str(warning.message) for warning in caught if "missing from font" in str(warning.message)]
    assert not [record.message for record in caplog.get_records("call") if record.levelno >= logging.WARNING]


@pytest.mark.parametrize("size", [PHONE, A4], ids=["phone", "a4"])
def test_income_trend_is_a_png_of_the_asked_size_with_thai_in_the_bundled_font(size, thai_drawn):
    image = picture(trend([31000, 32500, 33000, 34000, 36500, 37000, 38000, 39000, 38500, 41000, 42500, 44000],
                          size=size))
    assert image.size == (size.width, size.height)
    assert clear_edges(image)


def test_the_check_for_thai_glyphs_would_catch_a_font_without_them():
    """matplotlib's own font has no Thai: drawing Thai with it warns, which the charts' tests look for."""
    from matplotlib.figure import Figure

    figure = Figure()
    figure.text(0.1, 0.5, "จักราช", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(warning.message) for warning in caught)


@pytest.mark.parametrize("incomes", [
    [None, 32500, None, 34000, 36500, None, None, 39000, None, 41000, 42500, None],
    [None] * 11 + [41000],
    [0] * 12,
], ids=["gaps", "only-the-last", "zero"])
def test_periods_without_an_income_leave_gaps(incomes, thai_drawn):
    image = picture(trend(incomes))
    assert image.size == (PHONE.width, PHONE.height)


def test_a_year_without_a_poverty_line_and_no_target_still_draw(thai_drawn):
    image = picture(trend([31000] * 12, lines=[None] * 6 + [40000] * 6, target=None))
    assert image.size == (PHONE.width, PHONE.height)


def test_no_income_at_all_shows_the_callers_message():
    said = picture(trend([None] * 12))
    silent = picture(trend([None] * 12, texts=IncomeTexts(INCOME.title, "", "", "", "", "")))
    middle = (PHONE.width // 4, PHONE.height * 2 // 5, PHONE.width * 3 // 4, PHONE.height * 3 // 5)
    assert inked(said, middle)
    assert not inked(silent, middle)
    assert picture(income_trend([], None, INCOME)).size == (PHONE.width, PHONE.height)


def test_bars_by_sub_area_stacked_in_two_parts(thai_drawn):
    bars = [Bar(name, (10 + 3 * index, index % 4)) for index, name in enumerate(SUBDISTRICTS)]
    image = picture(area_bars(bars, VISITS, PHONE))
    assert image.size == (PHONE.width, PHONE.height)
    assert clear_edges(image)


def test_bars_of_percentages(thai_drawn):
    bars = [Bar(name, (100 * index / 7,)) for index, name in enumerate(SUBDISTRICTS)]
    image = picture(area_bars(bars, BarTexts("ร้อยละครัวเรือนที่พ้นเส้นความยากจน", (), "ร้อยละ", "ไม่มีข้อมูล"), A4,
                              percent=True))
    assert image.size == (A4.width, A4.height)
    assert clear_edges(image)


@pytest.mark.parametrize("size", [PHONE, A4], ids=["phone", "a4"])
def test_very_long_area_names_and_title_stay_inside_the_picture(size, thai_drawn):
    bars = [Bar(name, (5, 1)) for name in [*SUBDISTRICTS, LONG_NAME, LONG_NAME.replace(" ", "")]]
    texts = BarTexts(LONG_NAME, ("ทันกำหนด", "ล่าช้า"), "ครัวเรือน", "ยังไม่มีข้อมูล")
    taller = size.for_rows(len(bars))
    image = picture(area_bars(bars, texts, taller))
    assert image.size == (taller.width, taller.height)
    assert clear_edges(image)


def test_a_taller_size_for_many_bars_and_never_a_shorter_one():
    assert PHONE.for_rows(2) == PHONE
    many = PHONE.for_rows(25)
    assert (many.width, many.dpi) == (PHONE.width, PHONE.dpi)
    assert many.height > PHONE.height
    assert Size(1040, 780, 220).for_rows(50).height > many.height


def test_no_bar_shows_the_callers_message():
    middle = (PHONE.width // 4, PHONE.height * 2 // 5, PHONE.width * 3 // 4, PHONE.height * 3 // 5)
    assert inked(picture(area_bars([], VISITS)), middle)


def test_the_web_process_starts_without_matplotlib():
    """Importing the charts costs nothing until a chart is drawn."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, bot.charts; print('matplotlib' in sys.modules)"],
                            capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"
