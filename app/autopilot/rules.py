"""Batching rules (data, approved by a supervisor) and the autopilot step that applies them:
at a rule's cut-off (or as soon as a full batch is ready) its ready declarations are batched
and handed to customs, by the autopilot acting for the supervisor who approved the rule.

Only declarations a person would batch without a second look go: ready, in no batch, not held
at the station, and with no warning left unacknowledged. Everything else waits for a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import BatchRule, Declaration, ParcelWeighing, Problem
from app.domain.clock import BEIJING
from app.domain.errors import NotFoundError, UserFacingError, ValidationError
from app.domain.status import DeclarationStatus as S
from app.i18n import N_
from app.security.audit import record_event
from app.security.context import ROLE_PERMISSIONS, Actor, Permission, Role, require

RULE_FIELDS = ("logistics_code", "ebp_code", "customs_code", "bill_no", "traf_mode", "traf_no",
               "voyage_no", "size_limit", "cutoffs", "enabled", "auto_submit")
MAX_LENGTHS = {"logistics_code": 18, "ebp_code": 18, "customs_code": 4, "bill_no": 37,
               "traf_mode": 1, "traf_no": 100, "voyage_no": 32}
_CUTOFF = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_cutoffs(text: str) -> list[time]:
    out = []
    for part in (p.strip() for p in text.replace("，", ",").split(",")):
        if not part:
            continue
        m = _CUTOFF.match(part)
        if m is None:
            raise ValidationError(N_("Cut-off time {value} is not HH:MM (e.g. 10:30)."),
                                  value=part)
        out.append(time(int(m.group(1)), int(m.group(2))))
    return sorted(out)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in RULE_FIELDS:
            raise ValidationError(N_("Unknown rule field {field}."), field=key)
        if key == "size_limit":
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = 0
            if not 1 <= value <= 100_000:
                raise ValidationError(N_("The batch size limit is a number from 1 to 100000."))
        elif key in ("enabled", "auto_submit"):
            value = bool(value) if not isinstance(value, str) else value.lower() in (
                "1", "yes", "true", "on")
        elif key == "cutoffs":
            value = ",".join(t.strftime("%H:%M") for t in parse_cutoffs(str(value or "")))
        elif key == "traf_mode" and value is not None and str(value).strip():
            value = _transport_mode(str(value))
        else:
            value = (str(value).strip() or None) if value is not None else None
            if value is not None and len(value) > MAX_LENGTHS[key]:
                raise ValidationError(N_("{value} is too long here: at most {n} characters."),
                                      value=value, n=MAX_LENGTHS[key])
        out[key] = value
    return out


def save_rule(session: Session, actor: Actor, name: str, values: dict[str, Any]) -> BatchRule:
    """Create or change a rule; the supervisor saving it approves it (audited)."""
    require(actor, Permission.AUTOPILOT)
    name = name.strip()
    if not name:
        raise ValidationError(N_("A rule needs a name."))
    if len(name) > 60:
        raise ValidationError(N_("A rule's name is at most 60 characters."))
    clean = _clean(values)
    rule = session.execute(select(BatchRule).where(BatchRule.name == name)).scalar_one_or_none()
    now = datetime.now(BEIJING)
    if rule is None:
        rule = BatchRule(name=name, created_by=actor.name, size_limit=500, cutoffs="",
                         enabled=True, auto_submit=True)
        session.add(rule)
    before = {k: getattr(rule, k) for k in RULE_FIELDS}
    for key, value in clean.items():
        setattr(rule, key, value)
    rule.approved_by, rule.approved_at = actor.name, now
    session.flush()
    changes = {k: [before[k], getattr(rule, k)] for k in RULE_FIELDS
               if before[k] != getattr(rule, k)}
    record_event(session, actor, "autopilot.rule_save", entity="batch_rule",
                 entity_id=str(rule.id), details={"name": name, "changes": changes})
    return rule


def list_rules(session: Session, actor: Actor) -> list[BatchRule]:
    require(actor, Permission.VIEW)
    return list(session.execute(select(BatchRule).order_by(BatchRule.name)).scalars())


@dataclass(frozen=True)
class RuleInfo:
    """A rule as windows show it (the ORM row stays in the service layer)."""

    name: str
    logistics_code: str | None
    ebp_code: str | None
    customs_code: str | None
    bill_no: str | None
    traf_mode: str | None
    traf_no: str | None
    voyage_no: str | None
    size_limit: int
    cutoffs: str
    enabled: bool
    auto_submit: bool
    approved_by: str | None
    approved_at: datetime | None
    last_run_at: datetime | None

    @property
    def waits_for_bill(self) -> bool:
        """Without a master bill the rule batches nothing until one is entered."""
        return not self.bill_no


def rule_infos(session: Session, actor: Actor) -> list[RuleInfo]:
    """Every rule, by name (anyone may look; only a supervisor saves)."""
    names = RuleInfo.__dataclass_fields__
    return [RuleInfo(**{f: getattr(r, f) for f in names}) for r in list_rules(session, actor)]


def _transport_mode(text: str) -> str:
    """The transport-mode code (运输方式) for a code, name or alias (航空 → 5): the batches a
    rule makes carry it into every message."""
    from app.reference.tables import shipped_reference_tables

    code = shipped_reference_tables().table("trafMode").resolve(text)
    if code is None:
        raise ValidationError(N_("{value} is not a transport mode: give its code or name "
                                 "(e.g. 5 or 航空运输)."), value=text.strip())
    return code


def check_rule_field(key: str, value: Any) -> Any:
    """The cleaned value of one rule field, or ValidationError (the window shows it at the
    field before anything is saved)."""
    return _clean({key: value})[key]


def get_rule(session: Session, actor: Actor, name: str) -> BatchRule:
    require(actor, Permission.VIEW)
    rule = session.execute(select(BatchRule).where(BatchRule.name == name)).scalar_one_or_none()
    if rule is None:
        raise NotFoundError(N_("No batching rule named {name}."), name=name)
    return rule


def candidates(session: Session, rule: BatchRule) -> list[int]:
    """Ready declarations the rule may batch without a person looking, oldest first."""
    D = Declaration
    open_warning = exists().where(Problem.declaration_id == D.id,
                                  Problem.severity == "warning",
                                  Problem.acknowledged_at.is_(None))
    held = exists().where(ParcelWeighing.declaration_id == D.id,
                          ParcelWeighing.state == "held")
    stmt = select(D.id).where(D.status == S.READY.value, D.batch_id.is_(None),
                              D.ieFlag == "I", ~open_warning, ~held)
    for column, value in ((D.logisticsCode, rule.logistics_code), (D.ebpCode, rule.ebp_code),
                          (D.customsCode, rule.customs_code)):
        if value:
            stmt = stmt.where(column == value)
    return list(session.execute(stmt.order_by(D.id)).scalars())


def due_cutoff(rule: BatchRule, now: datetime) -> datetime | None:
    """The latest of today's cut-offs (Beijing) that has passed since the rule last ran."""
    local = now.astimezone(BEIJING)
    passed = [datetime.combine(local.date(), t, BEIJING) for t in parse_cutoffs(rule.cutoffs)
              if datetime.combine(local.date(), t, BEIJING) <= local]
    if not passed:
        return None
    latest = passed[-1]
    last = rule.last_run_at
    if last is not None and last.astimezone(BEIJING) >= latest:
        return None
    return latest


