"""Reading what the printed documents need from the database, streamed in chunks.

Labels and manifest rows come out in the order asked for (the selection, the scans, or the
batch's order), loaded CHUNK declarations at a time with their items, so a 10,000-parcel
batch never sits in memory. Only the ordered list of ids is held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from app.db.models import Batch, Declaration, DeclarationItem, RefCode
from app.documents.cn22 import is_s10
from app.documents.models import (
    CustomsDeclaration,
    CustomsItem,
    LabelData,
    ManifestBag,
    ManifestHeader,
    ManifestRow,
    Party,
)
from app.domain.clock import beijing_today
from app.domain.errors import NotFoundError, ValidationError
from app.reference.divisions import Destination, DivisionTable, shipped_divisions
from app.services.routes import route_codes, route_for
from app.services.settings import all_settings
from app.station.bags import bag_numbers, bags_of_batch

CHUNK = 500
KG_UNIT = "035"  # JGS-20 unit code for kilogram

_HEAD_COLUMNS = (
    Declaration.id, Declaration.status, Declaration.orderNo, Declaration.logisticsNo,
    Declaration.buyerName, Declaration.buyerTelephone, Declaration.consignee,
    Declaration.consigneeTelephone, Declaration.consigneeAddress,
    Declaration.consigneeDistrict, Declaration.totalPackageNo, Declaration.grossWeight,
    Declaration.netWeight, Declaration.goods_total, Declaration.goodsValue,
    Declaration.currency, Declaration.ebcName, Batch.batch_no,
)
_ITEM_COLUMNS = (
    DeclarationItem.declaration_id, DeclarationItem.gname, DeclarationItem.gcode,
    DeclarationItem.qty, DeclarationItem.qty1, DeclarationItem.unit1,
    DeclarationItem.totalPrice, DeclarationItem.country,
)


@dataclass(frozen=True)
class PrintContext:
    """Settings and code tables every label of one print run shares."""

    sender: Party
    broker_name: str
    broker_code: str
    port_code: str
    sdr_rate: Decimal
    profile: str
    countries: Mapping[str, str]  # customs country code → ISO alpha-2
    currencies: Mapping[str, str]  # customs currency code → ISO 4217
    districts: Mapping[str, str]  # customs district code → Chinese name
    today: dt.date
    divisions: DivisionTable  # reads province/city/district from consignee addresses
    routes: Mapping[str, str]  # division code → route / sort code (the office's table)


def load_context(session: Session, today: dt.date | None = None) -> PrintContext:
    settings = all_settings(session)
    codes: dict[str, dict[str, str]] = {"country": {}, "currency": {}, "customsCode": {}}
    rows = session.execute(
        select(RefCode.kind, RefCode.code, RefCode.name_zh, RefCode.aliases)
        .where(RefCode.kind.in_(tuple(codes)))
    )
    for kind, code, name_zh, aliases in rows:
        if kind == "customsCode":
            codes[kind][code] = name_zh
            continue
        size = 2 if kind == "country" else 3
        iso = next((a for a in (aliases or "").split("|") if len(a) == size and a.isascii()), "")
        codes[kind][code] = iso
    broker = settings.get("agentName", "")
    return PrintContext(
        sender=Party(settings.get("senderName") or broker, settings.get("senderPhone", ""),
                     settings.get("senderAddress", "")),
        broker_name=broker,
        broker_code=settings.get("agentCode", ""),
        port_code=settings.get("portCode", ""),
        sdr_rate=_sdr_rate(settings.get("sdrRate", "9.6")),
        profile=settings.get("printerProfile", "thermal-100x150"),
        countries=codes["country"],
        currencies=codes["currency"],
        districts=codes["customsCode"],
        today=today or beijing_today(),
        divisions=shipped_divisions(),
        routes=route_codes(session),
    )


def destination_of(head: Any, divisions: DivisionTable) -> Destination:
    """Where the parcel goes, read from its address when it is printed (so an edited address
    is always current; reading one takes microseconds). When the address cannot be read, the
    declared 6-digit `consigneeDistrict` code is used if it is a known division; else the
    unresolved result is returned and the label says so."""
    found = divisions.resolve(head.consigneeAddress or "")
    if found.resolved:
        return found
    declared = divisions.by_code.get((head.consigneeDistrict or "").strip())
    if declared is not None and declared.level == "district":
        return divisions.destination(declared)
    return found


def _sdr_rate(raw: str) -> Decimal:
    try:
        rate = Decimal(raw)
    except ArithmeticError:
        rate = Decimal(0)
    if not rate.is_finite() or rate <= 0:
        raise ValidationError("The SDR rate setting must be a positive number, not {value}",
                              value=raw)
    return rate


def resolve_ids(session: Session, ids: Sequence[int] | None = None,
                batch_no: str | None = None) -> list[int]:
    """Declaration ids to print, in order: as given (selection or scans), or the batch's."""
    if batch_no is not None:
        batch_id = _batch_id(session, batch_no)
        return list(session.scalars(
            select(Declaration.id).where(Declaration.batch_id == batch_id)
            .order_by(Declaration.id)
        ))
    wanted = list(dict.fromkeys(ids or ()))  # keep the first occurrence of a repeated scan
    found: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(session.scalars(select(Declaration.id).where(Declaration.id.in_(chunk))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFoundError("No declaration with id {ids}",
                            ids=", ".join(str(i) for i in missing[:10]))
    return wanted


def _batch_id(session: Session, batch_no: str) -> int:
    batch_id = session.scalar(select(Batch.id).where(Batch.batch_no == batch_no))
    if batch_id is None:
        raise NotFoundError("No batch {batch}", batch=batch_no)
    return batch_id


def _chunks(session: Session, ids: Sequence[int]
            ) -> Iterator[tuple[int, Any, list[Any]]]:
    """(id, head row, item rows) in the order of `ids`, CHUNK declarations per query."""
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        heads = {
            row.id: row
            for row in session.execute(
                select(*_HEAD_COLUMNS)
                .outerjoin(Batch, Batch.id == Declaration.batch_id)
                .where(Declaration.id.in_(chunk))
            )
        }
        items: dict[int, list[Any]] = {}
        for row in session.execute(
            select(*_ITEM_COLUMNS).where(DeclarationItem.declaration_id.in_(chunk))
            .order_by(DeclarationItem.declaration_id, DeclarationItem.gnum)
        ):
            items.setdefault(row.declaration_id, []).append(row)
        for decl_id in chunk:
            if decl_id in heads:
                yield decl_id, heads[decl_id], items.get(decl_id, [])


def goods_summary(items: Sequence[Any]) -> str:
    """`婴儿奶粉×2；维生素D×1`: every goods line with its quantity."""
    return "；".join(f"{i.gname or ''}×{_qty(i.qty)}" for i in items)


def _qty(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)).normalize():f}"


