"""Values as the database gives them back: a date column is a `date` (psycopg) or ISO text (SQLite)."""

from __future__ import annotations

from datetime import date


def as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
