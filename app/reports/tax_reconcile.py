"""Tax reconciliation: the tax customs billed (CEB816) against the pre-check's estimate.

Per declaration, per batch and per guarantor (assureCode, who pays the bills), added up in SQL
over the bills (void bills left out). A declaration whose bill differs from the estimate by
more than the tolerance is a mismatch, with the likely cause worked out from what the bill
says customs valued (Σ taxPrice):
- `value`: customs' dutiable value differs from ours (goods + freight + insurance);
- `exchange`: the same, for a declaration not in CNY (the exchange rate customs applied);
- `rates`: same value, different tax (the HS code's rates, or a full-tax over-limit item);
- `rates_unknown`: pre-checked, but the loaded tariff edition has no tax rates for its HS
  code (TAX_RATES_UNKNOWN: no estimate is stored rather than a wrong one);
- `no_estimate`: the declaration was never estimated (not pre-checked).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import (
    BigInteger,
    ColumnClause,
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy import type_coerce as tc
from sqlalchemy.orm import Session

from app.db.models import Batch, Declaration, TaxBill
from app.domain.errors import ValidationError
from app.i18n import N_, translate
from app.reports import cells
from app.reports.atomic import atomic_path, check_target
from app.reports.sheets import TITLE_FONT, Col, print_setup, write_table
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.submission.taxbills import VOID

D, T = Declaration, TaxBill
TOLERANCE = Decimal("0.01")
# Inlined, not bound: PostgreSQL matches GROUP BY expressions textually (summary_data.EMPTY).
EMPTY: ColumnClause[str] = literal_column("''")
MISMATCH_LIMIT = 1000
CAUSES = {
    "value": N_("Customs valued the goods differently"),
    "exchange": N_("Exchange rate: customs converted the value differently"),
    "rates": N_("Tax rates: customs applied other rates to the same value"),
    "rates_unknown": N_("No estimate: the tariff edition has no tax rates for the HS code"),
    "no_estimate": N_("No estimate: the declaration was not pre-checked"),
}


def _raw(column: Any) -> ColumnElement[int]:
    return tc(column, BigInteger)


def _money(scaled: int | None) -> Decimal:
    return Decimal(int(scaled or 0)).scaleb(-5)


@dataclass(frozen=True)
class ReconcileScope:
    date_from: date | None = None  # bill date (CEB816 returnTime, Beijing day), inclusive
    date_to: date | None = None
    batch: str | None = None  # batch number
    batch_id: int | None = None  # or its id
    tolerance: Decimal = TOLERANCE


@dataclass(frozen=True)
class GroupRow:
    key: str  # batch number / guarantor code ("" when none)
    declarations: int
    estimated: Decimal
    billed: Decimal
    difference: Decimal
    mismatches: int


@dataclass(frozen=True)
class Mismatch:
    declaration_id: int
    copNo: str | None
    invtNo: str
    taxNo: str
    batch: str | None
    assureCode: str | None
    estimated: Decimal | None
    billed: Decimal
    difference: Decimal
    billed_value: Decimal | None  # Σ taxPrice on the bill
    declared_value: Decimal  # goods + freight + insurance
    cause: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.declaration_id, "copNo": self.copNo, "invtNo": self.invtNo,
                "taxNo": self.taxNo, "batch": self.batch, "assureCode": self.assureCode,
                "estimated": _text(self.estimated), "billed": _text(self.billed),
                "difference": _text(self.difference),
                "billedValue": _text(self.billed_value),
                "declaredValue": _text(self.declared_value), "cause": self.cause}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


@dataclass(frozen=True)
class Reconciliation:
    declarations: int
    billed: Decimal
    estimated: Decimal
    difference: Decimal
    mismatch_count: int
    mismatches: tuple[Mismatch, ...]  # the largest differences first, at most the limit
    by_batch: tuple[GroupRow, ...]
    by_guarantor: tuple[GroupRow, ...]
    unmatched_bills: int  # bills whose inventory number matches no declaration

    def as_json(self) -> dict[str, Any]:
        def group(g: GroupRow) -> dict[str, Any]:
            return {"key": g.key, "declarations": g.declarations,
                    "estimated": _text(g.estimated), "billed": _text(g.billed),
                    "difference": _text(g.difference), "mismatches": g.mismatches}

        return {"declarations": self.declarations, "billed": _text(self.billed),
                "estimated": _text(self.estimated), "difference": _text(self.difference),
                "mismatchCount": self.mismatch_count,
                "mismatches": [m.as_dict() for m in self.mismatches],
                "byBatch": [group(g) for g in self.by_batch],
                "byGuarantor": [group(g) for g in self.by_guarantor],
                "unmatchedBills": self.unmatched_bills}


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _conditions(session: Session, scope: ReconcileScope) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [T.status != VOID]
    bill_day = func.substr(T.return_time, 1, 8)
    if scope.date_from is not None:
        conds.append(bill_day >= _day(scope.date_from))
    if scope.date_to is not None:
        conds.append(bill_day <= _day(scope.date_to))
    if scope.batch:
        batch_id = session.execute(select(Batch.id).where(Batch.batch_no == scope.batch)
                                   ).scalar_one_or_none()
        if batch_id is None:
            raise ValidationError(N_("Batch {batch} not found."), batch=scope.batch)
        conds.append(D.batch_id == batch_id)
    if scope.batch_id is not None:
        conds.append(D.batch_id == scope.batch_id)
    return conds


def reconcile(session: Session, actor: Actor, scope: ReconcileScope, *,
              limit: int = MISMATCH_LIMIT) -> Reconciliation:
    """Estimate vs billed over the bills in `scope` (raises ValidationError for a bad range or
    an unknown batch; PermissionDeniedError without the reports permission)."""
    require(actor, Permission.REPORTS)
    if scope.date_from and scope.date_to and scope.date_to < scope.date_from:
        raise ValidationError(N_("The end date is before the start date."))
    conds = _conditions(session, scope)
    billed = _raw(T.customs_tax) + _raw(T.value_added_tax) + _raw(T.consumption_tax)
    estimated = func.coalesce(_raw(D.tax_estimate), 0)
    diff = billed - estimated
    tol = int(scope.tolerance.scaleb(5))
    mismatch = (diff > tol) | (diff < -tol) | D.tax_estimate.is_(None)
    n_mismatch = func.sum(case((mismatch, 1), else_=0))
    joined = T.__table__.join(D.__table__, D.id == T.declaration_id)

    def totals(*keys: Any) -> Select[Any]:
        return (select(*keys, func.count(D.id), func.sum(estimated), func.sum(billed),
                       n_mismatch).select_from(joined).where(*conds))

    head = session.execute(totals()).one()
    batch_key = func.coalesce(Batch.batch_no, EMPTY)
    by_batch = session.execute(
        totals(batch_key).outerjoin(Batch, Batch.id == D.batch_id).group_by(batch_key)
        .order_by(batch_key)).all()
    payer = func.coalesce(T.assure_code, D.assureCode, EMPTY)
    by_payer = session.execute(totals(payer).group_by(payer).order_by(payer)).all()
    declared = (func.coalesce(_raw(D.goodsValue), 0) + func.coalesce(_raw(D.freight), 0)
                + func.coalesce(_raw(D.insuredFee), 0))
    value_off = and_(T.tax_price.is_not(None),
                     ((_raw(T.tax_price) - declared) > tol)
                     | ((_raw(T.tax_price) - declared) < -tol))
    cause = case((and_(D.tax_estimate.is_(None), D.checked_at.is_not(None)),
                  literal("rates_unknown")),
                 (D.tax_estimate.is_(None), literal("no_estimate")),
                 (and_(value_off, func.coalesce(D.currency, "142") != "142"),
                  literal("exchange")),
                 (value_off, literal("value")), else_=literal("rates"))
    magnitude = case((diff < 0, -diff), else_=diff)
    rows = session.execute(
        select(D.id, D.copNo, T.invt_no, T.tax_no, Batch.batch_no, payer, D.tax_estimate,
               billed, diff, T.tax_price, declared, cause)
        .select_from(joined).outerjoin(Batch, Batch.id == D.batch_id)
        .where(*conds, mismatch).order_by(magnitude.desc(), D.id).limit(limit)).all()
    # Bills no declaration claims (only meaningful without a batch filter).
    unmatched = 0
    if not scope.batch and scope.batch_id is None:
        unmatched = int(session.execute(select(func.count()).select_from(T).where(
            T.declaration_id.is_(None), *conds)).scalar_one())
    est_total, bill_total = _money(head[1]), _money(head[2])
    return Reconciliation(
        int(head[0]), bill_total, est_total, bill_total - est_total, int(head[3] or 0),
        tuple(Mismatch(int(r[0]), r[1], r[2], r[3], r[4], r[5] or None, r[6], _money(r[7]),
                       _money(r[8]), r[9], _money(r[10]), str(r[11])) for r in rows),
        _groups(by_batch), _groups(by_payer), unmatched)


def _groups(rows: Sequence[Any]) -> tuple[GroupRow, ...]:
    return tuple(GroupRow(str(r[0] or ""), int(r[1]), _money(r[2]), _money(r[3]),
                          _money(r[3]) - _money(r[2]), int(r[4] or 0)) for r in rows)


# --- the workbook -------------------------------------------------------------------------

def write_tax_sheets(wb: Workbook, rec: Reconciliation, t: Callable[[str], str], *,
                     first: Worksheet | None = None) -> None:
    """The reconciliation: totals with per-batch and per-guarantor tables, and mismatches."""
    ws = first if first is not None else wb.create_sheet(t(N_("Tax")))
    ws.title = t(N_("Tax"))
    ws.cell(1, 1, t(N_("Tax reconciliation: billed by customs vs estimated"))).font = TITLE_FONT
    money = cells.FMT_MONEY
    cols = [Col(t(N_("Declarations")), cells.FMT_INT), Col(t(N_("Estimated")), money),
            Col(t(N_("Billed")), money), Col(t(N_("Difference")), money),
            Col(t(N_("Mismatches")), cells.FMT_INT)]
    write_table(ws, 3, cols, [[rec.declarations, rec.estimated, rec.billed, rec.difference,
                               rec.mismatch_count]], filter_and_freeze=False)
    top = 6
    for heading, groups, empty in ((N_("Batch No."), rec.by_batch, N_("(no batch)")),
                                   (N_("Guarantor"), rec.by_guarantor, N_("(none)"))):
        rows = [[g.key or t(empty), g.declarations, g.estimated, g.billed, g.difference,
                 g.mismatches] for g in groups]
        write_table(ws, top, [Col(t(heading), None, 22), *cols], rows,
                    filter_and_freeze=False)
        top += len(rows) + 3
    print_setup(ws, "1:3")
    mis = wb.create_sheet(t(N_("Tax mismatches")))
    mcols = [Col(t(N_("Internal No.")), None, 20), Col(t(N_("Inventory No.")), None, 20),
             Col(t(N_("Tax bill No.")), None, 24), Col(t(N_("Batch No.")), None, 18),
             Col(t(N_("Guarantor")), None, 16), Col(t(N_("Estimated")), money),
             Col(t(N_("Billed")), money), Col(t(N_("Difference")), money),
             Col(t(N_("Value on the bill")), money), Col(t(N_("Declared value")), money),
             Col(t(N_("Likely cause")), None, 40)]
    write_table(mis, 1, mcols, [
        [m.copNo or "", m.invtNo, m.taxNo, m.batch or "", m.assureCode or "", m.estimated,
         m.billed, m.difference, m.billed_value, m.declared_value, t(CAUSES[m.cause])]
        for m in rec.mismatches])


def export_reconciliation(session: Session, actor: Actor, scope: ReconcileScope, target: Path,
                          *, lang: str = "en") -> Reconciliation:
    """Reconcile and write the workbook to `target` (.xlsx, atomically); audited."""
    path = check_target(target, (".xlsx",))
    rec = reconcile(session, actor, scope)
    wb = Workbook()
    first = wb.active
    assert first is not None
    write_tax_sheets(wb, rec, lambda msgid: translate(msgid, lang), first=first)
    with atomic_path(path) as temp:
        wb.save(temp)
    record_event(session, actor, "export.tax_reconcile", entity="file", entity_id=path.name,
                 details={"from": scope.date_from.isoformat() if scope.date_from else None,
                          "to": scope.date_to.isoformat() if scope.date_to else None,
                          "batch": scope.batch, "declarations": rec.declarations,
                          "mismatches": rec.mismatch_count})
    return rec
