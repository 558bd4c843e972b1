from __future__ import annotations

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.db.models import Declaration, Problem
from app.services.queries import DeclarationFilter
from ui.main_window import MainWindow


def test_check_fills_panel_and_code_filters_grid(window: MainWindow, qtbot: QtBot) -> None:
    controller = window.precheck  # type: ignore[attr-defined]
    assert controller.panel.codes()  # demo data is pre-checked when generated
    with qtbot.waitSignal(controller.checked, timeout=60_000) as sig:
        controller.action_check.trigger()
    summary = sig.args[0]
    assert summary.checked > 0 and summary.failed > 0
    codes = controller.panel.codes()
    assert codes, "panel lists the problem codes"
    code = codes[0]
    with window.ctx.transaction() as s:
        expected = len(set(s.execute(select(Problem.declaration_id)
                                     .where(Problem.code == code)).scalars()))
    controller.panel.code_selected.emit(code)
    qtbot.waitUntil(lambda: window.model.rowCount() == expected)
    controller.panel.code_selected.emit("")
    qtbot.waitUntil(lambda: window.model.rowCount() == 600)


def test_acknowledge_warning_from_the_problem_list(window: MainWindow, qtbot: QtBot) -> None:
    controller = window.precheck  # type: ignore[attr-defined]
    with qtbot.waitSignal(controller.checked, timeout=60_000):
        controller.start_check(None)
    with window.ctx.transaction() as s:
        decl_id = s.execute(select(Problem.declaration_id)
                            .where(Problem.severity == "warning")).scalars().first()
    assert decl_id is not None
    controller.panel.code_selected.emit("")
    window.model.set_filter(DeclarationFilter(ids=(decl_id,)))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: controller.problem_list.count() > 0)
    warning_row = next(i for i in range(controller.problem_list.count())
                       if controller.problem_list._problems[i].severity == "warning")
    controller.problem_list.setCurrentRow(warning_row)
    assert controller.ack_button.isEnabled()
    controller.ask_reason = lambda message: "客户来电确认"
    controller.ack_button.click()
    with window.ctx.transaction() as s:
        acked = s.execute(select(Problem.acknowledge_reason).where(
            Problem.declaration_id == decl_id, Problem.severity == "warning")).scalars().all()
        status = s.execute(select(Declaration.status).where(Declaration.id == decl_id)
                           ).scalar_one()
    assert "客户来电确认" in acked
    assert status
