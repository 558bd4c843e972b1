"""suggest: an indexed text search over the goods catalogue's names for the HS suggestions
(SQLite: FTS5 trigram table catalogue_search over catalogue_entries.name_key, kept by
triggers; PostgreSQL: pg_trgm index on name_key)

Revision ID: 0016_suggest
Revises: 0015_catalogue
"""

from __future__ import annotations

from alembic import op

revision = "0016_suggest"
down_revision = "0015_catalogue"
branch_labels = None
depends_on = None

_TRIGGERS = (
    "CREATE TRIGGER catalogue_search_ai AFTER INSERT ON catalogue_entries BEGIN "
    "INSERT INTO catalogue_search (rowid, name_key) VALUES (new.id, new.name_key); END",
    "CREATE TRIGGER catalogue_search_ad AFTER DELETE ON catalogue_entries BEGIN "
    "INSERT INTO catalogue_search (catalogue_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); END",
    "CREATE TRIGGER catalogue_search_au AFTER UPDATE OF name_key ON catalogue_entries BEGIN "
    "INSERT INTO catalogue_search (catalogue_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); "
    "INSERT INTO catalogue_search (rowid, name_key) VALUES (new.id, new.name_key); END",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE catalogue_search USING fts5(name_key, "
                   "content='catalogue_entries', content_rowid='id', tokenize='trigram')")
        for trigger in _TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO catalogue_search (catalogue_search) VALUES ('rebuild')")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_catalogue_entries_name_trgm ON catalogue_entries "
                   "USING gin (name_key gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS catalogue_search_{name}")
        op.execute("DROP TABLE IF EXISTS catalogue_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_catalogue_entries_name_trgm")
