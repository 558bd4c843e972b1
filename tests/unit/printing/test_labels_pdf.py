"""Labels as a clerk and a scanner see them: text, fonts, pages, barcodes that scan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.documents.labels import write_labels
from app.documents.models import LabelData, Party
from app.documents.profiles import A4_4UP, THERMAL_100X150, get_profile
from app.domain.errors import ValidationError

from .samples import ADDRESS, customs, make_label


def test_label_shows_chinese_names_masked_phone_and_full_address(
    tmp_path: Path, pdftotext: Callable[[Path], str]
) -> None:
    target = tmp_path / "labels.pdf"
    result = write_labels([make_label(1)], target, THERMAL_100X150)
    text = pdftotext(target)
    assert result.pages == 1 and result.records == 1
    for expected in ("王小明", "138****5678", "婴儿奶粉", "深圳清关报关有限公司", "HGH-310",
                     "B20261126-001", "BAG-0007", "1.850 kg", "CNY 398.00", "1/1",
                     "2026-11-26", "ORD-000001"):
        assert expected in text
    assert "13812345678" not in text
    compact = text.replace(" ", "").replace("\n", "")
    assert ADDRESS in compact


def test_the_cjk_font_is_embedded_as_a_subset_and_nothing_else_is_used(
    tmp_path: Path, pdffonts: Callable[[Path], list[list[str]]]
) -> None:
    target = tmp_path / "labels.pdf"
    write_labels([make_label(1)], target, THERMAL_100X150)
    fonts = pdffonts(target)
    assert fonts, "no fonts listed"
    for row in fonts:
        name, emb, sub = row[0], row[-5], row[-4]
        assert "WenQuanYiMicroHei" in name and "+" in name
        assert (emb, sub) == ("yes", "yes")
    assert not any("STSong" in row[0] for row in fonts)


def test_waybill_code128_and_qr_scan_from_the_rendered_page(
    tmp_path: Path, scan: Callable[..., str]
) -> None:
    target = tmp_path / "labels.pdf"
    label = make_label(7, waybill="RR123456785CN", customs=customs())
    write_labels([make_label(1), label], target, THERMAL_100X150)
    decoded = scan(target, 2)
    assert "CODE-128:RR123456785CN" in decoded
    assert "QR-Code:W:RR123456785CN\nO:ORD-000007\nB:B20261126-001" in decoded


def test_a4_four_up_puts_four_labels_on_a_page_and_they_still_scan(
    tmp_path: Path, pdfinfo_pages: Callable[[Path], int], scan: Callable[..., str]
) -> None:
    target = tmp_path / "a4.pdf"
    result = write_labels((make_label(i) for i in range(1, 6)), target, A4_4UP)
    assert result.pages == 2 == pdfinfo_pages(target)
    decoded = scan(target, 1, 150)
    for i in range(1, 5):
        assert f"CODE-128:YT{1000000000000 + i}" in decoded
    assert "YT1000000000005" not in decoded


def test_labels_come_out_in_the_given_order(
    tmp_path: Path, pdftotext: Callable[[Path], str]
) -> None:
    target = tmp_path / "labels.pdf"
    order = [5, 2, 9]
    write_labels([make_label(i) for i in order], target, THERMAL_100X150)
    pages = pdftotext(target).split("\f")
    for page, i in zip(pages, order, strict=False):
        assert f"ORD-{i:06d}" in page


def test_cn22_block_up_to_300_sdr_and_cn23_notice_above(
    tmp_path: Path, pdftotext: Callable[[Path], str]
) -> None:
    target = tmp_path / "labels.pdf"
    small = make_label(1, waybill="RR123456785CN", customs=customs("398.00", items=2))
    big = make_label(2, waybill="CP123456785CN", customs=customs("3600.00"))
    write_labels([small, big], target, THERMAL_100X150)
    first, second = pdftotext(target).split("\f")[:2]
    assert "CN 22" in first and "Milk powder 0" in first and "190110" in first
    assert "CNY 398.00" in first and "1.600" in first
    assert "CN 23" in second and "CN 22" not in second and "375.00 SDR" in second


def test_labels_report_characters_the_font_cannot_draw(tmp_path: Path) -> None:
    rare = make_label(3, consignee=Party("刘䶮", "13812345678", "广州市越秀区"))
    result = write_labels([make_label(1), rare], tmp_path / "l.pdf", THERMAL_100X150)
    assert [(m.record_id, m.char) for m in result.missing_glyphs] == [("3", "䶮")]


def test_a_failure_leaves_no_file_behind(tmp_path: Path) -> None:
    def labels() -> Iterator[LabelData]:
        yield make_label(1)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_labels(labels(), tmp_path / "labels.pdf", THERMAL_100X150)
    assert list(tmp_path.iterdir()) == []


def test_profiles_shift_by_calibration_offsets() -> None:
    custom = {"zebra-left": {"base": "thermal-100x150", "offset_x_mm": "-1.5"}}
    profile = get_profile("zebra-left", custom)
    assert profile.placement(0).x == pytest.approx(-1.5 * 72 / 25.4)
    assert get_profile(None) is THERMAL_100X150
    four = A4_4UP.placement(3)
    assert four.scale < 1 and four.x > A4_4UP.placement(2).x
    with pytest.raises(ValidationError):
        get_profile("nope")
    with pytest.raises(ValidationError):
        get_profile("bad", {"bad": {"margin_mm": "wide"}})


def test_destination_is_large_and_long_names_shrink_instead_of_being_cut(
    tmp_path: Path, pdftotext: Callable[[Path], str]
) -> None:
    long_name = "新 伊犁哈萨克 察布查尔锡伯 和布克赛尔蒙古 博尔塔拉蒙古"
    target = tmp_path / "labels.pdf"
    write_labels([make_label(1), make_label(2, destination=long_name, route_code="XJ-0001"),
                  make_label(3, destination="苏 南京", destination_known=False),
                  make_label(4, destination="渝", destination_known=False)],
                 target, THERMAL_100X150)
    pages = pdftotext(target).split("\f")
    assert "浙 杭州 西湖" in pages[0] and "HGH-310" in pages[0]
    assert long_name in pages[1] and "…" not in pages[1] and "XJ-0001" in pages[1]
    assert "苏 南京 区县未识别 DISTRICT NOT RECOGNISED" in " ".join(pages[2].split())
    assert "渝 地址无法识别 ADDRESS NOT RECOGNISED" in " ".join(pages[3].split())
