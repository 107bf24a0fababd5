"""The database schema as SQLModel tables: the one definition Alembic migrations are checked against.

Only `init`, migrations and the schema tests import this module (sqlmodel costs ~0.5 s to import);
the commands read and write through `storage.db` with plain SQL on the same tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from sendtrack.storage.version import HEAD  # noqa: F401  (re-exported for the schema tests)


class CaseTable(SQLModel, table=True):
    """A child or young person's request and plan, with who holds it now."""

    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, index=True)
    name: str
    dob: date
    received: date
    source: str = Field(default="parent")
    team: str = Field(index=True)
    coordinator: str | None = Field(default=None, index=True)
    looked_after: bool = Field(default=False)
    alternative_provision: bool = Field(default=False)
    setting: str | None = None
    # naive UTC, as the migrations create it (newer sqlmodel maps datetime to a time-zone-aware type)
    created_at: datetime = Field(sa_type=DateTime())
    # the statutory returns' values (storage.columns.CASE_RETURNS; checked by sendtrack/codes.py)
    upn: str | None = None
    uln: str | None = None
    upn_unknown: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    postcode: str | None = None
    primary_need: str | None = None
    secondary_need: str | None = None

class PlacementTable(SQLModel, table=True):
    """Where a child is or was educated, as SEN2 records it: a school's URN, a provider's UKPRN or a
    setting type; rank 1 (main) or 2 (dual registration); entry and leaving dates."""

    __tablename__ = "placements"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    urn: str | None = None
    ukprn: str | None = None
    setting_type: str | None = None
    rank: int = Field(default=1)
    entry: date | None = None
    leaving: date | None = None
    phase: str | None = None

class EventTable(SQLModel, table=True):
    """The append-only log: every write to a case, with who recorded it and when."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_case_date", "case_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    kind: str
    date: date
    details: str = Field(default="{}")  # JSON object of the kind's own fields
    voids: int | None = Field(default=None, foreign_key="events.id", index=True)
    recorded_by: str
    recorded_at: datetime = Field(sa_type=DateTime())  # naive UTC, as created_at
    # who imported the event and when (migration 0004); NULL for events written by a command. An
    # import keeps its file's recorded_by/recorded_at as history and records these beside them
    imported_by: str | None = None
    imported_at: datetime | None = Field(default=None, sa_type=DateTime())
    # sha256 hex chained to the case's previous event (storage/audit.py); NULL only in rows written
    # outside sendtrack, which `check` reports. UPDATE and DELETE are refused by triggers (migration 0003)
    hash: str | None = None

class DeadlineTable(SQLModel, table=True):
    """Deadlines materialised from the events, rebuilt for a case in the transaction of every write."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_due", "due"),
        Index("ix_deadlines_rule_due", "rule", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    rule: str
    owner: str
    kind: str
    subject: str | None = None
    source: str
    trigger: date
    due: date
    act_by: date
    completed_on: date | None = None
    excepted_from: date | None = None
    exception_limb: str | None = None
    ended_on: date | None = None
    known_from: date
    known_until: date | None = None

class AuditHeadTable(SQLModel, table=True):
    """Each case's last event and its hash: the end the case's chain of event hashes must reach, so a
    removed last event is seen (storage/audit.py)."""

    __tablename__ = "audit_heads"

    case_id: int = Field(primary_key=True, foreign_key="cases.id", sa_column_kwargs={"autoincrement": False})
    event_id: int
    hash: str

class CheckedTable(SQLModel, table=True):
    """Each case `check` last found clean: the fingerprint of what its per-case checks read then (its
    row, events, stored deadlines, the configuration, bank holidays and code) with `closed` and
    `allowed` bound into it, so the next check can skip the rules for an unchanged case
    (storage/checked.py, app/check.py). No foreign key: a row of no case is never matched."""

    __tablename__ = "checked"

    case_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    fingerprint: str
    closed: bool
    allowed: bool

class MetaTable(SQLModel, table=True):
    """Facts about the database as a whole, by name: `config_fingerprint`, the configuration the stored
    deadlines were computed with (storage/meta.py)."""

    __tablename__ = "meta"

    name: str = Field(primary_key=True)
    value: str
