"""labels: the office's route / sort-code table (province, city or district → code)

Revision ID: 0003_labels
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_labels"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "route_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=6), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_codes")),
        sa.UniqueConstraint("scope", name=op.f("uq_route_codes_scope")),
    )


def downgrade() -> None:
    op.drop_table("route_codes")
