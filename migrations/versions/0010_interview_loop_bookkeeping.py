"""interview sessions: the loops' bookkeeping as the declared loops keep it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 12:40:00.000000

The interview's loops (over the members, the income sources and the problem dimensions) used to keep which
one ran in `_members_mode` / `_members_until` and only a cursor for incomes and problems. The declared loops
(dialogs.flow.ForEach) keep, per roster, the loop running (`_<roster>_loop`) and the items it visits
(`_<roster>_visits`). An interview left unfinished (active or a draft) is rewritten to the new keys, in its
answers and in its history (which "back" restores), so it goes on where it was. Downgrading does the reverse.
"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

MODE, UNTIL = "_members_mode", "_members_until"
UPDATE = sa.text("UPDATE dialog_sessions SET answers = :answers, history = :history WHERE id = :id").bindparams(
    sa.bindparam("answers", type_=sa.JSON), sa.bindparam("history", type_=sa.JSON))


def _new(kept: dict, answers: dict) -> dict:
    """The bookkeeping `kept` (the answers', or one history step's), in the declared loops' keys."""
    kept = dict(kept)
    members = answers.get("members") or []
    on_record = [i for i, item in enumerate(members) if "id" in item]
    mode, until = kept.pop(MODE, None), kept.pop(UNTIL, None)
    visits = {
        "review": on_record,
        "add": list(range(len(on_record), until or len(on_record))),
        "check": [kept.get("_members_at", 0)],  # one member added or picked from the list
        "skills": [i for i, item in enumerate(members) if item.get("m_status") != "remove" and item.get("m_can_work")],
    }
    if mode in visits:
        kept["_members_loop"] = "edit_one" if mode == "check" else mode
        kept["_members_visits"] = visits[mode]
    for roster in ("incomes", "problems"):
        if f"_{roster}_at" in kept and f"_{roster}_loop" not in kept:
            kept[f"_{roster}_loop"] = roster
            kept[f"_{roster}_visits"] = list(range(len(answers.get(roster) or [])))
    return kept


def _old(kept: dict, answers: dict) -> dict:
    kept = {key: value for key, value in kept.items() if not key.endswith(("_loop", "_visits"))}
    loop = dict(answers, **kept).get("_members_loop")
    if loop:
        kept[MODE] = "check" if loop in ("add_one", "edit_one") else loop
        if loop == "add":
            visits = dict(answers, **kept).get("_members_visits") or [0]
            kept[UNTIL] = visits[-1] + 1
    return kept


def _rewrite(convert) -> None:
    connection = op.get_bind()
    sessions = connection.execute(sa.text("SELECT id, answers, history FROM dialog_sessions WHERE dialog = 'interview' "
                                          "AND status IN ('active', 'draft')")).all()
    for session_id, answers, history in sessions:
        answers = json.loads(answers) if isinstance(answers, str) else answers or {}
        history = json.loads(history) if isinstance(history, str) else history or []
        bookkeeping = {key: value for key, value in answers.items() if key.startswith("_")}
        answers = {key: value for key, value in answers.items() if not key.startswith("_")}
        answers.update(convert(bookkeeping, answers))
        history = [step if isinstance(step, str) else [step[0], convert(step[1], answers)] for step in history]
        connection.execute(UPDATE, {"answers": answers, "history": history, "id": session_id})


def upgrade():
    _rewrite(_new)


def downgrade():
    _rewrite(_old)
