"""Typed SQLAlchemy models. Import them from here so Alembic sees every table."""

from models.area import Area
from models.audit import AppendOnlyError, AuditEntry
from models.care import CareAssignment
from models.checkin import CheckIn
from models.compass import Compass, CompassActivity
from models.db import Base, db, utcnow
from models.dialog_session import DialogSession
from models.household import Household, Member, Problem
from models.household_key import HouseholdKey
from models.inbox import InboxEvent
from models.left_chat import LeftChat
from models.line_user import LineUser
from models.outbox import OutboxMessage
from models.photo import Photo
from models.reminder import SentReminder
from models.report import ReportSnapshot
from models.staff import Invite, InviteAttempt, Staff, StaffRole
from models.visit import Visit

__all__ = [
    "AppendOnlyError", "Area", "AuditEntry", "Base", "CareAssignment", "CheckIn", "Compass", "CompassActivity",
    "DialogSession", "Household", "HouseholdKey", "InboxEvent", "Invite", "InviteAttempt", "LeftChat", "LineUser",
    "Member", "OutboxMessage", "Photo", "Problem", "ReportSnapshot", "SentReminder", "Staff", "StaffRole", "Visit",
    "db", "utcnow",
]
