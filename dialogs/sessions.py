"""Loading sessions: the persistence side of the dialog engine (saving happens in `bot.inbox.apply`)."""

from sqlalchemy import and_, bindparam, select

from core.types import Outcome
from domain.access import staff as staff_service
from models import DialogSession, LineUser, Staff, db

# Built once: they run on every message.
_ACTIVE = select(DialogSession).where(DialogSession.line_user_id == bindparam("line_user_id"),
                                      DialogSession.status == "active")
# A message needs the account, its staff member with their roles, and the open dialog: one query (a second round
# trip for the dialog cost about 0.3 ms a message on PostgreSQL).
_ACCOUNT_AND_ACTIVE = (staff_service.ACCOUNT.add_columns(DialogSession)
                       .outerjoin(DialogSession, and_(DialogSession.line_user_id == LineUser.user_id,
                                                      DialogSession.status == "active")))


def active(line_user_id: str) -> DialogSession | None:
    return db.session.scalar(_ACTIVE, {"line_user_id": line_user_id})


def account(line_user_id: str) -> tuple[LineUser | None, Staff | None, DialogSession | None]:
    """`staff_service.account` and the person's active dialog, if any, in one query."""
    row = db.session.execute(_ACCOUNT_AND_ACTIVE, {"line_user_id": line_user_id}).unique().first()
    return (row[0], row[1], row[2]) if row else (None, None, None)


def newest_drafts(line_user_id: str, limit: int) -> list[DialogSession]:
    """A person's unfinished dialogs, the most recently touched first."""
    return list(db.session.scalars(select(DialogSession)
                                   .where(DialogSession.line_user_id == line_user_id, DialogSession.status == "draft")
                                   .order_by(DialogSession.updated_at.desc()).limit(limit)))


def latest_draft(line_user_id: str, dialog: str, context: dict | None = None) -> DialogSession | None:
    """The most recent draft; with `context`, the most recent one opened with it (e.g. the same household)."""
    drafts = db.session.scalars(select(DialogSession)
                                .where(DialogSession.line_user_id == line_user_id, DialogSession.dialog == dialog,
                                       DialogSession.status == "draft")
                                .order_by(DialogSession.updated_at.desc()))
    return next((d for d in drafts if all(d.answers.get(k) == v for k, v in (context or {}).items())), None)


def draft_by_key(line_user_id: str, key: str) -> DialogSession | None:
    return db.session.scalar(select(DialogSession).where(DialogSession.line_user_id == line_user_id,
                                                         DialogSession.key == key, DialogSession.status == "draft"))


def set_aside(session: DialogSession) -> Outcome:
    """Make an active session a draft, as another one is about to become active: the outcome carries it, for
    `bot.inbox.apply` to write it before the other (one active session per person).
    A pending "cancel?" is dropped: resumed later, the draft asks its question, not that."""
    session.status = "draft"
    session.confirming = None
    return Outcome(set_aside=[session])
