"""The statutory returns' values: the child's identifiers, sex, ethnicity, postcode and needs on the case,
and a placements table (SEN2's placement: URN, UKPRN or setting type, rank, entry and leaving dates).

Every new column is nullable and starts empty: an upgraded database keeps every row as it was, and
`sendtrack sen2 --check` lists what each case still needs.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: the cases columns added, in storage.columns.CASE_RETURNS order (written out: a migration is frozen)
CASE_COLUMNS = ("upn", "uln", "upn_unknown", "sex", "ethnicity", "postcode", "primary_need", "secondary_need")


def upgrade() -> None:
    # ADD COLUMN in place (batch mode would copy the cases table, which events point at)
    for name in CASE_COLUMNS:
        op.add_column("cases", sa.Column(name, sa.String(), nullable=True))
    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("urn", sa.String(), nullable=True),
        sa.Column("ukprn", sa.String(), nullable=True),
        sa.Column("setting_type", sa.String(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("entry", sa.Date(), nullable=True),
        sa.Column("leaving", sa.Date(), nullable=True),
        sa.Column("phase", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("placements") as batch:
        batch.create_index("ix_placements_case_id", ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("placements") as batch:
        batch.drop_index("ix_placements_case_id")
    op.drop_table("placements")
    with op.batch_alter_table("cases") as batch:
        for name in reversed(CASE_COLUMNS):
            batch.drop_column(name)
