"""Electronic tax bills from customs (CEB816) and their status (CEB818), stored per declaration.

Bills arrive in the inbox like any receipt and go through the same hardened parsing, applied
once (content key) in returnTime order. A bill is matched to its declaration by the inventory
number (invtNo); it is kept even when no declaration matches (the guarantor still pays it).
The amounts are what customs actually charged: the reconciliation (app.reports.tax_reconcile)
compares them with the pre-check's estimate.

A CEB818 can arrive before the CEB816 it is about (customs sends them apart): it is stored as
"pending" (not applied) and applied when its bill arrives, from the receipt file kept as
evidence, still in returnTime order (a status older than the bill's own is not applied).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.db.models import Declaration, InboundReceipt, TaxBill
from app.db.models import ReceiptFile as KeptFile
from app.db.types import utcnow
from app.submission.receipt_plan import Outcome, first_seen
from app.submission.receipts import TAX_KINDS, ReceiptParseError, ReceiptReturn, parse_receipt

D = Declaration
GENERATED, SUMMARISED, VOID = "1", "2", "3"
PENDING = "pending"  # a CEB818 whose CEB816 has not arrived yet


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)


def apply_tax_returns(session: Session, returns: Iterable[ReceiptReturn],
                      seen_keys: set[str]) -> list[Outcome]:
    """Store CEB816 bills and apply CEB818 statuses (in returnTime order); the outcomes go to
    the receipt history."""
    ordered = sorted((r for r in returns if r.kind in TAX_KINDS and r.tax is not None),
                     key=lambda r: r.sort_key())
    invt_nos = sorted({r.invtNo for r in ordered})
    tax_nos = sorted({r.tax.taxNo for r in ordered if r.tax is not None})
    decl_of: dict[str, int] = {}
    for start in range(0, len(invt_nos), 900):
        qd = (select(D.id, D.invtNo).where(D.invtNo.in_(invt_nos[start:start + 900]))
              .order_by(D.id))
        for found_id, invt_no in session.execute(qd):
            decl_of[str(invt_no)] = int(found_id)  # the latest declaration wins
    bills: dict[str, dict[str, Any]] = {}
    for start in range(0, len(tax_nos), 900):
        qb = select(TaxBill.id, TaxBill.tax_no, TaxBill.return_time, TaxBill.status_time,
                    TaxBill.status).where(TaxBill.tax_no.in_(tax_nos[start:start + 900]))
        for row in session.execute(qb):
            bills[row.tax_no] = dict(row._mapping)
    outcomes: list[Outcome] = []
    waiting: dict[str, list[int]] = {}  # taxNo -> indexes in outcomes of pending statuses
    arrived: list[ReceiptReturn] = []  # bills stored now
    for ret in first_seen(ordered, seen_keys, outcomes):
        tax = ret.tax
        assert tax is not None
        decl_id = decl_of.get(ret.invtNo)
        bill = bills.get(tax.taxNo)
        if ret.kind == "CEB816":
            applied, reason = _store_bill(session, ret, decl_id, bill, bills)
            if applied and bill is None:
                arrived.append(ret)
                # Statuses of this run that came before their bill (an earlier returnTime):
                # stored in order now that the bill is there.
                for index in waiting.pop(tax.taxNo, ()):
                    old = outcomes[index]
                    done, why = _store_status(session, old.ret, bills[tax.taxNo])
                    outcomes[index] = Outcome(old.ret, decl_id, done, why, kind=old.kind)
        else:
            applied, reason = _store_status(session, ret, bill)
            if reason == PENDING:
                waiting.setdefault(tax.taxNo, []).append(len(outcomes))
        outcomes.append(Outcome(ret, decl_id, applied, reason, kind=ret.kind))
    if arrived:
        _apply_pending(session, arrived, decl_of, bills)
    return outcomes


def _apply_pending(session: Session, arrived: list[ReceiptReturn], decl_of: dict[str, int],
                   bills: dict[str, dict[str, Any]]) -> None:
    """Apply the statuses stored as pending by earlier runs to the bills that just arrived,
    in returnTime order, and mark their receipt rows applied (or why not)."""
    invt_nos = sorted({r.invtNo for r in arrived})
    tax_nos = {r.tax.taxNo for r in arrived if r.tax is not None}
    R = InboundReceipt
    rows: list[Any] = []
    for start in range(0, len(invt_nos), 900):
        rows.extend(session.execute(
            select(R.id, R.content_key, R.file_hash)
            .where(R.message_type == "CEB818", R.applied.is_(False), R.note == PENDING,
                   R.invt_no.in_(invt_nos[start:start + 900]))).all())
    if not rows:
        return
    contents = dict(session.execute(select(KeptFile.sha256, KeptFile.content).where(
        KeptFile.sha256.in_(sorted({r.file_hash for r in rows})))).all())
    found: list[tuple[ReceiptReturn, int]] = []
    for row in rows:
        data = contents.get(row.file_hash)
        if data is None:
            continue
        try:
            parsed = parse_receipt(data)
        except ReceiptParseError:  # it was read once already; a damaged copy stays pending
            continue
        for ret in parsed.returns:
            if (ret.content_key == row.content_key and ret.tax is not None
                    and ret.tax.taxNo in tax_nos):
                found.append((ret, row.id))
    for ret, row_id in sorted(found, key=lambda f: f[0].sort_key()):
        assert ret.tax is not None
        applied, reason = _store_status(session, ret, bills[ret.tax.taxNo])
        session.execute(update(R).where(R.id == row_id).values(
            applied=applied, note=None if applied else reason,
            declaration_id=decl_of.get(ret.invtNo)))


def _store_bill(session: Session, ret: ReceiptReturn, decl_id: int | None,
                bill: dict[str, Any] | None, bills: dict[str, dict[str, Any]]
                ) -> tuple[bool, str]:
    tax = ret.tax
    assert tax is not None
    values = {
        "declaration_id": decl_id, "invt_no": ret.invtNo[:18], "guid": ret.guid[:36] or None,
        "customs_tax": _amount(tax.customsTax), "value_added_tax": _amount(tax.valueAddedTax),
        "consumption_tax": _amount(tax.consumptionTax),
        "tax_price": _amount(tax.taxPrice) if tax.taxPrice else None,
        "status": ret.returnStatus[:1], "ent_duty_no": tax.entDutyNo or None,
        "assure_code": tax.assureCode or None, "return_time": ret.returnTime[:17],
    }
    if bill is None:
        now = utcnow()
        session.execute(insert(TaxBill), [{**values, "tax_no": tax.taxNo[:50],
                                           "created_at": now, "updated_at": now}])
        bills[tax.taxNo] = {"tax_no": tax.taxNo, "return_time": ret.returnTime,
                            "status_time": None, "status": values["status"]}
        return True, "applied"
    if ret.returnTime <= bill["return_time"]:
        return False, "older"
    if bill["status_time"] and bill["status_time"] > ret.returnTime:
        values.pop("status")  # a later CEB818 already said where the bill stands
    session.execute(update(TaxBill).where(TaxBill.tax_no == tax.taxNo)
                    .values(**values, updated_at=utcnow()))
    bill["return_time"] = ret.returnTime
    return True, "applied"


def _store_status(session: Session, ret: ReceiptReturn, bill: dict[str, Any] | None
                  ) -> tuple[bool, str]:
    tax = ret.tax
    assert tax is not None
    if bill is None:
        return False, PENDING
    last = bill["status_time"] or bill["return_time"]
    if ret.returnTime < last:
        return False, "older"
    values: dict[str, Any] = {"status": ret.returnStatus[:1], "status_time": ret.returnTime}
    if tax.entDutyNo:
        values["ent_duty_no"] = tax.entDutyNo
    session.execute(update(TaxBill).where(TaxBill.tax_no == tax.taxNo)
                    .values(**values, updated_at=utcnow()))
    bill.update(status_time=ret.returnTime, status=values["status"])
    return True, "applied"
