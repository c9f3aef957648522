"""Adding a dialog takes one declaration: this file alone defines a 6-question dialog and its menu item,
adds them to the app's registry for its tests only, and drives the dialog through the chat."""

from datetime import date
from decimal import Decimal

import pytest
from linebot.v3.messaging import TextMessage

from core.types import Context, Outcome
from dialogs import drafts, menu, registry
from dialogs.flow import Dialog, When
from dialogs.kinds import Choice, Date, Money, Number, Text, YesNo

FINISHED = []
CROPS = [("rice", "ข้าว"), ("cassava", "มันสำปะหลัง"), ("other", "อื่น ๆ")]


def other_crop(ctx: Context, answers: dict) -> bool:
    return answers.get("crop") == "other"


def not_confirmed(ctx: Context, answers: dict) -> bool:
    return answers.get("ok") is False


def finish(ctx: Context, answers: dict) -> Outcome:
    FINISHED.append(answers)
    return Outcome(reply=[TextMessage(text=f"บันทึกการเก็บเกี่ยว {answers['rai']} ไร่แล้ว")]).extend(menu.show(ctx))


HARVEST = Dialog(
    name="harvest",
    title="Harvest",
    questions=[
        Choice("crop", "ปลูกอะไร", options=CROPS, next=[When(other_crop, "crop_other"), "rai"]),
        Text("crop_other", "พืชชนิดไหน", min_len=2, max_len=50),
        Number("rai", "ปลูกกี่ไร่", low=1, high=500),
        Money("sold", "ขายได้เท่าไร"),
        Date("harvested", "เก็บเกี่ยววันไหน", earliest=date(2020, 1, 1)),
        YesNo("ok", "บันทึกไหม", next=[When(not_confirmed, "crop"), "done"]),
    ],
    finish=finish,
)
HARVEST_ITEM = menu.Item("harvest", "เก็บเกี่ยว", lambda ctx, data: drafts.start_dialog(ctx, "harvest"))


@pytest.fixture
def harvest(embedded_app, monkeypatch):
    FINISHED.clear()
    monkeypatch.setitem(embedded_app.extensions[registry.KEY].dialogs, "harvest", HARVEST)
    monkeypatch.setitem(embedded_app.extensions[registry.KEY].menu, "harvest", HARVEST_ITEM)


def test_a_dialog_declared_in_one_file_is_offered_in_the_menu_and_answered_in_the_chat(staff_chat, harvest):
    chat = staff_chat
    chat.say("เมนู")
    assert "เก็บเกี่ยว" in chat.buttons()
    assert chat.tap("เก็บเกี่ยว").startswith("ปลูกอะไร")
    assert chat.tap("อื่น ๆ").startswith("พืชชนิดไหน")
    chat.say("ยางพารา")
    assert chat.say("900") == "กรุณาพิมพ์ตัวเลขตั้งแต่ 1 ถึง 500\n\nปลูกกี่ไร่"  # the reason, the question again
    chat.say("๑๒ ไร่")
    chat.say("15,000 บาท")
    chat.say("1/1/2569")
    assert chat.tap("ใช่").startswith("บันทึกการเก็บเกี่ยว 12 ไร่แล้ว")
    [answers] = FINISHED
    assert answers["crop"] == "other" and answers["crop_other"] == "ยางพารา" and answers["rai"] == 12
    assert Decimal(answers["sold"]) == 15000 and answers["harvested"] == "2026-01-01"
