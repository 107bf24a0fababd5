"""Imported events record who imported them and when, beside the recorded_by/recorded_at their file
gave (kept as history).

Both columns are NULL for events written by sendtrack's own commands (and for every event stored
before this revision), so no existing hash changes: storage/audit.py covers the two values only when
an event has them, and an event without them hashes exactly as before.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # adding nullable columns needs no copy of the table (SQLite's ALTER TABLE ADD COLUMN), so the
    # append-only triggers of 0003 stay as they are
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("imported_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("imported_at", sa.DateTime(), nullable=True))


#: migration 0003's triggers, as it creates them on SQLite (a table copy drops them)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN "
    "SELECT RAISE(ABORT, 'events are append-only'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN "
    "SELECT RAISE(ABORT, 'events are append-only'); END",
]


def downgrade() -> None:
    # dropping a column copies the table on SQLite, which drops the append-only triggers with it:
    # take them down first and put them back after
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("imported_at")
        batch.drop_column("imported_by")
    if sqlite:
        for sql in SQLITE_TRIGGERS:
            op.execute(sql)
