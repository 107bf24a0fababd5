"""A checked table: each case `check` last found clean, with the fingerprint of what its checks read, so
the next check skips the rules for the cases whose fingerprint is unchanged (app/check.py).

Existing databases start with it empty: their first check is a full one.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a new table needs no batch copy
    op.create_table(
        "checked",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )


def downgrade() -> None:
    op.drop_table("checked")
