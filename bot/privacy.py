"""Personal data kept no longer than needed (PDPA): retention, hand-over and erasure.

- A revoked person (`revoke`)'s unfinished conversations are settled at revocation: a recent interview of a household
  goes, as a draft, to the nearest active supervisor over that household, who is told by a LINE message;
  anything else (an old draft, no supervisor, another dialog) is deleted. Nothing typed stays with nobody.
- The periodic purge (`purge_when_due`, from the sweeper, hourly per process; `flask --app wsgi privacy purge`
  at once) deletes conversations untouched for DRAFT_RETENTION_DAYS, photos as old (but a signed MOU's and a
  monthly visit's, kept with their records), sent or failed outgoing messages a day after their last attempt, and
  strips events that failed under earlier versions (which kept what the person typed) after a week.
- Erasing a household (a data-subject request, `flask --app wsgi households erase ID`) deletes its members,
  problems, visits, compasses (with their MOU photos), monthly check-ins (with their photos), conversations about
  it and its data key. Its audit
  entries stay, as the log is append-only, but their personal values were sealed with that key
  (domain.access.audit) and can't be read any more.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from linebot.v3.messaging import TextMessage
from sqlalchemy import delete, select, text

from bot import outbox
from bot.inbox import without_content
from core import line_json
from core.i18n import gettext
from core.thai import format_date
from domain.access import areas, audit
from domain.access import staff as staff_service
from models import (
    CareAssignment,
    CheckIn,
    Compass,
    DialogSession,
    Household,
    HouseholdKey,
    InboxEvent,
    LineUser,
    OutboxMessage,
    Photo,
    Staff,
    StaffRole,
    Visit,
    db,
    utcnow,
)
from models.staff import NATIONWIDE, SUPERVISOR_ROLES

log = logging.getLogger(__name__)

HANDED_OVER = ("interview",)  # dialogs worth finishing by someone else: the answers a family gave at the door
SENT_MESSAGES_KEPT = timedelta(days=1)  # an outgoing message, after its last attempt (LINE has it by then)
# An event fails without its content now (bot.inbox); ones that failed under earlier versions kept it this long.
FAILED_EVENTS_KEPT = timedelta(days=7)
PURGE_EVERY = 3600.0  # seconds, per process


def draft_retention() -> timedelta:
    return timedelta(days=current_app.config["DRAFT_RETENTION_DAYS"])


# ---- a revoked person's conversations ----------------------------------------------------------------------

def revoke(staff: Staff, by: Staff | None, now: datetime | None = None) -> object:
    """Take away access: the LINE binding goes, the record and its history stay. The person's unfinished
    conversations go to a supervisor or are deleted in the same transaction (audited below)."""
    now = now or utcnow()
    before, line_user_id = staff_service.describe(staff), staff.line_user_id
    staff.active, staff.revoked_at, staff.line_user_id = False, now, None
    db.session.add_all(settle_conversations(staff, line_user_id, now))
    return audit.entry("staff.revoke", "staff", staff.id, staff_id=by.id if by else None,
                       before=before, after=staff_service.describe(staff))


def settle_conversations(staff: Staff, line_user_id: str | None, now: datetime) -> list:
    """At revocation: hand each recent interview to a supervisor over its household, delete every other open
    conversation of the person's. Returns the audit entries (no personal values: ids and the dialog)."""
    if line_user_id is None:
        return []
    entries = []
    sessions = db.session.scalars(select(DialogSession).where(DialogSession.line_user_id == line_user_id,
                                                              DialogSession.status.in_(("active", "draft"))))
    for session in sessions.all():
        household = _household_of(session)
        supervisor = None
        if household is not None and now - session.updated_at <= draft_retention():
            supervisor = supervisor_over(household, other_than=staff)
        if supervisor is None:
            db.session.delete(session)
            entries.append(audit.entry("session.purge", "dialog_session", session.id, after={
                "dialog": session.dialog, "owner": staff.id, "why": "revoked"}))
            continue
        session.line_user_id, session.status, session.confirming = supervisor.line_user_id, "draft", None
        _tell(supervisor, staff, household, session)
        entries.append(audit.entry("session.hand_over", "dialog_session", session.id, after={
            "dialog": session.dialog, "household": household.id, "from": staff.id, "to": supervisor.id}))
    return entries


def _household_of(session: DialogSession) -> Household | None:
    if session.dialog not in HANDED_OVER or "@household" not in session.answers:
        return None
    return db.session.get(Household, session.answers["@household"])


def supervisor_over(household: Household, other_than: Staff) -> Staff | None:
    """The active supervisor (or admin) with LINE whose area holds the household, the nearest level first."""
    areas_above = [household.village_code[:length] for length in (6, 4, 2)] + [NATIONWIDE]
    found = db.session.execute(
        select(Staff, StaffRole.area_code).join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(StaffRole.role.in_(SUPERVISOR_ROLES), StaffRole.area_code.in_(areas_above), Staff.active.is_(True),
               Staff.line_user_id.is_not(None), Staff.id != other_than.id)).all()
    nearest = sorted(found, key=lambda row: (areas_above.index(row.area_code), row.Staff.id))
    return nearest[0].Staff if nearest else None


