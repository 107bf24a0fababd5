"""A tamper-evident event log: each event's hash chained to its case's previous event, each case's chain
head, and triggers by which the database itself refuses UPDATE and DELETE on events.

Existing events are hashed here in id order per case, with the canonical form of storage/audit.py (the
one definition of it, so an upgraded database verifies exactly as a new one does; a later change of
the form is a new revision that re-hashes).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendtrack.storage import audit

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: the trigger SQL is storage/audit.TRIGGER_SQL's, the one text of it (erasure re-creates the update
#: trigger from there too)
SQLITE = list(audit.TRIGGER_SQL["sqlite"].values())
POSTGRESQL = [audit.PG_FUNCTION, *audit.TRIGGER_SQL["postgresql"].values()]
#: cases hashed per round trip: a whole England database is not held in memory at once
CASES_AT_ONCE = 5000


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("hash", sa.String(), nullable=True))
    op.create_table(
        "audit_heads",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    _hash_existing_events()
    dialect = op.get_bind().dialect.name
    for sql in SQLITE if dialect == "sqlite" else POSTGRESQL:
        op.execute(sql)


def _hash_existing_events() -> None:
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM cases ORDER BY id"))]
    for start in range(0, len(ids), CASES_AT_ONCE):
        lo, hi = ids[start], ids[min(start + CASES_AT_ONCE, len(ids)) - 1]
        span = {"lo": lo, "hi": hi}
        who = {row[0]: audit.identity(*row[1:]) for row in bind.execute(sa.text(
            f"SELECT id, {', '.join(audit.IDENTITY)} FROM cases WHERE id BETWEEN :lo AND :hi"), span)}
        events = [tuple(row) for row in bind.execute(sa.text(
            "SELECT id, case_id, kind, date, details, voids, recorded_by, recorded_at FROM events "
            "WHERE case_id BETWEEN :lo AND :hi ORDER BY case_id, id"), span)]
        heads: dict[int, tuple[int, str]] = {}
        hashed = audit.chain(events, who, heads)
        if hashed:
            bind.execute(sa.text("UPDATE events SET hash = :hash WHERE id = :id"),
                         [{"id": row[0], "hash": row[-1]} for row in hashed])
            bind.execute(sa.text("INSERT INTO audit_heads (case_id, event_id, hash) VALUES (:c, :e, :h)"),
                         [{"c": case_id, "e": event_id, "h": digest}
                          for case_id, (event_id, digest) in sorted(heads.items())])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    else:
        for name in ("events_no_update", "events_no_delete", "events_no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    op.drop_table("audit_heads")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("hash")
