"""Rich menus: `richmenu sync` through the emulator, each person's menu following their roles, taps."""

import io
import logging

import pytest
from flask import Flask
from PIL import Image, ImageDraw
from sqlalchemy import delete, select

from bot import DIALOGS, MENU, richmenu, richmenu_image
from bot.gateway import LineError
from bot.richmenu import KINDS, RichMenu
from core.i18n import gettext
from core.types import Context
from dialogs import menu, registry
from models import Staff, StaffRole, db
from models.staff import ROLES
from tests.helpers import invite, register, settle, sync_rich_menus, th, wipe_rich_menus


@pytest.fixture
def clean(app, platform):
    """No rich menus on the emulator before the test, nor after it."""
    wipe_rich_menus(platform)
    yield
    settle(app)
    wipe_rich_menus(platform)


def in_use(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(RichMenu.kind, RichMenu.rich_menu_id)).all())


def linked(platform, user_id: str, rich_menu_id: str | None) -> None:
    assert platform.wait_for(lambda: platform.linked_rich_menu(user_id) == rich_menu_id), \
        f"{user_id} has {platform.linked_rich_menu(user_id)}, not {rich_menu_id}"


def link_calls(platform, user_id: str) -> list[dict]:
    return [r for r in platform.requests if r["path"].startswith(f"/v2/bot/user/{user_id}/richmenu")]


def picture(image: bytes) -> Image.Image:
    return Image.open(io.BytesIO(image)).convert("RGB")


def band(bounds: dict, top: float, bottom: float) -> tuple[int, int, int, int]:
    """The box of an area between two fractions of its height, as PIL crops it."""
    return (bounds["x"], bounds["y"] + round(bounds["height"] * top),
            bounds["x"] + bounds["width"], bounds["y"] + round(bounds["height"] * bottom))


def white_pixels(drawn: Image.Image, box: tuple[int, int, int, int]) -> float:
    """The share of the box's pixels that are (nearly) white: the icon's and the label's ink on the coloured tile."""
    return sum(drawn.crop(box).convert("L").histogram()[201:]) / ((box[2] - box[0]) * (box[3] - box[1]))


# ---- definitions ----------------------------------------------------------------------------------

@pytest.fixture
def menus():
    """An app context holding only the bot's registry: the menus are drawn from its items."""
    app = Flask(__name__)
    app.extensions[registry.KEY] = registry.Registry(DIALOGS, MENU)
    with app.app_context():
        yield


