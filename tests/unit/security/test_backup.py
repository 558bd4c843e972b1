"""Backup and restore of SQLite files (plain sqlite3: no app database needed)."""

from __future__ import annotations

import sqlite3
import stat
import sys
import threading
from datetime import date, datetime
from pathlib import Path

import pytest

from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.security.backup import (
    auto_backup_if_due,
    auto_backup_name,
    auto_backups,
    backup_database,
    latest_backup,
    manual_backup_name,
)
from app.security.files import prepare_database_file
from app.security.integrity import check_file, startup_problem
from app.security.restore import inspect_backup, restore_database

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
REV = "abc123"


def make_db(path: Path, rows: int = 10, revision: str | None = REV) -> None:
    prepare_database_file(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE parcel (id INTEGER PRIMARY KEY, order_no TEXT NOT NULL)")
    conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, parcel_id INTEGER NOT NULL)")
    conn.execute("CREATE INDEX ix_ledger ON ledger (parcel_id)")
    if revision is not None:
        conn.execute("CREATE TABLE alembic_version (version_num TEXT NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    with conn:
        for i in range(rows):
            cur = conn.execute("INSERT INTO parcel (order_no) VALUES (?)", (f"SO-{i}",))
            conn.execute("INSERT INTO ledger (parcel_id) VALUES (?)", (cur.lastrowid,))
    conn.close()


def count(path: Path, table: str = "parcel") -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "cleardesk.sqlite3"
    path.parent.mkdir()
    make_db(path)
    return path


def test_backup_copies_the_data_into_one_owner_only_file(db: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backups" / manual_backup_name(datetime(2026, 3, 1, 9, 30))
    info = backup_database(db, dest)
    assert info.path == dest and dest.name == "cleardesk-20260301-093000.sqlite3"
    assert info.revision == REV
    assert count(dest) == 10
    assert check_file(dest).ok
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert not list(dest.parent.glob("*.tmp"))


@posix_only
def test_database_and_backups_are_owner_only(db: Path, tmp_path: Path) -> None:
    assert mode(db) == 0o600
    dest = tmp_path / "backups" / "b.sqlite3"
    backup_database(db, dest)
    assert mode(dest) == 0o600
    assert mode(dest.parent) == 0o700


@posix_only
def test_prepare_tightens_an_existing_world_readable_database(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    path.write_bytes(b"")
    path.chmod(0o644)
    prepare_database_file(path)
    assert mode(path) == 0o600


def test_backup_never_overwrites(db: Path) -> None:
    with pytest.raises(ValidationError):
        backup_database(db, db)
    assert count(db) == 10


def test_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        backup_database(tmp_path / "none.sqlite3", tmp_path / "b.sqlite3")
    assert not (tmp_path / "none.sqlite3").exists()


def test_backup_while_another_connection_writes_is_consistent(db: Path, tmp_path: Path) -> None:
    """Each write transaction adds a parcel and its ledger row; every backup must hold pairs."""
    stop = threading.Event()
    first_commit = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            conn = sqlite3.connect(db, timeout=10)
            i = 0
            while not stop.is_set():
                with conn:
                    cur = conn.execute("INSERT INTO parcel (order_no) VALUES (?)", (f"W-{i}",))
                    conn.execute("INSERT INTO ledger (parcel_id) VALUES (?)", (cur.lastrowid,))
                i += 1
                first_commit.set()
            conn.close()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            first_commit.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert first_commit.wait(10)
        backups = [backup_database(db, tmp_path / f"b{n}.sqlite3").path for n in range(5)]
    finally:
        stop.set()
        thread.join()
    assert not errors
    for path in backups:
        assert check_file(path, quick=False).ok
        assert count(path) == count(path, "ledger") >= 11
    assert count(db) >= count(backups[-1])


def test_progress_is_reported(db: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    backup_database(db, tmp_path / "p.sqlite3", progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]


def test_daily_automatic_backup_with_retention(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    for day in range(1, 6):
        assert auto_backup_if_due(db, folder, date(2026, 3, day), retention=3) is not None
        assert auto_backup_if_due(db, folder, date(2026, 3, day), retention=3) is None
    backup_database(db, folder / manual_backup_name(datetime(2026, 3, 1, 8, 0)))
    assert [p.name for p in auto_backups(folder)] == [
        auto_backup_name(date(2026, 3, d)) for d in (3, 4, 5)
    ]
    assert (folder / "cleardesk-20260301-080000.sqlite3").exists()  # manual ones stay
    assert latest_backup(folder) is not None


def write_more(path: Path, n: int) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO parcel (order_no) VALUES (?)", [(f"X-{i}",) for i in range(n)]
        )
    conn.close()


def test_restore_replaces_the_data_and_keeps_the_replaced_file(db: Path, tmp_path: Path) -> None:
    backup = backup_database(db, tmp_path / "b.sqlite3").path
    write_more(db, 5)
    assert count(db) == 15
    info = restore_database(backup, db, now=datetime(2026, 3, 2, 10, 0), known_revisions={REV})
    assert count(db) == 10
    assert info.revision == REV
    assert info.replaced_copy == db.with_name("cleardesk.replaced-20260302-100000.sqlite3")
    assert count(info.replaced_copy) == 15
    assert check_file(db).ok
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # live file stays WAL
    conn.close()


def test_restore_into_a_missing_database(tmp_path: Path, db: Path) -> None:
    backup = backup_database(db, tmp_path / "b.sqlite3").path
    target = tmp_path / "new" / "cleardesk.sqlite3"
    info = restore_database(backup, target, now=datetime(2026, 3, 2))
    assert info.replaced_copy is None
    assert count(target) == 10


def test_restore_refuses_a_damaged_backup_and_changes_nothing(db: Path, tmp_path: Path) -> None:
    backup = backup_database(db, tmp_path / "b.sqlite3").path
    data = bytearray(backup.read_bytes())
    page = 4096
    # Scribble over the second page (the parcel table's b-tree).
    data[page + 8 : page + 200] = b"\xff" * 192
    backup.write_bytes(bytes(data))
    with pytest.raises(ValidationError) as info:
        restore_database(backup, db, now=datetime(2026, 3, 2))
    assert "damaged" in info.value.text("en") or "not a ClearDesk" in info.value.text("en")
    assert count(db) == 10
    assert not list(db.parent.glob("*.replaced-*"))


def test_restore_refuses_a_file_that_is_not_a_database(db: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_text("hello, this is not SQLite " * 200)
    with pytest.raises(ValidationError) as info:
        inspect_backup(bogus)
    assert "not a ClearDesk database" in info.value.text("en")


def test_restore_refuses_a_database_without_or_with_unknown_revision(tmp_path: Path) -> None:
    plain = tmp_path / "plain.sqlite3"
    make_db(plain, revision=None)
    with pytest.raises(ValidationError, match="no schema revision"):
        inspect_backup(plain)
    newer = tmp_path / "newer.sqlite3"
    make_db(newer, revision="fffffff")
    with pytest.raises(ValidationError) as info:
        inspect_backup(newer, known_revisions={REV})
    assert "fffffff" in info.value.text("zh_CN")


def test_restore_refuses_while_someone_writes(db: Path, tmp_path: Path) -> None:
    backup = backup_database(db, tmp_path / "b.sqlite3").path
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO parcel (order_no) VALUES ('busy')")
    try:
        with pytest.raises(ConflictError, match="in use"):
            restore_database(backup, db, now=datetime(2026, 3, 2), wait_seconds=0.05)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert count(db) == 10


def test_startup_check_explains_what_to_do(db: Path, tmp_path: Path) -> None:
    assert startup_problem(db, None) is None
    backup = backup_database(db, tmp_path / "b.sqlite3").path
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(db.read_bytes()[:4096] + b"\x00" * 4096 * 3)
    message = startup_problem(broken, backup)
    assert message is not None
    from app.i18n import render

    assert "cleardesk restore" in render(message, "en")
    assert str(backup) in render(message, "zh_CN")
    assert startup_problem(broken, None) is not None
