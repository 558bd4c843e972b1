"""Electronic tax bills from customs (CEB816) and their status (CEB818), stored per declaration.

Bills arrive in the inbox like any receipt and go through the same hardened parsing, applied
once (content key) in returnTime order. A bill is matched to its declaration by the inventory
number (invtNo); it is kept even when no declaration matches (the guarantor still pays it).
The amounts are what customs actually charged: the reconciliation (app.reports.tax_reconcile)
compares them with the pre-check's estimate.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.db.models import Declaration, TaxBill
from app.db.types import utcnow
from app.submission.receipt_plan import Outcome
from app.submission.receipts import TAX_KINDS, ReceiptReturn

D = Declaration
GENERATED, SUMMARISED, VOID = "1", "2", "3"


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
    for ret in ordered:
        tax = ret.tax
        assert tax is not None
        if ret.content_key in seen_keys:
            outcomes.append(Outcome(ret, None, False, "duplicate", kind=ret.kind))
            continue
        seen_keys.add(ret.content_key)
        decl_id = decl_of.get(ret.invtNo)
        bill = bills.get(tax.taxNo)
        if ret.kind == "CEB816":
            applied, reason = _store_bill(session, ret, decl_id, bill, bills)
        else:
            applied, reason = _store_status(session, ret, bill)
        outcomes.append(Outcome(ret, decl_id, applied, reason, kind=ret.kind))
    return outcomes


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
        return False, "no_bill"
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
