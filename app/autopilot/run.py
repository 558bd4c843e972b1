"""One autopilot pass: under the office lock, import what the watch folders hold, then say
what is waiting for people. `cleardesk autopilot --once` prints this report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

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
from app.db.models import BatchRule, Declaration
from app.domain.errors import ValidationError
from app.domain.status import DeclarationStatus as S
from app.i18n import N_
from app.jobs.base import CancelToken
from app.security.context import Actor, Permission, require
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

    def to_json(self) -> dict[str, object]:
        return {"paused": self.paused,
                "imported": [f.to_json() for f in self.watch.files],
                "waiting": self.watch.waiting, "missingFolders": self.watch.missing_folders,
                "declarations": len(self.watch.new_ids), "ready": self.ready,
                "exceptions": self.exceptions,
                "batched": [r.to_json() for r in self.rules]}


def run_once(engine: Engine, transaction: Transaction, actor: Actor,
             extra: list[WatchFolder], *, lang: str, now: float | None = None,
             cancel: CancelToken | None = None) -> PassReport:
    """One pass over the configured watch folders plus `extra`; raises AutopilotBusyError
    when another autopilot holds the office lock. `cancel` (the GUI closing) stops it between
    files and before the rules, raising Cancelled: every file is imported and moved whole or
    not at all, and the lock is released."""
    require(actor, Permission.AUTOPILOT)  # a supervisor runs the office's autopilot
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
        for folder in folders:
            process_folder(transaction, actor, folder, lang=lang, now=moment,
                           settle=settle_seconds(values), report=report.watch, cancel=cancel)
        if report.watch.new_ids:
            with transaction(write=False) as session:
                report.ready, report.exceptions = _ready_and_stopped(session,
                                                                     report.watch.new_ids)
        if cancel is not None:
            cancel.raise_if_cancelled()
        report.rules = run_rules(make_session_factory(engine),
                                 datetime.fromtimestamp(moment, UTC), transfer_settings=values)
    return report


def _ready_and_stopped(session: Session, ids: list[int]) -> tuple[int, int]:
    rows = dict(session.execute(
        select(Declaration.status, func.count()).where(Declaration.id.in_(ids))
        .group_by(Declaration.status)).all())
    return int(rows.get(S.READY.value, 0)), int(rows.get(S.INVALID.value, 0))


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
