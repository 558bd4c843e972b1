"""Batch manifest: header, streamed rows, repeated table head, totals, page n of m."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from app.documents.manifest import PLAN, write_manifest
from app.documents.models import ManifestHeader, ManifestRow
from app.domain.errors import ConflictError


def header(count: int) -> ManifestHeader:
    return ManifestHeader(
        broker_name="深圳清关报关有限公司", batch_no="B20261126-001", bill_no="999-12345675",
        flight_voyage="CA1234/20261126", port_code="5141", port_name="深圳宝安机场",
        manifest_date=dt.date(2026, 11, 26), parcel_count=count, bag_count=max(1, count // 20),
        total_gross_weight=Decimal("1.250") * count, total_declared_value=Decimal("199") * count,
        total_estimated_tax=Decimal("18.11") * count,
    )


def rows(count: int) -> Iterator[ManifestRow]:
    names = ("王小明", "欧阳娜娜", "李雷")
    for i in range(count):
        yield ManifestRow(
            record_id=str(i), bag_no=f"BAG-{i // 20:04d}", waybill=f"YT{1000000000000 + i}",
            order_no=f"ORD-{i:06d}", consignee_name=names[i % 3], goods_summary="婴儿奶粉 800g",
            quantity=Decimal(1), gross_weight=Decimal("1.250"), declared_value=Decimal("199"),
            status="released" if i % 2 else "inspection",
        )


def test_header_rows_and_totals_are_in_the_pdf(
    tmp_path: Path, pdftotext: Callable[[Path], str], pdfinfo_pages: Callable[[Path], int]
) -> None:
    target = tmp_path / "manifest.pdf"
    result = write_manifest(header(120), rows(120), target, lang="en")
    text = pdftotext(target)
    assert result.records == 120
    assert result.pages == pdfinfo_pages(target) == PLAN.pages(120) == 3
    for expected in ("Batch manifest", "深圳清关报关有限公司", "B20261126-001", "999-12345675",
                     "CA1234/20261126", "5141 深圳宝安机场", "2026-11-26", "150.000 kg",
                     "CNY 23,880.00", "CNY 2,173.20", "王*明", "欧**娜", "李*",
                     "YT1000000000119", "Released", "Inspection"):
        assert expected in text, expected
    assert "王小明" not in text  # consignees are masked
    last = text.split("\f")[result.pages - 1]
    assert "Total: 120" in last and "23,880.00" in last and "150.000" in last
    assert "Customs stamp" in last and "Declarant" in last


def test_every_page_repeats_the_table_head_and_says_page_n_of_m(
    tmp_path: Path, pdftotext: Callable[[Path], str]
) -> None:
    target = tmp_path / "manifest.pdf"
    result = write_manifest(header(200), rows(200), target, lang="en")
    pages = [p for p in pdftotext(target).split("\f") if p.strip()]
    assert len(pages) == result.pages
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {result.pages}" in page
        if n < result.pages or result.pages == 1:
            assert "Waybill" in page and "Consignee" in page


def test_rows_run_in_sequence_across_pages(
    tmp_path: Path, pdftotext: Callable[[Path], str]
) -> None:
    target = tmp_path / "manifest.pdf"
    write_manifest(header(PLAN.first_page_rows + 1), rows(PLAN.first_page_rows + 1), target)
    second = pdftotext(target).split("\f")[1]
    assert f"YT{1000000000000 + PLAN.first_page_rows}" in second


@pytest.mark.parametrize("count", [0, 1, PLAN.first_page_rows, PLAN.first_page_rows + 1, 500])
def test_page_count_is_known_before_the_rows_are_read(tmp_path: Path, count: int) -> None:
    result = write_manifest(header(count), rows(count), tmp_path / "m.pdf")
    assert result.pages == PLAN.pages(count)


def test_a_batch_that_changed_while_printing_is_refused_and_no_file_is_left(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConflictError):
        write_manifest(header(10), rows(11), tmp_path / "m.pdf")
    with pytest.raises(ConflictError):
        write_manifest(header(10), rows(9), tmp_path / "m.pdf")
    assert list(tmp_path.iterdir()) == []


def test_zh_manifest_prints_status_in_chinese_when_translated(
    tmp_path: Path, pdftotext: Callable[[Path], str]
) -> None:
    target = tmp_path / "m.pdf"
    write_manifest(header(2), rows(2), target, lang="zh_CN")
    assert "第 1 页 / 共 1 页" in pdftotext(target)
