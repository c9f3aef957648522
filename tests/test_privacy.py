"""Personal data is kept no longer than needed: a revoked volunteer's unfinished interview goes to a supervisor or
is deleted, old conversations, photos and sent messages are purged, and an erased household's audit entries stay
(append-only) but can no longer be read."""

import json
import secrets
from datetime import date, timedelta
from decimal import Decimal

import pytest
from cryptography.exceptions import InvalidTag
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from bot import outbox, privacy
from bot.recovery import sweep
from core.i18n import gettext
from core.thai import format_date
from domain.access import areas, audit
from models import (
    Area,
    AuditEntry,
    CheckIn,
    Compass,
    CompassActivity,
    DialogSession,
    Household,
    HouseholdKey,
    InboxEvent,
    LineUser,
    Member,
    OutboxMessage,
    Photo,
    Problem,
    Staff,
    StaffRole,
    Visit,
    db,
    utcnow,
)
from tests.helpers import database_at, open_interview, settle, yes

VILLAGE = "30060101"
NAME, INCOME = "นางมาลี ทองดี", "4500.00"


def th(message: str, **values) -> str:
    return gettext(message, "th", **values)


def readable(rows) -> str:
    """Rows as a person reading the table would see them: JSON strings decoded (Thai is stored as \\u escapes)."""
    values = []
    for row in rows:
        for value in row:
            if isinstance(value, str) and value[:1] in "{[":
                value = json.loads(value)
            values.append(value)
    return json.dumps(values, ensure_ascii=False, default=str)


def add_household(number: str, head: str, village: str = VILLAGE) -> int:
    if db.session.get(Area, village) is None:
        db.session.add(Area(code=village, level="village", name_th="บ้านหนองทดสอบ", parent_code=village[:6],
                            moo=int(village[6:])))
    household = Household(house_number=number, village_code=village, head_name=head, source="jpt", source_year=2566,
                          members=[Member(name=head, relation="head", birth_date=date(1970, 3, 1),
                                          monthly_income=Decimal("3000"), national_id_hash="f" * 64,
                                          national_id_last="5635")])
    db.session.add(household)
    db.session.flush()
    return household.id


def add_staff(name: str, role: str, area: str, line_user_id: str | None) -> Staff:
    if line_user_id:
        db.session.add(LineUser(user_id=line_user_id, following=True, language="th"))
    person = Staff(name=name, position="x", line_user_id=line_user_id, roles=[StaffRole(role=role, area_code=area)])
    db.session.add(person)
    db.session.flush()
    return person


def draft(line_user_id: str, dialog: str, answers: dict, age: timedelta, status: str = "draft") -> int:
    at = utcnow() - age
    session = DialogSession(key=secrets.token_hex(8),
                            line_user_id=line_user_id, dialog=dialog, state="m_name", answers=answers, history=[],
                            status=status, created_at=at, updated_at=at)
    db.session.add(session)
    db.session.flush()
    return session.id


def revoke(app, staff_id: int) -> None:
    result = app.test_cli_runner().invoke(args=["staff", "revoke", str(staff_id)])
    assert result.exit_code == 0, result.output


# ---- a revoked volunteer's unfinished interview -------------------------------------------------------------

def test_a_revoked_volunteers_interview_goes_to_the_supervisor_who_continues_it(app, new_user):
    volunteer, supervisor = new_user("อาสา"), new_user("หัวหน้า")
    with app.app_context():
        household_id = add_household("12", "นายสมชาย ใจดี")
        volunteer_id = add_staff("อาสา ทดสอบ", "volunteer", VILLAGE, volunteer.user_id).id
        add_staff("หัวหน้า ตำบล", "supervisor_subdistrict", VILLAGE[:6], supervisor.user_id)
        add_staff("ผู้ดูแล ประเทศ", "admin", "TH", "U" + "a" * 32)  # further away: not the one
        db.session.commit()
    open_interview(volunteer, household_id)
    yes(volunteer)  # consent
    volunteer.say("2")
    volunteer.say(NAME)  # the family's answers, in the volunteer's session
    assert volunteer.say("เมนู").startswith(th("Your answers so far are kept. To go on, tap \"%(button)s\" in the menu.",
                                             button=th("Continue: %(title)s", title=th("4T interview"))))
    settle(app)

    revoke(app, volunteer_id)

    with app.app_context():
        handed = db.session.scalar(select(DialogSession).where(DialogSession.dialog == "interview"))
        assert (handed.line_user_id, handed.status) == (supervisor.user_id, "draft")
        assert NAME in str(handed.answers)
        push = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_key == supervisor.user_id))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "session.hand_over"))
        assert entry.after["household"] == household_id and NAME not in str(entry.after)
        outbox.deliver(push.id)
        village = areas.name(VILLAGE, "th", full=False)
    assert supervisor.platform.received(supervisor.user_id)[-1].messages[0]["text"] == th(
        "%(name)s no longer has access, so their unfinished interview of house no. %(number)s, %(village)s, last "
        "changed %(date)s, is now yours. Open the household and start the interview to continue where they left "
        "off. Left untouched for %(days)s days, it is deleted.", name="อาสา ทดสอบ", number="12", village=village,
        date=format_date(utcnow(), "th"), days=30)
    assert open_interview(supervisor, household_id) == th(
        "You have an unfinished \"%(title)s\" from %(date)s. Continue where you left off, or start over?",
        title=th("4T interview"), date=format_date(utcnow(), "th"))
    continued = supervisor.tap(th("Continue"))
    assert continued.startswith(th("Welcome back. Let's continue where you left off.")) and NAME in continued


