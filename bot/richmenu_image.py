"""The pictures of the rich menus: each area a coloured tile with a white icon and its Thai label, so a
person sees what a tap does before tapping (LINE shows only the image; the areas are invisible).

Labels are drawn with the Arundina Sans Bold font shipped in `bot/fonts` (Thai and Latin glyphs, its
licence beside it), so drawing needs no font installed on the machine. Icons are a few plain shapes,
legible at the size a phone shows a menu (2500 pixels wide on about 400 on screen). The same tiles
always give the same bytes, so a menu's name (a hash of it) changes only when what it shows changes.
"""

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path(__file__).parent / "fonts" / "ArundinaSans-Bold.ttf"
GAP = 6  # white margin around each tile, so neighbouring tiles show a 12-pixel line between them
WHITE = (255, 255, 255)
# Dark enough for white text (contrast 4.5:1 or more); one per area, in the menu's order.
PALETTE = ((25, 103, 196), (27, 128, 72), (0, 121, 107), (117, 63, 186), (188, 82, 0), (192, 57, 43),
           (48, 63, 159), (84, 84, 84), (156, 39, 99), (121, 85, 20), (0, 101, 140), (76, 105, 30))  # 12 tiles
LABEL_SIZE = 0.13  # the label's font size, of the tile's height, before shrinking to fit its width
LABEL_WIDTH = 0.92  # the widest a label may be, of the tile's width
LEADING_VOWELS = "เแโใไ"
ICON_SIZE = 0.36  # the icon's square, of the tile's height

Box = tuple[float, float, float]  # an icon's square: left, top, side
Icon = Callable[[ImageDraw.ImageDraw, Box, tuple[int, int, int]], None]


def draw(width: int, height: int, tiles: list[tuple[dict, str, str]]) -> bytes:
    """The PNG of a menu `width` × `height` whose tiles are (bounds, icon name, label); an unknown icon
    name gets a plain dot."""
    image = Image.new("RGB", (width, height), WHITE)
    pen = ImageDraw.Draw(image)
    for index, (bounds, icon, label) in enumerate(tiles):
        colour = PALETTE[index % len(PALETTE)]
        x, y, w, h = bounds["x"] + GAP, bounds["y"] + GAP, bounds["width"] - 2 * GAP, bounds["height"] - 2 * GAP
        pen.rounded_rectangle((x, y, x + w - 1, y + h - 1), radius=h * 0.04, fill=colour)
        side = h * ICON_SIZE
        ICONS.get(icon, _dot)(pen, (x + (w - side) / 2, y + h * 0.39 - side / 2, side), colour)
        text, chosen = fitted(label, w * LABEL_WIDTH, h * LABEL_SIZE)
        pen.text((x + w / 2, y + h * 0.77), text, font=chosen, fill=WHITE, anchor="mm", align="center")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def font(size: float) -> ImageFont.FreeTypeFont:
    return _font(round(size))


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size)


def fitted(label: str, widest: float, size: float) -> tuple[str, ImageFont.FreeTypeFont]:
    """The label's text and font to fit it in `widest` pixels: at `size` on one line if it fits; a label in
    two languages ("ภาษา / Language") on two lines, and so is one that would shrink below 3/4 of `size`
    where it can be broken; then smaller until it fits (a long label, a narrow tile)."""
    chosen = font(size)
    if chosen.getlength(label) > widest:
        label = label.replace(" / ", "\n")
    if "\n" not in label and chosen.getlength(label) * 0.75 > widest:
        label = broken(label)
    while max(map(chosen.getlength, label.splitlines())) > widest and chosen.size > 24:
        chosen = font(chosen.size * 0.92)
    return label, chosen


def broken(label: str) -> str:
    """The label on two lines, broken before the leading vowel nearest its middle (เ แ โ ใ ไ always begin a
    syllable, so the break never splits one); as it is if it has none past its start."""
    breaks = [i for i, character in enumerate(label) if i > 0 and character in LEADING_VOWELS]
    if not breaks:
        return label
    at = min(breaks, key=lambda i: abs(len(label) - 2 * i))
    return f"{label[:at]}\n{label[at:]}"


# ---- icons: shapes in a square box, in white on the tile's colour --------------------------------

def _at(box: Box, *points: float) -> list[float]:
    """Points given as fractions of the box (x, y, x, y, …), in pixels."""
    left, top, side = box
    return [(left if i % 2 == 0 else top) + p * side for i, p in enumerate(points)]


