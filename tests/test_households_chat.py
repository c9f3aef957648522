"""Households in the chat: finding them (paged, masked, never outside the area), opening one, and
adding one found at a community forum, driven through signed LINE events as a volunteer would."""

import json
import logging
from datetime import date

import pytest
from sqlalchemy import select

from core.thai import fiscal_year
from domain.access import audit
from domain.step1_survey.households import hash_national_id
from models import AuditEntry, DialogSession, Household, Staff, db
from tests.helpers import HEADS, OUTSIDE, VILLAGES, add_household, add_staff, add_villages, place, th, valid_id

FOUND = "Households found: %(total)s (page %(page)s of %(pages)s). Tap one to open its folder."


@pytest.fixture
def volunteer(app, new_user):
    """A volunteer of หมู่ 1 with 23 households there, one in หมู่ 2 and two in another subdistrict."""
    chat = new_user("อาสา")
    with app.app_context():
        add_villages()
        add_staff(chat.user_id, "volunteer", "30060101")
        for n, head in enumerate(HEADS, 1):
            add_household("30060101", str(n), head, valid_id(f"31006004{n:04d}"))
        add_household("30060102", "5", "มานะ หมู่สอง")
        add_household(OUTSIDE, "5", "สมศรี นอกเขต", valid_id("310060099999"), house_code="30060000555")
        add_household(OUTSIDE, "7", "สมชาย นอกเขต")
        db.session.commit()
    return chat


def household_id(app, head: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Household.id).where(Household.head_name == head))


def search(chat, how: str, answer: str) -> str:
    chat.postback("menu=find_household")
    chat.tap(th(how))
    return chat.say(answer)


def rows(chat) -> list[tuple[list[str], dict]]:
    """The households the last answer lists, as a person sees them: each tappable row's lines of text (the head's
    name, the house number and village, the masked ID), and the action a tap on it sends."""
    listing = chat.last.messages[-1]
    assert listing["type"] == "flex", listing

    def texts(node: dict) -> list[str]:
        if node["type"] == "text":
            return [node["text"]]
        return [text for part in node.get("contents", []) for text in texts(part)]

    def tappable(node: dict) -> list[dict]:
        if "action" in node:
            return [node]
        return [found for part in node.get("contents", []) if isinstance(part, dict) for found in tappable(part)]

    return [(texts(row), row["action"]) for row in tappable(listing["contents"]["body"])]


def names(chat) -> list[str]:
    """The heads' names in the list the last answer shows."""
    return [lines[0] for lines, _ in rows(chat)]


def open_row(chat, head: str) -> str:
    """Tap the row of the household whose head is `head`."""
    action = next(action for lines, action in rows(chat) if lines[0] == head)
    return chat.postback(action["data"])


# ---- finding ----------------------------------------------------------------------------------------

def test_find_by_house_number_shows_only_the_area_and_masks_ids(app, volunteer):
    found = search(volunteer, "House number", "๕")  # Thai digits as typed on a Thai keyboard
    assert th(FOUND, total=1, page=1, pages=1) in found
    house = th("House %(number)s", number="5")
    assert [lines[:3] for lines, _ in rows(volunteer)] == [
        [HEADS[4], f"{house} · {place(app, '30060101', full=False)}", "x-xxxx-xxxxx-xx-4"]]
    shown = json.dumps(volunteer.last.messages, ensure_ascii=False)
    assert "นอกเขต" not in shown and "หมู่สอง" not in shown and valid_id("310060040005") not in shown
    open_row(volunteer, HEADS[4])
    assert th("Family folder: %(title)s, %(village)s", title=house, village=place(app, "30060101")) \
        in volunteer.text


def test_find_by_head_name_pages_ten_at_a_time(app, volunteer):
    volunteer.postback("menu=find_household")
    volunteer.tap(th("Head's name"))
    assert th("Please type at least %(min)s characters (you typed %(count)s).", min="2", count="1") \
        in volunteer.say("ส")
    pages = [volunteer.say("สมศรี")]
    shown = [names(volunteer)]
    for _ in range(2):
        pages.append(volunteer.tap(th("More...")))
        shown.append(names(volunteer))
    assert th("More...") not in volunteer.buttons() and th("Main menu") in volunteer.buttons()
    for number, page in enumerate(pages, 1):
        assert th(FOUND, total=23, page=number, pages=3) in page
    assert shown == [HEADS[:10], HEADS[10:20], HEADS[20:]]  # houses 1 to 23 in order, not 1, 10, 11 ... 2, 20
    assert th("No more results.") in volunteer.postback("menu=household_results&q=สมศรี&page=3")


