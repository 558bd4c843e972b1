"""Admin ▸ Audit trail (supervisors, administrators) and a declaration's history panel."""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import render, translate
from app.security.audit_service import AuditEventInfo, AuditFilter, AuditService
from app.security.checkpoints import checkpoint_file, record_checkpoint
from app.security.maintenance import checkpoints_for
from app.services.history import action_text, describe_event
from ui.context import GuiContext

PAGE = 500


def _details_text(ev: AuditEventInfo) -> str:
    if not ev.details:
        return ""
    return json.dumps(ev.details, ensure_ascii=False, sort_keys=True, default=str)[:400]


def _fill(table: QTableWidget, events: Sequence[AuditEventInfo], with_record: bool,
          lang: str) -> None:
    """One row per event: the action in words (its identifier in the tooltip), the details as
    the history's lines (the stored JSON, already masked, in the tooltip)."""
    table.setRowCount(len(events))
    for r, ev in enumerate(events):
        words = describe_event({"action": ev.action, "details": ev.details,
                                "reason": ev.reason, "user": ev.user_name}, lang,
                               declaration_id=ev.declaration_id)
        cells = [str(ev.id), f"{ev.at.astimezone():%Y-%m-%d %H:%M:%S}", ev.user_name or "",
                 ev.workstation or "", words.title]
        tips = ["", "", "", "", ev.action]
        if with_record:
            cells.append(f"{ev.entity or ''} {ev.entity_id or ''}".strip())
            tips.append("")
        details = _details_text(ev)
        cells += [ev.reason or "", "; ".join(words.lines) or details]
        tips += [ev.reason or "", details]
        for c, (text, tip) in enumerate(zip(cells, tips, strict=True)):
            item = QTableWidgetItem(text)
            if tip:
                item.setToolTip(tip)
            table.setItem(r, c, item)


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class AuditBrowser(QDialog):
    """Filter all events by user, action and declaration; verify the hash chain."""

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.events: list[AuditEventInfo] = []
        self._build_ui()
        self._connect_signals()
        self._load_actions()
        self.reload()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Audit trail"))
        self.resize(1000, 560)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.user_edit = QLineEdit()
        self.user_edit.setObjectName("user_filter")
        self.user_edit.setPlaceholderText(self.tr("User"))
        self.action_combo = QComboBox()
        self.action_combo.setObjectName("action_filter")
        self.declaration_spin = QSpinBox()
        self.declaration_spin.setObjectName("declaration_filter")
        self.declaration_spin.setRange(0, 2_000_000_000)
        self.declaration_spin.setSpecialValueText(self.tr("any declaration"))
        self.apply_button = QPushButton(self.tr("Filter"))
        self.verify_button = QPushButton(self.tr("Verify chain"))
        self.verify_button.setObjectName("verify_button")
        bar.addWidget(QLabel(self.tr("User:")))
        bar.addWidget(self.user_edit)
        bar.addWidget(QLabel(self.tr("Action:")))
        bar.addWidget(self.action_combo)
        bar.addWidget(QLabel(self.tr("Declaration:")))
        bar.addWidget(self.declaration_spin)
        bar.addWidget(self.apply_button)
        bar.addStretch(1)
        bar.addWidget(self.verify_button)
        layout.addLayout(bar)
        self.table = _table([
            self.tr("ID"), self.tr("Time"), self.tr("User"), self.tr("Workstation"),
            self.tr("Action"), self.tr("Record"), self.tr("Reason"), self.tr("Details"),
        ])
        self.table.setObjectName("audit_table")
        layout.addWidget(self.table)
        self.status_label = QLabel()
        self.status_label.setObjectName("status_label")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

    def _connect_signals(self) -> None:
        self.apply_button.clicked.connect(self.reload)
        self.user_edit.returnPressed.connect(self.reload)
        self.verify_button.clicked.connect(self._on_verify_button_clicked)

    def _load_actions(self) -> None:
        with self.ctx.transaction(write=False) as session:
            actions = AuditService(session).actions(self.ctx.actor)
        self.action_combo.clear()
        self.action_combo.addItem(self.tr("all actions"), "")
        for action in actions:
            msgid = action_text(action)
            label = f"{translate(msgid, self.ctx.lang)} ({action})" if msgid else action
            self.action_combo.addItem(label, action)

    def current_filter(self) -> AuditFilter:
        return AuditFilter(
            user=self.user_edit.text().strip() or None,
            action=self.action_combo.currentData() or None,
            declaration_id=self.declaration_spin.value() or None,
        )

    def reload(self) -> None:
        flt = self.current_filter()
        with self.ctx.transaction(write=False) as session:
            service = AuditService(session)
            self.events = service.list_events(self.ctx.actor, flt, limit=PAGE)
            total = service.count(self.ctx.actor, flt)
        _fill(self.table, self.events, with_record=True, lang=self.ctx.lang)
        self.status_label.setStyleSheet("")
        self.status_label.setText(
            self.tr("{shown} of {total} events (newest first).")
            .replace("{shown}", str(len(self.events))).replace("{total}", str(total))
        )

    def _on_verify_button_clicked(self) -> None:
        checkpoints = checkpoints_for(self.ctx.url)
        with self.ctx.transaction(write=False) as session:
            result = AuditService(session).verify(self.ctx.actor, checkpoints)
        if result.ok:
            record_checkpoint(checkpoint_file(self.ctx.url), result.head)
            self.status_label.setStyleSheet("color: #1b5e20;")
            self.status_label.setText(
                self.tr("Audit trail intact: {n} events verified.")
                .replace("{n}", str(result.events))
                + "\n" + self.tr("Head (copy it somewhere outside this computer): {head}")
                .replace("{head}", result.head.text)
            )
            self.status_label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse)
        else:
            message = result.message
            self.status_label.setStyleSheet("color: #b00020; font-weight: bold;")
            self.status_label.setText(render(message, self.ctx.lang) if message else "")


class HistoryPanel(QWidget):
    """The events of one declaration, oldest first; for the declaration editor."""

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = _table([
            self.tr("ID"), self.tr("Time"), self.tr("User"), self.tr("Workstation"),
            self.tr("Action"), self.tr("Reason"), self.tr("Details"),
        ])
        self.table.setObjectName("history_table")
        layout.addWidget(self.table)
        self.events: list[AuditEventInfo] = []

    def set_declaration(self, declaration_id: int | None) -> None:
        if declaration_id is None:
            self.events = []
        else:
            with self.ctx.transaction() as session:
                self.events = AuditService(session).history(self.ctx.actor, declaration_id)
        _fill(self.table, self.events, with_record=False, lang=self.ctx.lang)
