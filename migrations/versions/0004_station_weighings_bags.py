"""station: measured weights and their holds

Revision ID: 0004_station
Revises: 0003_labels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0004_station"
down_revision = "0003_labels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parcel_weighings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("measured_kg", app.db.types.Decimal5(), nullable=False),
        sa.Column("declared_kg", app.db.types.Decimal5(), nullable=True),
        sa.Column("within", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("station", sa.String(length=60), nullable=True),
        sa.Column("weighed_by", sa.String(length=60), nullable=False),
        sa.Column("weighed_at", app.db.types.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=60), nullable=True),
        sa.Column("decided_at", app.db.types.UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["declaration_id"], ["declarations.id"],
                                name=op.f("fk_parcel_weighings_declaration_id_declarations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcel_weighings")),
    )
    with op.batch_alter_table("parcel_weighings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parcel_weighings_declaration_id"),
                              ["declaration_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_parcel_weighings_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("parcel_weighings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parcel_weighings_state"))
        batch_op.drop_index(batch_op.f("ix_parcel_weighings_declaration_id"))
    op.drop_table("parcel_weighings")
