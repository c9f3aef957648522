"""Charts as PNG images, drawn on the server with the bundled Thai font, so a LINE image message, a card
or a printed page shows them with no internet and no font installed on the machine.

Two charts: a household's income over its monthly periods against the จปฐ. line and its target, and bars
by sub-area (counts or percentages, in one or two stacked parts). Each is a pure function: numbers and
labels in, PNG bytes out. Every word on a chart comes from the caller, already translated; only the
months are named here, through core.thai. Text is set in points, so a size's dots per inch decide how big
it looks: PHONE is a LINE image (1040 pixels wide, read on a phone), A4 a chart 18 cm wide on paper.

matplotlib (3.11 or later: it shapes Thai, so vowels and tone marks sit where they belong) is imported on
the first chart, not at start-up, so the web process starts without it. Measured on the shared 2-core
machine the project is built on (matplotlib 3.11.2): the first chart of a process costs 0.5–0.7 s more,
to import matplotlib and register the font (0.2 s more again on a machine's very first use, while
matplotlib lists its fonts); after that an income chart takes about 0.12 s at PHONE size and 0.2 s at A4,
bars for 12 sub-areas about 0.35 s and 0.45 s; a PHONE chart is about 80 kB. matplotlib is not
thread-safe, so charts are drawn one at a time.
"""

import io
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from types import SimpleNamespace
from typing import Any

from bot.richmenu_image import FONT, LEADING_VOWELS
from core.thai import Number, format_month, format_number

TEXT_SIZE = 10  # points: axis labels, legend
TITLE_SIZE = 12
MONTH_SIZE = 9  # twelve months side by side on a phone
ELLIPSIS = "…"
# Colours dark enough on white (contrast 4.5:1 or more); the income's lines differ by more than colour (points,
# steps, dashes) and the bars' parts are blue and orange, for people who confuse red and green.
ACTUAL, LINE, TARGET = "#1967c4", "#c0392b", "#1b8048"
PARTS = ("#1967c4", "#bc5200")
GRID = "#d0d0d0"
LABEL_SHARE = 0.4  # the widest a bar's label may be, of the chart's width
ROW, FRAME = 3.0, 12  # the height of a bar's row (two lines of its label) and of the rest, in text heights
TRAILING_MARKS = "ะาำๅๆฯ"  # Thai characters that never begin a line, besides the combining marks
_DRAWING = threading.Lock()  # matplotlib is not thread-safe


@dataclass(frozen=True)
class Size:
    """A chart's width and height in pixels, and the dots per inch its text (in points) is set at."""

    width: int
    height: int
    dpi: int

    def for_rows(self, rows: int) -> "Size":
        """As tall as `rows` bars with two-line labels need (title, axis and legend included), never shorter
        than this size."""
        needed = (rows * ROW * TEXT_SIZE + FRAME * TEXT_SIZE) * self.dpi / 72
        return replace(self, height=max(self.height, round(needed)))


PHONE = Size(1040, 780, 220)  # a LINE image, opened full screen on a phone about 360 points wide
A4 = Size(2126, 1063, 300)  # 18 × 9 cm on an A4 page, printed at 300 dpi


@dataclass(frozen=True)
class IncomePeriod:
    """One monthly period on a household's income chart: the month naming it, the household's income in baht
    per person per year (None when no check-in gave one) and the จปฐ. line of its year (None without one)."""

    month: date
    income: Number | None
    line: Number | None


@dataclass(frozen=True)
class IncomeTexts:
    """The words of an income chart, translated: the title, the three series' names in the legend, the unit
    of the income axis and what the chart says when no period has an income."""

    title: str
    income: str
    line: str
    target: str
    unit: str
    no_data: str


@dataclass(frozen=True)
class Bar:
    """One sub-area's bar: its name and its values, one per stacked part, left to right."""

    label: str
    values: tuple[Number, ...]


@dataclass(frozen=True)
class BarTexts:
    """The words of a bar chart, translated: the title, the parts' names for the legend (none for a single
    part), the unit of the values and what the chart says when it has no bar."""

    title: str
    parts: tuple[str, ...]
    unit: str
    no_data: str


