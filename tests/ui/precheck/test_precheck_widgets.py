
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from app.i18n import Message
from app.rules.problem import ProblemCount, StoredProblem
from ui.precheck.ack_dialog import AcknowledgeWarningDialog
from ui.precheck.widgets import (
    ProblemListWidget,
    ProblemsPanel,
    mark_field,
    problems_cell_text,
)


def _problem(field: str, code: str = "REQUIRED", severity: str = "error",
             gnum: int | None = None) -> StoredProblem:
    return StoredProblem(1, code, severity, field, gnum,
                         Message("{field} is required.", {"field": Message("Buyer name")}))


def test_panel_groups_counts_and_click_filters(qtbot) -> None:
    panel = ProblemsPanel("zh_CN")
    qtbot.addWidget(panel)
    panel.set_counts([ProblemCount("PHONE", 0, 5, 5), ProblemCount("ID_CHECKSUM", 3, 0, 3)])
    assert panel.codes() == ["ID_CHECKSUM", "PHONE"]  # errors first
    lst = panel.findChild(type(panel._list), "problemsByCode")
    texts = [lst.item(i).text() for i in range(lst.count())]
    assert texts[0] == "全部问题 (8)"
    assert texts[1] == "订购人证件号码无效 (3)"
    with qtbot.waitSignal(panel.code_selected) as sig:
        rect = lst.visualItemRect(lst.item(2))
        qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sig.args == ["PHONE"]
    panel.set_counts([ProblemCount("PHONE", 0, 4, 4)])
    assert panel.selected_code() == "PHONE"


def test_problem_list_jumps_to_field(qtbot) -> None:
    widget = ProblemListWidget("zh_CN")
    qtbot.addWidget(widget)
    widget.set_problems([_problem("PHONE", "PHONE", "warning"),
                         _problem("gcode", "HS_UNKNOWN", "error", 2)])
    assert widget.count() == 2
    assert widget.item(0).text().startswith("商品 2 · 商品编码: ")
    with qtbot.waitSignal(widget.problem_activated) as sig:
        widget.itemActivated.emit(widget.item(0))
    assert sig.args == ["gcode", 2]


def test_mark_field_adds_and_clears_icon(qtbot) -> None:
    edit = QLineEdit()
    qtbot.addWidget(edit)
    mark_field(edit, [_problem("buyerName")], "zh_CN")
    assert edit.property("problem") == "error"
    assert edit.toolTip() == "订购人姓名为必填项。"
    assert len(edit.actions()) == 1
    mark_field(edit, [], "zh_CN")
    assert edit.property("problem") == "" and edit.actions() == []


def test_cell_text() -> None:
    assert problems_cell_text(0, 0) == ""
    assert problems_cell_text(2, 1) == "✖ 2  ⚠ 1"


def test_ack_dialog_needs_a_reason(qtbot) -> None:
    dialog = AcknowledgeWarningDialog(Message("Weight must be above zero."), "zh_CN")
    qtbot.addWidget(dialog)
    ok = dialog._buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog._reason.setPlainText("客户确认")
    assert ok.isEnabled()
    assert dialog.reason() == "客户确认"




def test_problem_fields_are_named_by_their_form_labels() -> None:
    from ui.precheck.widgets import field_caption

    assert field_caption("buyerName", None, "zh_CN") == "订购人姓名"
    assert field_caption("gcode", 2, "zh_CN") == "商品 2 · 商品编码"
    # The order total's check reports the item field totalPrice for the whole declaration.
    assert field_caption("totalPrice", None, "zh_CN") == "总价"
    assert field_caption("totalPrice", None, "en") == "Total price"
