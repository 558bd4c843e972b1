"""Checkpoints of the audit chain kept outside the database: its length and head hash.

The chain alone cannot show that its newest events were cut off, or that someone recomputed
every hash after an edit: both leave a consistent chain. A checkpoint (count + the hash of the
count-th event) taken earlier and kept elsewhere can. Checkpoints live in

- a checkpoint file beside a SQLite database (`<database>.audit-checkpoints.jsonl`, 0600), or,
  for PostgreSQL, in the user's data folder (`audit-checkpoints/<host>-<port>-<db>.jsonl`),
  appended after every CLI command and GUI session that touched the database;
- every backup (a backup holds the chain as it was: its length and last hash);
- every evidence pack (`audit-checkpoint.json`);
- wherever the user copies the head that `audit verify` prints.

`audit verify` compares the chain with every checkpoint it finds: fewer events than a
checkpoint counted means events were deleted from the end; a different hash at a
checkpoint's count means the chain was rewritten.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import APP_NAME, sqlite_file
from app.db.models import AuditEvent
from app.domain.errors import DatabaseBusyError, ValidationError
from app.i18n import N_, Message
from app.security.files import create_owner_only, ensure_owner_only, ensure_private_dir

FILE_SUFFIX = ".audit-checkpoints.jsonl"
PACK_MEMBER = "audit-checkpoint.json"
GIVEN = "given"  # the source of a checkpoint the user typed
KEEP_LINES = 500  # newest kept in the file, plus the longest chain ever seen
_TEXT_RE = re.compile(r"^\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*$")


@dataclass(frozen=True)
class Checkpoint:
    count: int  # events in the chain when it was taken
    head: str | None  # hash of the count-th event (None for an empty chain)
    at: datetime
    source: str = ""  # where it was found (file, backup, pack, "given")

    def as_json(self) -> dict[str, object]:
        return {"count": self.count, "head": self.head, "at": self.at.isoformat()}

    @property
    def text(self) -> str:
        """The form to copy elsewhere and give back to `audit verify --checkpoint`."""
        return f"{self.count}:{self.head or '0' * 64}"


@dataclass(frozen=True)
class CheckpointFinding:
    checkpoint: Checkpoint
    kind: str  # "truncated" | "rewritten"

    def message(self) -> Message:
        cp = self.checkpoint
        at = "?" if cp.source == GIVEN else f"{cp.at.astimezone():%Y-%m-%d %H:%M}"
        params = {"count": cp.count, "at": at, "source": cp.source}
        if self.kind == "truncated":
            return Message(N_("A checkpoint of {at} ({source}) counted {count} audit events; "
                              "fewer are left: events were deleted from the end of the trail."),
                           params)
        return Message(N_("Audit event number {count} no longer has the hash that a checkpoint "
                          "of {at} ({source}) recorded: the trail was rewritten."), params)


def current_head(session: Session) -> Checkpoint:
    """The chain's length and last hash now (not verified: `audit verify` does that)."""
    count = int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
    head = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar_one_or_none()
    return Checkpoint(count, head, datetime.now(UTC), "database")


def save_checkpoint(url: str, sessions: sessionmaker[Session]) -> Checkpoint:
    """Append the chain's current length and head to the database's checkpoint file.

    Give it read-only sessions: it only reads, and must not queue behind another writer."""
    with sessions() as session:
        head = current_head(session)
    record_checkpoint(checkpoint_file(url), head)
    return head


def save_checkpoint_quietly(url: str, sessions: sessionmaker[Session]) -> None:
    """`save_checkpoint` at the end of a command or GUI session; a failure is only logged
    (the work is done; `audit verify` still compares with the checkpoints there are).
    Here, not in app.security.maintenance: every command ends with it, and maintenance
    brings backups and integrity checks a `cleardesk list` does not need."""
    try:
        save_checkpoint(url, sessions)
    except (SQLAlchemyError, OSError, DatabaseBusyError) as exc:
        logging.getLogger(__name__).warning("audit checkpoint not saved: %s", exc)


def checkpoint_file(url: str) -> Path:
    """Where the checkpoint file of the database at `url` lives."""
    path = sqlite_file(url)
    if path is not None:
        return path.with_name(path.name + FILE_SUFFIX)
    u = make_url(url)
    name = "-".join(str(part) for part in (u.host or "local", u.port or "", u.database or "")
                    if part != "")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "audit-checkpoints" / (safe + ".jsonl")