def income_trend(periods: Sequence[IncomePeriod], target: Number | None, texts: IncomeTexts,
                 size: Size = PHONE, locale: str = "th") -> bytes:
    """A household's income per period as a line with points (broken where a period has none), the จปฐ.
    line as steps (it changes with the year) and the target, when set, as a dashed line."""
    if not any(period.income is not None for period in periods):
        return _render(size, lambda figure, measure: _no_data(figure, measure, texts.title, texts.no_data))

    def draw(figure, measure):
        axes = _axes(figure, measure, texts.title, texts.unit)
        xs = range(len(periods))
        axes.plot(xs, [_value(period.income) for period in periods], color=ACTUAL, linewidth=2.2, marker="o",
                  markersize=5, label=texts.income, zorder=3)
        if any(period.line is not None for period in periods):
            axes.plot(xs, [_value(period.line) for period in periods], color=LINE, linewidth=1.8,
                      drawstyle="steps-mid", label=texts.line, zorder=2)
        if target is not None:
            axes.axhline(float(target), color=TARGET, linewidth=1.8, linestyle=(0, (5, 3)), label=texts.target)
        highest = max(float(value) for period in periods for value in (period.income, period.line)
                      if value is not None)
        axes.set_ylim(0, max(highest, float(target or 0), 1.0) * 1.12)
        axes.yaxis.set_major_locator(_whole_ticks())
        axes.yaxis.set_major_formatter(lambda value, _: format_number(round(value), locale))
        axes.set_xticks(list(xs), _months(figure, measure, [period.month for period in periods], locale),
                        fontsize=MONTH_SIZE)
        axes.set_xlim(-0.5, len(periods) - 0.5)
        axes.grid(axis="y", color=GRID, linewidth=0.8)
        _legend(figure, axes, measure)

    return _render(size, draw)


def area_bars(bars: Sequence[Bar], texts: BarTexts, size: Size = PHONE, percent: bool = False,
              locale: str = "th") -> bytes:
    """Horizontal bars, one per sub-area in the order given, top to bottom, with each bar's total at its end;
    long names are wrapped on two lines, then shortened with an ellipsis. `percent` reads values as 0–100."""
    if not bars:
        return _render(size, lambda figure, measure: _no_data(figure, measure, texts.title, texts.no_data))

    def total(bar: Bar) -> float:
        return sum(float(value) for value in bar.values)

    def shown(value: float) -> str:
        return f"{format_number(round(value), locale)}%" if percent else format_number(round(value), locale)

    def draw(figure, measure):
        axes = _axes(figure, measure, texts.title, texts.unit)
        ys = range(len(bars))
        starts = [0.0] * len(bars)
        for part in range(max(len(bar.values) for bar in bars)):
            widths = [float(bar.values[part]) if part < len(bar.values) else 0.0 for bar in bars]
            name = texts.parts[part] if part < len(texts.parts) else None
            axes.barh(ys, widths, left=starts, height=0.7, color=PARTS[part % len(PARTS)], label=name, zorder=2)
            starts = [start + width for start, width in zip(starts, widths, strict=True)]
        widest = figure.bbox.width * LABEL_SHARE
        axes.set_yticks(list(ys), [_wrapped(bar.label, widest, measure, 2) for bar in bars])
        axes.invert_yaxis()
        axes.tick_params(axis="y", length=0)
        highest = 100.0 if percent else max(max(map(total, bars)), 1.0)
        axes.set_xlim(0, highest * 1.18)
        axes.xaxis.set_major_locator(_whole_ticks())
        axes.xaxis.set_major_formatter(lambda value, _: shown(value))
        for y, bar in zip(ys, bars, strict=True):
            axes.annotate(shown(total(bar)), (total(bar), y), xytext=(4, 0), textcoords="offset points",
                          va="center", fontsize=TEXT_SIZE)
        axes.grid(axis="x", color=GRID, linewidth=0.8)
        axes.spines["left"].set_visible(False)
        if len(texts.parts) > 1:
            _legend(figure, axes, measure)

    return _render(size, draw)


Measure = Callable[[str, float], float]  # a text's width in pixels at a size in points


def _render(size: Size, draw: Callable[[Any, Measure], None]) -> bytes:
    """The PNG of a figure of `size` that `draw` fills, with the bundled font for every text."""
    with _DRAWING:
        plotting = _matplotlib()
        with plotting.matplotlib.rc_context(plotting.style):
            figure = plotting.Figure(figsize=(size.width / size.dpi, size.height / size.dpi), dpi=size.dpi,
                                     layout="constrained")
            renderer = plotting.Canvas(figure).get_renderer()

            def measure(text: str, points: float) -> float:
                font = plotting.FontProperties(size=points)
                return renderer.get_text_width_height_descent(text, font, ismath=False)[0]

            draw(figure, measure)
            out = io.BytesIO()
            figure.savefig(out, format="png", dpi=size.dpi)
    return out.getvalue()


