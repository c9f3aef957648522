"""An area (a village, a subdistrict, ...) inside the person's own: tapped from the list of them, or typed as
part of its name ("หนองไผ่", "ม.3", "หนองไผ่ ต.จักราช") or as its code. A name that fits several areas lists
those to tap (kept in the session while they are shown).

Every area offered or taken comes from `areas.inside` or `areas.find` within the person's scope: the one check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from core import validators
from core.i18n import N_
from core.thai import compact_code
from core.types import Context, Input, Invalid
from dialogs.buttons import LABEL_LIMIT
from dialogs.kinds.base import PICKED, PICKING
from dialogs.kinds.choice import Choice, Options
from domain.access import areas, scope
from domain.labels import area_label
from models import Area, DialogSession, db
from models.area import LEVELS

PICK_LIMIT = 40  # up to this many areas are listed to tap (in pages of buttons); more are found by typing
CODE_KINDS = {8: N_("village (8 digits)"), 6: N_("subdistrict (6 digits)"), 4: N_("district (4 digits)"),
              2: N_("province (2 digits)")}
_MOO_LABEL = re.compile(r"หมู่ (\d+) (?:บ้าน)?")  # "หมู่ 3 บ้านหนองไผ่" on a button: "ม.3 หนองไผ่"
_LEVEL_MARK = re.compile(r"^[ตอจ]\.")  # "ต.ทองหลาง" on a button, after a village's name: "ทองหลาง"

Levels = tuple[str, ...] | Callable[[Context, dict], tuple[str, ...]]


@dataclass(frozen=True, kw_only=True)
class AreaChoice(Choice):
    """`levels`: the levels that may be chosen, or a function of the answers giving them. `extra`: options that
    are not areas (the whole country), offered first and taken when tapped or typed as their value or label."""

    levels: Levels
    options: Options = ()
    extra: Callable[[Context, dict], list[tuple[str, str]]] | None = None
    how_to_answer: ClassVar[str] = N_("Tap one of the buttons, or type part of the name, or the code.")

    @property
    def search_key(self) -> str:
        return f"{PICKED}{self.name}"

    def levels_of(self, ctx: Context, answers: dict) -> tuple[str, ...]:
        return self.levels(ctx, answers) if callable(self.levels) else self.levels

    def extras(self, ctx: Context, answers: dict) -> list[tuple[str, str]]:
        return [(value, ctx._(label)) for value, label in self.extra(ctx, answers)] if self.extra else []

    def listed(self, ctx: Context, answers: dict) -> list[Area]:
        """The areas to tap: those a name typed just now fits, or every one in scope when they are few enough."""
        within, levels = scope.of(ctx.staff), self.levels_of(ctx, answers)
        searched = answers.get(self.search_key)
        if searched:
            return areas.find(searched, within, levels, PICK_LIMIT)
        found = areas.inside(within, levels, PICK_LIMIT + 1)
        return found if len(found) <= PICK_LIMIT else []

    def choices(self, ctx: Context, answers: dict) -> list[tuple[str, str]]:
        """Each area by its short name, with the area it is in when those listed lie in several."""
        found = self.listed(ctx, answers)
        spread = {level: len({area.parent_code for area in found if area.level == level}) > 1
                  for level in {area.level for area in found}}
        return self.extras(ctx, answers) + [
            (area.code, areas.name(area.code, ctx.locale, full=False, parent=spread[area.level])) for area in found]

    def button(self, value: str, label: str, ctx: Context, answers: dict) -> str:
        """A label that fits a button: "หมู่ 3 บ้านหนองไผ่ ต.ทองหลาง" as "ม.3 หนองไผ่ ทองหลาง"; a name cut short
        keeps the area it is in, which tells same-named ones apart."""
        if len(label) <= LABEL_LIMIT:
            return label
        label = _MOO_LABEL.sub(r"ม.\1 ", label)
        area = db.session.get(Area, value)
        place = area and area.parent_code and areas.name(area.parent_code, ctx.locale, full=False)
        if len(label) <= LABEL_LIMIT or not place or not label.endswith(place):
            return label
        head, place = label[:-len(place)].rstrip(", "), _LEVEL_MARK.sub("", place)
        room = LABEL_LIMIT - len(place) - 1
        if len(head) <= room or room < 5:
            return f"{head} {place}"
        return f"{head[:room - 1]}… {place}"

    def render(self, ctx: Context, session: DialogSession, text: str, room: int, page: int) -> tuple[str, list]:
        searched = session.answers.get(self.search_key)
        if searched:
            how = ctx._("Several places match “%(text)s”. Tap the one you mean, or type more of the name:",
                        text=searched)
        elif self.listed(ctx, session.answers):
            how = ctx._("Tap one, or type part of its name or its code:")
        else:
            how = ctx._("Type part of its name, or its code.")
        text, items = super().render(ctx, session, f"{text}\n{how}", room, page)
        return text.rstrip("\n"), items

    def read_text_or_tap(self, ctx: Context, session: DialogSession, inp: Input) -> Any:
        value = self.read_area(ctx, session, inp)
        if value is not PICKING:  # taken: the list of a name typed before is done with
            session.answers = {key: kept for key, kept in session.answers.items() if key != self.search_key}
        return value

    def read_area(self, ctx: Context, session: DialogSession, inp: Input) -> Any:
        """The area tapped or typed; PICKING when a typed name fits several (kept to list them)."""
        answers = session.answers
        extras = self.extras(ctx, answers)
        tapped = inp.data.get("a")
        if tapped is not None:
            return self.tapped_area(ctx, answers, extras, tapped)
        typed = validators.text(inp.text or "", max_len=areas.NAME_LIMIT)
        for value, label in extras:
            if typed.casefold() in (value.casefold(), label.casefold()):
                return value
        digits = compact_code(typed)
        if digits.isascii() and digits.isdigit():
            return self.code_or_number(ctx, answers, digits)
        found = areas.find(typed, scope.of(ctx.staff), self.levels_of(ctx, answers), PICK_LIMIT + 1)
        if len(found) == 1:
            return found[0].code
        if len(found) > PICK_LIMIT:
            raise Invalid(N_("More than %(count)s places match “%(text)s”. Please type more of the name."),
                          count=PICK_LIMIT, text=typed)
        if found:
            session.answers = {**session.answers, self.search_key: typed}
            return PICKING
        if areas.find(typed, scope.EVERYWHERE, self.levels_of(ctx, answers), 1):
            raise Invalid(N_("%(area)s is outside your area. You can only choose a place inside it."),
                          area=f"“{typed}”")
        raise Invalid(N_("Nothing in your area is named “%(text)s”. Please check the spelling, type a shorter part "
                         "of the name, or type the code."), text=typed)

    def tapped_area(self, ctx: Context, answers: dict, extras: list[tuple[str, str]], value: str) -> str:
        """A tapped option, if it is still one: an extra, or an area in scope (the data of a tap can be forged)."""
        if value in dict(extras):
            return value
        if value.isascii() and value.isdigit() and areas.find(value, scope.of(ctx.staff),
                                                               self.levels_of(ctx, answers), 1):
            return value
        raise Invalid(N_("That option is no longer available. Please choose again."))

    def fits(self, value: Any, ctx: Context, answers: dict) -> bool:
        try:
            return self.tapped_area(ctx, answers, self.extras(ctx, answers), value) == value
        except Invalid:
            return False

    def code_or_number(self, ctx: Context, answers: dict, digits: str) -> str:
        """An area's code (a village's 8 digits...), or the number of an option in the list shown."""
        levels = self.levels_of(ctx, answers)
        lengths = [length for length, level in LEVELS.items() if level in levels]
        if len(digits) in lengths:
            if areas.find(digits, scope.of(ctx.staff), levels, 1):
                return digits
            if areas.name(digits) is None:
                raise Invalid(N_("There is no %(area)s. Please check the code."), area=area_label(digits, ctx))
            raise Invalid(N_("%(area)s is outside your area. You can only choose a place inside it."),
                          area=area_label(digits, ctx))
        options = self.choices(ctx, answers)
        if options and len(digits) <= 2:
            if 1 <= int(digits) <= len(options):
                return options[int(digits) - 1][0]
            raise Invalid(N_("There is no option %(number)s. Please type a number from 1 to %(count)s."),
                          number=int(digits), count=len(options))
        kinds = ", ".join(ctx._(CODE_KINDS[length]) for length in sorted(lengths, reverse=True))
        raise Invalid(N_("%(code)s is not a code of the right kind. Please type the code of a %(kinds)s, or part "
                         "of the name."), code=digits, kinds=kinds)

    def display(self, value: Any, ctx: Context, answers: dict) -> str:
        return dict(self.extras(ctx, answers)).get(value) or area_label(value, ctx)
