"""Backups of a PostgreSQL database with the server's own tools: `pg_dump` (custom format)
and, to restore, `pg_restore` feeding `psql` in one transaction.

- A backup is written to an owner-only temporary file beside the target and renamed into
  place. Its schema revision is the `alembic_version` row inside the dump (read back with
  `pg_restore --data-only -t alembic_version`), so no side file can get lost.
- A restore checks the dump first (readable, a ClearDesk database, the schema revision the
  database has now unless `force`), keeps a dump of the current database as the replaced copy,
  then empties the `public` schema and loads the dump with `psql --single-transaction`: a
  failure anywhere leaves the database as it was.
- The client tools must exist and be at least the server's major version (pg_dump refuses a
  newer server; a dump made by a newer pg_dump cannot be read by an older pg_restore): both
  are said plainly instead of pg_dump's own messages.
Automatic backups of a database server are the server administrator's job.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.i18n import N_
from app.security.files import create_owner_only, ensure_owner_only, ensure_private_dir

SUFFIX = ".dump"
LOCK_TIMEOUT = "15s"  # a restore waits this long for other workstations' sessions, then stops


@dataclass(frozen=True)
class PgBackupInfo:
    path: Path
    size_bytes: int
    revision: str | None


@dataclass(frozen=True)
class PgRestoreInfo:
    restored_from: Path
    revision: str
    replaced_copy: Path | None


def manual_dump_name(database: str, now: datetime) -> str:
    return f"{database}-{now:%Y%m%d-%H%M%S}{SUFFIX}"


def client_tool(name: str, engine: Engine) -> str:
    """Path of pg_dump / pg_restore / psql, checked against the server's major version.

    Raises ValidationError when it is missing or older than the server."""
    exe = shutil.which(name)
    if exe is None:
        raise ValidationError(
            N_("{tool} is not installed on this workstation: install the PostgreSQL client "
               "tools (package postgresql-client on Debian and Ubuntu) of the server's version "
               "and try again."), tool=name)
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"\)\s*(\d+)", done.stdout)
    tool_major = int(found.group(1)) if found else 0
    with engine.connect() as conn:
        server_major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    if tool_major < server_major:
        raise ValidationError(
            N_("{tool} is version {tool_version} but the database server runs PostgreSQL "
               "{server_version}: install the client tools of version {server_version} or "
               "later (package postgresql-client-{server_version}) and try again."),
            tool=name, tool_version=tool_major or "?", server_version=server_major)
    return exe


def dump_database(engine: Engine, dest: Path) -> PgBackupInfo:
    """`pg_dump --format=custom` of the database into the new file `dest` (mode 0600).

    Raises ValidationError when `dest` exists or a tool is missing or too old, ConflictError
    when pg_dump fails (its message attached)."""
    if dest.exists():
        raise ValidationError(
            N_("{path} already exists; choose another file name for the backup."),
            path=str(dest))
    exe = client_tool("pg_dump", engine)
    ensure_private_dir(dest.parent)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
    create_owner_only(tmp)
    try:
        _run([exe, "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}",
              *_conn_args(engine.url), "--", str(engine.url.database)], engine.url)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    ensure_owner_only(dest)
    return PgBackupInfo(dest, dest.stat().st_size, dump_revision(engine, dest))


def dump_revision(engine: Engine, dump: Path) -> str | None:
    """The schema revision stored in a custom-format dump (None when it has none).

    Raises NotFoundError when there is no file, ValidationError when it is not a dump."""
    if not dump.is_file():
        raise NotFoundError(N_("There is no backup file at {path}."), path=str(dump))
    exe = client_tool("pg_restore", engine)
    done = subprocess.run([exe, "--data-only", "--table=alembic_version", "--file=-", "--",
                           str(dump)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ValidationError(
            N_("{file} is not a PostgreSQL backup (pg_dump custom format) that this "
               "pg_restore can read: {detail}"), file=str(dump),
            detail=done.stderr.strip()[-300:])
    lines = done.stdout.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and n + 1 < len(lines):
            value = lines[n + 1].strip()
            return None if value == "\\." else value
    return None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('public.alembic_version')")).scalar()
        if exists is None:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def restore_database(engine: Engine, source: Path, replaced_dir: Path, *, now: datetime,
                     force: bool = False) -> PgRestoreInfo:
    """Replace the database's contents with the dump `source` (see the module docstring).

    Raises ValidationError for a file that is no ClearDesk dump or one of another schema
    revision (unless `force`), ConflictError when loading it fails (nothing changed then)."""
    revision = dump_revision(engine, source)
    if revision is None:
        raise ValidationError(N_("{file} is not a backup of a ClearDesk database (it has no "
                                 "schema revision)."), file=str(source))
    now_revision = current_revision(engine)
    if now_revision is not None and revision != now_revision and not force:
        raise ValidationError(
            N_("{file} is a backup of schema {revision}, the database is at schema {current}. "
               "Restore it with the ClearDesk version that made it, or run restore again "
               "with --force (an older schema is upgraded at the next start)."),
            file=str(source), revision=revision, current=now_revision)
    psql = client_tool("psql", engine)
    pg_restore = client_tool("pg_restore", engine)
    replaced = None
    if now_revision is not None:
        replaced = dump_database(
            engine, replaced_dir / f"{engine.url.database}.replaced-{now:%Y%m%d-%H%M%S}{SUFFIX}")
    script = ensure_private_dir(replaced_dir) / f".{source.name}.{uuid.uuid4().hex}.sql"
    create_owner_only(script)
    try:
        _run([pg_restore, "--no-owner", "--no-privileges", f"--file={script}", "--",
              str(source)], engine.url)
        _run([psql, "--no-psqlrc", "--quiet", "--single-transaction",
              "--set=ON_ERROR_STOP=1", *_conn_args(engine.url),
              f"--command=SET lock_timeout = '{LOCK_TIMEOUT}'",
              "--command=DROP SCHEMA public CASCADE",
              "--command=CREATE SCHEMA public",
              f"--file={script}", f"--dbname={engine.url.database}"], engine.url)
    finally:
        script.unlink(missing_ok=True)
    return PgRestoreInfo(source, revision, None if replaced is None else replaced.path)


def _conn_args(url: URL) -> list[str]:
    return [f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}",
            f"--username={url.username or ''}"]


def _run(args: list[str], url: URL) -> None:
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.strip()[-500:]
        if "lock timeout" in detail:
            raise ConflictError(N_("Other workstations are using the database: close "
                                   "ClearDesk on them and try again."))
        raise ConflictError(N_("{tool} failed: {detail}"), tool=Path(args[0]).name,
                            detail=detail)
