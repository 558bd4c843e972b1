"""office: one declaration per platform order and per active waybill, even with several
workstations importing at once (unique partial indexes; cancelled declarations and those
customs rejected free theirs, as in the pre-check's duplicate rule)

Databases written before this revision may already hold duplicates (two workstations
importing the same file at once). The upgrade must not fail on them: in each group of
active declarations sharing an order (or a waybill) the one furthest along is kept (sent to
customs or in a batch before the lowest id) and the other copies that were never sent
(draft, check failed or ready, in no batch) are cancelled. What was done is logged; a group
whose copies were all sent already is left alone and that index is not created (imports
still take turns on PostgreSQL, see app.intake.service), and the log says which ids to see to.

Revision ID: 0009_office
Revises: 0008_incremental
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0009_office"
down_revision = "0008_incremental"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

ACTIVE = "status NOT IN ('cancelled', 'rejected')"
UNSENT = ("draft", "invalid", "ready")
INDEXES = (
    ("uq_declarations_platform_order", ["ebp_code", "order_no"],
     f"ebp_code IS NOT NULL AND order_no IS NOT NULL AND {ACTIVE}",
     "COALESCE(ebp_code, ''), order_no", "order_no IS NOT NULL"),
    ("uq_declarations_order_no_platform", ["order_no"],
     f"ebp_code IS NULL AND order_no IS NOT NULL AND {ACTIVE}",
     "order_no", "ebp_code IS NULL AND order_no IS NOT NULL"),
    ("uq_declarations_active_waybill", ["logistics_no"],
     f"logistics_no IS NOT NULL AND {ACTIVE}",
     "logistics_no", "logistics_no IS NOT NULL"),
)


def upgrade() -> None:
    conn = op.get_bind()
    for name, columns, where, key, has_key in INDEXES:
        if _resolve_duplicates(conn, key, has_key):
            op.create_index(name, "declarations", columns, unique=True,
                            sqlite_where=sa.text(where), postgresql_where=sa.text(where))
        else:
            log.warning("Index %s not created: sent declarations share a key (see above).", name)


def _resolve_duplicates(conn: sa.Connection, key: str, has_key: str) -> bool:
    """Cancel the never-sent copies in each duplicate group; False when copies remain."""
    groups = conn.execute(sa.text(
        f"SELECT {key} FROM declarations WHERE {has_key} AND {ACTIVE} "  # noqa: S608
        f"GROUP BY {key} HAVING COUNT(*) > 1")).all()
    clean = True
    cols = [c.strip() for c in key.replace("COALESCE(ebp_code, '')", "ebp").split(",")]
    for values in groups:
        cond = " AND ".join(
            "COALESCE(ebp_code, '') = :k0" if c == "ebp" else f"{c} = :k{i}"
            for i, c in enumerate(cols))
        params = {f"k{i}": v for i, v in enumerate(values)}
        rows = conn.execute(sa.text(
            f"SELECT id, status, batch_id FROM declarations WHERE {has_key} "  # noqa: S608
            f"AND {ACTIVE} AND {cond} ORDER BY id"), params).all()

        def unsent(r: sa.Row[tuple[int, str, int | None]]) -> bool:
            return r[1] in UNSENT and r[2] is None

        keep = next((r for r in rows if not unsent(r)), rows[0])
        drop = [r[0] for r in rows if r[0] != keep[0] and unsent(r)]
        for decl_id in drop:
            conn.execute(sa.text(
                "UPDATE declarations SET status = 'cancelled', version = version + 1 "
                "WHERE id = :id"), {"id": decl_id})
        log.warning("Duplicate declarations %s (%s): kept %s, cancelled the unsent copies %s.",
                    tuple(values), key, keep[0], drop)
        if len(rows) - len(drop) > 1:
            clean = False
            log.warning("Declarations %s were all sent: see to them by hand.",
                        [r[0] for r in rows if r[0] not in drop])
    return clean


def downgrade() -> None:
    for name, *_ in INDEXES:
        op.drop_index(name, table_name="declarations", if_exists=True)
