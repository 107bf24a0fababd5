"""Cases, the append-only event log and the materialised deadline table.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

text = sa.String()


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", text, nullable=False),
        sa.Column("name", text, nullable=False),
        sa.Column("dob", sa.Date(), nullable=False),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("source", text, nullable=False),
        sa.Column("team", text, nullable=False),
        sa.Column("coordinator", text, nullable=True),
        sa.Column("looked_after", sa.Boolean(), nullable=False),
        sa.Column("alternative_provision", sa.Boolean(), nullable=False),
        sa.Column("setting", text, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cases") as batch:
        batch.create_index("ix_cases_ref", ["ref"], unique=True)
        batch.create_index("ix_cases_team", ["team"], unique=False)
        batch.create_index("ix_cases_coordinator", ["coordinator"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", text, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("details", text, nullable=False),
        sa.Column("voids", sa.Integer(), nullable=True),
        sa.Column("recorded_by", text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["voids"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("events") as batch:
        batch.create_index("ix_events_case_date", ["case_id", "date"], unique=False)
        batch.create_index("ix_events_voids", ["voids"], unique=False)

    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rule", text, nullable=False),
        sa.Column("owner", text, nullable=False),
        sa.Column("kind", text, nullable=False),
        sa.Column("subject", text, nullable=True),
        sa.Column("source", text, nullable=False),
        sa.Column("trigger", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("act_by", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("excepted_from", sa.Date(), nullable=True),
        sa.Column("exception_limb", text, nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("known_from", sa.Date(), nullable=False),
        sa.Column("known_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deadlines") as batch:
        batch.create_index("ix_deadlines_case_id", ["case_id"], unique=False)
        batch.create_index("ix_deadlines_due", ["due"], unique=False)
        batch.create_index("ix_deadlines_rule_due", ["rule", "due"], unique=False)


def downgrade() -> None:
    op.drop_table("deadlines")
    op.drop_table("events")
    op.drop_table("cases")
