"""Watch folders: platform files dropped in a folder are imported once, then moved aside.

A file is taken only when it is complete: a regular file (never a link, FIFO or device),
not a temporary name the writer is still using (`.part`, `~$x.xlsx`, `.x.swp` …), and
unchanged for `settle` seconds (mtime). It is imported once by content (the SHA-256 every
import job records): the same bytes dropped again, or a file whose import committed before a
crash moved it, go to `done/` as "already imported". After the import's transaction commits,
the file moves to `done/YYYYMMDD/`; a file that imported nothing moves to `failed/YYYYMMDD/`
with `<name>.reason.txt` beside it, in the office's language. Moving is the last step, so
killing the autopilot anywhere loses and doubles nothing: the next pass finds the file again
and the content hash says whether it was already imported.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import ImportJob, ImportRowError
from app.domain.clock import beijing_today
from app.domain.errors import UserFacingError
from app.i18n import N_, Message, render
from app.jobs.base import CancelToken
from app.security.context import Actor, Permission, require

SUFFIXES = (".xlsx", ".xls", ".ods", ".csv", ".tsv", ".txt", ".json")
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp",
                 ".filepart", ".lock")
DONE, FAILED = "done", "failed"
DEFAULT_SETTLE_SECONDS = 10.0

class Transaction(Protocol):
    """`CliContext.transaction` / `GuiContext.transaction`: one unit of work."""

    def __call__(self, *, write: bool = True) -> AbstractContextManager[Session]: ...


@dataclass(frozen=True)
class WatchFolder:
    path: Path
    profile: str | None = None

    @classmethod
    def parse(cls, text: str) -> WatchFolder:
        """`DIR` or `DIR=PROFILE` (the import profile for that platform's files)."""
        folder, sep, profile = text.partition("=")
        return cls(Path(folder).expanduser(), profile.strip() or None if sep else None)


@dataclass(frozen=True)
class FileOutcome:
    file: str
    folder: str
    outcome: str  # imported | already | failed
    declarations: int = 0
    rejected_rows: int = 0
    job_id: int | None = None
    reason: str = ""
    moved_to: str = ""

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "folder": self.folder, "outcome": self.outcome,
                "declarations": self.declarations, "rejectedRows": self.rejected_rows,
                "jobId": self.job_id, "reason": self.reason, "movedTo": self.moved_to}


@dataclass
class WatchReport:
    files: list[FileOutcome] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # not complete yet (still changing)
    missing_folders: list[str] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)


def is_temporary(name: str) -> bool:
    low = name.lower()
    return (name.startswith((".", "~$", "~")) or low.endswith(TEMP_SUFFIXES)
            or not low.endswith(SUFFIXES))


