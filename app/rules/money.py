"""SUM_MISMATCH, LIMIT_SINGLE, LIMIT_ANNUAL and WEIGHT, plus the declaration's tax estimate."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from app.i18n import N_
from app.rules.context import (
    CheckContext,
    Chunk,
    CrossFacts,
    Record,
    dec,
    gnum_of,
    in_one_item,
    is_import,
    items_of,
    money,
    screen_items,
    text,
)
from app.rules.problem import Problem, RuleCode, error, warning
from app.rules.tax import TaxEstimate, TaxItem, estimate_tax

TOLERANCE = Decimal("0.01")
ZERO = Decimal(0)
# Per-piece net weight outside this range (kg) is suspicious (warning only).
MIN_PIECE_KG = Decimal("0.001")
MAX_PIECE_KG = Decimal("30")


GOODS_KEY = "_goodsValue"  # set by loaders that already summed the items (read-only records)


def goods_value(record: Record) -> Decimal:
    """Σ item totalPrice (unparsable prices count as 0; BAD_FORMAT reports them)."""
    cached = record.get(GOODS_KEY)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    return sum((dec(i.get("totalPrice")) or ZERO for i in items_of(record)), ZERO)


def dutiable_value(record: Record) -> Decimal:
    """Goods + freight + insurance: the amount the limits and the tax apply to."""
    return (goods_value(record) + (dec(record.get("freight")) or ZERO)
            + (dec(record.get("insuredFee")) or ZERO))


def is_single_indivisible(record: Record) -> bool:
    """One item line with quantity 1 (单件不可分割)."""
    items = items_of(record)
    return len(items) == 1 and dec(items[0].get("qty")) == 1


def taxed_in_full(record: Record, ctx: CheckContext) -> bool:
    return dutiable_value(record) > ctx.single_limit and is_single_indivisible(record)


def check_sums(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """Item totals against quantity × price, then the order, payment and waybill sums."""
    yield from _item_sums(record)
    yield from _three_document_match(record)


def check_document_sums(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """`check_sums` for a record whose item sums `screen_item_sums` cleared."""
    return _three_document_match(record)


ITEM_SUM_FIELDS = ("qty", "price", "totalPrice")


def screen_item_sums(chunk: Chunk, ctx: CheckContext) -> set[int]:
    """Records with an item whose total may not be quantity × price."""
    return screen_items(chunk, ITEM_SUM_FIELDS, in_one_item(_item_sums, ITEM_SUM_FIELDS),
                        plain=frozenset({Decimal, type(None)}))


def _item_sums(record: Record) -> Iterator[Problem]:
    for index, item in enumerate(items_of(record)):
        qty, price = dec(item.get("qty")), dec(item.get("price"))
        total = dec(item.get("totalPrice"))
        if qty is None or price is None or total is None:
            continue
        if abs(qty * price - total) > TOLERANCE:
            yield error(RuleCode.SUM_MISMATCH, "totalPrice", N_("Total price {total} is not "
                        "quantity × unit price ({qty} × {price} = {expected})."),
                        gnum_of(item, index), total=money(total), qty=qty.normalize(),
                        price=money(price), expected=money(qty * price))


def _three_document_match(record: Record) -> Iterator[Problem]:
    """Order (CEB311), payment (CEB411) and waybill (CEB511) data, where present."""
    get = record.get
    goods = goods_value(record)
    order_goods = dec(get("goodsValue"))
    if order_goods is not None and abs(order_goods - goods) > TOLERANCE:
        yield error(RuleCode.SUM_MISMATCH, "goodsValue", N_("Order goods value {order} differs "
                    "from the sum of item totals {items}."), order=money(order_goods),
                    items=money(goods))
    paid = dec(get("acturalPaid"))
    freight = dec(get("freight")) or ZERO
    if paid is not None and order_goods is not None:
        expected = (order_goods + freight + (dec(get("taxTotal")) or ZERO)
                    - (dec(get("discount")) or ZERO))
        if abs(paid - expected) > TOLERANCE:
            yield error(RuleCode.SUM_MISMATCH, "acturalPaid", N_("Amount paid {paid} is not "
                        "goods + freight + tax − discount ({expected})."), paid=money(paid),
                        expected=money(expected))
    amount_paid = dec(get("amountPaid"))
    if paid is not None and amount_paid is not None and abs(paid - amount_paid) > TOLERANCE:
        yield error(RuleCode.SUM_MISMATCH, "amountPaid", N_("The payment ({payment}) differs "
                    "from the order's amount paid ({order})."), payment=money(amount_paid),
                    order=money(paid))
    waybill_freight = dec(get("waybillFreight"))
    if waybill_freight is not None and abs(waybill_freight - freight) > TOLERANCE:
        yield error(RuleCode.SUM_MISMATCH, "freight", N_("Freight {freight} differs from the "
                    "waybill's freight {waybill}."), freight=money(freight),
                    waybill=money(waybill_freight))
    for payer, buyer, msgid in (
        ("payerName", "buyerName", N_("Payer {payer} is not the buyer {buyer}.")),
        ("payerIdNumber", "buyerIdNumber",
         N_("Payer ID {payer} is not the buyer's ID {buyer}.")),
    ):
        a, b = text(get(payer)), text(get(buyer))
        if a and b and a.upper() != b.upper():
            yield error(RuleCode.SUM_MISMATCH, payer, msgid, payer=a, buyer=b)
    if is_import(record) and (order_goods is not None or paid is not None):
        yield from _consignee_of_waybill(record)


def _consignee_of_waybill(record: Record) -> Iterator[Problem]:
    """Spec 202205 (CEB311): the order's consignee name and telephone "必须与电子运单的收货人
    …一致" — the consignee may be someone other than the buyer (the buyer is the payer, checked
    above). The waybill this office sends takes the record's consignee, or the buyer's name and
    telephone when the file has none; with the platform's order data in the file that guess is
    what customs matches against the order, so say so, naming the value the waybill will carry.
    """
    get = record.get
    for field, fallback, msgid in (
        ("consignee", "buyerName", N_("The order data has no consignee: the waybill will name "
                                      "the buyer {buyer} as consignee, and customs rejects it "
                                      "if the platform's order names someone else.")),
        ("consigneeTelephone", "buyerTelephone",
         N_("The order data has no consignee telephone: the waybill will give the buyer's "
            "{buyer}, and customs rejects it if the platform's order gives another.")),
    ):
        buyer = text(get(fallback))
        if buyer and not text(get(field)):
            yield warning(RuleCode.CONSIGNEE_FROM_BUYER, field, msgid, buyer=buyer)


def single_limit_refused(record: Record, single_limit: Decimal, annual_limit: Decimal) -> bool:
    """True when customs refuses the import for the single-order limit (-621005): its
    dutiable value is over `single_limit`, and it is not one indivisible item below the annual
    limit (that one is allowed and taxed in full). The pre-check and the training customs
    both decide with this function."""
    value = dutiable_value(record)
    if value <= single_limit:
        return False
    return not (is_single_indivisible(record) and value < annual_limit)


def check_single_limit(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    if not is_import(record):
        return
    value = dutiable_value(record)
    if value <= ctx.single_limit:
        return
    if not single_limit_refused(record, ctx.single_limit, ctx.annual_limit):
        yield warning(RuleCode.LIMIT_SINGLE, "totalPrice", N_("Value {value} is over the "
                      "single-order limit {limit}; allowed as one indivisible item but taxed in "
                      "full."), 1, value=money(value), limit=money(ctx.single_limit))
        return
    yield error(RuleCode.LIMIT_SINGLE, "totalPrice", N_("Goods, freight and insurance come to "
                "{value}, over the single-order limit of {limit}."), None,
                value=money(value), limit=money(ctx.single_limit))


def check_annual_limit(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    if not is_import(record):
        return
    facts = ctx.facts.get(record.get("id"))
    if facts is None:
        return
    yield from annual_limit_problems(record, facts, ctx.annual_limit)


def annual_limit_problems(record: Record, facts: CrossFacts,
                          limit: Decimal) -> Iterator[Problem]:
    value = dutiable_value(record)
    if facts.annual_used + value > limit:
        yield error(RuleCode.LIMIT_ANNUAL, "buyerIdNumber", N_("This buyer has used {used} of "
                    "the annual limit {limit} this year; this declaration ({amount}) would "
                    "exceed it."), used=money(facts.annual_used), limit=money(limit),
                    amount=money(value))


def check_weights(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    gross, net = dec(record.get("grossWeight")), dec(record.get("netWeight"))
    for name, value in (("grossWeight", gross), ("netWeight", net)):
        if value is not None and value <= 0:
            yield error(RuleCode.WEIGHT, name, N_("Weight must be above zero."))
    if gross is not None and net is not None and 0 < gross < net:
        yield error(RuleCode.WEIGHT, "grossWeight", N_("Gross weight {gross} kg is less than "
                    "net weight {net} kg."), gross=gross.normalize(), net=net.normalize())
    if net is None or net <= 0:
        return
    pieces = sum((dec(i.get("qty")) or ZERO for i in items_of(record)), ZERO)
    if pieces > 0:
        per_piece = net / pieces
        if per_piece < MIN_PIECE_KG or per_piece > MAX_PIECE_KG:
            yield warning(RuleCode.WEIGHT, "netWeight", N_("Net weight {net} kg for {pieces} "
                          "pieces looks implausible."), net=net.normalize(),
                          pieces=pieces.normalize())


def declaration_tax(record: Record, ctx: CheckContext) -> TaxEstimate:
    """The comprehensive tax estimate (full rate for an over-limit indivisible item)."""
    hs_of = ctx.ref.hs
    items = []
    for index, item in enumerate(items_of(record)):
        hs = hs_of(text(item.get("gcode")))
        items.append(TaxItem(gnum_of(item, index), dec(item.get("totalPrice")) or ZERO,
                             hs.vat_rate if hs else None, hs.ct_rate if hs else None))
    freight = dec(record.get("freight")) or ZERO
    insured = dec(record.get("insuredFee")) or ZERO
    # taxed_in_full(), with the freight and insurance already at hand
    full = (goods_value(record) + freight + insured > ctx.single_limit
            and is_single_indivisible(record))
    return estimate_tax(items, freight, insured, full=full)
