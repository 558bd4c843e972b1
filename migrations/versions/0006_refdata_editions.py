"""reference data: HS tax rates may be unknown (NULL), each HS row says where it comes from,
editions an office loads, the positive list, an indexed word search over the tariff (SQLite
FTS5 trigram table hs_search, kept by app/db/textsearch.py; pg_trgm index on PostgreSQL)

Revision ID: 0006_refdata
Revises: 0005_station
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0006_refdata"
down_revision = "0005_station"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "positive_list",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name_zh", sa.String(length=250), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_positive_list")),
    )
    op.create_table(
        "ref_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("effective", sa.Date(), nullable=True),
        sa.Column("loaded_at", app.db.types.UTCDateTime(), nullable=False),
        sa.Column("loaded_by", sa.String(length=60), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ref_editions")),
    )
    with op.batch_alter_table("ref_editions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ref_editions_table_name"), ["table_name"],
                              unique=False)
    with op.batch_alter_table("hs_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=30), nullable=True))
        batch_op.alter_column("vat_rate", existing_type=app.db.types.Decimal5(), nullable=True)
        batch_op.alter_column("ct_rate", existing_type=app.db.types.Decimal5(), nullable=True)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE hs_search USING fts5(code UNINDEXED, body, "
                   "tokenize='trigram', detail=none)")
        op.execute("INSERT INTO hs_search (code, body) SELECT code, "
                   "code || ' ' || name_zh || ' ' || coalesce(name_en, '') FROM hs_codes")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_hs_codes_search ON hs_codes USING gin "
                   "((code || ' ' || name_zh || ' ' || coalesce(name_en, '')) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS hs_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_hs_codes_search")
    with op.batch_alter_table("ref_editions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ref_editions_table_name"))
    op.drop_table("ref_editions")
    op.drop_table("positive_list")
    op.execute("UPDATE hs_codes SET vat_rate = 0 WHERE vat_rate IS NULL")
    op.execute("UPDATE hs_codes SET ct_rate = 0 WHERE ct_rate IS NULL")
    with op.batch_alter_table("hs_codes", schema=None) as batch_op:
        batch_op.alter_column("ct_rate", existing_type=app.db.types.Decimal5(), nullable=False)
        batch_op.alter_column("vat_rate", existing_type=app.db.types.Decimal5(), nullable=False)
        batch_op.drop_column("source")
