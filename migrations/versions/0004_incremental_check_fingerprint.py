"""incremental: a check fingerprint per declaration (skip re-checking what did not change)

Revision ID: 0004_incremental
Revises: 0003_labels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_incremental"
down_revision = "0003_labels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.add_column(sa.Column("check_fingerprint", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.drop_column("check_fingerprint")
