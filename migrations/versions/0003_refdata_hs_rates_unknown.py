"""reference data: HS tax rates may be unknown (NULL), and each HS row says where it comes from

Revision ID: 0003_refdata
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0003_refdata"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hs_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=30), nullable=True))
        batch_op.alter_column("vat_rate", existing_type=app.db.types.Decimal5(), nullable=True)
        batch_op.alter_column("ct_rate", existing_type=app.db.types.Decimal5(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE hs_codes SET vat_rate = 0 WHERE vat_rate IS NULL")
    op.execute("UPDATE hs_codes SET ct_rate = 0 WHERE ct_rate IS NULL")
    with op.batch_alter_table("hs_codes", schema=None) as batch_op:
        batch_op.alter_column("ct_rate", existing_type=app.db.types.Decimal5(), nullable=False)
        batch_op.alter_column("vat_rate", existing_type=app.db.types.Decimal5(), nullable=False)
        batch_op.drop_column("source")