def _tell(supervisor: Staff, revoked: Staff, household: Household, session: DialogSession) -> None:
    reader = db.session.get(LineUser, supervisor.line_user_id)
    locale = reader.language if reader else "th"
    village = areas.name(household.village_code, locale, full=False) or household.village_code
    message = gettext("%(name)s no longer has access, so their unfinished interview of house no. %(number)s, "
                      "%(village)s, last changed %(date)s, is now yours. Open the household and start the interview "
                      "to continue where they left off. Left untouched for %(days)s days, it is deleted.", locale,
                      name=revoked.name, number=household.house_number, village=village,
                      date=format_date(session.updated_at, locale), days=draft_retention().days)
    outbox.queue_push(supervisor.line_user_id, [line_json.of(TextMessage(text=message))])


# ---- the periodic purge ---------------------------------------------------------------------------------

_next_purge = 0.0


def purge_when_due() -> None:
    """From the sweeper: purge at most once in PURGE_EVERY seconds in this process."""
    global _next_purge
    if time.monotonic() < _next_purge:
        return
    _next_purge = time.monotonic() + PURGE_EVERY
    purge(utcnow())


@dataclass(frozen=True)
class Purged:
    sessions: int
    photos: int
    messages: int
    events: int

    def __bool__(self) -> bool:
        return any((self.sessions, self.photos, self.messages, self.events))


def purge(now: datetime) -> Purged:
    """Delete what is past its time (module docstring) in one transaction, audited with the counts."""
    old = now - draft_retention()
    sessions = db.session.execute(delete(DialogSession).where(DialogSession.updated_at < old)).rowcount
    # A photo lives with its conversation, unless a household's records keep it (a signed MOU's).
    kept = select(Compass.photo_id).where(Compass.photo_id.is_not(None)).union(
        select(CheckIn.photo_id).where(CheckIn.photo_id.is_not(None)))
    photos = db.session.execute(delete(Photo).where(Photo.created_at < old, Photo.id.not_in(kept))).rowcount
    messages = db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.status.in_(("sent", "failed")), OutboxMessage.next_attempt_at < now - SENT_MESSAGES_KEPT)
    ).rowcount
    events = 0
    for event in db.session.scalars(select(InboxEvent).where(InboxEvent.status == "failed",
                                                             InboxEvent.received_at < now - FAILED_EVENTS_KEPT)):
        if without_content(event.payload) != event.payload:
            event.payload = without_content(event.payload)
            events += 1
    purged = Purged(sessions, photos, messages, events)
    if purged:
        db.session.add(audit.entry("retention.purge", "retention", None, after={
            "sessions": sessions, "photos": photos, "messages": messages, "failed_events": events,
            "older_than_days": draft_retention().days}))
        log.info("retention purge: %d conversations, %d photos, %d sent messages, %d failed events",
                 sessions, photos, messages, events)
    db.session.commit()
    return purged


# ---- erasing a household -------------------------------------------------------------------------------

class NotFound(Exception):
    """No household with that id (never one, or erased already)."""


@dataclass(frozen=True)
class Erased:
    members: int
    problems: int
    visits: int
    sessions: int
    compasses: int
    check_ins: int


def erase(household_id: int, reason: str, operator: str) -> Erased:
    """Delete the household's personal data and its key, and record the erasure (who, when, why; no values).
    The caller commits."""
    household = db.session.get(Household, household_id)
    if household is None:
        raise NotFound(household_id)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA secure_delete = ON"))  # freed pages are overwritten, not left readable
    about = db.session.scalars(select(DialogSession.id)
                               .where(DialogSession.answers["@household"].as_integer() == household_id)).all()
    compasses = db.session.scalars(select(Compass).where(Compass.household_id == household_id)).all()
    check_ins = db.session.scalars(select(CheckIn).where(CheckIn.household_id == household_id)).all()
    photos = [row.photo_id for row in (*compasses, *check_ins) if row.photo_id]
    for record in (*compasses, *check_ins):
        db.session.delete(record)  # a compass with its activities
    db.session.flush()
    db.session.execute(delete(Photo).where(Photo.id.in_(photos)))
    erased = Erased(members=len(household.members), problems=len(household.problems),
                    visits=db.session.execute(delete(Visit).where(Visit.household_id == household_id)).rowcount,
                    sessions=db.session.execute(delete(DialogSession).where(DialogSession.id.in_(about))).rowcount,
                    compasses=len(compasses), check_ins=len(check_ins))
    db.session.execute(delete(HouseholdKey).where(HouseholdKey.household_id == household_id))
    db.session.execute(delete(CareAssignment).where(CareAssignment.household_id == household_id))
    db.session.delete(household)  # and its members and problems
    db.session.flush()
    if db.engine.dialect.name == "sqlite":
        # The name search's trigram index (migration 0005) keeps a deleted name's pieces until its segments merge.
        db.session.execute(text("INSERT INTO households_fts(households_fts) VALUES ('optimize')"))
    entry = audit.entry("household.erase", "household", household_id, after={
        "reason": reason, "by": operator, "members": erased.members, "problems": erased.problems,
        "visits": erased.visits, "sessions": erased.sessions, "compasses": erased.compasses,
        "check_ins": erased.check_ins})
    entry.household_id = household_id  # about the household, in clear: it holds no personal values
    db.session.add(entry)
    return erased
