from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.documents.cn23 import write_customs_forms

from .samples import customs, make_label


def test_cn23_on_a4_above_300_sdr_cn22_page_below_non_postal_skipped(
    tmp_path: Path, pdftotext: Callable[[Path], str], scan: Callable[..., str]
) -> None:
    target = tmp_path / "customs.pdf"
    labels = [
        make_label(1, waybill="CP123456785CN", customs=customs("3600.00", items=14)),
        make_label(2),  # express parcel: no customs form
        make_label(3, waybill="RR123456785CN", customs=customs("100.00")),
    ]
    result = write_customs_forms(labels, target)
    assert result.pages == 2 and result.records == 2
    cn23, cn22 = pdftotext(target).split("\f")[:2]
    assert "CN 23" in cn23 and "王小明" in cn23 and "深圳清关报关有限公司" in cn23
    assert "CNY 3,600.00" in cn23 and "+3" in cn23  # 14 items: 11 rows + one summing 3
    assert "11.200" in cn23  # total net weight
    assert "CN 22" in cn22 and "CNY 100.00" in cn22
    assert "CODE-128:CP123456785CN" in scan(target, 1, 150)
