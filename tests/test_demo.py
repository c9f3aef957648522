"""`flask --app wsgi demo invites`: the web chat demo's identities file and its single-use codes."""

import json
import stat

from sqlalchemy import select

from bot.demo import IDENTITIES
from models import AuditEntry, Invite, db
from tests.helpers import register


def test_the_command_writes_working_codes_for_each_identity_and_audits_them(app, new_user, tmp_path):
    out = tmp_path / "instance" / "demo-identities.json"
    result = app.test_cli_runner().invoke(args=["demo", "invites", "--count", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output

    document = json.loads(out.read_text(encoding="utf-8"))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert document["place"] == "อ.จักราช, นครราชสีมา" and document["confirm"] == "ใช่"
    identities = document["identities"]
    assert [(i["label"], i["role"], i["area"]) for i in identities] == [
        ("ทีมเคาะประตู", "volunteer", "30060101"),
        ("ผู้ดูแลครัวเรือน", "caretaker", "30060101"),
        ("ศจพ.ต.", "supervisor_subdistrict", "300601"),
        ("ศจพ.อ.", "supervisor_district", "3006"),
        ("ศจพ.จ.", "supervisor_province", "30"),
        ("ผู้ดูแลระบบ", "admin", "TH"),
    ]
    assert identities[0]["position"] == "อสม."  # the Thai label of the button to tap
    codes = [code for identity in identities for code in identity["codes"]]
    assert len(set(codes)) == 2 * len(IDENTITIES) and all(len(code) == 8 and code.isdigit() for code in codes)
    assert all(code not in result.output for code in codes)

    with app.app_context():
        invites = db.session.scalars(select(Invite).order_by(Invite.id)).all()
        assert [(i.role, i.area_code, i.name) for i in invites] == [
            (identity.role, identity.area, identity.name) for identity in IDENTITIES for _ in range(2)]
        audited = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(a.action, a.entity_id, a.after["by"]) for a in audited] == [
            ("invite.create", str(i.id), "demo") for i in invites]

    volunteer = identities[0]
    welcome = register(new_user(volunteer["name"]), volunteer["codes"][1], name=volunteer["name"],
                       phone=volunteer["phone"])
    assert volunteer["name"] in welcome and "ทีมเคาะประตู" in welcome
