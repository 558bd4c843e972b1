"""grid: pinyin sort keys of the buyer's and the platform's names, backfilled

Revision ID: 0004_grid
Revises: 0003_labels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.domain.sortkey import name_sort_key

revision = "0004_grid"
down_revision = "0003_labels"
branch_labels = None
depends_on = None

CHUNK = 20_000


def upgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buyer_name_sort", sa.String(length=240), nullable=True))
        batch_op.add_column(sa.Column("ebp_name_sort", sa.String(length=240), nullable=True))
    _backfill("buyer_name", "buyer_name_sort")
    _backfill("ebp_name", "ebp_name_sort")


def _backfill(name: str, key: str) -> None:
    """Keys for the names already stored, a chunk of ids at a time (keyset, so the memory
    stays flat at a million rows)."""
    conn = op.get_bind()
    table = sa.table("declarations", sa.column("id", sa.Integer), sa.column(name, sa.String),
                     sa.column(key, sa.String))
    update = (sa.update(table).where(table.c.id == sa.bindparam("_id"))
              .values({key: sa.bindparam("_key")}))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, table.c[name])
            .where(table.c.id > last, table.c[name].is_not(None))
            .order_by(table.c.id).limit(CHUNK)).all()
        if not rows:
            return
        conn.execute(update, [{"_id": i, "_key": name_sort_key(n)} for i, n in rows])
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_column("ebp_name_sort")
        batch_op.drop_column("buyer_name_sort")
