"""CBEC comprehensive tax (跨境电商综合税) estimate.

Within the limits (¥5,000 per order, ¥26,000 per buyer per year; 财关税〔2018〕49号) the tariff
is 0 and import VAT and consumption tax are levied at 70 %:

    tax = value × (VAT + CT) / (1 − CT) × 0.7

`value` is the dutiable value: goods + freight + insurance. Freight and insurance are spread
over the items in proportion to their value, since items may carry different rates. An
over-limit single indivisible item is taxed in full (factor 1; the MFN tariff is not in the
reference table and is left out of the estimate). Amounts are rounded to the fen per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import NamedTuple

CBEC_FACTOR = Decimal("0.7")
FULL_FACTOR = Decimal("1")
FEN = Decimal("0.01")
ZERO = Decimal(0)


def comprehensive_rate(vat_rate: Decimal, ct_rate: Decimal, *, full: bool = False) -> Decimal:
    """The combined rate applied to the dutiable value (unrounded)."""
    return _rate(vat_rate, ct_rate, full)


@cache  # a handful of distinct rate pairs; the Decimal division is the costly part
def _rate(vat_rate: Decimal, ct_rate: Decimal, full: bool) -> Decimal:
    if not ZERO <= ct_rate < 1:
        raise ValueError("consumption tax rate must be in [0, 1)")
    factor = FULL_FACTOR if full else CBEC_FACTOR
    return (vat_rate + ct_rate) / (1 - ct_rate) * factor


def tax_on(value: Decimal, vat_rate: Decimal, ct_rate: Decimal, *, full: bool = False) -> Decimal:
    """Tax on one dutiable value, rounded half-up to 0.01."""
    return (value * _rate(vat_rate, ct_rate, full)).quantize(FEN, rounding=ROUND_HALF_UP)


class TaxLine(NamedTuple):  # (a tuple: a declaration's tax makes several of them)
    """One item's share: its goods value, the freight/insurance allocated to it, its tax."""

    gnum: int
    value: Decimal
    allocated: Decimal
    vat_rate: Decimal
    ct_rate: Decimal
    tax: Decimal


@dataclass(frozen=True)
class TaxEstimate:
    lines: tuple[TaxLine, ...]
    full: bool  # True when taxed in full (over-limit single item)
    missing_rates: tuple[int, ...]  # gnums whose HS code has no rates (left out)

    @property
    def total(self) -> Decimal:
        """Tax of the items with known rates (see `complete`)."""
        return sum((line.tax for line in self.lines), ZERO)

    @property
    def complete(self) -> bool:
        """False when an item's rates are unknown: `total` then leaves it out."""
        return not self.missing_rates


class TaxItem(NamedTuple):
    gnum: int
    value: Decimal  # item totalPrice
    vat_rate: Decimal | None  # None: HS code unknown
    ct_rate: Decimal | None


def estimate_tax(items: Sequence[TaxItem], freight: Decimal, insured_fee: Decimal, *,
                 full: bool = False) -> TaxEstimate:
    """Estimate the comprehensive tax of one declaration.

    Freight + insurance are allocated to items by value; the last item takes the rounding
    remainder so allocations add up exactly.
    """
    extra = freight + insured_fee
    goods = sum((i.value for i in items), ZERO)
    lines: list[TaxLine] = []
    missing: list[int] = []
    allocated_so_far = ZERO
    for index, item in enumerate(items):
        if index == len(items) - 1:
            share = extra - allocated_so_far
        elif goods > 0:
            share = (extra * item.value / goods).quantize(FEN, rounding=ROUND_HALF_UP)
        else:
            share = ZERO
        allocated_so_far += share
        if item.vat_rate is None or item.ct_rate is None:
            missing.append(item.gnum)
            continue
        lines.append(TaxLine(item.gnum, item.value, share, item.vat_rate, item.ct_rate,
                             tax_on(item.value + share, item.vat_rate, item.ct_rate, full=full)))
    return TaxEstimate(tuple(lines), full, tuple(missing))
