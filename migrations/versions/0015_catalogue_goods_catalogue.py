"""catalogue: the goods catalogue (商品库), one entry per product (ebcCode + itemNo, else the
normalised goods name + model) with its HS code and legal quantity per declared unit

Revision ID: 0015_catalogue
Revises: 0014_ref17
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0015_catalogue"
down_revision = "0014_ref17"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalogue_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_key', sa.String(length=800), nullable=False),
    sa.Column('ebc_code', sa.String(length=18), nullable=True),
    sa.Column('item_no', sa.String(length=60), nullable=True),
    sa.Column('barcode', sa.String(length=50), nullable=True),
    sa.Column('name_key', sa.String(length=770), nullable=False),
    sa.Column('gname', sa.String(length=250), nullable=True),
    sa.Column('gmodel', sa.String(length=510), nullable=True),
    sa.Column('gcode', sa.String(length=10), nullable=True),
    sa.Column('unit', sa.String(length=3), nullable=True),
    sa.Column('country', sa.String(length=3), nullable=True),
    sa.Column('unit1', sa.String(length=3), nullable=True),
    sa.Column('qty1_per_unit', app.db.types.Decimal5(), nullable=True),
    sa.Column('unit2', sa.String(length=3), nullable=True),
    sa.Column('qty2_per_unit', app.db.types.Decimal5(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('classified_by', sa.String(length=60), nullable=True),
    sa.Column('classified_at', app.db.types.UTCDateTime(), nullable=True),
    sa.Column('accepted_count', sa.Integer(), nullable=False),
    sa.Column('proposed_gcode', sa.String(length=10), nullable=True),
    sa.Column('proposed_unit1', sa.String(length=3), nullable=True),
    sa.Column('proposed_qty1_per_unit', app.db.types.Decimal5(), nullable=True),
    sa.Column('proposed_unit2', sa.String(length=3), nullable=True),
    sa.Column('proposed_qty2_per_unit', app.db.types.Decimal5(), nullable=True),
    sa.Column('proposed_by', sa.String(length=60), nullable=True),
    sa.Column('proposed_at', app.db.types.UTCDateTime(), nullable=True),
    sa.Column('proposed_source', sa.String(length=10), nullable=True),
    sa.Column('created_at', app.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_entries')),
    sa.UniqueConstraint('entry_key', name=op.f('uq_catalogue_entries_entry_key'))
    )
    with op.batch_alter_table('catalogue_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_entries_barcode'), ['barcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_entries_gcode'), ['gcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_entries_name_key'), ['name_key'], unique=False)
        batch_op.create_index('ix_catalogue_entries_sku', ['ebc_code', 'item_no'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('catalogue_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_catalogue_entries_sku')
        batch_op.drop_index(batch_op.f('ix_catalogue_entries_name_key'))
        batch_op.drop_index(batch_op.f('ix_catalogue_entries_gcode'))
        batch_op.drop_index(batch_op.f('ix_catalogue_entries_barcode'))

    op.drop_table('catalogue_entries')