def _person(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    pen.ellipse(_at(box, 0.31, 0.06, 0.69, 0.44), fill=WHITE)
    pen.chord(_at(box, 0.12, 0.52, 0.88, 1.4), 180, 360, fill=WHITE)


def _register(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    left, top, side = box
    _person(pen, (left - side * 0.12, top, side), colour)
    pen.ellipse(_at(box, 0.6, 0.55, 1.04, 0.99), fill=WHITE, outline=colour, width=round(box[2] * 0.04))
    _plus(pen, box, 0.82, 0.77, 0.13, colour)


def _plus(pen: ImageDraw.ImageDraw, box: Box, cx: float, cy: float, arm: float, colour) -> None:
    width = round(box[2] * 0.06)
    pen.line(_at(box, cx - arm, cy, cx + arm, cy), fill=colour, width=width)
    pen.line(_at(box, cx, cy - arm, cx, cy + arm), fill=colour, width=width)


def _group(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    left, top, side = box
    for shift in (-0.26, 0.26):
        _person(pen, (left + side * (shift + 0.15), top + side * 0.08, side * 0.7), colour)
    front = (left + side * 0.09, top + side * 0.14, side * 0.82)
    pen.ellipse(_at(front, 0.27, 0.02, 0.73, 0.48), fill=WHITE, outline=colour, width=round(side * 0.035))
    pen.chord(_at(front, 0.06, 0.52, 0.94, 1.5), 180, 360, fill=WHITE, outline=colour, width=round(side * 0.035))


def _search(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    width = round(box[2] * 0.1)
    pen.line(_at(box, 0.6, 0.6, 0.9, 0.9), fill=WHITE, width=round(box[2] * 0.14))
    pen.ellipse(_at(box, 0.08, 0.08, 0.7, 0.7), outline=WHITE, width=width)


def _house(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    pen.polygon(_at(box, 0.5, 0.04, 0.98, 0.48, 0.02, 0.48), fill=WHITE)
    pen.rectangle(_at(box, 0.16, 0.44, 0.84, 0.95), fill=WHITE)


def _add_house(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    _house(pen, box, colour)
    _plus(pen, box, 0.5, 0.68, 0.15, colour)


def _my_houses(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    """A house with a heart on it: the households in one's care."""
    _house(pen, box, colour)
    for cx in (0.42, 0.58):
        pen.ellipse(_at(box, cx - 0.09, 0.55, cx + 0.09, 0.73), fill=colour)
    pen.polygon(_at(box, 0.33, 0.66, 0.67, 0.66, 0.5, 0.87), fill=colour)


def _calendar_tick(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    """A month's page with a tick: this month's visits."""
    width = round(box[2] * 0.07)
    pen.rounded_rectangle(_at(box, 0.06, 0.14, 0.94, 0.94), radius=box[2] * 0.08, fill=WHITE)
    pen.rectangle(_at(box, 0.06, 0.3, 0.94, 0.36), fill=colour)
    for x in (0.28, 0.72):
        pen.line(_at(box, x, 0.04, x, 0.22), fill=WHITE, width=width)
    pen.line(_at(box, 0.28, 0.62, 0.45, 0.8, 0.74, 0.48), fill=colour, width=round(box[2] * 0.09), joint="curve")


def _bar_chart(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    """Three bars on a base line: the report."""
    for left, top in ((0.1, 0.5), (0.4, 0.22), (0.7, 0.38)):
        pen.rectangle(_at(box, left, top, left + 0.22, 0.86), fill=WHITE)
    pen.line(_at(box, 0.02, 0.92, 0.98, 0.92), fill=WHITE, width=round(box[2] * 0.06))


def _envelope(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    width = round(box[2] * 0.07)
    pen.rounded_rectangle(_at(box, 0.04, 0.18, 0.96, 0.82), radius=box[2] * 0.06, outline=WHITE, width=width)
    pen.line(_at(box, 0.08, 0.24, 0.5, 0.56, 0.92, 0.24), fill=WHITE, width=width, joint="curve")


def _language(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    pen.rounded_rectangle(_at(box, 0.0, 0.12, 1.0, 0.88), radius=box[2] * 0.12, fill=WHITE)
    pen.text(_at(box, 0.5, 0.5), "ก A", font=font(box[2] * 0.42), fill=colour, anchor="mm")


def _help(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    pen.ellipse(_at(box, 0.02, 0.02, 0.98, 0.98), fill=WHITE)
    pen.text(_at(box, 0.5, 0.5), "?", font=font(box[2] * 0.7), fill=colour, anchor="mm")


def _menu(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    for top in (0.18, 0.46, 0.74):
        pen.rounded_rectangle(_at(box, 0.06, top, 0.94, top + 0.12), radius=box[2] * 0.06, fill=WHITE)


def _dot(pen: ImageDraw.ImageDraw, box: Box, colour) -> None:
    pen.ellipse(_at(box, 0.25, 0.25, 0.75, 0.75), fill=WHITE)


# By the name of the menu item (its key) or of the command a tile sends.
ICONS: dict[str, Icon] = {
    "register": _register,
    "profile": _person,
    "find_household": _search,
    "add_household": _add_house,
    "my_households": _my_houses,
    "monthly_visits": _calendar_tick,
    "report": _bar_chart,
    "invite": _envelope,
    "staff": _group,
    "language": _language,
    "help": _help,
    "menu": _menu,
}
