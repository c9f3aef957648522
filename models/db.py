"""The database handle shared by the app, its jobs and its migrations."""

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, registry


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back an aware UTC datetime, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; store aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(type_annotation_map={datetime: UTCDateTime})


db = SQLAlchemy(model_class=Base)
