"""grid: pinyin sort key of the buyer's name, backfilled for existing declarations

Revision ID: 0003_grid
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.domain.sortkey import name_sort_key

revision = "0003_grid"
down_revision = "0002"
branch_labels = None
depends_on = None

CHUNK = 20_000


def upgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buyer_name_sort", sa.String(length=240), nullable=True))
    _backfill()


def _backfill() -> None:
    """Keys for the names already stored, a chunk of ids at a time (keyset, so the memory
    stays flat at a million rows)."""
    conn = op.get_bind()
    table = sa.table("declarations", sa.column("id", sa.Integer),
                     sa.column("buyer_name", sa.String),
                     sa.column("buyer_name_sort", sa.String))
    update = (sa.update(table).where(table.c.id == sa.bindparam("_id"))
              .values(buyer_name_sort=sa.bindparam("_key")))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, table.c.buyer_name)
            .where(table.c.id > last, table.c.buyer_name.is_not(None))
            .order_by(table.c.id).limit(CHUNK)).all()
        if not rows:
            return
        conn.execute(update, [{"_id": i, "_key": name_sort_key(n)} for i, n in rows])
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_column("buyer_name_sort")
