"""The declarations grid's view: a QTableView that says when it has painted."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QTableView


class GridView(QTableView):
    """`painted` follows every paint of the rows (DeclarationTableModel.watch_paints times the
    start-up work after the first page by it).

    Watching the paints with a filter on the viewport (`viewport().installEventFilter`) had Qt
    hand Python the viewport as a plain QWidget: PySide6 then built every class and enum of
    QtCore, QtGui and QtWidgets it had not built yet, to find the widget's own class (~40 ms
    before the first page). The view's own paint handler gets only the paint event."""

    painted = Signal()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted.emit()
