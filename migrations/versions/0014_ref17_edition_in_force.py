"""reference editions in force by date: the rows of each loaded tariff and positive-list
edition are kept; each check result names the editions it was checked against

Revision ID: 0014_ref17
Revises: 0013_export24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.types

revision = "0014_ref17"
down_revision = "0013_export24"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ref_edition_hs",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name_zh", sa.String(length=250), nullable=False),
        sa.Column("name_en", sa.String(length=250), nullable=True),
        sa.Column("unit1", sa.String(length=3), nullable=False),
        sa.Column("unit2", sa.String(length=3), nullable=True),
        sa.Column("vat_rate", app.db.types.Decimal5(), nullable=True),
        sa.Column("ct_rate", app.db.types.Decimal5(), nullable=True),
        sa.PrimaryKeyConstraint("edition_id", "code", name=op.f("pk_ref_edition_hs")),
    )
    op.create_table(
        "ref_edition_list",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("edition_id", "code", name=op.f("pk_ref_edition_list")),
    )
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.add_column(sa.Column("check_hs_edition", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("check_list_edition", sa.String(length=60),
                                      nullable=True))
    # The newest loaded edition of each is what the tables hold now: keep it (older editions'
    # rows were not kept before this revision; the newest stands in for them).
    op.execute("INSERT INTO ref_edition_hs (edition_id, code, name_zh, name_en, unit1, unit2, "
               "vat_rate, ct_rate) SELECT e.id, h.code, h.name_zh, h.name_en, h.unit1, "
               "h.unit2, h.vat_rate, h.ct_rate FROM hs_codes h, ref_editions e WHERE e.id = "
               "(SELECT max(id) FROM ref_editions WHERE table_name = 'hs')")
    op.execute("INSERT INTO ref_edition_list (edition_id, code, note) SELECT e.id, p.code, "
               "p.note FROM positive_list p, ref_editions e WHERE e.id = "
               "(SELECT max(id) FROM ref_editions WHERE table_name = 'positive-list')")


def downgrade() -> None:
    with op.batch_alter_table("declarations") as batch_op:
        batch_op.drop_column("check_list_edition")
        batch_op.drop_column("check_hs_edition")
    op.drop_table("ref_edition_list")
    op.drop_table("ref_edition_hs")