def test_a_revoked_persons_other_conversations_are_deleted(app):
    with app.app_context():
        household_id = add_household("12", "นายสมชาย ใจดี")
        elsewhere = add_household("7", "นางคำ มีสุข", village="40010101")  # no supervisor over this one
        volunteer = add_staff("อาสา ทดสอบ", "volunteer", VILLAGE, "U" + "1" * 32)
        add_staff("หัวหน้า ตำบล", "supervisor_subdistrict", VILLAGE[:6], "U" + "2" * 32)
        old = draft(volunteer.line_user_id, "interview", {"@household": household_id, "m_name": NAME},
                    timedelta(days=31))
        unsupervised = draft(volunteer.line_user_id, "interview", {"@household": elsewhere, "m_name": NAME},
                             timedelta(days=1))
        adding = draft(volunteer.line_user_id, "add_household", {"head_name": NAME}, timedelta(hours=1),
                       status="active")
        db.session.commit()
        volunteer_id = volunteer.id

    revoke(app, volunteer_id)

    with app.app_context():
        assert db.session.scalars(select(DialogSession).where(DialogSession.id.in_([old, unsupervised, adding]))) \
            .all() == []
        purged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "session.purge")).all()
        assert sorted(int(e.entity_id) for e in purged) == sorted([old, unsupervised, adding])
        assert all(e.after["why"] == "revoked" and NAME not in str(e.after) for e in purged)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # no one to tell


# ---- the periodic purge -------------------------------------------------------------------------------------

def test_the_purge_deletes_what_is_past_its_time_and_keeps_the_rest(app):
    now = utcnow()
    with app.app_context():
        stale = draft("U" + "1" * 32, "interview", {"m_name": NAME}, timedelta(days=31))
        fresh = draft("U" + "1" * 32, "interview", {"m_name": NAME}, timedelta(days=29))
        db.session.add_all([
            Photo(line_message_id="old", line_user_id="U" + "1" * 32, content_type="image/jpeg", size=1,
                  content=b"x", created_at=now - timedelta(days=31)),
            Photo(line_message_id="new", line_user_id="U" + "1" * 32, content_type="image/jpeg", size=1,
                  content=b"x", created_at=now),
            OutboxMessage(kind="push", recipients=["U1"], messages=[{"type": "text", "text": NAME}], retry_key="a",
                          status="sent", next_attempt_at=now - timedelta(days=2)),
            OutboxMessage(kind="push", recipients=["U1"], messages=[{"type": "text", "text": NAME}], retry_key="b",
                          status="sent", next_attempt_at=now - timedelta(hours=2)),
            InboxEvent(webhook_event_id="E1", user_key="U1", event_type="message", status="failed",
                       received_at=now - timedelta(days=8),
                       payload={"type": "message", "webhookEventId": "E1", "message": {"type": "text", "id": "1",
                                                                                      "text": NAME}}),
        ])
        db.session.commit()

        cared = add_household("12", NAME)
        db.session.add(compass_of(cared, mou_photo(now - timedelta(days=400))))
        db.session.add(check_in_of(cared, photo_taken(now - timedelta(days=400), "visit")))
        db.session.commit()

        purged = privacy.purge(now)

        assert (purged.sessions, purged.photos, purged.messages, purged.events) == (1, 1, 1, 1)
        assert [s.id for s in db.session.scalars(select(DialogSession))] == [fresh] != [stale]
        # the records' photos stay: the signed MOU's and the monthly visit's
        assert sorted(p.line_message_id for p in db.session.scalars(select(Photo))) == ["mou", "new", "visit"]
        assert [m.retry_key for m in db.session.scalars(select(OutboxMessage))] == ["b"]
        assert NAME not in str(db.session.scalar(select(InboxEvent)).payload)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retention.purge"))
        assert entry.after["sessions"] == 1 and entry.after["older_than_days"] == 30
        assert not privacy.purge(now)  # nothing left to do: no second entry
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_the_sweeper_purges_once_an_hour(app, monkeypatch):
    monkeypatch.setattr(privacy, "_next_purge", 0.0)  # as in a process that has not purged yet
    with app.app_context():
        draft("U" + "1" * 32, "interview", {"m_name": NAME}, timedelta(days=31))
        db.session.commit()
        sweep()
        draft("U" + "1" * 32, "registration", {"name": NAME}, timedelta(days=31))
        db.session.commit()
        sweep()  # within the hour: left for the next purge
        assert [s.dialog for s in db.session.scalars(select(DialogSession))] == ["registration"]


