"""autopilot: batching rules a supervisor approves (which ready declarations go together, at
which cut-off times, under which master bill)

Revision ID: 0012_autopilot
Revises: 0011_transfer19
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.types import UTCDateTime

revision = "0012_autopilot"
down_revision = "0011_transfer19"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("logistics_code", sa.String(18)),
        sa.Column("ebp_code", sa.String(18)),
        sa.Column("customs_code", sa.String(4)),
        sa.Column("bill_no", sa.String(37)),
        sa.Column("traf_mode", sa.String(1)),
        sa.Column("traf_no", sa.String(100)),
        sa.Column("voyage_no", sa.String(32)),
        sa.Column("size_limit", sa.Integer(), nullable=False),
        sa.Column("cutoffs", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.String(60)),
        sa.Column("approved_at", UTCDateTime()),
        sa.Column("last_run_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_batch_rules_name")),
    )


def downgrade() -> None:
    op.drop_table("batch_rules")