def _value(head: Any, items: Sequence[Any]) -> Decimal:
    if head.goods_total is not None:
        return Decimal(head.goods_total)
    if head.goodsValue is not None:
        return Decimal(head.goodsValue)
    return sum((i.totalPrice or Decimal(0) for i in items), Decimal(0))


def stream_labels(session: Session, ids: Sequence[int], ctx: PrintContext
                  ) -> Iterator[LabelData]:
    """One LabelData per declaration, in the order of `ids`."""
    for decl_id, head, items in _chunks(session, ids):
        if not head.logisticsNo:
            raise ValidationError("Declaration {id} has no waybill number", id=decl_id)
        currency = ctx.currencies.get(head.currency or "142") or "CNY"
        customs = _customs(head, items, ctx, currency) if is_s10(head.logisticsNo) else None
        destination = destination_of(head, ctx.divisions)
        yield LabelData(
            record_id=str(decl_id),
            waybill=head.logisticsNo,
            order_no=head.orderNo or "",
            # Without broker sender settings the e-commerce company ships the parcel.
            sender=ctx.sender if ctx.sender.name else Party(head.ebcName or ""),
            consignee=Party(head.consignee or head.buyerName or "",
                            head.consigneeTelephone or head.buyerTelephone or "",
                            head.consigneeAddress or ""),
            goods_summary=goods_summary(items),
            quantity=sum((i.qty or Decimal(0) for i in items), Decimal(0)),
            gross_weight=head.grossWeight or Decimal(0),
            declared_value=_value(head, items),
            label_date=ctx.today,
            currency=currency,
            batch_no=head.batch_no or "",
            bag_no=head.totalPackageNo or "",
            route_code=route_for(destination, ctx.routes),
            destination=destination.big_text(),
            destination_known=destination.resolved,
            customs=customs,
        )


