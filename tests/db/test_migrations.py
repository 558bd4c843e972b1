"""Migrations from empty match the models; pragmas; newer schemas refused; backups made."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from app.db import migrate
from app.db.engine import make_engine
from app.db.models import Base
from app.db.textsearch import include_object
from app.domain.errors import SchemaTooNewError


def test_migrations_from_empty_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_object": include_object})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_connections_get_the_house_pragmas(sqlite_only: None, engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_new_database_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    make_engine(f"sqlite:///{path}").dispose()
    assert path.stat().st_mode & 0o777 == 0o600


def test_database_from_a_newer_build_is_refused_and_untouched(db_path: Path) -> None:
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    engine = make_engine(f"sqlite:///{db_path}")
    with pytest.raises(SchemaTooNewError) as err:
        migrate.ensure_schema(engine)
    engine.dispose()
    assert "newer version" in str(err.value)
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
    assert not list(db_path.parent.glob("*.bak"))


NEXT_REVISION = '''
import sqlalchemy as sa
from alembic import op

revision = "test_next"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        batch.add_column(sa.Column("comment", sa.String(50)))


def downgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        batch.drop_column("comment")
'''


def test_upgrade_backs_up_first_and_keeps_data(db_path: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO settings(key, value) VALUES ('agentCode', '5141980XYZ')")
    con.commit()
    con.close()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.migrations_path(), scripts)
    head = migrate.head_revision()
    (scripts / "versions" / "test_next.py").write_text(NEXT_REVISION.format(head=head))
    monkeypatch.setattr(migrate, "migrations_path", lambda: scripts)

    engine = make_engine(f"sqlite:///{db_path}")
    result = migrate.ensure_schema(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT value, comment FROM settings")).one()
    engine.dispose()

    assert (result.before, result.after) == (head, "test_next")
    assert tuple(row) == ("5141980XYZ", None)
    assert result.backup is not None and result.backup.exists()
    assert result.backup.stat().st_mode & 0o777 == 0o600
    old = sqlite3.connect(result.backup)
    assert old.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
    old.close()
