"""sync19: other workstations learn of declaration changes — on PostgreSQL a NOTIFY on channel
`cleardesk_changes` after each statement that changes declarations (sent at commit, once per
transaction however many rows changed). SQLite needs nothing: its own change counter
(`PRAGMA data_version`) serves, see app/db/changes.py.

Revision ID: 0010_sync19
Revises: 0009_office
"""

from __future__ import annotations

from alembic import op

revision = "0010_sync19"
down_revision = "0009_office"
branch_labels = None
depends_on = None

CHANNEL = "cleardesk_changes"  # app.db.changes.CHANNEL


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION cleardesk_declarations_changed() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$")
    op.execute(
        "CREATE TRIGGER declarations_changed AFTER INSERT OR UPDATE OR DELETE "
        "ON declarations FOR EACH STATEMENT "
        "EXECUTE FUNCTION cleardesk_declarations_changed()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS declarations_changed ON declarations")
        op.execute("DROP FUNCTION IF EXISTS cleardesk_declarations_changed()")