def test_find_by_village_offers_only_villages_in_scope(app, volunteer):
    volunteer.postback("menu=find_household")
    asked = volunteer.tap(th("Village"))
    assert "บ้านจักราช" in asked and "บ้านทองหลาง" not in asked and "บ้านหนองบัว" not in asked
    found = volunteer.say("1")
    assert th(FOUND, total=23, page=1, pages=3) in found


def test_a_nothing_found_search_says_so(app, volunteer):
    assert th("No household in your area matches %(what)s.", what="“สมชาย”") in search(volunteer, "Head's name",
                                                                                          "สมชาย")


def test_a_nul_or_a_zero_width_mark_in_a_search_is_dropped_instead_of_failing_in_the_database(app, volunteer):
    """PostgreSQL refuses NUL in text: the search raised a database error and the person got no answer."""
    assert th("No household in your area matches %(what)s.", what="“ศรีx”") in search(volunteer, "Head's name",
                                                                                         "ศรี\x00x")
    assert th(FOUND, total=23, page=1, pages=3) in search(volunteer, "Head's name", "สม\u200bศรี\u200d")
    assert th(FOUND, total=23, page=2, pages=3) in volunteer.postback("menu=household_results&q=สมศรี%00&page=1")
    assert th(FOUND, total=23, page=1, pages=3) in volunteer.postback("menu=household_results&q=สมศรี&page=abc")


# Two villages named บ้านหนองไผ่ in two subdistricts of อ.จักราช, and one in another province.
SAME_NAMES = VILLAGES | {"30060103": (3, "บ้านหนองไผ่"), "30060304": (4, "บ้านหนองไผ่"), "31010101": (1, "บ้านโคกกลาง")}
VILLAGE_PLEASE = "Which village?"


@pytest.fixture
def district(app, new_user):
    """A district supervisor of อ.จักราช, with a household in บ้านทองหลาง and in each บ้านหนองไผ่."""
    chat = new_user("ศจพ.อ.")
    with app.app_context():
        add_villages(SAME_NAMES)
        add_staff(chat.user_id, "supervisor_district", "3006", "ศจพ.อ.")
        add_household("30060301", "1", "ทองดี หลางใต้")
        add_household("30060103", "3", "ไผ่งาม ตำบลจักราช")
        add_household("30060304", "4", "ไผ่ทอง ตำบลทองหลาง")
        db.session.commit()
    return chat


def test_a_village_is_tapped_from_those_in_the_area(app, district):
    district.postback("menu=find_household")
    asked = district.tap(th("Village"))
    assert th("Tap one, or type part of its name or its code:") in asked
    assert "หมู่ 1 บ้านทองหลาง ต.ทองหลาง" in asked and "บ้านโคกกลาง" not in asked
    assert "ม.1 ทองหลาง ทองหลาง" in district.buttons()  # the villages lie in two subdistricts: each says which
    district.tap("ม.1 ทองหลาง ทองหลาง")
    assert names(district) == ["ทองดี หลางใต้"]


def test_a_village_is_found_by_part_of_its_name(app, district):
    found = search(district, "Village", "ทองหลาง")  # one village: taken at once
    assert th(FOUND, total=1, page=1, pages=1) in found and names(district) == ["ทองดี หลางใต้"]
    search(district, "Village", "บ้าน หนองไผ่ ต.ทองหลาง")  # narrowed by its subdistrict
    assert names(district) == ["ไผ่ทอง ตำบลทองหลาง"]
    search(district, "Village", "ม.3")
    assert names(district) == ["ไผ่งาม ตำบลจักราช"]


