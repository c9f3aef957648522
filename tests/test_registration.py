"""Staff onboarding: invite codes, the registration dialog, lockout, revocation, unfollow."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import privacy
from models import AuditEntry, InboxEvent, Invite, InviteAttempt, OutboxMessage, Staff, db, utcnow
from tests.helpers import add_villages, invite, register, settle


def test_a_stranger_is_asked_for_a_code_and_sees_nothing_else(app, new_user):
    chat = new_user()
    greeting = chat.follow()
    assert "รหัสเชิญ" in greeting
    for attempt in ("เมนู", "ครัวเรือน 12", "menu=staff"):
        assert "รหัสเชิญ" in chat.say(attempt) or "ไม่ถูกต้อง" in chat.text
    assert "รหัสเชิญ" in chat.postback("menu=staff")


def test_registration_binds_the_line_user_with_the_invites_role(app, new_user):
    code = invite(app, "volunteer", "30060101")
    chat = new_user()
    done = register(chat, f"{code[:4]} {code[4:]}")
    assert "สมศรี ใจดี" in done and "หมู่บ้าน 30060101" in done
    assert "ข้อมูลของฉัน" in chat.buttons()
    with app.app_context():
        person = db.session.scalar(select(Staff))
        assert person.line_user_id == chat.user_id and person.phone == "0812345678"
        assert [(r.role, r.area_code) for r in person.roles] == [("volunteer", "30060101")]
        assert db.session.scalar(select(Invite)).used_by == person.id
        actions = [a.action for a in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == ["staff.register", "invite.use"]
        assert db.session.scalar(select(AuditEntry)).event_id


def test_a_code_works_once(app, new_user):
    code = invite(app)
    register(new_user(), code)
    second = new_user("คนที่สอง")
    second.follow()
    assert "ไม่ถูกต้อง" in second.say(code)


def test_an_expired_code_is_refused(app, new_user):
    code = invite(app, created_at=utcnow() - timedelta(days=8))
    chat = new_user()
    chat.follow()
    assert "หมดอายุ" in chat.say(code)


def test_five_wrong_codes_in_an_hour_lock_the_user_out(app, new_user):
    code = invite(app)
    chat = new_user()
    chat.follow()
    for _ in range(5):
        assert "ไม่ถูกต้อง" in chat.say("11112222")
    assert "ลองใหม่" in chat.say(code)  # even the right code, until the hour is over
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(InviteAttempt)) == 5
        for attempt in db.session.scalars(select(InviteAttempt)):
            attempt.at -= timedelta(minutes=61)
        db.session.commit()
    assert "ชื่อ" in chat.say(code)


def test_codes_are_stored_hashed(app):
    code = invite(app)
    with app.app_context():
        stored = db.session.scalar(select(Invite))
        assert code not in stored.code_hash and len(stored.code_hash) == 64


@pytest.mark.parametrize("role", ["volunteer", "caretaker", "supervisor_subdistrict"])
def test_each_role_gets_its_menu(app, new_user, role):
    area = {"volunteer": "30060101", "caretaker": "30060101", "supervisor_subdistrict": "300601"}[role]
    register(chat := new_user(), invite(app, role, area))
    assert ("เชิญเจ้าหน้าที่" in chat.buttons()) == role.startswith("supervisor")


def test_revoked_staff_are_back_to_registration_only(app, new_user):
    chat = new_user()
    register(chat, invite(app))
    with app.app_context():
        person = db.session.scalar(select(Staff))
        db.session.add(privacy.revoke(person, None))
        db.session.commit()
    assert "รหัสเชิญ" in chat.say("เมนู")
    assert "รหัสเชิญ" in chat.postback("menu=profile")


def test_unfollow_deactivates_until_follow(app, new_user, line):
    chat = new_user()
    register(chat, invite(app))
    line.send(line.unfollow(chat.user_id))
    settle(app)
    with app.app_context():
        from bot.events import person_context
        from dialogs.sessions import account
        line_user, staff, _session = account(chat.user_id)
        assert staff is not None and person_context(line_user, staff, None, utcnow()).staff is None
    assert "ยินดีต้อนรับกลับ" in chat.follow()


def test_a_code_sent_in_the_chat_is_never_stored_readable_and_sent_messages_keep_no_text(app, new_user):
    with app.app_context():
        add_villages()
        db.session.commit()
    boss = new_user("หัวหน้า")
    register(boss, invite(app, "supervisor_subdistrict", "300601"), name="หัวหน้า ตำบล")
    boss.postback("menu=invite")
    boss.tap("ทีมเคาะประตู")
    boss.say("30060102")
    boss.say("สมหญิง รักดี")
    assert "สมหญิง รักดี" in boss.text  # the summary names the person invited
    shown = boss.tap("ใช่").split("\n")[0]
    code = "".join(ch for ch in shown if ch.isdigit())
    assert len(code) == 8
    register(new_user("อาสาใหม่"), code, name="สมหญิง รักดี")
    settle(app)
    with app.app_context():
        rows = [*db.session.scalars(select(OutboxMessage)), *db.session.scalars(select(InboxEvent))]
        stored = [repr({column.key: getattr(r, column.key) for column in r.__table__.columns}) for r in rows]
        for form in (code, f"{code[:4]} {code[4:]}"):
            assert not [text for text in stored if form in text]
        sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")).all()
        assert sent and all(set(message) == {"type"} for r in sent for message in r.messages)
        assert not [text for text in stored if "สมหญิง" in text]
