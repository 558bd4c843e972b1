"""station: measured weights and their holds, bags (总包) and thermal print jobs

Revision ID: 0005_station
Revises: 0004_grid
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0005_station"
down_revision = "0004_grid"
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

    op.create_table('bags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bag_no', sa.String(length=30), nullable=True),
    sa.Column('route_code', sa.String(length=30), nullable=False),
    sa.Column('open_route', sa.String(length=30), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('parcel_count', sa.Integer(), nullable=False),
    sa.Column('weight_kg', app.db.types.Decimal5(), nullable=True),
    sa.Column('station', sa.String(length=60), nullable=True),
    sa.Column('opened_by', sa.String(length=60), nullable=False),
    sa.Column('opened_at', app.db.types.UTCDateTime(), nullable=False),
    sa.Column('closed_by', sa.String(length=60), nullable=True),
    sa.Column('closed_at', app.db.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bags')),
    sa.UniqueConstraint('bag_no', name=op.f('uq_bags_bag_no')),
    sa.UniqueConstraint('open_route', name=op.f('uq_bags_open_route'))
    )
    with op.batch_alter_table('bags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bags_route_code'), ['route_code'], unique=False)

    op.create_table('bag_parcels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bag_id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('added_by', sa.String(length=60), nullable=False),
    sa.Column('added_at', app.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bag_id'], ['bags.id'], name=op.f('fk_bag_parcels_bag_id_bags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_bag_parcels_declaration_id_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bag_parcels')),
    sa.UniqueConstraint('declaration_id', name=op.f('uq_bag_parcels_declaration_id'))
    )
    with op.batch_alter_table('bag_parcels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bag_parcels_bag_id'), ['bag_id'], unique=False)

    op.create_table('thermal_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=True),
    sa.Column('bag_id', sa.Integer(), nullable=True),
    sa.Column('profile', sa.String(length=100), nullable=False),
    sa.Column('target', sa.String(length=1000), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', app.db.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', app.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['bag_id'], ['bags.id'], name=op.f('fk_thermal_jobs_bag_id_bags'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_thermal_jobs_declaration_id_declarations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thermal_jobs'))
    )
    with op.batch_alter_table('thermal_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thermal_jobs_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thermal_jobs_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('thermal_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thermal_jobs_state'))
        batch_op.drop_index(batch_op.f('ix_thermal_jobs_declaration_id'))

    op.drop_table('thermal_jobs')
    with op.batch_alter_table('bag_parcels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bag_parcels_bag_id'))

    op.drop_table('bag_parcels')
    with op.batch_alter_table('bags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bags_route_code'))

    op.drop_table('bags')

    with op.batch_alter_table("parcel_weighings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parcel_weighings_state"))
        batch_op.drop_index(batch_op.f("ix_parcel_weighings_declaration_id"))
    op.drop_table("parcel_weighings")