def test_a_name_several_villages_share_lists_them_with_their_subdistricts(app, district):
    several = search(district, "Village", "หนองไผ่")
    assert th("Several places match “%(text)s”. Tap the one you mean, or type more of the name:",
              text="หนองไผ่") in several
    assert "1. หมู่ 3 บ้านหนองไผ่ ต.จักราช\n2. หมู่ 4 บ้านหนองไผ่ ต.ทองหลาง" in several
    assert {"ม.3 หนองไผ่ ต.จักราช", "ม.4 หนองไผ่ ทองหลาง"} <= set(district.buttons())
    district.tap("ม.4 หนองไผ่ ทองหลาง")
    assert names(district) == ["ไผ่ทอง ตำบลทองหลาง"]
    search(district, "Village", "หนองไผ่")
    assert th("There is no option %(number)s. Please type a number from 1 to %(count)s.", number=3, count=2) \
        in district.say("3")
    district.say("1")  # the number in the list, still the list of matches
    assert names(district) == ["ไผ่งาม ตำบลจักราช"]


def test_a_village_outside_the_area_or_unknown_is_refused_and_asked_again(app, district):
    district.postback("menu=find_household")
    district.tap(th("Village"))
    for typed, refusal in [
        ("โคกกลาง", th("%(area)s is outside your area. You can only choose a place inside it.", area="“โคกกลาง”")),
        ("31010101", th("%(area)s is outside your area. You can only choose a place inside it.",
                        area=place(app, "31010101"))),
        ("หนองไม่มี", th("Nothing in your area is named “%(text)s”. Please check the spelling, type a shorter part "
                         "of the name, or type the code.", text="หนองไม่มี")),
        ("30069999", th("There is no %(area)s. Please check the code.", area=th("village %(code)s", code="30069999"))),
        ("3006", th("%(code)s is not a code of the right kind. Please type the code of a %(kinds)s, or part of the "
                    "name.", code="3006", kinds=th("village (8 digits)"))),
        ("9", th("There is no option %(number)s. Please type a number from 1 to %(count)s.", number=9, count=5)),
    ]:
        answer = district.say(typed)
        assert refusal in answer and th(VILLAGE_PLEASE) in answer, typed
        assert "บ้านโคกกลาง" not in answer.replace(refusal, "")
    district.say("3006-0301")  # a code still works
    assert names(district) == ["ทองดี หลางใต้"]


def test_a_large_area_finds_its_village_by_name_or_code(app, new_user):
    chat = new_user("นายอำเภอ")
    with app.app_context():
        add_villages({f"300601{n:02d}": (n, f"บ้านโนน{n}") for n in range(1, 42)})
        add_staff(chat.user_id, "supervisor_district", "3006", "ศจพ.อ.")
        add_household("30060141", "9", "บุญมี ท้ายตำบล")
        db.session.commit()
    chat.postback("menu=find_household")
    asked = chat.tap(th("Village"))
    assert th("Type part of its name, or its code.") in asked and "บ้านโนน1" not in asked
    assert set(chat.buttons()) == {th("Back"), th("Cancel")}  # 41 villages: too many to tap
    assert th("More than %(count)s places match “%(text)s”. Please type more of the name.", count=40,
              text="โนน") in chat.say("โนน")
    chat.say("โนน41")
    assert names(chat) == ["บุญมี ท้ายตำบล"]
    chat.postback("menu=find_household")
    chat.tap(th("Village"))
    chat.say("3006-0141")
    # A district supervisor's list names each village's subdistrict: villages of one number are in each of them.
    assert [lines[:2] for lines, _ in rows(chat)] == [
        ["บุญมี ท้ายตำบล", f"{th('House %(number)s', number='9')} · {place(app, '30060141', full=False)} "
                          f"{place(app, '300601', full=False)}"]]


NUMBERS = ["88/10", "5", "3/1", "19", "88/2", "12", "3", "100", "88", "7", "20/1", "2", "05"]
IN_ORDER = ["2", "3", "3/1", "05", "5", "7", "12", "19", "20/1", "88", "88/2", "88/10", "100"]


def long_name(number: str) -> str:
    """A head's name of 200 characters, as long as one may be, ending in the house number."""
    return f"นางสาวมานี {'ศรีสวัสดิ์' * 20}"[:199 - len(number)] + f" {number}"


