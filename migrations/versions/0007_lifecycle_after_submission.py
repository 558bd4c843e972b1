"""lifecycle: cancellation / return requests, waybills, tax bills; 700 is "shipped_back"

Customs' 700 (退运) used to be stored as "returned"; "returned" now means a buyer's return
(退货, CEB625/CEB626) accepted by customs, so existing 700 declarations are renamed.

Revision ID: 0007_lifecycle
Revises: 0006_refdata
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0007_lifecycle"
down_revision = "0006_refdata"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lifecycle_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("previous_status", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("request_guid", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=60), nullable=True),
        sa.Column("decided_at", app.db.types.UTCDateTime(), nullable=True),
        sa.Column("return_status", sa.String(length=10), nullable=True),
        sa.Column("return_info", sa.String(length=1000), nullable=True),
        sa.Column("created_at", app.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", app.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"],
            name=op.f("fk_lifecycle_requests_declaration_id_declarations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["outbound_messages.id"],
            name=op.f("fk_lifecycle_requests_message_id_outbound_messages"),
            ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_requests")),
    )
    with op.batch_alter_table("lifecycle_requests", schema=None) as batch_op:
        batch_op.create_index("ix_lifecycle_requests_declaration_state",
                              ["declaration_id", "state"], unique=False)
    op.create_table(
        "waybills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("logistics_code", sa.String(length=18), nullable=True),
        sa.Column("logistics_no", sa.String(length=60), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("return_status", sa.String(length=10), nullable=True),
        sa.Column("return_time", sa.String(length=17), nullable=True),
        sa.Column("return_info", sa.String(length=1000), nullable=True),
        sa.Column("delivery_status", sa.String(length=10), nullable=True),
        sa.Column("delivered_time", sa.String(length=14), nullable=True),
        sa.Column("delivery_return_time", sa.String(length=17), nullable=True),
        sa.Column("delivery_info", sa.String(length=1000), nullable=True),
        sa.Column("created_at", app.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", app.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"],
            name=op.f("fk_waybills_declaration_id_declarations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["outbound_messages.id"],
            name=op.f("fk_waybills_message_id_outbound_messages"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waybills")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_waybills_declaration_id")),
    )
    with op.batch_alter_table("waybills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waybills_logistics_no"), ["logistics_no"],
                              unique=False)
    op.create_table(
        "tax_bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("invt_no", sa.String(length=18), nullable=False),
        sa.Column("tax_no", sa.String(length=50), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=True),
        sa.Column("customs_tax", app.db.types.Decimal5(), nullable=False),
        sa.Column("value_added_tax", app.db.types.Decimal5(), nullable=False),
        sa.Column("consumption_tax", app.db.types.Decimal5(), nullable=False),
        sa.Column("tax_price", app.db.types.Decimal5(), nullable=True),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("ent_duty_no", sa.String(length=50), nullable=True),
        sa.Column("assure_code", sa.String(length=64), nullable=True),
        sa.Column("return_time", sa.String(length=17), nullable=False),
        sa.Column("status_time", sa.String(length=17), nullable=True),
        sa.Column("created_at", app.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", app.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"],
            name=op.f("fk_tax_bills_declaration_id_declarations"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_bills")),
        sa.UniqueConstraint("tax_no", name=op.f("uq_tax_bills_tax_no")),
    )
    with op.batch_alter_table("tax_bills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tax_bills_assure_code"), ["assure_code"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_tax_bills_declaration_id"), ["declaration_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_tax_bills_invt_no"), ["invt_no"], unique=False)
    op.execute("UPDATE declarations SET status = 'shipped_back' WHERE status = 'returned'")


def downgrade() -> None:
    op.execute("UPDATE declarations SET status = 'returned' WHERE status = 'shipped_back'")
    with op.batch_alter_table("tax_bills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tax_bills_invt_no"))
        batch_op.drop_index(batch_op.f("ix_tax_bills_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_tax_bills_assure_code"))
    op.drop_table("tax_bills")
    with op.batch_alter_table("waybills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waybills_logistics_no"))
    op.drop_table("waybills")
    with op.batch_alter_table("lifecycle_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_lifecycle_requests_declaration_state")
    op.drop_table("lifecycle_requests")
