"""sync19: other workstations learn of declaration changes — a counter row moved by triggers
on SQLite, a NOTIFY on channel `cleardesk_changes` after each statement on PostgreSQL (sent at
commit, once per transaction however many rows changed)

Revision ID: 0010_sync19
Revises: 0009_office
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_sync19"
down_revision = "0009_office"
branch_labels = None
depends_on = None

CHANNEL = "cleardesk_changes"  # app.db.changes.CHANNEL
SQLITE_EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "change_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_marks")),
    )
    op.execute("INSERT INTO change_marks (id, counter) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION cleardesk_declarations_changed() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$")
        op.execute(
            "CREATE TRIGGER declarations_changed AFTER INSERT OR UPDATE OR DELETE "
            "ON declarations FOR EACH STATEMENT "
            "EXECUTE FUNCTION cleardesk_declarations_changed()")
        return
    for event in SQLITE_EVENTS:
        op.execute(
            f"CREATE TRIGGER declarations_changed_{event} AFTER {event.upper()} "
            "ON declarations BEGIN "
            "UPDATE change_marks SET counter = counter + 1 WHERE id = 1; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS declarations_changed ON declarations")
        op.execute("DROP FUNCTION IF EXISTS cleardesk_declarations_changed()")
    else:
        for event in SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS declarations_changed_{event}")
    op.drop_table("change_marks")