def photo_taken(taken, message_id: str) -> Photo:
    photo = Photo(line_message_id=message_id, line_user_id="U" + "1" * 32, content_type="image/jpeg", size=1,
                  content=b"x", created_at=taken)
    db.session.add(photo)
    db.session.flush()
    return photo


def mou_photo(taken) -> Photo:
    return photo_taken(taken, "mou")


def check_in_of(household_id: int, photo: Photo) -> CheckIn:
    """A monthly visit of the household, with its photo, by the first staff member (made if there is none)."""
    staff = db.session.scalar(select(Staff)) or add_staff("ผู้ดูแล", "caretaker", VILLAGE, "U" + "2" * 32)
    return CheckIn(household_id=household_id, period=202612, staff_id=staff.id, contact="in_person",
                   photo_id=photo.id, note=NAME)


def compass_of(household_id: int, photo: Photo) -> Compass:
    """A household's compass whose signed MOU was photographed."""
    return Compass(household_id=household_id, version=1, classification="welfare", goals={"family": NAME},
                   representative=NAME, team="อาสา", created_at=utcnow(), accepted_at=utcnow(), photo_id=photo.id,
                   activities=[CompassActivity(part="self", kind="save", text="ออม", who=NAME,
                                               target_month=date(2027, 1, 1))])


# ---- erasing a household ------------------------------------------------------------------------------------

def history_of(household_id: int, staff_id: int) -> None:
    """What the interview, the card and an import write about a household, through the same calls."""
    db.session.add_all([
        audit.entry("member.update", "member", 1, staff_id=staff_id, household=household_id,
                    before={"name": NAME, "monthly_income": "1500.00"}, after={"name": NAME, "monthly_income": INCOME}),
        audit.entry("household.update", "household", household_id, staff_id=staff_id, household=household_id,
                    after={"head_name": NAME, "classification": "welfare"}),
        audit.entry("folder.view", "household", household_id, staff_id=staff_id, household=household_id),
    ])


