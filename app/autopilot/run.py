"""One autopilot pass: under the office lock, import what the watch folders hold (pre-checked
on import), batch and hand over what the approved rules say, read customs' receipts from the
exchange folder's inbox, then say what is waiting for people. `cleardesk autopilot --once`
prints this report.

Every step commits before the next begins and is safe to repeat, so a pass killed anywhere is
finished by the next one: a file whose import committed is recognised by its content hash,
messages of an autopilot batch that were recorded but not yet written are handed over at the
start of the next pass, and receipts are applied once by their content key."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.autopilot.lock import office_lock
from app.autopilot.rules import RuleRun, run_rules
from app.autopilot.watch import (
    DEFAULT_SETTLE_SECONDS,
    Transaction,
    WatchFolder,
    WatchReport,
    process_folder,
)
from app.db.engine import make_session_factory
from app.db.models import Batch, BatchRule, Declaration, OutboundMessage
from app.domain.errors import UserFacingError, ValidationError
from app.domain.status import DeclarationStatus as S
from app.i18n import N_, Message, render
from app.jobs.base import CancelToken
from app.security.context import Actor, Permission, Role, require
from app.services.settings import all_settings


def folders_from_settings(values: dict[str, str]) -> list[WatchFolder]:
    text = values.get("watchFolders") or ""
    return [WatchFolder.parse(part.strip()) for part in text.split(";") if part.strip()]


def settle_seconds(values: dict[str, str]) -> float:
    try:
        return max(0.0, float(values.get("watchSettleSeconds") or DEFAULT_SETTLE_SECONDS))
    except ValueError:
        return DEFAULT_SETTLE_SECONDS


@dataclass
class PassReport:
    paused: bool = False
    watch: WatchReport = field(default_factory=WatchReport)
    rules: list[RuleRun] = field(default_factory=list)
    ready: int = 0  # of the declarations imported in this pass
    exceptions: int = 0  # of them: stopped at the pre-check (people must look)
    handed_over: int = 0  # messages of earlier autopilot batches written in this pass
    receipts: dict[str, int] | None = None  # the receipts read (None: no exchange folder)
    problems: list[str] = field(default_factory=list)  # exchange folder trouble, in words

    def to_json(self) -> dict[str, object]:
        return {"paused": self.paused,
                "imported": [f.to_json() for f in self.watch.files],
                "waiting": self.watch.waiting, "missingFolders": self.watch.missing_folders,
                "declarations": len(self.watch.new_ids), "ready": self.ready,
                "exceptions": self.exceptions,
                "batched": [r.to_json() for r in self.rules],
                "handedOver": self.handed_over, "receipts": self.receipts,
                "problems": self.problems}


def pilot_actor(actor: Actor) -> Actor:
    """The autopilot acting for the supervisor who runs it (imports, receipts); batches are
    made acting for the supervisor who approved their rule (rules.acting_for)."""
    if actor.name.startswith(PILOT_PREFIX):
        return actor
    return Actor(f"{PILOT_PREFIX}{actor.name}", actor.role, workstation="autopilot")


PILOT_PREFIX = "autopilot:"


def run_once(engine: Engine, transaction: Transaction, actor: Actor,
             extra: list[WatchFolder], *, lang: str, now: float | None = None,
             clock: datetime | None = None, cancel: CancelToken | None = None) -> PassReport:
    """One pass over the configured watch folders plus `extra`; raises AutopilotBusyError
    when another autopilot holds the office lock. `cancel` (the GUI closing) stops it between
    files and before the rules, raising Cancelled: every file is imported and moved whole or
    not at all, and the lock is released.

    `now` (seconds since the epoch) is what the files' settle time is measured against;
    `clock` the moment the batching rules' cut-offs are compared with (training: a chosen
    time of day; default: now)."""
    require(actor, Permission.AUTOPILOT)  # a supervisor runs the office's autopilot
    pilot = pilot_actor(actor)
    with transaction(write=False) as session:  # never queue behind the other autopilot
        values = all_settings(session)
    report = PassReport(paused=(values.get("autopilotPaused") or "no").lower() == "yes")
    if report.paused:
        return report
    folders = folders_from_settings(values) + list(extra)
    if not folders and not has_rules(engine):
        raise ValidationError(N_("No watch folder: set watchFolders (config set watchFolders "
                                 "'FOLDER=PROFILE') or pass --watch FOLDER[=PROFILE]."))
    with office_lock(engine):
        moment = time.time() if now is None else now
        sessions = make_session_factory(engine)
        _finish_hand_over(sessions, transaction, values, report, lang)
        for folder in folders:
            process_folder(transaction, pilot, folder, lang=lang, now=moment,
                           settle=settle_seconds(values), report=report.watch, cancel=cancel)
        if report.watch.new_ids:
            with transaction(write=False) as session:
                report.ready, report.exceptions = _ready_and_stopped(session,
                                                                     report.watch.new_ids)
        if cancel is not None:
            cancel.raise_if_cancelled()
        report.rules = run_rules(sessions, clock or datetime.fromtimestamp(moment, UTC),
                                 transfer_settings=values)
        _read_receipts(sessions, pilot, values, report, lang)
    return report


def _finish_hand_over(sessions: sessionmaker[Session], transaction: Transaction,
                      values: dict[str, str], report: PassReport, lang: str) -> None:
    """Write the messages of autopilot batches an earlier pass recorded but was stopped
    before handing over (acting for the supervisor each batch was made for)."""
    from app.submission.exchange import transport_from_settings
    from app.submission.outbound import PENDING, deliver_pending

    if not values.get("exchangeDir"):
        return
    with transaction(write=False) as session:  # a read: never queue behind a writer
        pending = session.execute(
            select(Batch.id, Batch.created_by).where(
                Batch.created_by.startswith(PILOT_PREFIX, autoescape=True),
                Batch.id.in_(select(OutboundMessage.batch_id)
                             .where(OutboundMessage.state == PENDING)))
            .order_by(Batch.id)).all()
    if not pending:
        return
    try:
        transport = transport_from_settings(values)
    except UserFacingError:
        return  # a broken exchange setting is said when the receipts are read
    if not transport.available():
        return  # likewise
    for batch_id, made_by in pending:
        acting = Actor(str(made_by), Role.SUPERVISOR, workstation="autopilot")
        try:
            done = deliver_pending(sessions, acting, transport, batch_id=batch_id)
        except UserFacingError as exc:
            report.problems.append(exc.text(lang))
            return
        report.handed_over += len(done.written) + done.already


def _read_receipts(sessions: sessionmaker[Session], pilot: Actor, values: dict[str, str],
                   report: PassReport, lang: str) -> None:
    """Apply customs' receipts waiting in the exchange folder's inbox (released, rejected,
    held …): the flow goes on without anyone pressing Receipts."""
    from app.submission.exchange import transport_from_settings
    from app.submission.receipts_job import process_inbox

    if not values.get("exchangeDir"):
        return
    try:
        transport = transport_from_settings(values)
        if not transport.available():
            report.problems.append(render(Message(
                N_("The exchange folder {path} is not reachable."),
                {"path": str(transport.root)}), lang))
            return
        report.receipts = process_inbox(sessions, pilot, transport).as_dict()
    except UserFacingError as exc:
        report.problems.append(exc.text(lang))


def _ready_and_stopped(session: Session, ids: list[int]) -> tuple[int, int]:
    # In parts: a pass over a day's files imports far more declarations than one statement
    # may have parameters (SQLite 32766, PostgreSQL 65535).
    ready = stopped = 0
    for start in range(0, len(ids), IN_PART):
        rows = {status: n for status, n in session.execute(
            select(Declaration.status, func.count())
            .where(Declaration.id.in_(ids[start:start + IN_PART]))
            .group_by(Declaration.status))}
        ready += int(rows.get(S.READY.value, 0))
        stopped += int(rows.get(S.INVALID.value, 0))
    return ready, stopped


IN_PART = 5000


PAUSED_KEY = "autopilotPaused"


def set_paused(session: Session, actor: Actor, paused: bool) -> None:
    """Pause (or resume) the office's autopilot at once; it checks before every pass and every
    window's status bar says so. A supervisor's switch, audited."""
    require(actor, Permission.AUTOPILOT)
    from app.db.engine import take_turns
    from app.db.models import Setting
    from app.security.audit import AUDIT_TURN, record_event

    take_turns(session.connection(), AUDIT_TURN)
    row = session.get(Setting, PAUSED_KEY, populate_existing=True)
    value = "yes" if paused else "no"
    if row is None:
        session.add(Setting(key=PAUSED_KEY, value=value))
    else:
        row.value = value
    record_event(session, actor, "autopilot.pause" if paused else "autopilot.resume",
                 entity="setting", entity_id=PAUSED_KEY)


def is_paused(session: Session) -> bool:
    return (all_settings(session).get(PAUSED_KEY) or "no").lower() == "yes"


def has_rules(engine: Engine) -> bool:
    with make_session_factory(engine)() as session:
        return session.execute(select(BatchRule.id).limit(1)).first() is not None
