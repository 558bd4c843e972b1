"""The receipts job: read the inbox, apply each return once, file the receipts away.

Files are taken in chunks; within a chunk all returns are applied in customs' order
(returnTime). A chunk is one transaction, and files are moved (processed/ or error/) only after
it commits: if the process dies in between, the next run finds the same files, recognises
their returns as already stored (content key) and just moves them.

One bad file never stops the others: a file that cannot be read safely (link, too large,
unknown encoding, hostile or broken XML, or anything else the parser raises) is quarantined
in error/ with its reason, and the run goes on. A file that does not parse while it is still
changing (younger than the settle time, or changed while read) is not quarantined but left
for the next scan: the client may still be writing it. Quarantined files that change later
are tried again.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue.learning import learn_from_released
from app.db.models import (
    Declaration,
    InboundReceipt,
    MessageDeclaration,
    OutboundMessage,
    ReceiptFile,
)
from app.db.types import utcnow
from app.domain.clock import beijing_today
from app.domain.state_machine import REQUEST_RECEIPTS, request_verdict
from app.domain.status import DeclarationStatus
from app.i18n import N_, Message, render
from app.jobs.base import CancelToken, Progress, no_progress
from app.security.audit import AuditRecord, record_events
from app.security.context import Actor, Permission, require
from app.submission.deliveries import apply_status_returns
from app.submission.exchange import ExchangeFolderTransport
from app.submission.exchange_fs import read_regular, symlink_refused
from app.submission.export_flow import apply_document_returns
from app.submission.inbox import InboxEntry, QuarantineRecord
from app.submission.lifecycle import close_requests, open_requests_previous
from app.submission.receipt_plan import Plan, Target, plan_returns
from app.submission.receipts import (
    DOCUMENT_KINDS,
    SUMMARY_KINDS,
    TALLY_KINDS,
    TAX_KINDS,
    ReceiptParseError,
    ReceiptReturn,
    file_hash,
    parse_receipt,
)
from app.submission.return_tally import apply_tally_returns
from app.submission.summary import apply_summary_returns
from app.submission.taxbills import apply_tax_returns
from app.submission.waybills import apply_waybill_returns

D = Declaration
FILES_PER_CHUNK = 200
# Returns that update their own table (waybills, tax bills), not a declaration's status.
_OWN_TABLES = frozenset({"CEB512", "CEB514", "CEB506", *TAX_KINDS, *DOCUMENT_KINDS,
                         *SUMMARY_KINDS, *TALLY_KINDS})
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Quarantined:
    """A receipt file moved to error/: its name and the reason code (`unmatched`,
    `malformed`, `encoding`, `symlink`, `too_large` …)."""

    file: str
    reason: str


@dataclass(frozen=True)
class ReceiptsResult:
    files: int
    returns: int
    applied: int
    duplicates: int
    unmatched: int
    errors: int
    error_files: tuple[str, ...] = ()
    quarantined: tuple[Quarantined, ...] = ()
    waiting: int = 0  # still being written: left in the inbox for the next scan
    retried: tuple[str, ...] = ()  # quarantined files that changed, taken back

    def as_dict(self) -> dict[str, int]:
        return {"files": self.files, "returns": self.returns, "applied": self.applied,
                "duplicates": self.duplicates, "unmatched": self.unmatched,
                "errors": self.errors, "waiting": self.waiting}

    def as_json(self) -> dict[str, Any]:
        """as_dict() plus the quarantined files with their reasons and the retried ones."""
        return {**self.as_dict(),
                "quarantined": [{"file": q.file, "reason": q.reason} for q in self.quarantined],
                "retried": list(self.retried)}


@dataclass
class _Totals:
    files: int = 0
    returns: int = 0
    applied: int = 0
    duplicates: int = 0
    unmatched: int = 0
    errors: int = 0
    waiting: int = 0
    error_files: list[str] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)

    def quarantine(self, name: str, reason: str) -> None:
        self.error_files.append(name)
        self.quarantined.append(Quarantined(name, reason))


def process_inbox(sessions: sessionmaker[Session], actor: Actor,
                  transport: ExchangeFolderTransport, *, today: date | None = None,
                  progress: Progress = no_progress,
                  cancel: CancelToken | None = None,
                  now: float | None = None) -> ReceiptsResult:
    """Apply every receipt waiting in the inbox. Safe to run again at any time.

    `now` (seconds since the epoch) is the clock the settle time is measured against.
    Raises ExchangeSymlinkError (nothing done) when the inbox, processed/ or error/ is a link.
    """
    require(actor, Permission.RECEIPTS)
    day = (today or beijing_today()).strftime("%Y%m%d")
    transport.check_inbound_folders(day)
    retried = tuple(transport.retry_changed())
    entries = transport.inbox_entries()
    totals = _Totals()
    unsettled: dict[str, tuple[int, int, float]] = {}
    clock = time.time() if now is None else now
    for start in range(0, len(entries), FILES_PER_CHUNK):
        if cancel is not None:
            cancel.raise_if_cancelled()
        chunk = entries[start:start + FILES_PER_CHUNK]
        _process_chunk(sessions, actor, transport, chunk, day, totals, clock, unsettled)
        progress(min(start + FILES_PER_CHUNK, len(entries)), len(entries), "")
    transport.unsettled = unsettled
    return ReceiptsResult(totals.files, totals.returns, totals.applied, totals.duplicates,
                          totals.unmatched, totals.errors, tuple(totals.error_files),
                          tuple(totals.quarantined), totals.waiting, retried)


def _reason_text(code: str, message: Message) -> str:
    # The reason file is read by people: say it in both languages.
    return (f"{code}: {render(message, 'zh_CN')}\n"
            f"{code}: {render(message, 'en')}")


def _settled(transport: ExchangeFolderTransport, entry: InboxEntry, clock: float) -> bool:
    """Whether a file has stopped changing: not modified for the settle time, by its mtime
    or (a share's clock may run ahead) by our clock since earlier scans saw it unchanged."""
    seen = transport.unsettled.get(entry.path.name)
    if seen is not None and seen[:2] == entry.snapshot and (
            clock - seen[2] >= transport.settle_seconds):
        return True
    return clock - entry.mtime_ns / 1e9 >= transport.settle_seconds


def _read_one(transport: ExchangeFolderTransport, entry: InboxEntry, clock: float,
              unsettled: dict[str, tuple[int, int, float]],
              ) -> tuple[bytes, list[ReceiptReturn]] | tuple[str, QuarantineRecord] | None:
    """(content, returns) of a good file; (reason, record) of one to quarantine; None for
    one to leave for the next scan."""
    if entry.symlink:
        return (_reason_text("symlink", symlink_refused().message),
                QuarantineRecord(entry.size, entry.mtime_ns, symlink=True))
    data, changed = b"", False
    try:
        data, st = read_regular(entry.path, transport.max_receipt_bytes)
        changed = (st.st_size, st.st_mtime_ns) != entry.snapshot
        rf = parse_receipt(data, max_bytes=transport.max_receipt_bytes)
        return data, list(rf.returns)
    except OSError:
        return None  # the client took it back or holds it locked; next scan
    except ReceiptParseError as exc:
        code, message = exc.reason, exc.message
    except Exception as exc:  # bytes from outside: any failure is the file's
        log.warning("receipt %s could not be parsed", entry.path.name, exc_info=True)
        code = "unreadable"
        message = Message(N_("The file could not be read: {error}"),
                          {"error": f"{type(exc).__name__}: {exc}"[:300]})
    # A well-formed document is complete; only these failures can be a file half written.
    maybe_partial = code in ("malformed", "bad_bytes", "unreadable")
    if maybe_partial and (changed or not _settled(transport, entry, clock)):
        seen = transport.unsettled.get(entry.path.name)
        first = seen[2] if seen is not None and seen[:2] == entry.snapshot else clock
        unsettled[entry.path.name] = (*entry.snapshot, first)
        return None  # still being written under its final name
    return (_reason_text(code, message),
            QuarantineRecord(entry.size, entry.mtime_ns, file_hash(data) if data else ""))


def _process_chunk(sessions: sessionmaker[Session], actor: Actor,
                   transport: ExchangeFolderTransport, entries: Sequence[InboxEntry],
                   day: str, totals: _Totals, clock: float,
                   unsettled: dict[str, tuple[int, int, float]]) -> None:
    parsed: list[tuple[Path, str, list[ReceiptReturn]]] = []
    contents: dict[str, bytes] = {}  # sha256 -> the file as it arrived
    refused: list[tuple[Path, str, QuarantineRecord]] = []
    for entry in entries:
        outcome = _read_one(transport, entry, clock, unsettled)
        if outcome is None:
            if entry.path.name in unsettled:
                totals.waiting += 1
            continue
        totals.files += 1
        if isinstance(outcome[0], str):
            refused.append((entry.path, outcome[0], outcome[1]))
            continue
        data, returns = outcome
        digest = file_hash(data)
        parsed.append((entry.path, digest, returns))
        contents[digest] = data
    file_of: dict[int, tuple[Path, str]] = {}
    all_returns: list[ReceiptReturn] = []
    for path, digest, returns in parsed:
        for r in returns:
            file_of[id(r)] = (path, digest)
            all_returns.append(r)
    totals.returns += len(all_returns)
    unmatched_by_file: dict[Path, list[str]] = {}
    for attempt in range(3):
        try:
            with sessions() as session, session.begin():
                declared = [r for r in all_returns if r.kind not in _OWN_TABLES]
                resolver = _Resolver(session, declared)
                seen = _seen_keys(session, [r.content_key for r in all_returns])
                plan = plan_returns(declared, resolver, seen)
                # Waybill answers change the waybill's status, not the declaration's.
                plan.outcomes.extend(apply_waybill_returns(
                    session, [r for r in all_returns if r.kind in ("CEB512", "CEB506")],
                    seen))
                plan.outcomes.extend(apply_document_returns(
                    session, [r for r in all_returns if r.kind in DOCUMENT_KINDS], seen))
                plan.outcomes.extend(apply_summary_returns(
                    session, [r for r in all_returns if r.kind in SUMMARY_KINDS], seen))
                plan.outcomes.extend(apply_tally_returns(
                    session, [r for r in all_returns if r.kind in TALLY_KINDS], seen))
                plan.outcomes.extend(apply_status_returns(
                    session, [r for r in all_returns if r.kind == "CEB514"], seen))
                plan.outcomes.extend(apply_tax_returns(
                    session, [r for r in all_returns if r.kind in TAX_KINDS], seen))
                stored = _persist(session, actor, plan, file_of)
                _keep_files(session, stored, contents)
            break
        except IntegrityError:
            # Another process (the GUI watcher and a CLI run) stored some of these returns
            # between our read and our write: plan again, they are duplicates now.
            if attempt == 2:
                raise
    for o in plan.outcomes:
        if o.reason == "duplicate":
            totals.duplicates += 1
        elif o.reason == "unmatched":
            totals.unmatched += 1
            path = file_of[id(o.ret)][0]
            unmatched_by_file.setdefault(path, []).append(o.ret.copNo or o.ret.guid)
        elif o.applied:
            totals.applied += 1
    for path, _digest, _returns in parsed:
        missing = unmatched_by_file.get(path)
        try:
            if missing:
                reason = ("unmatched: no declaration for " + ", ".join(sorted(set(missing))[:50])
                          + "\n(matched returns of this file, if any, were applied)")
                transport.move_error(path, day, reason)
                totals.quarantine(path.name, "unmatched")
            else:
                transport.move_processed(path, day)
        except FileNotFoundError:
            pass  # another run filed it away already
        except OSError:  # held open by the client: its returns are stored, moved next run
            log.warning("receipt %s could not be moved", path.name, exc_info=True)
    for path, reason, record in refused:
        try:
            transport.move_error(path, day, reason, record)
        except FileNotFoundError:
            continue
        except OSError:  # held open by the client: quarantined at the next scan
            log.warning("receipt %s could not be moved", path.name, exc_info=True)
            totals.waiting += 1
            continue
        totals.errors += 1
        totals.quarantine(path.name, reason.partition(":")[0])


class _Resolver:
    """Current state of the declarations a chunk's returns talk about, loaded set-wise."""

    def __init__(self, session: Session, returns: Sequence[ReceiptReturn]) -> None:
        cop_nos = sorted({r.copNo for r in returns if r.copNo}
                         | {c for r in returns for c in r.ori_cop_nos})
        guids = sorted({r.guid for r in returns if r.kind == "CEB900" and r.guid})
        self.by_cop: dict[str, Target] = {}
        for i in range(0, len(cop_nos), 900):
            qc = (select(D.id, D.copNo, D.status, D.last_return_time, D.last_return_status,
                         D.preNo, D.invtNo, D.last_return_info)
                 .where(D.copNo.in_(cop_nos[i:i + 900])).order_by(D.id))
            for row in session.execute(qc):
                self.by_cop[row.copNo] = _target(row)  # latest id wins
        self.by_message: dict[str, list[Target]] = {}
        for i in range(0, len(guids), 900):
            qm = (select(OutboundMessage.guid, D.id, D.copNo, D.status, D.last_return_time,
                         D.last_return_status, D.preNo, D.invtNo, D.last_return_info)
                 .join(MessageDeclaration, MessageDeclaration.message_id == OutboundMessage.id)
                 .join(D, D.id == MessageDeclaration.declaration_id)
                 .where(OutboundMessage.guid.in_(guids[i:i + 900])))
            for mrow in session.execute(qm):
                self.by_message.setdefault(mrow.guid, []).append(_target(mrow))
        # Cancellation / return answers restore the status before the request on refusal.
        asked = sorted({t.declaration_id for t in self.by_cop.values()}
                       | {t.declaration_id for ts in self.by_message.values() for t in ts})
        previous = open_requests_previous(session, asked) if any(
            r.kind in REQUEST_RECEIPTS or r.kind == "CEB900" for r in returns) else {}
        if previous:
            self.by_cop = {c: replace(t, previous=previous.get(t.declaration_id))
                           for c, t in self.by_cop.items()}
            self.by_message = {g: [replace(t, previous=previous.get(t.declaration_id))
                                   for t in ts] for g, ts in self.by_message.items()}

    def __call__(self, ret: ReceiptReturn) -> Sequence[Target]:
        if ret.kind == "CEB900":
            found = self.by_message.get(ret.guid)
            if found:
                return found
            return [self.by_cop[c] for c in ret.ori_cop_nos if c in self.by_cop]
        t = self.by_cop.get(ret.copNo)
        return [t] if t is not None else []


def _target(row: Any) -> Target:  # a Row of id, copNo, status, last_*, preNo, invtNo
    code = row.last_return_status
    try:
        last_code = int(code) if code not in (None, "") else None
    except ValueError:
        last_code = None
    return Target(row.id, DeclarationStatus(row.status), row.last_return_time, last_code,
                  row.preNo, row.invtNo, row.last_return_info)


def _seen_keys(session: Session, keys: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    uniq = sorted(set(keys))
    for i in range(0, len(uniq), 900):
        seen.update(session.execute(select(InboundReceipt.content_key)
                                    .where(InboundReceipt.content_key.in_(uniq[i:i + 900])))
                    .scalars())
    return seen


def _keep_files(session: Session, wanted: dict[str, str], contents: dict[str, bytes]) -> None:
    """Store the bytes of the files `wanted` (sha256 -> name: those that gave at least one
    stored return), once per content: the evidence pack needs the originals after the exchange
    folder is cleaned up."""
    if not wanted:
        return
    have = set(session.execute(select(ReceiptFile.sha256)
                               .where(ReceiptFile.sha256.in_(list(wanted)))).scalars())
    rows = [{"sha256": d, "file_name": name, "content": contents[d], "received_at": utcnow()}
            for d, name in wanted.items() if d not in have]
    if rows:
        session.connection().execute(insert(cast(Table, ReceiptFile.__table__)), rows)


def _persist(session: Session, actor: Actor, plan: Plan,
             file_of: dict[int, tuple[Path, str]]) -> dict[str, str]:
    """Store the plan's returns and status changes; returns sha256 -> name of the files that
    gave a stored return."""
    rows: list[dict[str, Any]] = []
    files: dict[str, str] = {}
    keys_used: set[str] = set()
    # One audit event per receipt file listing the status changes it made: the per-declaration
    # trail is the `inbound_receipts` history (every return, applied or not).
    changes: dict[str, dict[str, Any]] = {}
    for o in plan.outcomes:
        if o.reason in ("duplicate", "unmatched"):
            continue
        ret = o.ret
        key = ret.content_key
        if key in keys_used:  # one CEB900 about many declarations: one row each
            key = hashlib.sha256(f"{key}:{o.declaration_id}".encode()).hexdigest()
        keys_used.add(key)
        path, digest = file_of[id(ret)]
        files.setdefault(digest, path.name)
        rows.append({
            "message_type": ret.kind, "file_name": path.name, "file_hash": digest,
            "content_key": key, "guid": ret.guid[:36] or None, "cop_no": ret.copNo or None,
            "pre_no": ret.preNo or None, "invt_no": ret.invtNo or None,
            "return_status": ret.returnStatus[:10], "return_time": ret.returnTime[:17],
            "return_info": ret.returnInfo, "declaration_id": o.declaration_id,
            "applied": o.applied, "note": None if o.applied else o.reason,
        })
        if o.applied and o.declaration_id is not None:
            entry = changes.setdefault(path.name, {"file": path.name, "sha256": digest,
                                                   "changes": {}})
            entry["changes"][str(o.declaration_id)] = [
                ret.returnStatus, o.status.value if o.status else None]
    if rows:
        # Core insert into the table: the ORM bulk path costs 4x more for nothing here.
        session.connection().execute(insert(cast(Table, InboundReceipt.__table__)), rows)
    infos: dict[int | None, str] = {}
    answers: list[tuple[int, str, str, str, str]] = []
    for o in plan.outcomes:  # in returnTime order: the last applied one wins
        if o.applied:
            infos[o.declaration_id] = o.ret.returnInfo
        verdict = request_verdict(o.kind, o.ret.returnStatus) if o.kind else None
        if verdict and o.declaration_id is not None and o.reason not in (
                "duplicate", "unmatched", "older"):
            # Refused even when customs released the parcel first (the status moved on).
            answers.append((o.declaration_id, o.kind, verdict, o.ret.returnStatus,
                            o.ret.returnInfo))
    updates = [{
        "_id": decl_id, "b_status": t.status.value, "b_last_return_time": t.last_time,
        "b_last_return_status": None if t.last_code is None else str(t.last_code),
        "b_pre_no": t.preNo, "b_invt_no": t.invtNo,
        "b_info": (infos.get(decl_id) or t.last_info or "")[:1000] or None,
    } for decl_id, t in plan.changed.items()]
    if updates:
        session.connection().execute(
            update(D).where(D.id == bindparam("_id")).values(
                status=bindparam("b_status"), last_return_time=bindparam("b_last_return_time"),
                last_return_status=bindparam("b_last_return_status"),
                last_return_info=bindparam("b_info"),
                preNo=bindparam("b_pre_no"), invtNo=bindparam("b_invt_no"),
                version=D.version + 1),
            updates)
    close_requests(session, answers)
    # Released goods enter or confirm the goods catalogue (rows locked before the audit turn).
    released = [o.declaration_id for o in plan.outcomes if o.applied
                and o.status is DeclarationStatus.RELEASED and o.declaration_id is not None]
    learnt = learn_from_released(session, actor, released) if released else None
    if changes or learnt:
        record_events(session, actor, [
            AuditRecord("receipt.apply", "receipt_file", name, None, details)
            for name, details in changes.items()] + ([learnt] if learnt else []))
    return files
