"""Reusable pre-check widgets: the problems side panel, the problem list under the editor
form, field markers (icon + tooltip) and the Problems grid cell text.

They take plain dataclasses (`ProblemCount`, `StoredProblem` or rule `Problem`) and render
messages in the language given at construction, so the workspace editor and grid can use them
without knowing about rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.i18n import Message, render

if TYPE_CHECKING:
    from app.rules.problem import ProblemCount
# The field labels and the rule codes' titles are imported with the first problem shown: the
# panels are empty until the main window's first page is painted.

ALL_CODES = ""  # code_selected("") means "no problem filter"
_MARKER_PROPERTY = "cleardeskProblemMarker"


class ProblemLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def gnum(self) -> int | None: ...
    @property
    def message(self) -> Message: ...


def severity_icon(severity: str) -> QIcon:
    pixmap = (QStyle.StandardPixmap.SP_MessageBoxCritical if severity == "error"
              else QStyle.StandardPixmap.SP_MessageBoxWarning)
    return QApplication.style().standardIcon(pixmap)


def field_caption(field: str, gnum: int | None, lang: str) -> str:
    """`订购人姓名` for a head field, `商品 2 · 商品编码` for an item field."""
    # A rule may report an item field for the whole declaration (the order total's
    # `totalPrice`): field_label falls back to the other level's label.
    from app.domain.fields import field_label

    name = field_label(field, gnum is not None, lang)
    if gnum is None:
        return name
    return render(Message("Item {gnum}", {"gnum": gnum}), lang) + " · " + name


def problems_cell_text(errors: int, warnings: int) -> str:
    """Compact text for the grid's Problems column ('' when clean)."""
    parts = []
    if errors:
        parts.append(f"✖ {errors}")
    if warnings:
        parts.append(f"⚠ {warnings}")
    return "  ".join(parts)


class ProblemsPanel(QWidget):
    """Side panel: all problems grouped by code with counts; clicking one filters the grid."""

    code_selected = Signal(str)  # a rule code, or "" for all

    def __init__(self, lang: str = "en", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self._list = QListWidget()
        self._list.setObjectName("problemsByCode")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._list)

    def _connect_signals(self) -> None:
        self._list.itemClicked.connect(self._on_list_item_clicked)
        self._list.itemActivated.connect(self._on_list_item_clicked)

    def set_counts(self, counts: Sequence[ProblemCount],
                   declarations_with_problems: int | None = None) -> None:
        """Show `counts` (errors first, then most frequent), keeping the selected code.

        Each code shows how many declarations have it; the "all" row shows
        `declarations_with_problems` (distinct), or the sum over codes when not given."""
        from app.rules.problem import code_title

        selected = self.selected_code()
        self._list.clear()
        total_decls = (declarations_with_problems if declarations_with_problems is not None
                       else sum(c.declarations for c in counts))
        head = QListWidgetItem(render(Message("All problems ({count})",
                                              {"count": total_decls}), self._lang))
        head.setData(Qt.ItemDataRole.UserRole, ALL_CODES)
        head.setToolTip(render(Message("{count} declaration(s) with problems",
                                       {"count": total_decls}), self._lang))
        self._list.addItem(head)
        for count in sorted(counts, key=lambda c: (c.errors == 0, -c.problems, c.code)):
            severity = "error" if count.errors else "warning"
            text = f"{render(code_title(count.code), self._lang)} ({count.declarations})"
            item = QListWidgetItem(severity_icon(severity), text)
            item.setData(Qt.ItemDataRole.UserRole, count.code)
            item.setToolTip(render(Message("{code}: {errors} error(s), {warnings} warning(s) "
                                           "on {declarations} declaration(s)",
                                           {"code": count.code, "errors": count.errors,
                                            "warnings": count.warnings,
                                            "declarations": count.declarations}), self._lang))
            self._list.addItem(item)
            if count.code == selected:
                self._list.setCurrentItem(item)

    def selected_code(self) -> str:
        item = self._list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ALL_CODES

    def codes(self) -> list[str]:
        """The codes listed, in display order (tests, keyboard navigation)."""
        return [str(self._list.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(1, self._list.count())]

    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        self.code_selected.emit(str(item.data(Qt.ItemDataRole.UserRole)))


class ProblemListWidget(QListWidget):
    """The list under the editor form: one row per problem; activating one jumps to its field."""

    problem_activated = Signal(str, int)  # field (CEB name), gnum (0 for head fields)

    def __init__(self, lang: str = "en", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self.setObjectName("editorProblems")
        self.setWordWrap(True)  # long messages wrap instead of being clipped
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemActivated.connect(self._on_self_item_activated)
        self.itemClicked.connect(self._on_self_item_activated)

    def set_problems(self, problems: Sequence[ProblemLike]) -> None:
        self.clear()
        ordered = sorted(problems, key=lambda p: (p.severity != "error", p.gnum or 0, p.field))
        self._problems: list[ProblemLike] = ordered
        for problem in ordered:
            caption = field_caption(problem.field, problem.gnum, self._lang)
            item = QListWidgetItem(severity_icon(str(problem.severity)),
                                   f"{caption}: {render(problem.message, self._lang)}")
            item.setData(Qt.ItemDataRole.UserRole, (problem.field, problem.gnum or 0))
            item.setToolTip(str(problem.code))
            self.addItem(item)

    def current_problem(self) -> ProblemLike | None:
        row = self.currentRow()
        problems = getattr(self, "_problems", [])
        return problems[row] if 0 <= row < len(problems) else None

    def _on_self_item_activated(self, item: QListWidgetItem) -> None:
        field, gnum = item.data(Qt.ItemDataRole.UserRole)
        self.problem_activated.emit(str(field), int(gnum))


def mark_field(widget: QWidget, problems: Sequence[ProblemLike], lang: str = "en") -> None:
    """Show `problems` of one field on its editor widget: an icon inside line edits, a
    tooltip and a `problem` property ('error'/'warning'/'') for style sheets. An empty
    sequence clears the mark."""
    severity = ("error" if any(p.severity == "error" for p in problems)
                else "warning" if problems else "")
    tooltip = "\n".join(render(p.message, lang) for p in problems)
    widget.setProperty("problem", severity)
    widget.setToolTip(tooltip)
    if isinstance(widget, QLineEdit):
        old = widget.property(_MARKER_PROPERTY)
        if isinstance(old, QAction):
            widget.removeAction(old)
            widget.setProperty(_MARKER_PROPERTY, None)
        if severity:
            action = widget.addAction(severity_icon(severity),
                                      QLineEdit.ActionPosition.TrailingPosition)
            action.setToolTip(tooltip)
            action.setObjectName(f"problemMarker_{severity}")
            widget.setProperty(_MARKER_PROPERTY, action)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
