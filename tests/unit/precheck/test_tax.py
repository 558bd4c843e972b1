from decimal import Decimal

from app.rules.tax import TaxItem, comprehensive_rate, estimate_tax, tax_on


def test_rates_from_domain_examples() -> None:
    assert comprehensive_rate(Decimal("0.13"), Decimal(0)) == Decimal("0.091")
    cosmetics = comprehensive_rate(Decimal("0.13"), Decimal("0.15"))
    assert round(cosmetics, 4) == Decimal("0.2306")
    assert comprehensive_rate(Decimal("0.13"), Decimal(0), full=True) == Decimal("0.13")


def test_tax_rounds_half_up_to_fen() -> None:
    assert tax_on(Decimal("100"), Decimal("0.13"), Decimal(0)) == Decimal("9.10")
    assert tax_on(Decimal("310"), Decimal("0.13"), Decimal(0)) == Decimal("28.21")


def test_freight_is_allocated_by_value_and_adds_up() -> None:
    items = [TaxItem(1, Decimal("200"), Decimal("0.13"), Decimal("0.15")),
             TaxItem(2, Decimal("100"), Decimal("0.13"), Decimal("0")),
             TaxItem(3, Decimal("50"), None, None)]
    est = estimate_tax(items, Decimal("20"), Decimal("1"))
    assert [line.gnum for line in est.lines] == [1, 2]
    assert est.missing_rates == (3,)
    assert est.lines[0].allocated == Decimal("12.00")
    assert est.lines[1].allocated == Decimal("6.00")
    expected_1 = (Decimal("212") * Decimal("0.28") / Decimal("0.85") * Decimal("0.7"))
    assert est.lines[0].tax == expected_1.quantize(Decimal("0.01"))
    assert est.total == est.lines[0].tax + est.lines[1].tax
