"""Operator commands: staff invite, list and revoke."""

import re

from sqlalchemy import select

from models import AuditEntry, Invite, Staff, StaffRole, db


def test_invite_prints_a_code_that_is_stored_only_hashed(embedded_app):
    result = embedded_app.test_cli_runner().invoke(args=["staff", "invite", "--role", "volunteer", "--area", "30060101",
                                                         "--name", "สมศรี"])
    assert result.exit_code == 0, result.output
    code = re.search(r"Invitation code: (\d{8})", result.output).group(1)
    with embedded_app.app_context():
        invite = db.session.scalar(select(Invite))
        assert invite.role == "volunteer" and invite.area_code == "30060101" and invite.name == "สมศรี"
        assert code not in invite.code_hash
        assert db.session.scalar(select(AuditEntry)).action == "invite.create"


def test_invite_refuses_an_area_that_does_not_fit_the_role(embedded_app):
    runner = embedded_app.test_cli_runner()
    result = runner.invoke(args=["staff", "invite", "--role", "supervisor_district", "--area", "300601"])
    assert result.exit_code != 0 and "does not fit" in result.output
    result = runner.invoke(args=["staff", "invite", "--role", "chief", "--area", "30"])
    assert result.exit_code != 0 and "chief" in result.output
    with embedded_app.app_context():
        assert db.session.scalars(select(Invite)).all() == []


def test_list_and_revoke(embedded_app):
    with embedded_app.app_context():
        person = Staff(name="สมชาย", position="พัฒนากร", line_user_id="U" + "1" * 32,
                       roles=[StaffRole(role="caretaker", area_code="30060101")])
        db.session.add(person)
        db.session.commit()
        staff_id = person.id
    runner = embedded_app.test_cli_runner()
    listing = runner.invoke(args=["staff", "list"]).output
    assert "สมชาย" in listing and "caretaker@30060101" in listing and "active" in listing
    assert runner.invoke(args=["staff", "revoke", str(staff_id)]).exit_code == 0
    assert "revoked" in runner.invoke(args=["staff", "list"]).output
    assert runner.invoke(args=["staff", "revoke", "999"]).exit_code != 0
    with embedded_app.app_context():
        person = db.session.get(Staff, staff_id)
        assert person.active is False and person.line_user_id is None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.revoke"))
        assert entry.before["line_user_id"] == "U" + "1" * 32 and entry.after["active"] is False