def test_results_come_in_house_number_order_across_pages_with_whole_names(app, new_user):
    chat = new_user("ปลัด")
    with app.app_context():
        add_villages()
        add_staff(chat.user_id, "supervisor_subdistrict", "300601", "ปลัด ตำบล")
        for number in NUMBERS:
            add_household("30060102", number, long_name(number))
        add_household(OUTSIDE, "4", long_name("4"))  # would come between 3/1 and 5, but is in another subdistrict
        db.session.commit()
    found = search(chat, "Head's name", "นางสาวมานี")
    assert th(FOUND, total=13, page=1, pages=2) in found and len(found) <= 400
    shown = rows(chat)
    chat.tap(th("More..."))
    shown += rows(chat)
    assert [lines[0] for lines, _ in shown] == [long_name(number) for number in IN_ORDER]  # whole, in order
    assert [lines[1] for lines, _ in shown] == [f"{th('House %(number)s', number=number)} · "
                                                f"{place(app, '30060102', full=False)}" for number in IN_ORDER]
    assert th("More...") not in chat.buttons()
    assert th("Find a household in your area by:") in chat.tap(th("New search"))


# ---- never outside the area -------------------------------------------------------------------------

def test_an_out_of_area_household_never_opens(app, volunteer):
    not_found = th("That household was not found in your area.")
    outside = household_id(app, "สมศรี นอกเขต")
    assert not_found in volunteer.postback(f"menu=household&id={outside}")  # a forged postback
    assert "นอกเขต" not in volunteer.text and "x-xxxx" not in volunteer.text
    for forged in ("99999", "abc", "", "99999999999999999999"):
        assert not_found in volunteer.postback(f"menu=household&id={forged}")
    forged_page = volunteer.postback(f"menu=household_results&v={OUTSIDE}&page=0")
    assert "นอกเขต" not in forged_page
    assert th("No household in your area matches %(what)s.", what=place(app, OUTSIDE, full=False)) in forged_page


def test_a_household_in_the_area_opens_as_a_folder_card(app, volunteer):
    volunteer.postback(f"menu=household&id={household_id(app, HEADS[6])}")
    card = volunteer.last.messages[0]
    assert card["type"] == "flex" and HEADS[6] in json.dumps(card, ensure_ascii=False)


# ---- adding one found at a community forum ---------------------------------------------------------

def test_add_a_household_from_a_community_forum_with_every_check(app, volunteer):
    asked = volunteer.postback("menu=add_household")
    assert "บ้านจักราช" in asked and "บ้านทองหลาง" not in asked
    assert "9" in volunteer.say("9") and th("There is no option %(number)s. Please type a number from 1 to "
                                            "%(count)s.", number=9, count=1) in volunteer.text
    volunteer.say("1")
    assert th("Please type the house number in digits, for example 12 or 45/1.") in volunteer.say("บ้านริมน้ำ")
    assert th("This household is already registered: house %(number)s, %(village)s, head %(head)s. Open it with "
              "\"Find household\" instead of adding it again.", number="5",
              village=place(app, "30060101"), head=HEADS[4]) in volunteer.say("5")
    volunteer.say("๙๙/๑")
    assert th("A house code has 11 digits, but you typed %(count)s. Please check it.", count=3) \
        in volunteer.say("123")
    assert th("A house code has digits only. Please type its 11 digits.") in volunteer.say("3006abc0123")
    assert th("House code %(code)s is already registered in another area. Please check the code, or ask the "
              "district office.", code="30060000555") in volunteer.say("3006-0000-555")
    assert "นอกเขต" not in volunteer.text
    volunteer.say("30060000999")
    assert th("Please type at least %(min)s characters (you typed %(count)s).", min="2", count="1") \
        in volunteer.say("ก")
    volunteer.say("นางบุญมา ใจงาม")
    assert th("The check digit (the last digit) is wrong. Please check the number again.") \
        in volunteer.say("3100600445636")
    assert th("A national ID number has 13 digits, but you typed %(count)s. Please type all 13 digits (with or "
              "without dashes).", count=5) in volunteer.say("12345")
    volunteer.say("3-1006-00445-63-5")
    year = fiscal_year(date.today())
    assert str(year) in volunteer.text and str(year + 1) in volunteer.buttons()
    summary = volunteer.tap(str(year))
    assert "x-xxxx-xxxxx-xx-5" in summary and "3100600445635" not in summary and "99/1" in summary
    volunteer.tap(th("Yes"))
    assert th("Household saved: house %(number)s, %(village)s.", number="99/1",
              village=place(app, "30060101", full=False)) in volunteer.text
    assert volunteer.last.messages[1]["type"] == "flex"
    with app.app_context():
        saved = db.session.scalar(select(Household).where(Household.house_number == "99/1"))
        assert (saved.village_code, saved.house_code, saved.source, saved.source_year, saved.status) == \
            ("30060101", "30060000999", "forum", year, "open")
        head = saved.members[0]
        assert (head.name, head.relation, head.national_id_last) == ("นางบุญมา ใจงาม", "head", "5635")
        assert head.national_id_hash == hash_national_id("3100600445635")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "household.create"))
        me = db.session.scalar(select(Staff).where(Staff.line_user_id == volunteer.user_id))
        assert (entry.entity_id, entry.staff_id, audit.read(entry).after["source"]) == (str(saved.id), me.id, "forum")
        assert entry.event_id
        stored = (json.dumps([s.answers for s in db.session.scalars(select(DialogSession))])
                  + json.dumps(audit.read(entry).after))
        assert "3100600445635" not in stored  # the full ID is never kept readable, not even in the session