def record_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Append `checkpoint` to the file at `path` (owner-only) unless it is the last one."""
    existing = read_checkpoint_file(path)
    if existing and (existing[-1].count, existing[-1].head) == (checkpoint.count,
                                                                checkpoint.head):
        return
    ensure_private_dir(path.parent)
    line = json.dumps(checkpoint.as_json(), sort_keys=True) + "\n"
    if len(existing) < KEEP_LINES:
        if not path.exists():
            create_owner_only(path)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line)
        ensure_owner_only(path)
        return
    longest = max(existing, key=lambda c: c.count)
    kept = [c for c in existing[-(KEEP_LINES - 1):]]
    if longest not in kept:
        kept.insert(0, longest)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    create_owner_only(tmp)
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(c.as_json(), sort_keys=True) + "\n" for c in kept)
            fh.write(line)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def read_checkpoint_file(path: Path) -> list[Checkpoint]:
    """The checkpoints in a checkpoint file, oldest first (unreadable lines skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for line in lines:
        cp = _from_json(line, str(path))
        if cp is not None:
            found.append(cp)
    return found


def _from_json(text: str, source: str) -> Checkpoint | None:
    try:
        data = json.loads(text)
        return Checkpoint(int(data["count"]), data.get("head"),
                          datetime.fromisoformat(str(data["at"])), source)
    except (ValueError, KeyError, TypeError):
        return None


def backup_checkpoint(path: Path) -> Checkpoint | None:
    """The chain's length and head as a backup file holds them (None when unreadable)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            count, head = conn.execute(
                "SELECT (SELECT count(*) FROM audit_events), "
                "(SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1)").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return Checkpoint(int(count), head, at, str(path))


def pack_checkpoint(checkpoint: Checkpoint) -> bytes:
    """The evidence pack's `audit-checkpoint.json`."""
    data = {**checkpoint.as_json(), "verify": f"cleardesk audit verify --checkpoint "
            f"{checkpoint.text}"}
    return json.dumps(data, indent=2, sort_keys=True).encode("utf-8")


def given_checkpoint(value: str) -> Checkpoint:
    """A checkpoint the user names: `COUNT:HASH`, an evidence pack, a backup or a file."""
    match = _TEXT_RE.match(value)
    if match:
        # Its time is unknown: it counts as the oldest checkpoint.
        return Checkpoint(int(match.group(1)), match.group(2).lower(),
                          datetime(1970, 1, 1, tzinfo=UTC), GIVEN)
    path = Path(value).expanduser()
    found: Checkpoint | None = None
    if path.is_file():
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf, contextlib.suppress(KeyError):
                found = _from_json(zf.read(PACK_MEMBER).decode("utf-8"), str(path))
        elif path.suffix == ".sqlite3":
            found = backup_checkpoint(path)
        else:
            cps = read_checkpoint_file(path)
            found = cps[-1] if cps else None
    if found is None:
        raise ValidationError(N_("{value} is neither COUNT:HASH nor a file holding an audit "
                                 "checkpoint (evidence pack, backup or checkpoint file)."),
                              value=value)
    return found


def find_checkpoints(url: str, backups: Iterable[Path] = ()) -> list[Checkpoint]:
    """Every checkpoint kept for the database at `url`: its checkpoint file and `backups`."""
    found = read_checkpoint_file(checkpoint_file(url))
    for path in backups:
        cp = backup_checkpoint(path)
        if cp is not None:
            found.append(cp)
    return found


def compare(events: int, hashes_at: dict[int, str],
            checkpoints: Sequence[Checkpoint]) -> list[CheckpointFinding]:
    """What the checkpoints say about a verified chain of `events` events whose n-th event
    has the hash `hashes_at[n]`; newest checkpoint first."""
    out = []
    for cp in sorted(checkpoints, key=lambda c: c.at, reverse=True):
        if cp.count > events:
            out.append(CheckpointFinding(cp, "truncated"))
        elif cp.count and hashes_at.get(cp.count) != cp.head:
            out.append(CheckpointFinding(cp, "rewritten"))
    return out