@cache
def _matplotlib() -> SimpleNamespace:
    """matplotlib and the parts of it the charts use (the Agg canvas, not pyplot: no window, no global
    figure), and the style every chart is drawn in, with the bundled font registered once (it has only a
    bold face, so all text is bold)."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font_manager.fontManager.addfont(str(FONT))
    style = {
        "font.family": font_manager.FontProperties(fname=FONT).get_name(),
        "font.weight": "bold", "axes.titleweight": "bold", "axes.labelweight": "bold", "figure.titleweight": "bold",
        "font.size": TEXT_SIZE, "axes.titlesize": TEXT_SIZE, "figure.titlesize": TITLE_SIZE,
        "text.parse_math": False,  # a "$" in a name is a dollar sign, not mathematics
        "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#555555",
        "legend.frameon": False, "legend.fontsize": TEXT_SIZE, "figure.facecolor": "white",
    }
    return SimpleNamespace(matplotlib=matplotlib, Figure=Figure, Canvas=FigureCanvasAgg, MaxNLocator=MaxNLocator,
                           FontProperties=font_manager.FontProperties, style=style)


def _axes(figure, measure: Measure, title: str, unit: str):
    """The chart's one set of axes under its title, the unit written above the value axis."""
    figure.suptitle(_wrapped(title, figure.bbox.width * 0.95, measure, 2, TITLE_SIZE))
    axes = figure.add_subplot()
    axes.set_title(unit, loc="left", fontsize=TEXT_SIZE * 0.9, color="#555555")
    return axes


def _legend(figure, axes, measure: Measure) -> None:
    """The legend under the chart, its entries side by side when they fit the width, else one per line."""
    handles, labels = axes.get_legend_handles_labels()
    side_by_side = sum(measure(label, TEXT_SIZE) + 4 * TEXT_SIZE * figure.dpi / 72 for label in labels)
    columns = len(labels) if side_by_side < figure.bbox.width * 0.95 else 1
    figure.legend(handles, labels, loc="outside lower center", ncols=columns, handlelength=2.4)


def _no_data(figure, measure: Measure, title: str, message: str) -> None:
    figure.suptitle(_wrapped(title, figure.bbox.width * 0.95, measure, 2, TITLE_SIZE))
    figure.text(0.5, 0.5, _wrapped(message, figure.bbox.width * 0.9, measure, 3), ha="center", va="center",
                color="#555555")


def _months(figure, measure: Measure, months: list[date], locale: str) -> list[str]:
    """The periods' months on the axis ("ธ.ค. 69"), the year under the month when they don't fit side by side."""
    labels = [format_month(month, locale, "short") for month in months]
    slot = figure.bbox.width * 0.8 / len(labels)
    if max(measure(label, MONTH_SIZE) for label in labels) < slot:
        return labels
    return [label.replace(" ", "\n", 1) for label in labels]


def _whole_ticks():
    """Ticks at round whole numbers (0, 10,000, 20,000 …; 0, 20, 40 …), never at fractions of a baht or
    of a household."""
    return _matplotlib().MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True)


def _value(number: Number | None) -> float:
    return float("nan") if number is None else float(number)


def _wrapped(text: str, widest: float, measure: Measure, lines: int, points: float = TEXT_SIZE) -> str:
    """`text` on at most `lines` lines no wider than `widest` pixels: broken after spaces and before Thai
    leading vowels (they always begin a syllable), inside a word only when a word alone is too wide, and the
    last line shortened with an ellipsis when the text does not fit."""
    def fits(line: str) -> bool:
        return measure(line.strip(), points) <= widest

    result: list[str] = []
    for piece in re.split(r"(?<= )|(?=[" + LEADING_VOWELS + "])", text):
        if result and fits(result[-1] + piece):
            result[-1] += piece
        elif fits(piece):
            result.append(piece)
        else:
            for cluster in _clusters(piece):
                if result and fits(result[-1] + cluster):
                    result[-1] += cluster
                else:
                    result.append(cluster)
    if len(result) > lines:
        last = _clusters("".join(result[lines - 1:]).strip())
        while last and not fits("".join(last) + ELLIPSIS):
            last.pop()
        result = [*result[:lines - 1], "".join(last).strip() + ELLIPSIS]
    return "\n".join(line.strip() for line in result)


def _clusters(text: str) -> list[str]:
    """`text` cut where a line may break inside a word: never before a Thai vowel or tone mark that belongs
    to the character before it, never after a leading vowel."""
    clusters: list[str] = []
    for character in text:
        attached = unicodedata.category(character) == "Mn" or character in TRAILING_MARKS
        if clusters and (attached or clusters[-1][-1] in LEADING_VOWELS):
            clusters[-1] += character
        else:
            clusters.append(character)
    return clusters
