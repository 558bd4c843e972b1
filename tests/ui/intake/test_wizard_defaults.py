"""A clerk's first real file: it lacks the platform, the e-commerce company, freight … and its
lines carry their own weights. Everything it lacks is set once, in the wizard, and the
declarations reach Ready without any bulk edit."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.db.models import Declaration
from app.intake import profile_store
from app.rules.s10 import make_s10
from app.services.settings import set_settings
from tests.factories import valid_id_number
from tests.ui.conftest import main_window
from tests.unit.intake.filemakers import write_xlsx
from ui.intake.wizard import ImportWizard
from ui.main_window import MainWindow

# What a platform back-end exports: orders, buyers and goods — no platform or e-commerce
# company, no freight or insurance, no specification or origin; weights per SKU line.
HEADERS = ["订单编号", "物流运单编号", "订购人姓名", "订购人证件号码", "订购人电话", "收件地址",
           "商品名称", "商品编码", "数量", "计量单位", "单价", "毛重", "净重"]
OFFICE = {"agentCode": "5141980XYZ", "agentName": "广州清关通报关有限公司",
          "logisticsCode": "3120980105", "logisticsName": "中国邮政速递物流股份有限公司",
          "customsCode": "5141", "portCode": "5141", "assureCode": "1105W6B002"}
WIZARD_VALUES = {"ebpCode": "1105910159", "ebpName": "京东国际", "ebcCode": "1105W6B002",
                 "ebcName": "京东全球购(香港)贸易有限公司", "freight": "0",
                 "insuredFee": "0", "country": "日本", "gmodel": "无品牌 无型号",
                 "item.country": "日本"}


def _rows() -> list[list[object]]:
    buyer1 = ["张伟", valid_id_number(), "13812345678", "广东省广州市天河区天河路385号2801室"]
    buyer2 = ["李娜", valid_id_number(), "13912345678", "上海市徐汇区漕溪北路88号1203室"]
    return [
        ["JD2001", make_s10("EA", "20010001"), *buyer1, "智能手机", "8517130000", 1, "台",
         899, 0.45, 0.4],
        ["JD2001", make_s10("EA", "20010001"), *buyer1, "笔记本电脑", "8471300000", 1, "台",
         1999, 1.6, 1.5],
        ["JD2002", make_s10("EA", "20020001"), *buyer2, "智能手机", "8517130000", 1, "台",
         899, 0.45, 0.4],
    ]


@pytest.fixture
def window(db_url: str, qtbot: QtBot) -> Iterator[MainWindow]:
    with main_window(db_url, qtbot, show=False) as w:
        with w.ctx.transaction() as s:
            set_settings(s, w.ctx.actor, OFFICE)  # the administrator's one-time set-up
        yield w


def _next(wizard: ImportWizard, qtbot: QtBot) -> None:
    page = wizard.currentId()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() != page, timeout=20_000)


def test_values_for_missing_columns_bring_a_real_file_to_ready(window: MainWindow,
                                                               qtbot: QtBot,
                                                               tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "jd-orders.xlsx", HEADERS, _rows())
    wizard: ImportWizard = window.import_actions.open_wizard(path)  # type: ignore[attr-defined]
    qtbot.addWidget(wizard)
    wizard.show_error = lambda _p, text: pytest.fail(text)
    qtbot.waitUntil(lambda: not wizard.busy and wizard.file_page.isComplete(), timeout=20_000)
    _next(wizard, qtbot)

    page = wizard.mapping_page
    panel = page.defaults
    # The file lacks these; the pre-check would flag them, so they are offered and marked.
    for target in ("ebpCode", "ebcName", "freight", "insuredFee", "gmodel", "item.country"):
        assert target in panel.edits
    assert "orderNo" not in panel.edits and "buyerName" not in panel.edits
    assert "Platform code" in page.missing_label.text()
    # Office settings fill the agent's code: shown, not asked for again.
    assert "5141980XYZ" in panel.edits["agentCode"].placeholderText()
    # The lines of JD2001 weigh differently: adding them up is proposed.
    assert panel.line_weights() == "sum"
    for target, value in WIZARD_VALUES.items():
        panel.edits[target].setText(value)
    assert page.missing_label.text() == "Every required field is filled."
    page.save_check.setChecked(True)
    page.profile_edit.setText("京东国际")
    _next(wizard, qtbot)

    preview = wizard.preview_page
    headers = [preview.table.horizontalHeaderItem(c).text()
               for c in range(preview.table.columnCount())]
    col = next(c for c, h in enumerate(headers) if "(ebpCode)" in h)
    assert preview.table.item(2, col).text() == "1105910159"  # on every row
    assert "0 with problems" in preview.summary.text()
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as signal:
        wizard.accept()
    summary = signal.args[0]
    assert (summary.declarations, summary.rejected_rows, summary.summed_orders) == (2, 0, 1)
    qtbot.waitUntil(lambda: wizard.summary_dialog is not None)
    assert wizard.summary_dialog is not None
    qtbot.addWidget(wizard.summary_dialog)
    assert "added up" in wizard.summary_dialog.counts_label.text()

    with window.ctx.transaction() as s:
        decls = s.execute(select(Declaration).order_by(Declaration.orderNo)).scalars().all()
        assert [(d.orderNo, d.status) for d in decls] == [("JD2001", "ready"),
                                                         ("JD2002", "ready")]
        first = decls[0]
        assert (first.ebpCode, first.ebcName, first.agentCode) == (
            "1105910159", "京东全球购(香港)贸易有限公司", "5141980XYZ")
        assert (first.grossWeight, first.netWeight) == (Decimal("2.05"), Decimal("1.9"))
        assert {i.country for i in first.items} == {"116"}
        saved = profile_store.get_profile(s, "京东国际")
    # The profile keeps what the file lacks, so the next file of this platform needs nothing.
    assert saved.defaults["ebpCode"] == "1105910159" and saved.line_weights == "sum"
    again = window.import_actions.open_wizard(  # type: ignore[attr-defined]
        write_xlsx(tmp_path / "jd-orders-2.xlsx", HEADERS, _rows()[2:]))
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: not again.busy and again.file_page.isComplete(), timeout=20_000)
    assert again.file_page.profile_combo.currentData() == "京东国际"
    _next(again, qtbot)
    assert again.mapping_page.defaults.edits["ebcCode"].text() == "1105W6B002"


def test_a_bad_value_for_a_missing_column_is_named_and_the_page_stays(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "jd-orders.xlsx", HEADERS, _rows())
    wizard: ImportWizard = window.import_actions.open_wizard(path)  # type: ignore[attr-defined]
    qtbot.addWidget(wizard)
    shown: list[str] = []
    wizard.show_error = lambda _p, text: shown.append(text)
    qtbot.waitUntil(lambda: not wizard.busy and wizard.file_page.isComplete(), timeout=20_000)
    _next(wizard, qtbot)
    wizard.mapping_page.defaults.edits["freight"].setText("十块")
    wizard.next()
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert "freight" in shown[0]
    assert wizard.currentPage() is wizard.mapping_page


def test_enter_after_a_value_goes_to_the_next_value_not_to_the_import(window: MainWindow,
                                                                      qtbot: QtBot,
                                                                      tmp_path: Path) -> None:
    """Found walking the clerk's day: typing the platform code and pressing Enter ran the
    wizard on to the import with every other missing value still empty."""
    path = write_xlsx(tmp_path / "jd-orders.xlsx", HEADERS, _rows())
    wizard: ImportWizard = window.import_actions.open_wizard(path)  # type: ignore[attr-defined]
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: not wizard.busy and wizard.file_page.isComplete(), timeout=20_000)
    _next(wizard, qtbot)
    panel = wizard.mapping_page.defaults
    fields = list(panel.edits)
    first, second = panel.edits[fields[0]], panel.edits[fields[1]]
    first.setFocus()
    qtbot.keyClicks(first, "1105910159")
    qtbot.keyClick(first, Qt.Key.Key_Return)
    qtbot.keyClick(panel.edits[fields[1]], Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert wizard.currentPage() is wizard.mapping_page
    assert first.text() == "1105910159"
    qtbot.waitUntil(lambda: panel.edits[fields[2]].hasFocus())
    assert not second.text()
    with window.ctx.transaction(write=False) as s:
        assert s.execute(select(Declaration)).first() is None  # nothing imported