def test_optional_answers_can_be_skipped(app, volunteer):
    volunteer.postback("menu=add_household")
    volunteer.say("1")
    volunteer.say("100")
    volunteer.tap(th("Skip"))
    volunteer.say("นายสมหมาย มีสุข")
    volunteer.tap(th("Skip"))
    volunteer.say("1")
    volunteer.tap(th("Yes"))
    with app.app_context():
        saved = db.session.scalar(select(Household).where(Household.house_number == "100"))
        assert saved.house_code is None and saved.members[0].national_id_hash is None
        assert saved.source_year == fiscal_year(date.today())


def test_a_household_in_the_same_village_twice_is_refused_at_the_end_too(app, volunteer):
    """Someone else adds the same house while the dialog is open: nothing is stored twice."""
    volunteer.postback("menu=add_household")
    volunteer.say("1")
    volunteer.say("200")
    volunteer.tap(th("Skip"))
    volunteer.say("นายสมหมาย มีสุข")
    volunteer.tap(th("Skip"))
    volunteer.say("1")
    with app.app_context():
        add_household("30060101", "200", "ผู้อื่น เพิ่มก่อน")
        db.session.commit()
    refused = volunteer.tap(th("Yes"))
    assert th("This household is already registered: house %(number)s, %(village)s, head %(head)s. Open it with "
              "\"Find household\" instead of adding it again.", number="200",
              village=place(app, "30060101"), head="ผู้อื่น เพิ่มก่อน") in refused
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).where(Household.house_number == "200")) == 1


def test_adding_needs_a_village_in_the_area(app, new_user):
    chat = new_user()
    with app.app_context():
        add_staff(chat.user_id, "volunteer", "30060199")
        db.session.commit()
    assert th("No villages are set up in your area yet. Please ask the district office.") \
        in chat.postback("menu=add_household")


def test_a_search_with_very_many_matches_says_at_least_how_many(app, new_user, monkeypatch):
    from domain.step1_survey import households

    if app.backend != "embedded":
        pytest.skip("the cap is lowered in this process only; the workers are other processes")
    monkeypatch.setattr(households, "COUNT_CAP", 30)  # stands for 500, without storing 500 households
    chat = new_user("อาสา")
    with app.app_context():
        add_villages()
        add_staff(chat.user_id, "volunteer", "30060101")
        for n in range(1, 36):
            add_household("30060101", str(n), f"สมปอง ที่{n}")
        db.session.commit()
    chat.postback("menu=find_household")
    chat.tap(th("Head's name"))
    assert th(FOUND, total="30+", page=1, pages="3+") in chat.say("สมปอง")


def test_a_name_search_the_database_refuses_does_not_hold_up_the_volunteer(app, volunteer, caplog):
    """A NUL typed at the name search (SQLite's name index and PostgreSQL both refuse it) was taken
    for a passing outage: LINE got 503 and everything the volunteer typed afterwards waited behind it."""
    volunteer.postback("menu=find_household")
    volunteer.tap(th("Head's name"))
    with caplog.at_level(logging.DEBUG):
        volunteer.say("ทองใบ\x00ลับ")  # answered, so LINE got its 200
        assert th("Main menu: what would you like to do?") in volunteer.say("เมนู")
    assert th("Find household") in volunteer.buttons()
    assert "ทองใบ" not in caplog.text  # neither the search's parameters nor the message