def _customs(head: Any, items: Sequence[Any], ctx: PrintContext,
             currency: str) -> CustomsDeclaration:
    share = (head.netWeight or Decimal(0)) / max(1, len(items))
    return CustomsDeclaration(
        items=tuple(
            CustomsItem(
                description=i.gname or "",
                quantity=i.qty or Decimal(0),
                net_weight=(i.qty1 if i.unit1 == KG_UNIT and i.qty1 is not None else share),
                value=i.totalPrice or Decimal(0),
                hs_code=i.gcode or "",
                origin_country=ctx.countries.get(i.country or "", i.country or ""),
            )
            for i in items
        ),
        category="sale",
        currency=currency,
    )


def manifest_header(session: Session, batch_no: str, ctx: PrintContext) -> ManifestHeader:
    """The batch's head with counts and totals aggregated in SQL."""
    batch = session.execute(
        select(Batch.id, Batch.batch_no, Batch.bill_no, Batch.traf_no, Batch.traf_name,
               Batch.voyage_no, Batch.port_code).where(Batch.batch_no == batch_no)
    ).one_or_none()
    if batch is None:
        raise NotFoundError("No batch {batch}", batch=batch_no)
    totals = session.execute(
        select(func.count(Declaration.id), func.count(distinct(Declaration.totalPackageNo)),
               func.sum(Declaration.grossWeight), func.sum(Declaration.goods_total),
               func.sum(Declaration.tax_estimate), func.min(Declaration.portCode),
               func.min(Declaration.agentName), func.min(Declaration.agentCode))
        .where(Declaration.batch_id == batch.id)
    ).one()
    bags = tuple(ManifestBag(b.bag_no, b.route, b.parcels, b.weight_kg)
                 for b in bags_of_batch(session, batch.id))
    flight = " / ".join(p for p in (batch.traf_no or batch.traf_name, batch.voyage_no) if p)
    port = batch.port_code or totals[5] or ctx.port_code
    return ManifestHeader(
        broker_name=ctx.broker_name or totals[6] or "", batch_no=batch.batch_no,
        bill_no=batch.bill_no or "",
        flight_voyage=flight, port_code=port, manifest_date=ctx.today,
        parcel_count=int(totals[0]), bag_count=len(bags) or int(totals[1]),
        total_gross_weight=totals[2] or Decimal(0), total_declared_value=totals[3] or Decimal(0),
        total_estimated_tax=totals[4] or Decimal(0), currency="CNY",
        broker_code=ctx.broker_code or totals[7] or "", port_name=ctx.districts.get(port, ""),
        bags=bags,
    )


def stream_manifest_rows(session: Session, ids: Sequence[int]) -> Iterator[ManifestRow]:
    station_bags: dict[int, str] = {}  # a parcel bagged at the station: its bag number
    for start in range(0, len(ids), CHUNK):
        station_bags.update(bag_numbers(session, ids[start:start + CHUNK]))
    for decl_id, head, items in _chunks(session, ids):
        yield ManifestRow(
            record_id=str(decl_id),
            bag_no=station_bags.get(decl_id) or head.totalPackageNo or "",
            waybill=head.logisticsNo or "",
            order_no=head.orderNo or "",
            consignee_name=head.consignee or head.buyerName or "",
            goods_summary=goods_summary(items),
            quantity=sum((i.qty or Decimal(0) for i in items), Decimal(0)),
            gross_weight=head.grossWeight or Decimal(0),
            declared_value=_value(head, items),
            status=head.status,
        )
