"""The monthly summary application (CEB701 汇总申请单) of export inventories, customs' receipt
(CEB702) and the summary result (CEB792 汇总结果单).

An exporter summarises its released and departed B2C export inventories of a month into
customs declarations (for settlement and the tax refund). Which inventories go together, and
where each rule comes from (spec 202205, docs/submission.md "Monthly summary"):
- only inventories declared for summary, statisticsFlag B (汇总申报; §2.11.4, CEB603 head:
  A 简化申报 is "清单核放、汇总统计" — no declaration is summarised from it);
- one application per declaring customs (customsCode 申报地海关代码), declaring agent
  (agentCode 申报单位, also the declaration's declAgentCode 报关单位), exporter (ebcCode
  收发货人) and supervised site (loctNo 监管场所, "同一申报地海关下有多个监管场所需要填写区分")
  — the head of the application holds one of each (§2.21.4, table 2-73);
- summaryFlag 2 (按收发货人和生产销售单位汇总): split by the producer (ownerCode) too, as the
  summary declaration names one 生产销售单位 (table 2-73 summaryFlag);
- customs turns each application into one export declaration (CEB792 declSeqNo "一一对应报关单",
  §2.23.4, table 2-80), so inventories that cannot share a declaration head are split:
  trade mode (tradeMode 监管方式 9610/1210…), transport mode (trafMode), destination country
  (country 运抵国) and port of exit (portCode 出境关别) — the head fields of the CEB603 the
  declaration takes over (§2.11.4). Currency and HS code are per goods line (表体): customs
  merges the lines by them (itemNameFlag 0: by comprehensive classification); they do not
  split an application.
The month is the inventories' declaration month (appTime). An inventory goes into one summary
only, unless customs refused that summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.db.models import (
    Declaration,
    MessageDeclaration,
    OutboundMessage,
    SummaryApplication,
    SummaryInventory,
)
from app.domain.clock import beijing_now
from app.domain.errors import ConflictError, ValidationError
from app.domain.export_stage import ExportStage
from app.i18n import N_
from app.security.audit import AuditRecord, record_events
from app.security.context import Actor, Permission, require
from app.submission.ceb import BaseTransfer
from app.submission.exchange import message_file_name, sha256_hex
from app.submission.export_flow import DOC_STATE_LABELS, REJECTED, RELEASED, SENT, answer
from app.submission.export_messages import Part, build_export_message
from app.submission.outbound import PENDING
from app.submission.receipt_plan import Outcome, first_seen
from app.submission.receipts import ReceiptReturn

D = Declaration
S_ = SummaryApplication
SUMMARY_FLAG = "2"  # by exporter and producer (ownerCode is in GROUP_FIELDS)
SUMMARISED = "B"  # statisticsFlag of the inventories summarised (汇总申报)
ITEM_NAME_FLAG = "0"  # goods grouped by customs' comprehensive classification
GROUP_FIELDS = ("ebcCode", "ownerCode", "customsCode", "agentCode", "loctNo", "tradeMode",
                "trafMode", "country", "portCode")
STATE_LABELS = DOC_STATE_LABELS  # sent / accepted / refused, as the export documents


@dataclass(frozen=True)
class SummaryRow:
    id: int
    month: str
    ebc_code: str
    ebc_name: str | None
    cop_no: str
    inventories: int
    status: str
    pre_no: str | None
    sum_no: str | None
    return_status: str | None
    return_info: str | None
    decl_seq_no: str | None
    entry_id: str | None
    dec_state: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SummaryResult:
    month: str
    applications: tuple[SummaryRow, ...]
    messages: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"month": self.month, "applications": [a.as_dict() for a in self.applications],
                "messages": list(self.messages)}


def _month(text: str) -> str:
    try:
        return datetime.strptime(text.strip(), "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise ValidationError(N_("Not a month (YYYY-MM): {value}"), value=text) from None


def summary_candidates(session: Session, month: str, ebc_code: str | None = None
                       ) -> list[dict[str, Any]]:
    """Released and departed export inventories declared for summary (statisticsFlag B) in
    `month` (YYYY-MM), with an inventory number, in no summary customs has not refused."""
    stamp = _month(month).replace("-", "")
    taken = (select(SummaryInventory.declaration_id)
             .join(S_, S_.id == SummaryInventory.summary_id).where(S_.status != REJECTED))
    cols = [getattr(D, n) for n in (*GROUP_FIELDS, "ebcName", "agentName", "invtNo")]
    q = (select(D.id, *cols)
         .where(D.ieFlag == "E", D.status.in_(sorted(RELEASED)),
                D.statisticsFlag == SUMMARISED,
                D.export_stage == ExportStage.DEPARTED.value, D.invtNo.is_not(None),
                D.appTime.like(f"{stamp}%"), D.id.not_in(taken))
         .order_by(D.id))
    if ebc_code:
        q = q.where(D.ebcCode == ebc_code)
    names = ("id", *GROUP_FIELDS, "ebcName", "agentName", "invtNo")
    return [dict(zip(names, row, strict=True)) for row in session.execute(q)]


def apply_for_summary(session: Session, actor: Actor, month: str,
                      settings: Mapping[str, Any], *, ebc_code: str | None = None,
                      now: datetime | None = None) -> SummaryResult:
    """Build and record the CEB701 applications of `month` (one per group of GROUP_FIELDS),
    pending for the outbox. Raises ConflictError when nothing is left to summarise."""
    require(actor, Permission.SUBMIT)
    month = _month(month)
    transfer = BaseTransfer.from_settings(settings)
    found = summary_candidates(session, month, ebc_code)
    if not found:
        raise ConflictError(
            N_("No released and departed export inventories of {month} declared for summary "
               "(statisticsFlag B) are left to summarise{ebc}."), month=month,
            ebc=f" ({ebc_code})" if ebc_code else "")
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for inv in found:
        groups.setdefault(tuple(inv[f] for f in GROUP_FIELDS), []).append(inv)
    when = now or beijing_now()
    seq = int(session.execute(select(func.count()).select_from(S_)).scalar_one())
    rows: list[SummaryRow] = []
    files: list[str] = []
    for invs in groups.values():
        seq += 1
        first = invs[0]
        cop_no = f"HZ{month.replace('-', '')}{seq:06d}"
        head = {"customsCode": first["customsCode"] or settings.get("customsCode"),
                "copNo": cop_no, "agentCode": first["agentCode"] or settings.get("agentCode"),
                "agentName": first["agentName"] or settings.get("agentName"),
                "ebcCode": first["ebcCode"], "ebcName": first["ebcName"],
                "declAgentCode": first["agentCode"] or settings.get("agentCode"),
                "declAgentName": first["agentName"] or settings.get("agentName"),
                "loctNo": first["loctNo"], "summaryFlag": SUMMARY_FLAG,
                "itemNameFlag": ITEM_NAME_FLAG, "msgCount": 1, "msgSeqNo": 1}
        msg = build_export_message("CEB701Message", [Part(head, [
            {"invtNo": inv["invtNo"]} for inv in invs], cop_no)], transfer, app_time=when)
        name = message_file_name(msg.message_type, f"SUM{month}", when, seq)
        out = OutboundMessage(guid=msg.guid, message_type=msg.message_type, batch_id=None,
                              seq=seq, file_name=name, state=PENDING, app_type="1",
                              content=msg.xml, sha256=sha256_hex(msg.xml))
        session.add(out)
        session.flush()
        app = S_(month=month, ebc_code=str(first["ebcCode"] or ""), ebc_name=first["ebcName"],
                 cop_no=cop_no, inventories=len(invs), guid=msg.inventories[0].guid,
                 message_id=out.id, status=SENT, requested_by=actor.name)
        session.add(app)
        session.flush()
        session.execute(insert(SummaryInventory), [
            {"summary_id": app.id, "declaration_id": inv["id"]} for inv in invs])
        session.execute(insert(MessageDeclaration), [
            {"message_id": out.id, "declaration_id": inv["id"], "cop_no": cop_no,
             "inventory_guid": app.guid} for inv in invs])
        files.append(name)
        rows.append(_row(app))
    record_events(session, actor, [AuditRecord(
        "summary.apply", "summary", r.cop_no, None,
        {"month": month, "ebcCode": r.ebc_code, "inventories": r.inventories})
        for r in rows] + [AuditRecord("message.record", "message", name, None,
                                      {"file": name, "kind": "summary"}) for name in files])
    return SummaryResult(month, tuple(rows), tuple(files))


def list_summaries(session: Session, actor: Actor, *, month: str | None = None
                   ) -> list[SummaryRow]:
    """The summary applications (newest first), of `month` when given."""
    require(actor, Permission.VIEW)
    q = select(S_).order_by(S_.id.desc())
    if month:
        q = q.where(S_.month == _month(month))
    return [_row(a) for a in session.execute(q).scalars()]


def _row(a: SummaryApplication) -> SummaryRow:
    return SummaryRow(a.id, a.month, a.ebc_code, a.ebc_name, a.cop_no, a.inventories,
                      a.status, a.pre_no, a.sum_no, a.return_status, a.return_info,
                      a.decl_seq_no, a.entry_id, a.dec_state)


def apply_summary_returns(session: Session, returns: Iterable[ReceiptReturn],
                          seen_keys: set[str]) -> list[Outcome]:
    """CEB702 returns (by copNo) and CEB792 results (by sumNo), in returnTime order; each once.
    A refusal frees the inventories for another summary; a result names the declaration."""
    ordered = sorted(returns, key=lambda r: r.sort_key())
    cops = sorted({r.copNo for r in ordered if r.copNo})
    sums = sorted({r.sumNo for r in ordered if r.sumNo})
    by_cop: dict[str, SummaryApplication] = {}
    by_sum: dict[str, SummaryApplication] = {}
    if cops or sums:
        for a in session.execute(select(S_).where(
                S_.cop_no.in_(cops) | S_.sum_no.in_(sums))).scalars():
            by_cop[a.cop_no] = a
            if a.sum_no:
                by_sum[a.sum_no] = a
    outcomes: list[Outcome] = []
    for ret in first_seen(ordered, seen_keys, outcomes):
        if ret.kind == "CEB792":
            app = by_sum.get(ret.sumNo)
            if app is None:
                outcomes.append(Outcome(ret, None, False, "unmatched", kind=ret.kind))
                continue
            result = ret.summary
            if app.op_date is not None and ret.returnTime < app.op_date:
                outcomes.append(Outcome(ret, None, False, "older", kind=ret.kind))
                continue
            app.op_date = ret.returnTime[:17]
            app.dec_state = ret.returnStatus[:3]
            if result is not None:
                app.decl_seq_no = result.declSeqNo[:18] or app.decl_seq_no
                app.entry_id = result.entryId[:18] or app.entry_id
            outcomes.append(Outcome(ret, None, True, "applied", kind=ret.kind))
            continue
        app = by_cop.get(ret.copNo)
        if app is None:
            outcomes.append(Outcome(ret, None, False, "unmatched", kind=ret.kind))
            continue
        reason = answer(app, ret)
        if reason == "applied":
            app.sum_no = (ret.sumNo or app.sum_no or "")[:18] or None
            if app.sum_no:
                by_sum[app.sum_no] = app
        outcomes.append(Outcome(ret, None, reason == "applied", reason, kind=ret.kind))
    session.flush()
    return outcomes


def summary_inventory_ids(session: Session, summary_ids: Sequence[int]) -> list[int]:
    """The declarations the summaries carry."""
    return list(session.execute(select(SummaryInventory.declaration_id).where(
        SummaryInventory.summary_id.in_(list(summary_ids)))
        .order_by(SummaryInventory.declaration_id)).scalars())