def ready_files(folder: WatchFolder, now: float, settle: float) -> Iterator[tuple[Path, bool]]:
    """(path, complete) for each candidate file directly in the folder, oldest first."""
    try:
        entries = list(os.scandir(folder.path))
    except OSError:
        return
    found: list[tuple[float, Path, bool]] = []
    for entry in entries:
        if is_temporary(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue  # links, FIFOs, folders (done/, failed/) are never taken
        found.append((st.st_mtime, Path(entry.path), now - st.st_mtime >= settle))
    for _mtime, path, complete in sorted(found):
        yield path, complete


def already_imported(session: Session, digest: str) -> int | None:
    """The id of a finished import job of exactly these bytes, if any."""
    return session.execute(select(ImportJob.id).where(
        ImportJob.sha256 == digest, ImportJob.status == "done",
        ImportJob.declarations + ImportJob.updated > 0).order_by(ImportJob.id)
        .limit(1)).scalar_one_or_none()


def _stored_rejections(session: Session, job_id: int, lang: str) -> list[str]:
    """The rejected rows an import job recorded, in words (row, column: reason)."""
    rows = session.execute(select(ImportRowError.row, ImportRowError.column,
                                  ImportRowError.msgid, ImportRowError.params)
                           .where(ImportRowError.import_job_id == job_id)
                           .order_by(ImportRowError.row, ImportRowError.id)).all()
    return [render(Message(N_("Row {row} {order}: {message}"),
                           {"row": r.row, "order": r.column or "",
                            "message": Message(r.msgid, _message_params(r.params))}), lang)
            for r in rows]


def _message_params(params: Any) -> dict[str, Any]:
    """Stored message parameters back as they were (a nested message is {msgid, params})."""
    out: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if isinstance(value, dict) and "msgid" in value:
            value = Message(str(value["msgid"]), _message_params(value.get("params")))
        out[str(key)] = value
    return out


def _move(path: Path, folder: WatchFolder, kind: str) -> Path:
    target_dir = folder.path / kind / beijing_today().strftime("%Y%m%d")
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = target_dir / path.name
    n = 1
    while target.exists():  # the same name dropped twice a day: keep both
        target = target_dir / f"{path.stem}.{n}{path.suffix}"
        n += 1
    os.replace(path, target)
    return target


def _write_reason(target: Path, text: str) -> None:
    reason = target.with_name(target.name + ".reason.txt")
    tmp = reason.with_name(reason.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text.rstrip() + "\n")
    os.replace(tmp, reason)


def _failure_text(summary_errors: list[str], headline: str) -> str:
    return "\n".join([headline, *summary_errors[:200]])


def process_folder(transaction: Transaction, actor: Actor, folder: WatchFolder, *,
                   lang: str, now: float | None = None,
                   settle: float = DEFAULT_SETTLE_SECONDS, report: WatchReport,
                   cancel: CancelToken | None = None) -> None:
    """Import every complete file of `folder` once; move each to done/ or failed/.
    `cancel` stops it between files (raises Cancelled)."""
    require(actor, Permission.IMPORT)
    if not folder.path.is_dir():
        report.missing_folders.append(str(folder.path))
        return
    moment = time.time() if now is None else now
    for path, complete in ready_files(folder, moment, settle):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if not complete:
            report.waiting.append(str(path))
            continue
        report.files.append(_process_file(transaction, actor, folder, path, lang, report))


def _process_file(transaction: Transaction, actor: Actor, folder: WatchFolder, path: Path,
                  lang: str, report: WatchReport) -> FileOutcome:
    # The import machinery (readers, pre-check) loads with the first file, not with every
    # window that shows the autopilot's state.
    from app.intake.service import ImportRequest, import_file, sha256_file

    name, where = path.name, str(folder.path)
    try:
        digest = sha256_file(path)
    except OSError as exc:
        return FileOutcome(name, where, "failed", reason=str(exc))
    with transaction(write=False) as session:
        job_id = already_imported(session, digest)
        job = session.get(ImportJob, job_id) if job_id is not None else None
        n_rejected = job.rejected_rows if job is not None else 0
        rejected = _stored_rejections(session, job_id, lang) if n_rejected and job_id else []
    if job_id is not None:
        target = _move(path, folder, DONE)
        if n_rejected:  # its import committed just before a crash: the reason file says why
            headline = render(Message(N_("{rejected} rows of {file} were rejected; the others "
                                         "were imported."), {"file": name,
                                                             "rejected": n_rejected}), lang)
            _write_reason(target, _failure_text(rejected, headline))
        return FileOutcome(name, where, "already", job_id=job_id, moved_to=str(target),
                           rejected_rows=n_rejected,
                           reason=render(Message(N_("Already imported (import {job})."),
                                                 {"job": job_id}), lang))
    request = ImportRequest(path=path, profile=folder.profile)
    try:
        with transaction() as session:
            summary = import_file(session, actor, request)
    except UserFacingError as exc:
        text = exc.text(lang)
        target = _move(path, folder, FAILED)
        _write_reason(target, text)
        return FileOutcome(name, where, "failed", reason=text, moved_to=str(target))
    errors = [render(Message(N_("Row {row} {order}: {message}"),
                             {"row": e.row, "order": e.order_no, "message": e.message}), lang)
              for e in summary.errors]
    if summary.nothing_imported:
        headline = render(Message(N_("Nothing was imported from {file}: {rejected} rows "
                                     "rejected."), {"file": name,
                                                    "rejected": summary.rejected_rows}), lang)
        target = _move(path, folder, FAILED)
        _write_reason(target, _failure_text(errors, headline))
        return FileOutcome(name, where, "failed", rejected_rows=summary.rejected_rows,
                           job_id=summary.job_id, reason=headline, moved_to=str(target))
    report.new_ids.extend(summary.declaration_ids)
    target = _move(path, folder, DONE)
    if summary.rejected_rows:
        headline = render(Message(N_("{rejected} rows of {file} were rejected; the others "
                                     "were imported."), {"file": name,
                                                         "rejected": summary.rejected_rows}),
                          lang)
        _write_reason(target, _failure_text(errors, headline))
    return FileOutcome(name, where, "imported", declarations=summary.declarations,
                       rejected_rows=summary.rejected_rows, job_id=summary.job_id,
                       moved_to=str(target))