def test_erasing_a_household_leaves_its_audit_entries_in_place_but_unreadable(app):
    with app.app_context():
        erased_id, kept_id = add_household("12", NAME), add_household("13", "นายบุญมี มีสุข")
        staff_id = add_staff("อาสา ทดสอบ", "volunteer", VILLAGE, "U" + "1" * 32).id
        history_of(erased_id, staff_id)
        history_of(kept_id, staff_id)
        db.session.add_all([Visit(household_id=erased_id, staff_id=staff_id, consent=True, acknowledged_by=NAME),
                            Problem(household_id=erased_id, dimension="income", description=NAME)])
        signed = mou_photo(utcnow())
        db.session.add(compass_of(erased_id, signed))
        db.session.add(check_in_of(erased_id, photo_taken(utcnow(), "visit")))
        about = draft("U" + "1" * 32, "interview", {"@household": erased_id, "m_name": NAME}, timedelta(days=1))
        other = draft("U" + "1" * 32, "interview", {"@household": kept_id}, timedelta(days=1))
        db.session.commit()
        raw_before = db.session.execute(text("SELECT * FROM audit_log")).all()
    assert NAME not in readable(raw_before) and INCOME not in readable(raw_before)  # sealed from the start

    runner = app.test_cli_runner()
    refused = runner.invoke(args=["households", "erase", str(erased_id), "--reason", "คำขอที่ 12/2569"], input="n\n")
    assert refused.exit_code != 0
    with app.app_context():
        assert db.session.get(Household, erased_id) is not None  # not confirmed: nothing happened
    result = runner.invoke(args=["households", "erase", str(erased_id), "--reason", "คำขอที่ 12/2569", "--yes"])
    assert result.exit_code == 0, result.output
    assert "1 members, 1 problems, 1 visits, 1 compasses, 1 monthly visits, 1 conversations" in result.output

    with app.app_context():
        assert db.session.get(Household, erased_id) is None and db.session.get(HouseholdKey, erased_id) is None
        for model, column in ((Member, Member.household_id), (Problem, Problem.household_id),
                              (Visit, Visit.household_id), (Compass, Compass.household_id)):
            assert db.session.scalar(select(func.count()).select_from(model).where(column == erased_id)) == 0
        assert db.session.scalar(select(func.count()).select_from(CompassActivity)) == 0
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 0  # the MOU's and the visit's photos too
        assert [s.id for s in db.session.scalars(select(DialogSession))] == [other] != [about]
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.household_id == erased_id)
                                     .order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["member.update", "household.update", "folder.view", "household.erase"]
        member_update = entries[0]
        assert audit.read(member_update).erased and member_update.fields == ["monthly_income", "name"]
        assert (member_update.staff_id, member_update.entity_id) == (staff_id, "1")  # who, what, when stay
        with pytest.raises(InvalidTag):  # no other key opens it
            audit.unseal(db.session.get(HouseholdKey, kept_id).key, audit.bound_to(erased_id, "member", "1"),
                         member_update.sealed)
        erasure = entries[-1]
        assert erasure.after == {"reason": "คำขอที่ 12/2569", "by": erasure.after["by"], "members": 1, "problems": 1,
                                 "visits": 1, "sessions": 1, "compasses": 1, "check_ins": 1}
        assert erasure.after["by"].startswith("cli:")
        kept = [audit.read(e) for e in db.session.scalars(select(AuditEntry).where(AuditEntry.household_id == kept_id)
                                                            .order_by(AuditEntry.id))]
        assert kept[0].after == {"name": NAME, "monthly_income": INCOME} and not kept[0].erased
        raw = db.session.execute(text("SELECT * FROM audit_log")).all()
        assert len(raw) == len(raw_before) + 1 and NAME not in readable(raw) and INCOME not in readable(raw)
        for statement in (f"UPDATE audit_log SET sealed = NULL WHERE household_id = {erased_id}",
                          f"DELETE FROM audit_log WHERE household_id = {erased_id}"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()

    shown = runner.invoke(args=["audit", "household", str(erased_id)]).output
    assert "member.update" in shown and "erased: monthly_income, name" in shown and NAME not in shown
    assert INCOME in runner.invoke(args=["audit", "household", str(kept_id)]).output
    assert runner.invoke(args=["households", "erase", str(erased_id), "--reason", "x", "--yes"]).exit_code != 0


def test_entries_written_before_the_keys_are_sealed_by_the_migration(emulator, tmp_path):
    with database_at(emulator.url, tmp_path / "old.sqlite3", "0006", 5, NAME):
        # An interview's entries: the member was removed since, so only the event ties its entry to the household.
        for entity, entity_id, values in (("member", 9, f'{{"name": "{NAME}", "monthly_income": "{INCOME}"}}'),
                                          ("household", 5, f'{{"head_name": "{NAME}"}}')):
            db.session.execute(text("INSERT INTO audit_log (at, action, entity, entity_id, before, event_id) VALUES "
                                    f"('2026-01-01', '{entity}.update', '{entity}', '{entity_id}', '{values}', 'E1')"))
        db.session.commit()

        upgrade()

        raw = db.session.execute(text("SELECT * FROM audit_log")).all()
        assert NAME not in readable(raw) and INCOME not in readable(raw)
        member, household = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert member.household_id == household.household_id == 5
        assert audit.read(member).before == {"name": NAME, "monthly_income": INCOME}
        with pytest.raises(DatabaseError, match="append-only"):  # the triggers are back
            db.session.execute(text("DELETE FROM audit_log"))
        db.session.rollback()

        downgrade(revision="0006")
        assert NAME in readable(db.session.execute(text("SELECT before FROM audit_log")).all())
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text("DELETE FROM audit_log"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