def acting_for(rule: BatchRule) -> Actor:
    """The autopilot acting for the supervisor who approved the rule (audit says both)."""
    return Actor(f"autopilot:{rule.approved_by}", Role.SUPERVISOR,
                 workstation="autopilot")


def approver_may_act(session: Session, name: str) -> bool:
    """Whether the autopilot may still act for `name`: not when their account is disabled or
    their role no longer approves autopilot rules (a name without an account — the system
    user of a headless set-up — is not managed here and may)."""
    from app.db.models import User

    user = session.execute(select(User.active, User.role).where(User.name == name)).first()
    if user is None:
        return True
    try:
        role = Role(user.role)
    except ValueError:
        return False
    return bool(user.active) and Permission.AUTOPILOT in ROLE_PERMISSIONS[role]


@dataclass(frozen=True)
class RuleRun:
    rule: str
    batches: tuple[str, ...] = ()
    declarations: int = 0
    submitted_messages: int = 0
    waiting: str = ""  # why the rule did nothing although parcels were ready

    def to_json(self) -> dict[str, object]:
        return {"rule": self.rule, "batches": list(self.batches),
                "declarations": self.declarations, "messages": self.submitted_messages,
                "waiting": self.waiting}


def run_rules(sessions: sessionmaker[Session], now: datetime, *,
              transfer_settings: dict[str, str]) -> list[RuleRun]:
    """Apply every approved, enabled rule; each batch in its own transaction, submitted."""
    from app.submission import batches, outbound
    from app.submission.exchange import transport_from_settings

    with sessions() as s:
        rules = [r for r in s.execute(select(BatchRule).order_by(BatchRule.id)).scalars()
                 if r.enabled and r.approved_by]
        s.expunge_all()
    out: list[RuleRun] = []
    for rule in rules:
        with sessions() as s:
            ids = candidates(s, rule)
        cutoff = due_cutoff(rule, now)
        size = max(1, rule.size_limit)
        take = ids if cutoff is not None else ids[:len(ids) // size * size]
        if not take:
            if cutoff is not None:  # the cut-off passed with nothing to go: parcels ready
                _ran(sessions, rule, now)  # later wait for the next one (or a full batch)
            continue
        if not rule.bill_no:
            out.append(RuleRun(rule.name, waiting=N_("waiting for a master bill")))
            continue
        with sessions() as s:
            may_act = approver_may_act(s, rule.approved_by or "")
        if not may_act:
            out.append(RuleRun(rule.name, waiting=N_(
                "waiting for a supervisor to approve the rule again: the one who approved it "
                "is disabled or no longer a supervisor")))
            continue
        actor = acting_for(rule)
        made: list[str] = []
        messages = declared = 0
        for chunk in _chunks(take, size):
            try:
                with sessions() as s, s.begin():
                    summary = batches.create_batch(
                        s, actor, ids=chunk, mixed_logistics=not rule.logistics_code,
                        transport=batches.TransportData(
                            billNo=rule.bill_no, trafMode=rule.traf_mode, trafNo=rule.traf_no,
                            voyageNo=rule.voyage_no))
                    if rule.auto_submit:  # off: the batch waits for a person to submit
                        recorded = outbound.record_batch(s, actor, summary.batch_no,
                                                         transfer_settings)
                        messages += len(recorded)
                    declared += summary.declarations
                    made.append(summary.batch_no)
            except batches.BatchBlockedError as exc:
                # Changed meanwhile (edited, batched by a person): next pass. Parcels that
                # no longer pass the pre-check are stored as such, so they leave the rule's
                # candidates for the exceptions instead of blocking it every pass.
                if exc.stale:
                    with sessions() as s, s.begin():
                        batches.store_recheck(s, actor, exc)
                continue
            except UserFacingError:
                continue
        if made or cutoff is not None:
            _ran(sessions, rule, now)
        if made and rule.auto_submit and transfer_settings.get("exchangeDir"):
            outbound.deliver_pending(sessions, actor, transport_from_settings(transfer_settings))
        out.append(RuleRun(rule.name, tuple(made), declared, messages))
    return out


def _ran(sessions: sessionmaker[Session], rule: BatchRule, now: datetime) -> None:
    with sessions() as s, s.begin():
        stored = s.get(BatchRule, rule.id)
        if stored is not None:
            stored.last_run_at = now


def _chunks(ids: Sequence[int], size: int) -> list[list[int]]:
    return [list(ids[i:i + size]) for i in range(0, len(ids), size)]
