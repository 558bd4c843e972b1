"""autogui25: a batching rule's auto-submit switch (off: its batches wait for a person to
submit them); existing rules keep submitting

Revision ID: 0018_autogui25
Revises: 0017_incr21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_autogui25"
down_revision = "0017_incr21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batch_rules") as batch:
        batch.add_column(sa.Column("auto_submit", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("batch_rules") as batch:
        batch.drop_column("auto_submit")
