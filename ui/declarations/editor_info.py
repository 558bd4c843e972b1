"""The editor's side panel: pre-check problems, tax estimate, status history and audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.clock import to_beijing
from app.domain.fields import field_label
from app.domain.status import DeclarationStatus
from app.i18n import render
from app.precheck.messages import revive
from app.security.masking import redact_text
from app.services.declarations import DeclarationDetail, checked_against, get_detail
from app.services.history import describe_event
from ui.context import GuiContext

ProblemSpec = tuple[str, int | None, str, str]


def _money(value: Any) -> str:
    return "-" if value is None else f"¥ {value:,.2f}"


class EditorInfoPanel(QTabWidget):
    problem_clicked = Signal(str, object)  # (field, gnum or None)

    def __init__(self, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.detail: DeclarationDetail | None = None
        self.problems = QListWidget(self)
        self.problems.setObjectName("problem_list")
        self.problems.setWordWrap(True)
        tax_page = QWidget(self)
        tax_layout = QVBoxLayout(tax_page)
        self.tax_label = QLabel(tax_page)
        self.tax_label.setObjectName("tax_label")
        self.tax_label.setTextFormat(Qt.TextFormat.RichText)
        self.tax_label.setWordWrap(True)
        tax_layout.addWidget(self.tax_label)
        self.edition_label = QLabel(tax_page)  # the editions the stored check used
        self.edition_label.setObjectName("edition_label")
        self.edition_label.setWordWrap(True)
        tax_layout.addWidget(self.edition_label)
        tax_layout.addStretch(1)
        self.history = QListWidget(self)
        self.history.setObjectName("history_list")
        self.history.setWordWrap(True)
        self.addTab(self.problems, self.tr("Problems"))
        self.addTab(tax_page, self.tr("Tax estimate"))
        self.addTab(self.history, self.tr("History"))
        self.problems.itemActivated.connect(self._on_problems_item_activated)
        self.problems.itemClicked.connect(self._on_problems_item_activated)

    def status_text(self, status: str) -> str:
        try:
            return QCoreApplication.translate("status", DeclarationStatus(status).label)
        except ValueError:
            return status

    def load(self, ctx: GuiContext, decl_id: int) -> None:
        with ctx.transaction(write=False) as s:
            self.detail = get_detail(s, ctx.actor, str(decl_id))
        d = self.detail
        self.tax_label.setText(self.tr(
            "<p>Goods value: <b>{goods}</b></p><p>Estimated tax (comprehensive CBEC tax, "
            "70% of VAT and consumption tax): <b>{tax}</b></p><p>Updated by the pre-check.</p>"
        ).format(goods=_money(d.goods_total), tax=_money(d.tax_estimate)))
        against = checked_against(d)
        self.edition_label.setText(render(against, self.lang) if against else "")
        self.history.clear()
        for ev in d.history:
            self.history.addItem(self._history_line(ev))
        for r in d.receipts:
            self.history.addItem(self.tr("Receipt {type} {code}: {info}").format(
                type=r["messageType"], code=r["returnStatus"],
                info=redact_text(r["returnInfo"] or "")))

    def set_live_tax(self, tax: Any) -> None:
        d = self.detail
        goods = _money(d.goods_total) if d is not None else "-"
        self.tax_label.setText(self.tr(
            "<p>Goods value: <b>{goods}</b></p><p>Estimated tax (comprehensive CBEC tax, "
            "70% of VAT and consumption tax): <b>{tax}</b></p><p>Estimated from the values "
            "as typed.</p>").format(goods=goods, tax=_money(tax)))

    def _history_line(self, ev: dict[str, Any]) -> str:
        try:
            at = to_beijing(datetime.fromisoformat(str(ev.get("at")))).strftime(
                "%Y-%m-%d %H:%M")  # the business clock, as the grid and the batch numbers
        except (TypeError, ValueError):
            at = "-"
        decl_id = self.detail.id if self.detail is not None else None
        text = describe_event(ev, self.lang, declaration_id=decl_id)
        line = f"{at}  {ev.get('user') or '-'}  {text.title}"
        if text.lines:
            line += "\n  " + "\n  ".join(text.lines)
        return line

    def stored_problems(self) -> list[ProblemSpec]:
        if self.detail is None:
            return []
        return [(p["field"], p["gnum"], p["severity"],
                 render(revive(p["msgid"], p["params"]), self.lang))
                for p in self.detail.problems]

    def set_problems(self, problems: Sequence[ProblemSpec]) -> None:
        self.problems.clear()
        for field, gnum, severity, message in problems:
            name = field_label(field, bool(gnum), self.lang)
            where = f"#{gnum} {name}" if gnum else name
            mark = "✖" if severity == "error" else "⚠"
            item = QListWidgetItem(f"{mark} {where}: {message}")
            item.setData(Qt.ItemDataRole.UserRole, (field, gnum))
            self.problems.addItem(item)
        self.setTabText(0, self.tr("Problems ({n})").format(n=len(problems)))

    def _on_problems_item_activated(self, item: QListWidgetItem) -> None:
        field, gnum = item.data(Qt.ItemDataRole.UserRole)
        self.problem_clicked.emit(field, gnum)
