"""Group and room chats: the bot shows nothing personal there, says once that it works only one-to-one
with staff, and leaves."""

import json

from sqlalchemy import func, select

from bot import outbox
from core.i18n import gettext
from models import DialogSession, LeftChat, OutboxMessage, db
from tests.helpers import HEADS, add_household, add_staff, add_villages, settle

FAREWELL = gettext("This assistant works only in a one-to-one chat with staff, so it is leaving this group chat. "
                   "Staff, please add it as a friend and chat with it there.", "th")
SEARCH = "menu=household_results&q=สมศรี&page=0"  # in a one-to-one chat: the list of households


def sent_to(platform, chat_id: str) -> str:
    return json.dumps([d.messages for d in platform.received(chat_id)], ensure_ascii=False)


def test_a_staff_members_search_in_a_group_shows_nothing_and_the_bot_leaves(app, line, platform, new_user):
    volunteer = new_user("อาสา")
    with app.app_context():
        add_villages()
        add_staff(volunteer.user_id, "volunteer", "30060101")
        for number, head in enumerate(HEADS[:3], 1):
            add_household("30060101", str(number), head)
        db.session.commit()
    group = platform.new_group_id()
    assert line.send(line.in_group(line.postback(volunteer.user_id, SEARCH), group)).status_code == 200
    [farewell] = platform.wait_for_messages(group, 1)
    assert [m["text"] for m in farewell.messages] == [FAREWELL]
    assert platform.wait_for(lambda: platform.has_left(group))
    # Events from the group still on their way when the bot left get no answer.
    assert line.send(line.in_group(line.text(volunteer.user_id, "ครัวเรือน 1"), group)).status_code == 200
    settle(app)
    assert len(platform.received(group)) == 1 and "สมศรี" not in sent_to(platform, group)
    assert platform.received(volunteer.user_id) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DialogSession)) == 0
        assert db.session.get(LeftChat, group).chat_type == "group"
    # The same tap in the volunteer's own chat lists the households: the group was kept from them.
    volunteer.postback(SEARCH)
    assert HEADS[0] in json.dumps(volunteer.last.messages, ensure_ascii=False)


def test_a_room_is_left_each_time_the_bot_is_brought_in(app, line, platform):
    member = platform.add_user(platform.new_user_id())["userId"]
    room = platform.new_room_id()
    for invitation in range(1, 3):
        assert line.send(line.join(room_id=room)).status_code == 200
        assert platform.wait_for(lambda: platform.has_left(room))
        assert line.send(line.in_room(line.text(member, "สวัสดี"), room)).status_code == 200
        settle(app)
        assert [m["text"] for d in platform.received(room) for m in d.messages] == [FAREWELL] * invitation
    assert platform.received(member) == []


def test_leaving_a_chat_the_bot_is_no_longer_in_counts_as_done(app, line, platform):
    group = platform.new_group_id()
    line.send(line.join(group_id=group))
    assert platform.wait_for(lambda: platform.has_left(group))
    settle(app)
    with app.app_context():
        again = outbox.queue_leave("group", group, None)
        db.session.commit()
        outbox.deliver(again.id)
        statuses = db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.user_key == group)).all()
    assert statuses == ["sent", "sent", "sent"]  # the farewell, leaving, and leaving again (LINE: 404)
