"""Inviting staff in the chat: the area is tapped from the supervisor's own, or typed as part of its name or as its
code; an area outside the supervisor's is never offered nor taken."""

import pytest
from sqlalchemy import select

from models import Invite, db
from tests.helpers import VILLAGES, add_staff, add_villages, place, th

# บ้านหนองไผ่ twice: หมู่ 3 of ต.จักราช and หมู่ 4 of ต.ทองหลาง.
SAME_NAMES = VILLAGES | {"30060103": (3, "บ้านหนองไผ่"), "30060304": (4, "บ้านหนองไผ่")}
NAME_PLEASE = "The person's name (optional; tap Skip if you don't know it)."
OUTSIDE = "%(area)s is outside your area. You can only choose a place inside it."


@pytest.fixture
def supervisor(app, new_user):
    """Makes a supervisor (role, area) in a country where อ.จักราช's villages are loaded."""
    with app.app_context():
        add_villages(SAME_NAMES)
        db.session.commit()

    def make(role: str, area: str):
        chat = new_user("หัวหน้า")
        with app.app_context():
            add_staff(chat.user_id, role, area, "หัวหน้า ทดสอบ")
            db.session.commit()
        return chat
    return make


def inviting(chat, role: str) -> str:
    chat.postback("menu=invite")
    return chat.tap(th(role)[:20])


def summary(app, role: str, area: str) -> str:
    with app.app_context():
        return th("Create an invitation for %(role)s, %(area)s%(name)s?", role=th(role), area=place(app, area),
                  name="")


def invited_area(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Invite.area_code).order_by(Invite.id.desc()))


def finish(chat) -> None:
    chat.tap(th("Skip"))
    chat.tap(th("Yes"))


def test_the_supervisors_own_areas_are_buttons_with_their_names(app, supervisor):
    boss = supervisor("supervisor_subdistrict", "300601")
    asked = inviting(boss, "Door-knock team")
    assert th("Which village or subdistrict is this person for?") in asked
    assert th("Tap one, or type part of its name or its code:") in asked
    assert [label for label in boss.buttons() if label not in (th("Back"), th("Cancel"))] == \
        ["ต.จักราช", "หมู่ 1 บ้านจักราช", "หมู่ 2 บ้านหนองบัว", "หมู่ 3 บ้านหนองไผ่"]
    assert "ทองหลาง" not in asked
    assert th(NAME_PLEASE) in boss.tap("หมู่ 1 บ้านจักราช")
    assert summary(app, "Door-knock team", "30060101") in boss.tap(th("Skip"))
    boss.tap(th("Yes"))
    assert invited_area(app) == "30060101"


def test_an_area_is_found_by_part_of_its_name(app, supervisor):
    boss = supervisor("supervisor_district", "3006")
    inviting(boss, "Subdistrict supervisor")
    assert {"ต.จักราช", "ต.ทองหลาง"} <= set(boss.buttons())
    assert th(NAME_PLEASE) in boss.say("ทองหลาง")  # the subdistrict: a subdistrict supervisor has no village
    assert summary(app, "Subdistrict supervisor", "300603") in boss.tap(th("Skip"))
    boss.tap(th("Yes"))
    inviting(boss, "Door-knock team")
    assert th(NAME_PLEASE) in boss.say("บ้านหนองบัว")
    finish(boss)
    assert invited_area(app) == "30060102"


def test_a_name_several_areas_share_is_listed_with_the_area_each_is_in(app, supervisor):
    boss = supervisor("supervisor_district", "3006")
    several = inviting(boss, "Door-knock team") and boss.say("หนองไผ่")
    assert th("Several places match “%(text)s”. Tap the one you mean, or type more of the name:",
              text="หนองไผ่") in several
    assert "1. หมู่ 3 บ้านหนองไผ่ ต.จักราช\n2. หมู่ 4 บ้านหนองไผ่ ต.ทองหลาง" in several
    assert th(NAME_PLEASE) in boss.tap("ม.4 หนองไผ่ ทองหลาง")
    finish(boss)
    assert invited_area(app) == "30060304"


def test_an_area_outside_the_supervisors_or_unknown_is_refused_and_asked_again(app, supervisor):
    boss = supervisor("supervisor_subdistrict", "300601")
    inviting(boss, "Door-knock team")
    for typed, refusal in [
        ("ทองหลาง", th(OUTSIDE, area="“ทองหลาง”")),
        ("30060301", th(OUTSIDE, area=place(app, "30060301"))),
        ("300603", th(OUTSIDE, area=place(app, "300603"))),
        ("30069999", th("There is no %(area)s. Please check the code.", area=th("village %(code)s", code="30069999"))),
        ("3006", th("%(code)s is not a code of the right kind. Please type the code of a %(kinds)s, or part of the "
                    "name.", code="3006", kinds=f"{th('village (8 digits)')}, {th('subdistrict (6 digits)')}")),
        ("โคกกลาง", th("Nothing in your area is named “%(text)s”. Please check the spelling, type a shorter part of "
                       "the name, or type the code.", text="โคกกลาง")),
        ("9", th("There is no option %(number)s. Please type a number from 1 to %(count)s.", number=9, count=4)),
    ]:
        answer = boss.say(typed)
        assert refusal in answer and th("Which village or subdistrict is this person for?") in answer, typed
    assert th(NAME_PLEASE) in boss.say("๓๐๐๖๐๑")  # a code still works, in Thai digits too
    finish(boss)
    assert invited_area(app) == "300601"


def test_the_whole_country_is_offered_only_by_a_nationwide_administrator(app, supervisor):
    admin = supervisor("admin", "TH")
    inviting(admin, "Administrator")
    assert th("the whole country") in admin.buttons()
    assert th(NAME_PLEASE) in admin.say("th")
    finish(admin)
    assert invited_area(app) == "TH"
    province_admin = supervisor("admin", "30")
    inviting(province_admin, "Administrator")
    assert th("the whole country") not in province_admin.buttons()
    assert th("Nothing in your area is named “%(text)s”. Please check the spelling, type a shorter part of the name, "
              "or type the code.", text="TH") in province_admin.say("TH")


def test_an_area_kept_from_before_the_role_changed_is_offered_only_if_it_fits_the_new_role(app, supervisor):
    """"No" at the summary goes back to the role; a village chosen for a door-knock team cannot be kept for a
    subdistrict supervisor, who needs a subdistrict."""
    boss = supervisor("supervisor_district", "3006")
    inviting(boss, "Door-knock team")
    boss.say("บ้านหนองบัว")
    boss.tap(th("Skip"))
    boss.tap(th("No"))
    asked = boss.tap(th("Subdistrict supervisor")[:20])
    assert th("Which subdistrict is this person for?") in asked and th("Keep answer") not in boss.buttons()
    assert th(NAME_PLEASE) in boss.say("จักราช")
    boss.tap(th("Skip"))
    boss.tap(th("No"))
    boss.tap(th("Keep answer"))  # the same role again
    assert th("Keep answer") in boss.buttons()  # the subdistrict still fits it
    boss.tap(th("Keep answer"))
    finish(boss)
    assert invited_area(app) == "300601"
