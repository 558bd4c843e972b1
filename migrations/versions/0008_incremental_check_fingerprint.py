"""incremental: a check fingerprint per declaration (skip re-checking what did not change)

Revision ID: 0008_incremental
Revises: 0007_lifecycle
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_incremental"
down_revision = "0007_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.add_column(sa.Column("check_fingerprint", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.drop_column("check_fingerprint")
