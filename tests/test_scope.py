"""Area scope: each role sees its own area and is refused everything outside it."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from domain.access import scope
from models import AppendOnlyError, AuditEntry, Staff, StaffRole, db
from tests.helpers import add_villages, invite, place, register

PEOPLE = {
    # name: (role, area)
    "village_a": ("volunteer", "30060101"),
    "village_b": ("caretaker", "30060302"),
    "sub_a": ("supervisor_subdistrict", "300601"),
    "district": ("supervisor_district", "3006"),
    "other_province": ("supervisor_province", "31"),
    "admin": ("admin", "TH"),
}
SEES = {
    "village_a": {"village_a"},
    "village_b": {"village_b"},
    "sub_a": {"village_a", "sub_a"},
    "district": {"village_a", "village_b", "sub_a", "district"},
    "other_province": {"other_province"},
    "admin": set(PEOPLE),
}


@pytest.fixture
def people(app):
    with app.app_context():
        for name, (role, area) in PEOPLE.items():
            db.session.add(Staff(name=name, position="x", roles=[StaffRole(role=role, area_code=area)]))
        db.session.commit()
    return app


@pytest.mark.parametrize("viewer", list(PEOPLE))
def test_each_role_sees_staff_only_in_its_area(people, viewer):
    with people.app_context():
        me = db.session.scalar(select(Staff).where(Staff.name == viewer))
        seen = {person.name for person in db.session.scalars(scope.staff_query(me))}
        assert seen == SEES[viewer]
        for name, (_, area) in PEOPLE.items():
            code = "" if area == "TH" else area
            if name not in SEES[viewer]:
                with pytest.raises(scope.OutOfScope):
                    scope.of(me).require(code)


def test_revoked_or_unknown_people_see_nothing(people):
    with people.app_context():
        me = db.session.scalar(select(Staff).where(Staff.name == "admin"))
        me.active = False
        assert db.session.scalars(scope.staff_query(me)).all() == []
        assert scope.of(None).contains("30") is False


def test_a_scope_prefix_is_not_a_pattern(people):
    with people.app_context():
        assert scope.Scope(("30%",)).contains("3006") is False
        rows = db.session.scalars(select(StaffRole).where(scope.Scope(("3_",)).condition(StaffRole.area_code)))
        assert rows.all() == []


def test_a_supervisor_invites_inside_their_area_only(app, new_user):
    with app.app_context():
        add_villages()
        db.session.commit()
    boss = new_user("หัวหน้า")
    register(boss, invite(app, "supervisor_subdistrict", "300601"))
    boss.postback("menu=invite")
    assert "ทีมเคาะประตู" in boss.buttons() and "ศจพ.อ." not in " ".join(boss.buttons())
    boss.tap("ทีมเคาะประตู")
    assert "อยู่นอกพื้นที่" in boss.say("30060301")  # another subdistrict
    boss.say("30060102")
    boss.tap("ข้าม")
    done = boss.tap("ใช่")
    assert "เชิญเจ้าหน้าที่" in boss.buttons()  # the menu, to go on
    code = "".join(ch for ch in done.split("\n")[0] if ch.isdigit())
    assert len(code) == 8
    newcomer = new_user("อาสาใหม่")
    assert place(app, "30060102") in register(newcomer, code)


def test_the_staff_list_in_chat_is_scoped(app, new_user):
    boss = new_user("หัวหน้า")
    register(boss, invite(app, "supervisor_subdistrict", "300601"), name="หัวหน้า ตำบล")
    register(new_user(), invite(app, "volunteer", "30060101"), name="อาสา ในตำบล")
    register(new_user(), invite(app, "volunteer", "30060301"), name="อาสา ต่างตำบล")
    listing = boss.postback("menu=staff")
    assert "อาสา ในตำบล" in listing and "หัวหน้า ตำบล" in listing
    assert "ต่างตำบล" not in listing


def test_a_volunteer_cannot_open_supervisor_items(app, new_user):
    chat = new_user()
    register(chat, invite(app, "volunteer", "30060101"))
    assert "ไม่เปิดให้ท่านใช้งาน" in chat.postback("menu=staff")


def test_the_audit_log_refuses_changes(app):
    with app.app_context():
        db.session.add(AuditEntry(action="test", entity="x", entity_id="1"))
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry))
        entry.action = "changed"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AppendOnlyError):
            db.session.delete(db.session.scalar(select(AuditEntry)))
            db.session.commit()
        db.session.rollback()
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.scalar(select(AuditEntry)).action == "test"