@pytest.mark.parametrize("kind", ["guest", *KINDS])
def test_each_image_is_a_png_line_accepts_with_a_coloured_tile_per_area_showing_an_icon_and_its_label(kind, menus):
    definition, image = richmenu.definition(kind)
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) < 1024 * 1024
    drawn = picture(image)
    assert drawn.size == (2500, definition["size"]["height"]) and definition["size"]["height"] in (843, 1686)
    colours = set()
    for area in definition["areas"]:
        bounds = area["bounds"]
        colours.add(drawn.getpixel((bounds["x"] + bounds["width"] // 2, bounds["y"] + 20)))
        assert drawn.getpixel((bounds["x"], bounds["y"])) == (255, 255, 255)  # the separating margin
        assert white_pixels(drawn, band(bounds, 0.2, 0.6)) > 0.03  # the icon
        assert white_pixels(drawn, band(bounds, 0.65, 0.9)) > 0.03  # the label (the shortest: "เมนู")
    assert len(colours) == len(definition["areas"]) and (255, 255, 255) not in colours
    assert richmenu.definition(kind) == (definition, image)  # deterministic, so the name's hash is stable
    assert len(definition["chatBarText"]) <= 14


@pytest.mark.parametrize("kind", ["guest", *KINDS])
def test_every_character_of_the_labels_has_a_glyph_in_the_shipped_font(kind, menus):
    font = richmenu_image.font(100)

    def glyph(character: str) -> bytes:
        drawn = Image.new("L", (200, 200))
        ImageDraw.Draw(drawn).text((50, 50), character, font=font, fill=255)
        return drawn.tobytes()

    missing = glyph("\u4e00")  # a Chinese character: the font has none, so this is its "missing" box
    labels = [area["action"]["displayText"] for area in richmenu.definition(kind)[0]["areas"]]
    assert any("\u0e01" <= character <= "\u0e5b" for label in labels for character in label)  # Thai
    assert [c for label in labels for c in label if not c.isspace() and glyph(c) == missing] == []


def test_a_relabelled_item_is_drawn_anew_in_its_own_area_and_renames_the_menu(menus, monkeypatch):
    before, old_image = richmenu.definition("staff")
    labels = {area["action"]["data"]: area["action"]["displayText"] for area in before["areas"]}
    renamed = labels["menu=help"]
    monkeypatch.setattr(richmenu, "gettext", lambda text, locale: "คู่มือ" if gettext(text, locale) == renamed
                        else gettext(text, locale))
    after, new_image = richmenu.definition("staff")
    assert after["name"] != before["name"]
    old, new = picture(old_image), picture(new_image)
    for area in before["areas"]:
        box = band(area["bounds"], 0.65, 0.9)
        changed = old.crop(box).tobytes() != new.crop(box).tobytes()
        assert changed == (area["action"]["data"] == "menu=help"), area["action"]["data"]


@pytest.mark.parametrize(("label", "shown"), [
    ("ช่วยเหลือ", "ช่วยเหลือ"),
    ("ค้นหาครัวเรือน", "ค้นหาครัวเรือน"),  # a little smaller, still on one line
    ("เจ้าหน้าที่ในพื้นที่", "เจ้าหน้าที่\nในพื้นที่"),  # on two lines, broken where a syllable begins
    ("ภาษา / Language", "ภาษา\nLanguage"),
    ("ข้อมูลของสมาชิกทั้งหมด", "ข้อมูลของสมาชิกทั้งหมด"),  # no leading vowel past its start: smaller still
])
def test_a_label_too_wide_for_a_narrow_area_goes_on_two_lines_where_it_can_then_shrinks(label, shown):
    widest = (2500 // 4 - 12) * richmenu_image.LABEL_WIDTH  # an area of the supervisors' menu, four in a row
    text, font = richmenu_image.fitted(label, widest, 110)
    assert text == shown and max(map(font.getlength, text.splitlines())) <= widest


@pytest.mark.parametrize("count", range(1, 15))
def test_the_grid_covers_the_menu_without_overlap(count):
    height, cells = richmenu.grid(count)
    assert height in (843, 1686) and len(cells) == count
    assert all(c["x"] + c["width"] <= 2500 and c["y"] + c["height"] <= height for c in cells)

    def overlap(a, b):
        return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])

    assert not any(overlap(a, b) for i, a in enumerate(cells) for b in cells[i + 1:])


def context(*roles) -> Context:
    return Context(line_user=None, staff=Staff(roles=[StaffRole(role=r, area_code="TH") for r in roles]),
                   event_id=None, now=None, timezone=None)


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_rich_menu_offers_its_quick_reply_items_and_nothing_it_may_not_open(role, menus):
    ctx = context(role)
    items = {item.key: gettext(item.label, "th") for item in menu.items_for(ctx)}
    areas = richmenu.buttons(richmenu.kind_for(ctx.staff))
    offered = {b.data.removeprefix("menu="): b.label for b in areas if b.data.startswith("menu=")}
    assert offered.items() <= items.items() and areas[-1] == richmenu.MAIN_MENU
    assert {"profile", "language", "help"} <= set(offered)
    assert ({"invite", "staff"} <= set(offered)) == (role in richmenu.KINDS["supervisor"])
    assert ("my_households" in offered) == (role == "caretaker")


@pytest.mark.parametrize(("roles", "kind"), [
    (("volunteer",), "staff"),
    (("caretaker",), "caretaker"),
    (("volunteer", "caretaker"), "caretaker"),
    (("caretaker", "supervisor_subdistrict"), "supervisor"),
])
def test_a_caretaker_without_a_supervisor_role_gets_the_field_items_and_their_own(roles, kind, menus):
    ctx = context(*roles)
    assert richmenu.kind_for(ctx.staff) == kind
    allowed = {item.key for item in menu.items_for(ctx)}
    offered = [b.data.removeprefix("menu=") for b in richmenu.buttons(kind) if b.data.startswith("menu=")]
    assert set(offered) <= allowed  # nobody gets a button that is refused
    if kind == "caretaker":
        staff = [b.data for b in richmenu.buttons("staff")]
        assert [b.data for b in richmenu.buttons("caretaker") if b.data in staff] == staff
        assert offered == [item.key for item in menu.items_for(context("caretaker"))]
        assert "my_households" in offered


def test_each_area_of_the_caretaker_menu_is_drawn_with_an_icon_of_its_own(menus):
    icons = [button.icon for button in richmenu.buttons("caretaker")]
    assert "my_households" in icons and set(icons) <= set(richmenu_image.ICONS)
    drawn = {richmenu_image.draw(600, 600, [({"x": 0, "y": 0, "width": 600, "height": 600}, icon, "ก")])
             for icon in icons}
    assert len(drawn) == len(icons)  # no two alike


def test_a_caretakers_new_item_shows_on_their_menu_only(app, clean, platform, new_user, monkeypatch):
    """As the monthly visits ("เยี่ยมบ้านประจำเดือน") will: an item for caretakers alone."""
    register(caretaker := new_user(), invite(app, "caretaker", "30060101"))
    sync_rich_menus(app)
    before = in_use(app)
    linked(platform, caretaker.user_id, before["caretaker"])
    monkeypatch.setitem(app.extensions[registry.KEY].menu, "visits",
                        menu.Item("visits", "Monthly visits", lambda ctx, data: menu.help_text(ctx),
                                  roles=("caretaker",)))
    output = sync_rich_menus(app)
    after = in_use(app)
    assert output.count("created") == 1 and output.count("deleted") == 1
    assert {k: v for k, v in after.items() if k != "caretaker"} == {k: v for k, v in before.items() if k != "caretaker"}
    assert "menu=visits" in [a["action"]["data"] for a in platform.rich_menu(after["caretaker"])["areas"]]
    linked(platform, caretaker.user_id, after["caretaker"])


# ---- sync -----------------------------------------------------------------------------------------

def test_sync_creates_the_four_menus_with_images_and_sets_the_default(app, clean, platform):
    output = sync_rich_menus(app)
    ids = in_use(app)
    assert set(ids) == {"guest", "staff", "caretaker", "supervisor"} and output.count("created frontline:") == 4
    assert {m["richMenuId"]: m["name"].split(":")[1] for m in platform.rich_menus()} == {v: k for k, v in ids.items()}
    for kind, rich_menu_id in ids.items():
        image, content_type = platform.rich_menu_image(rich_menu_id)
        with app.app_context():
            drawn = richmenu.definition(kind)[1]
        assert content_type == "image/png" and image == drawn
        actions = [area["action"] for area in platform.rich_menu(rich_menu_id)["areas"]]
        assert all(a["type"] == "postback" and a["displayText"] for a in actions)
    assert platform.default_rich_menu() == ids["guest"]
    assert [a["action"]["data"] for a in platform.rich_menu(ids["guest"])["areas"]] == ["cmd=help"]


def test_a_second_sync_changes_nothing(app, clean, platform):
    sync_rich_menus(app)
    before, menus, calls = in_use(app), platform.rich_menus(), len(platform.requests)
    output = sync_rich_menus(app)
    assert "created" not in output and "deleted" not in output
    assert in_use(app) == before and platform.rich_menus() == menus and platform.default_rich_menu() == before["guest"]
    changes = [r for r in platform.requests[calls:] if r["path"].startswith("/v2/bot/richmenu")
               and r["method"] != "GET"]
    assert changes == []


def test_a_new_menu_item_replaces_only_the_menus_showing_it(app, clean, platform, new_user, monkeypatch):
    register(volunteer := new_user(), invite(app, "volunteer", "30060101"))
    sync_rich_menus(app)
    before = in_use(app)
    linked(platform, volunteer.user_id, before["staff"])
    monkeypatch.setitem(app.extensions[registry.KEY].menu, "survey",
                        menu.Item("survey", "Survey", lambda ctx, data: menu.help_text(ctx),
                                  roles=richmenu.FIELD_ROLES))
    output = sync_rich_menus(app)
    after = in_use(app)
    field = {"staff", "caretaker"}  # every field role may open it: the menus of both show it
    assert all(after[kind] != before[kind] for kind in field)
    assert output.count("created") == 2 and output.count("deleted") == 2
    assert {k: v for k, v in after.items() if k not in field} == {k: v for k, v in before.items() if k not in field}
    assert {m["richMenuId"] for m in platform.rich_menus()} == set(after.values())
    assert all("menu=survey" in [a["action"]["data"] for a in platform.rich_menu(after[kind])["areas"]]
               for kind in field)
    linked(platform, volunteer.user_id, after["staff"])


def test_sync_links_nobody_else(app, clean, platform, new_user):
    stranger = new_user()
    stranger.follow()
    sync_rich_menus(app)
    assert platform.linked_rich_menu(stranger.user_id) is None and link_calls(platform, stranger.user_id) == []


# ---- each person's menu ---------------------------------------------------------------------------

def test_registering_links_the_menu_of_the_persons_role(app, clean, platform, new_user):
    sync_rich_menus(app)
    ids = in_use(app)
    register(supervisor := new_user("หัวหน้า"), invite(app, "supervisor_subdistrict", "300601"))
    register(volunteer := new_user("อาสา"), invite(app, "volunteer", "30060101"))
    register(caretaker := new_user("ผู้ดูแล"), invite(app, "caretaker", "30060101"))
    linked(platform, supervisor.user_id, ids["supervisor"])
    linked(platform, volunteer.user_id, ids["staff"])
    linked(platform, caretaker.user_id, ids["caretaker"])


def test_a_volunteer_made_caretaker_gets_the_caretakers_menu_at_the_next_sync(app, clean, platform, new_user):
    sync_rich_menus(app)
    register(chat := new_user(), invite(app, "volunteer", "30060101"))
    linked(platform, chat.user_id, in_use(app)["staff"])
    with app.app_context():
        person = db.session.scalar(select(Staff).where(Staff.line_user_id == chat.user_id))
        person.roles.append(StaffRole(role="caretaker", area_code="30060101"))
        db.session.commit()
    sync_rich_menus(app)
    linked(platform, chat.user_id, in_use(app)["caretaker"])


def test_before_a_sync_makes_the_caretakers_menu_a_caretaker_gets_the_field_menu(app, clean, platform, new_user):
    """As just after an upgrade that added the caretakers' menu, until `richmenu sync` runs."""
    sync_rich_menus(app)
    with app.app_context():
        db.session.execute(delete(RichMenu).where(RichMenu.kind == "caretaker"))
        db.session.commit()
    register(chat := new_user(), invite(app, "caretaker", "30060101"))
    linked(platform, chat.user_id, in_use(app)["staff"])
    sync_rich_menus(app)
    linked(platform, chat.user_id, in_use(app)["caretaker"])


def test_revoking_unlinks_back_to_the_default(app, clean, platform, new_user):
    sync_rich_menus(app)
    register(chat := new_user(), invite(app))
    linked(platform, chat.user_id, in_use(app)["staff"])
    with app.app_context():
        person_id = db.session.scalar(select(Staff.id).where(Staff.line_user_id == chat.user_id))
    result = app.test_cli_runner().invoke(args=["staff", "revoke", str(person_id)])
    assert result.exit_code == 0, result.output
    linked(platform, chat.user_id, None)


def test_without_a_sync_nothing_is_linked(app, clean, platform, new_user):
    register(chat := new_user(), invite(app))
    with app.app_context():
        richmenu.relink(chat.user_id)
    assert link_calls(platform, chat.user_id) == []


def test_a_line_error_while_linking_is_retried(app, clean, platform, new_user):
    sync_rich_menus(app)
    chat = new_user()
    platform.fail_next(f"/v2/bot/user/{chat.user_id}/richmenu", 500, count=2)
    register(chat, invite(app))
    linked(platform, chat.user_id, in_use(app)["staff"])
    assert [r["status"] for r in link_calls(platform, chat.user_id)] == [500, 500, 200]


def test_a_link_that_keeps_failing_is_logged_and_the_next_sync_repairs_it(app, clean, platform, new_user, caplog):
    sync_rich_menus(app)
    chat = new_user()
    attempts = app.config["LINE_RETRIES"] + 1
    platform.fail_next(f"/v2/bot/user/{chat.user_id}/richmenu", 503, count=attempts)
    register(chat, invite(app))
    assert platform.wait_for(lambda: len(link_calls(platform, chat.user_id)) == attempts)
    settle(app)
    assert platform.linked_rich_menu(chat.user_id) is None
    if app.backend == "embedded":  # with RQ the worker logs it and keeps the job among the failed ones
        assert any(r.levelno == logging.ERROR and "relink" in r.getMessage() for r in caplog.records)
    platform.fail_next(f"/v2/bot/user/{chat.user_id}/richmenu", 503, count=attempts)
    with app.app_context(), pytest.raises(LineError):
        richmenu.relink(chat.user_id)
    platform.fail_next(f"/v2/bot/user/{chat.user_id}/richmenu", 503, count=attempts)
    result = app.test_cli_runner().invoke(args=["richmenu", "sync"])
    assert result.exit_code == 1 and f"could not link {chat.user_id}" in result.output
    assert "staff linked to their menus: 1" in sync_rich_menus(app)
    linked(platform, chat.user_id, in_use(app)["staff"])


# ---- taps -----------------------------------------------------------------------------------------

def test_tapping_each_area_of_the_supervisor_menu_opens_that_item(app, clean, platform, new_user):
    sync_rich_menus(app)
    register(chat := new_user(), invite(app, "supervisor_subdistrict", "300601"), name="สมชาย หัวหน้า")
    linked(platform, chat.user_id, in_use(app)["supervisor"])
    expected = {
        "menu=profile": "สมชาย หัวหน้า",
        "menu=invite": "ผู้ที่จะเชิญมีบทบาทใด",
        "menu=staff": "เจ้าหน้าที่ในพื้นที่ของท่าน",
        "menu=language": "เลือกภาษา",
        "menu=help": "ย้อนกลับ",
        "cmd=menu": "เมนูหลัก",
    }
    areas = [area["action"]["data"] for area in platform.rich_menu(in_use(app)["supervisor"])["areas"]]
    assert set(expected) <= set(areas)
    for data in areas:
        answer = chat.postback(data)
        assert "ไม่เปิดให้ท่านใช้งาน" not in answer and "รหัสเชิญ" not in answer
        assert expected.get(data, "") in answer


def test_tapping_each_area_of_the_caretaker_menu_opens_that_item(app, clean, platform, new_user):
    sync_rich_menus(app)
    register(chat := new_user(), invite(app, "caretaker", "30060101"), name="สมชาย ดูแลดี")
    linked(platform, chat.user_id, in_use(app)["caretaker"])
    areas = {area["action"]["displayText"]: area["action"]["data"]
             for area in platform.rich_menu(in_use(app)["caretaker"])["areas"]}
    assert th("No household is in your care yet. Your supervisor assigns them.") \
        in chat.postback(areas["ครัวเรือนที่ดูแล"])
    for data in areas.values():
        answer = chat.postback(data)
        assert "ไม่เปิดให้ท่านใช้งาน" not in answer and "รหัสเชิญ" not in answer


def test_an_unregistered_user_tapping_any_area_gets_only_registration(app, clean, platform, new_user):
    sync_rich_menus(app)
    chat = new_user()
    chat.follow()
    for area in platform.rich_menu(in_use(app)["supervisor"])["areas"]:
        assert "รหัสเชิญ" in chat.postback(area["action"]["data"])


def test_the_guest_area_starts_registration_then_explains_each_question(app, clean, platform, new_user):
    sync_rich_menus(app)
    [area] = platform.rich_menu(in_use(app)["guest"])["areas"]
    chat = new_user()
    assert "รหัสเชิญ" in chat.postback(area["action"]["data"])
    chat.say(invite(app))
    assert "พิมพ์คำตอบเป็นข้อความ" in chat.postback(area["action"]["data"])
    assert "ชื่อและนามสกุล" in chat.text  # still the same question
