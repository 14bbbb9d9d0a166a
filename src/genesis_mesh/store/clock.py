"""The store's clock: every timestamp it writes is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A timestamp read back from the database, as UTC (SQLite returns naive ones)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
