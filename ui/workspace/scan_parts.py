"""The parts both scanning windows are built from: the scan box that keeps the focus, the big
outcome panel in the outcome's colour, and the newest-first result list.

Used by the parcel scan station (ui.workspace.scan_station) and the sorting-centre station
(ui.station.window), so a scan looks and feels the same in both.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QTableWidget, QWidget

# One colour per kind of outcome, shared by both windows.
OUTCOME_COLOURS = {"ok": "#2e7d32", "problem": "#c62828", "duplicate": "#ef6c00",
                   "unknown": "#6a1b9a", "waiting": "#f9a825"}
_PANEL = "background:{colour}; color:white; font-size:48px; font-weight:bold; border-radius:8px;"
_IDLE = "background:#eceff1; color:#455a64; font-size:40px; border-radius:8px;"


def scan_box(parent: QWidget, name: str, placeholder: str) -> QLineEdit:
    """The large field a keyboard-wedge scanner types into (number + Enter)."""
    box = QLineEdit(parent)
    box.setObjectName(name)
    box.setPlaceholderText(placeholder)
    box.setStyleSheet("font-size: 22px; padding: 6px;")
    return box


def outcome_panel(parent: QWidget, name: str, min_height: int) -> QLabel:
    panel = QLabel(parent)
    panel.setObjectName(name)
    panel.setAlignment(Qt.AlignmentFlag.AlignCenter)
    panel.setMinimumHeight(min_height)
    panel.setWordWrap(True)
    return panel


def show_outcome(panel: QLabel, colour: str, text: str) -> None:
    panel.setText(text)
    panel.setStyleSheet(_PANEL.format(colour=colour))


def show_idle(panel: QLabel, text: str) -> None:
    panel.setText(text)
    panel.setStyleSheet(_IDLE)


def result_list(parent: QWidget, name: str, headers: Sequence[str]) -> QTableWidget:
    """A read-only list of scans, newest row on top; it never takes the focus."""
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return table
