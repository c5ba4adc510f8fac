"""The schema's foundation: the declarative base, ids, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Integer,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase

# BigInteger ids on PostgreSQL; SQLite only autoincrements INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def change(row: Any, **values: Any) -> None:
    """Sets the attributes whose value differs. Assigning an equal value still marks the row
    dirty, and the next flush then works through it though it writes nothing: most turns
    (a menu, an answer) leave the user and the conversation as they were."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


class UtcDateTime(TypeDecorator[datetime]):
    """A DateTime that always comes back timezone-aware in UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON}
