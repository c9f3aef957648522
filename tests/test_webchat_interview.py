"""A whole 4ท interview in the emulator's web chat, in headless Chromium: a volunteer registered with the
demo's one click opens the interview from a household's button, then types and taps chips like a person."""

from datetime import date

from sqlalchemy import select

from models import Household, Problem, Visit, db
from tests.helpers import (
    HEAD,
    NONE_OF_THESE,
    add_target_household,
    answered,
    bot_bubbles,
    chip,
    demo_button,
    person,
    playwright_with_chromium,
    push,
    th,
    web_tap,
    web_type,
)

expect = playwright_with_chromium().expect


def pick(page, *messages: str) -> None:
    for message in messages:
        web_tap(page, message)
    if messages[-1] not in NONE_OF_THESE:
        web_tap(page, "Done")


def test_a_volunteer_runs_a_whole_interview_in_the_web_chat(page, embedded_app):
    household_id = add_target_household(embedded_app, [person(HEAD, date(1980, 2, 1), "head", occupation="farmer",
                                                       monthly_income=2500)])
    with embedded_app.app_context():  # a problem on record from the จปฐ. list
        db.session.add(Problem(household_id=household_id, dimension="living", indicator="no_clean_water",
                               status="open", opened_on=date(2024, 3, 1)))
        db.session.commit()
    demo_button(page, "ทีมเคาะประตู").click()
    expect(chip(page, "ข้อมูลของฉัน")).to_be_visible()
    user_id = page.url.rsplit("user=", 1)[1]
    # The household card's button (another screen's), pushed as a chip that opens the interview.
    push(embedded_app, user_id, {"type": "text", "text": "ครัวเรือนบ้านเลขที่ 12", "quickReply": {"items": [
        {"type": "action", "action": {"type": "postback", "label": th("Home visit (4T)"),
                                      "data": f"menu=interview&household={household_id}"}}]}})
    answered(page, lambda: chip(page, th("Home visit (4T)")).click())
    expect(bot_bubbles(page).last).to_contain_text("กฎหมายคุ้มครองข้อมูลส่วนบุคคล")

    web_tap(page, "Agrees")
    expect(bot_bubbles(page).last).to_contain_text(HEAD)
    web_tap(page, "Correct, no change")
    web_type(page, "1")
    web_type(page, "เด็กหญิงมะลิ ใจดี")
    web_type(page, "3 1006 00445 63 5")
    web_tap(page, "Female")
    web_type(page, "12/4/2555")
    web_tap(page, "Child")
    web_tap(page, "Primary school")
    web_tap(page, "Student")
    web_type(page, "0")
    pick(page, "None of these")
    web_tap(page, "Not able")
    expect(bot_bubbles(page).last).to_contain_text("เด็กหญิงมะลิ ใจดี")
    web_tap(page, "Correct, continue")

    web_tap(page, "Hopeful, wants a better life")
    web_tap(page, "Willing with support")
    web_type(page, "อยากให้ลูกได้เรียนต่อ")
    expect(bot_bubbles(page).last).to_contain_text(HEAD)  # ท2: the one member who can work
    pick(page, "Farming")
    web_tap(page, "Seasonal only")
    web_type(page, "แปรรูปอาหาร")
    web_tap(page, "No farm land")
    pick(page, "None")
    pick(page, "Chickens or ducks")
    web_type(page, "500")
    web_type(page, "0")
    web_type(page, "12,000 บาท")
    pick(page, "Wage labour")
    web_type(page, "๔,๐๐๐")
    expect(bot_bubbles(page).last).to_contain_text("2,500")  # the members' incomes add up to less: which is right?
    web_tap(page, "The income sources")
    web_type(page, "ทำขนมขายในหมู่บ้าน")
    web_tap(page, "Develop an occupation")
    for dimension in ("health", "living", "education", "income", "public_services"):
        if dimension == "income":
            pick(page, "Heavy debts")
            web_type(page, "หนี้นอกระบบ 12,000 บาท")
        elif dimension == "living":  # the problem on record first, then any other
            expect(bot_bubbles(page).last).to_contain_text(th("No clean drinking water"))
            page.screenshot(path="/tmp/webchat-interview-known-problem.png")
            web_tap(page, "Solved now")
            pick(page, "No other problem")
        else:
            pick(page, "No problem here")
    pick(page, "Debts")
    web_tap(page, "Skip")
    expect(bot_bubbles(page).last).to_contain_text(th("Self-development"))
    web_tap(page, "Self-development")
    answered(page, lambda: chip(page, HEAD[:20]).click())
    web_tap(page, "Yes")
    expect(bot_bubbles(page).filter(has_text="12").last).to_contain_text(th("Self-development"))
    expect(page.locator(".error-line")).to_have_count(0)

    with embedded_app.app_context():
        visit = db.session.scalar(select(Visit))
        assert visit.acknowledged_by == HEAD and visit.classification == "self_development"
        assert visit.resources["incomes"] == [{"source": "wages", "monthly": "4000"}]
        household = db.session.get(Household, household_id)
        assert {m.name for m in household.members} == {HEAD, "เด็กหญิงมะลิ ใจดี"}
        assert [(p.dimension, p.indicator, p.status) for p in household.problems] == [
            ("living", "no_clean_water", "solved"), ("income", "heavy_debt", "open")]
        assert (household.monthly_income, household.income_basis) == (4000, "sources")
