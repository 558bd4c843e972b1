"""The training customs' electronic tax bill (CEB816) for a released import inventory."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app.reference.tables import HsEntry, shipped_reference_tables
from app.rules.tax import TaxItem, estimate_tax, tax_on
from app.submission.ceb import new_guid


def _dec(text: str | None) -> Decimal:
    try:
        return Decimal((text or "0").strip() or "0")
    except InvalidOperation:
        return Decimal(0)


def _rates(entry: HsEntry | None) -> tuple[Decimal | None, Decimal | None]:
    return (entry.vat_rate, entry.ct_rate) if entry is not None else (None, None)


def tax_bill(inv: dict[str, Any], tax_no: str, when: str, factor: Decimal) -> dict[str, Any]:
    """Per item, the comprehensive tax on goods plus its share of freight and insurance, on
    the shipped HS rates, as the pre-check estimates it; `factor` > 1 is customs valuing the
    goods higher (a seeded mismatch). `inv` is the inventory head the simulator keeps, with
    `_items` = [[gnum, gcode, totalPrice], …]."""
    refs = shipped_reference_tables()
    items = [TaxItem(int(g), _dec(price) * factor, *_rates(refs.hs(code)))
             for g, code, price in inv.get("_items", [])]
    estimate = estimate_tax(items, _dec(inv.get("freight")) * factor,
                            _dec(inv.get("insuredFee")) * factor)
    lines = []
    for line in estimate.lines:
        ct = (tax_on(line.value + line.allocated, Decimal(0), line.ct_rate) if line.ct_rate
              else Decimal(0))
        code = next(c for g, c, _p in inv["_items"] if int(g) == line.gnum)
        lines.append({"gnum": line.gnum, "gcode": code,
                      "taxPrice": line.value + line.allocated, "customsTax": Decimal(0),
                      "valueAddedTax": line.tax - ct, "consumptionTax": ct})
    if not lines:  # no rates known for any item: a bill of zero
        g, code, price = (inv.get("_items") or [["1", "0000000000", "0"]])[0]
        lines = [{"gnum": int(g or 1), "gcode": code, "taxPrice": _dec(price),
                  "customsTax": Decimal(0), "valueAddedTax": Decimal(0),
                  "consumptionTax": Decimal(0)}]
    return {"guid": new_guid(), "returnTime": when, "invtNo": inv["invtNo"], "taxNo": tax_no,
            "customsTax": Decimal(0),
            "valueAddedTax": sum((x["valueAddedTax"] for x in lines), Decimal(0)),
            "consumptionTax": sum((x["consumptionTax"] for x in lines), Decimal(0)),
            "status": "1", "assureCode": inv.get("assureCode") or inv.get("agentCode", ""),
            "ebcCode": inv.get("ebcCode", ""), "logisticsCode": inv.get("logisticsCode", ""),
            "agentCode": inv.get("agentCode", ""),
            "customsCode": (inv.get("customsCode") or "")[:4], "lines": lines}
