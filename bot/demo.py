"""`flask --app wsgi demo invites`: invitation codes for the web chat demo's one-click identities.

One identity per role in one demo area, each with what a person would type to register. The codes
only ever live in the file this writes (under `instance/`, gitignored): each works once, so the
command makes several per identity and `bin/demo` makes fresh ones at every start.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import click
from flask.cli import AppGroup

from bot.seed import seed
from core.i18n import gettext
from dialogs.buttons import LABEL_LIMIT
from domain.access import audit
from domain.access import staff as staff_service
from domain.labels import POSITIONS
from models import db, utcnow

PLACE = "อ.จักราช, นครราชสีมา"


@dataclass(frozen=True)
class Identity:
    label: str
    role: str
    area: str
    name: str
    position: str  # a value of the registration dialog's position choice (not "other": that asks more)
    phone: str

    def as_json(self, codes: list[str]) -> dict:
        # The position is written as its Thai button label: the web chat taps the button by it.
        position = gettext(dict(POSITIONS)[self.position])[:LABEL_LIMIT]
        return {"role": self.role, "area": self.area, "label": self.label, "name": self.name,
                "position": position, "phone": self.phone, "codes": codes}


IDENTITIES = (
    Identity("ทีมเคาะประตู", "volunteer", "30060101", "มาลี ใจดี", "health_volunteer", "081-234-5601"),
    Identity("ผู้ดูแลครัวเรือน", "caretaker", "30060101", "บุญมา ทองคำ", "village_head", "081-234-5602"),
    Identity("ศจพ.ต.", "supervisor_subdistrict", "300601", "ประเสริฐ ศรีสุข", "cd_officer", "081-234-5603"),
    Identity("ศจพ.อ.", "supervisor_district", "3006", "วิไลวรรณ แก้วมณี", "district_officer", "081-234-5604"),
    Identity("ศจพ.จ.", "supervisor_province", "30", "สมชาย รักษ์ถิ่น", "agriculture_officer", "081-234-5605"),
    Identity("ผู้ดูแลระบบ", "admin", "TH", "อารีย์ ศรีจักราช", "nfe_teacher", "081-234-5606"),
)


def write_identities(path: Path, codes: list[list[str]]) -> Path:
    """The identities file the emulator's web chat reads, `codes[i]` being IDENTITIES[i]'s; readable
    by its owner only, since the codes let anyone in."""
    document = {
        "place": PLACE,
        "confirm": gettext("Yes"),
        "identities": [identity.as_json(mine) for identity, mine in zip(IDENTITIES, codes, strict=True)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8") as file:
        json.dump(document, file, ensure_ascii=False, indent=2)
    return path


def _invite(identity: Identity) -> str:
    """A fresh code for the identity, audited as the operator's `staff invite` is."""
    invite, code = staff_service.create_invite(identity.role, identity.area, identity.name, None, utcnow())
    db.session.add(invite)
    db.session.flush()
    db.session.add(audit.entry("invite.create", "invite", invite.id,
                               after={"role": invite.role, "area": invite.area_code, "name": invite.name,
                                      "by": "demo"}))
    return code


demo_group = AppGroup("demo", help="Data for the web chat demo.")
demo_group.add_command(seed)


@demo_group.command("invites")
@click.option("--count", default=5, show_default=True, type=click.IntRange(min=1),
              help="Codes per identity (each registers one LINE user).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The JSON file to write, for `python -m emulator --demo-identities`.")
def demo_invites(count: int, out: Path) -> None:
    """Invite every demo identity COUNT times and write the codes to OUT (nowhere else)."""
    codes = [[_invite(identity) for _ in range(count)] for identity in IDENTITIES]
    db.session.commit()
    write_identities(out, codes)
    click.echo(f"{count} invitation code(s) for each of {len(IDENTITIES)} demo identities written to {out}")
