"""The declaration editor: head form and goods lines, keyboard-first.

Ctrl+S saves, Ctrl+Enter saves and opens the next declaration of the grid, Esc reverts (a
second Esc closes). Code fields complete with Chinese names; HS codes are suggested for the
current goods line's name under the lines (F8 takes the first: ui.declarations.hs_suggestions).
Saving goes through
`app.services.editing.save_declaration` with the loaded version: a concurrent change opens the
conflict dialog (`resolve_conflict` seam). Queued-or-later declarations open read-only with the
reason. `show_problems()` marks fields; `problem_activated` tells which one the clerk clicked.
Leaving unsaved edits (another row, closing, quitting) asks Save / Discard / Cancel through the
`ask_unsaved` seam (`confirm_leave()`). Masked IDs and phones are write-only
(`ui.declarations.masked_fields`); right-click menus are in `ui.declarations.editor_menus`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.clock import beijing_today
from app.domain.errors import UserFacingError
from app.domain.fields import EXTRA_HEAD_FIELDS, HEAD_FIELDS, FieldSpec, head_label
from app.i18n import N_, Message, render
from app.reference.inforce import EditionsInForce, day_of
from app.reference.search import ReferenceRow, search_reference
from app.reference.tables import ReferenceTables
from app.rules.fieldrules import GENERATED_AT_SUBMISSION
from app.security.context import ROLE_LABELS, Permission
from app.services.changes import declaration_change
from app.services.editing import (
    READ_ONLY_HEAD,
    EditConflictError,
    Snapshot,
    load_snapshot,
    not_editable_reason,
    save_declaration,
)
from ui.context import GuiContext
from ui.declarations.changed_bar import ChangedElsewhereBar
from ui.declarations.completers import (
    HEAD_CODE_TABLES,
    HS_SEARCH_ROWS,
    CodeCompleter,
    code_model,
)
from ui.declarations.conflict_dialog import Resolution, ask_resolution, differing_fields
from ui.declarations.editor_info import EditorInfoPanel
from ui.declarations.editor_menus import copy_cells, field_menu, items_menu, paste_cells
from ui.declarations.hs_suggestions import TAKE_FIRST_KEY, HsSuggestionBar
from ui.declarations.items_model import ITEM_COLUMNS, ItemsDelegate, ItemsTableModel, as_text
from ui.declarations.live_check import live_check
from ui.declarations.masked_fields import (
    Scrubber,
    masked_snapshot,
    new_value_problem,
    normalised,
)
from ui.declarations.model import STATUS_COLOURS
from ui.declarations.pii import personal_data_formatter
from ui.declarations.unsaved import DISCARD, SAVE, ask_unsaved_changes
from ui.elided_label import ElidedLabel

ProblemSpec = tuple[str, int | None, str, str]  # (field, gnum, severity, message)
_MARK = "QLineEdit {{ border: 2px solid {colour}; }}"


def _exec_menu(menu: QMenu, pos: QPoint) -> None:
    menu.exec(pos)


class DeclarationEditor(QDialog):
    saved = Signal(int)  # declaration id, after a successful save
    problem_activated = Signal(str, object)  # (field, gnum or None)

    def __init__(self, ctx: GuiContext, refs: ReferenceTables, decl_id: int,
                 next_id: Callable[[int], int | None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("declaration_editor")
        self.ctx, self.refs, self.lang = ctx, refs, ctx.lang
        self._live_refs: tuple[date, ReferenceTables] | None = None
        self.next_id = next_id
        # Seam: tests replace it. Returns a Resolution, "theirs" or None (keep editing).
        self.resolve_conflict: Callable[..., Resolution | str | None] = ask_resolution
        self.show_error: Callable[[str], None] = self._show_error
        # Seam: tests replace it. Asked before unsaved edits would be lost: SAVE/DISCARD/CANCEL.
        self.ask_unsaved: Callable[[QWidget], str] = ask_unsaved_changes
        # Seam: tests replace it. Shows a right-click menu at a global position.
        self.show_menu: Callable[[QMenu, QPoint], object] = _exec_menu
        self.edits: dict[str, QLineEdit] = {}
        # Each head field's label, named for an import or an export declaration by _show.
        self.labels: dict[str, tuple[QLabel, FieldSpec]] = {}
        self.snapshot: Snapshot | None = None
        self.read_only_reason: str | None = None
        self._shown: dict[str, str] = {}  # the text each field showed when loaded
        self._masked_fields: set[str] = set()  # write-only: typed text replaces the value
        self._tips: dict[str, str] = {}  # a field's own tooltip, under any problem's
        self._mask = personal_data_formatter(ctx.actor)
        self._scrub = Scrubber()
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(400)
        self._build_ui()
        self._connect_signals()
        self.load(decl_id)

    # --- building -----------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.resize(1180, 760)
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("editor_title")
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.banner = QLabel(self)
        self.banner.setObjectName("read_only_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#fff3e0; color:#e65100; padding:6px;")
        layout.addWidget(self.title)
        layout.addWidget(self.banner)
        self.changed_bar = ChangedElsewhereBar(self)
        layout.addWidget(self.changed_bar)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        top = QSplitter(Qt.Orientation.Horizontal, splitter)
        self.head_tabs = QTabWidget(top)
        self.head_tabs.addTab(self._form(HEAD_FIELDS), self.tr("Declaration"))
        self.head_tabs.addTab(self._form(EXTRA_HEAD_FIELDS), self.tr("Order and payment"))
        self.info = EditorInfoPanel(self.lang, top)
        top.addWidget(self.head_tabs)
        top.addWidget(self.info)
        top.setSizes([760, 400])

        items_box = QWidget(splitter)
        items_layout = QVBoxLayout(items_box)
        items_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Goods lines"), items_box))
        bar.addStretch(1)
        self.add_item_button = QPushButton(self.tr("Add line"), items_box)
        self.remove_item_button = QPushButton(self.tr("Remove line"), items_box)
        bar.addWidget(self.add_item_button)
        bar.addWidget(self.remove_item_button)
        items_layout.addLayout(bar)
        self.items_model = ItemsTableModel(self.lang, self)
        self.items_view = QTableView(items_box)
        self.items_view.setObjectName("items_table")
        self.items_view.setModel(self.items_model)
        self.items_view.setItemDelegate(ItemsDelegate(self.refs, self.lang, self.items_view,
                                                      hs_search=self.search_hs))
        self.items_view.setTabKeyNavigation(True)
        self.items_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.items_view.verticalHeader().setDefaultSectionSize(24)
        self.items_view.horizontalHeader().setStretchLastSection(True)
        for key, width in (("gname", 220), ("gmodel", 160), ("itemNo", 110), ("gnum", 70)):
            self.items_view.setColumnWidth(ITEM_COLUMNS.index(key), width)
        items_layout.addWidget(self.items_view)
        self.hs_suggestions = HsSuggestionBar(self.ctx, items_box)
        items_layout.addWidget(self.hs_suggestions)
        splitter.addWidget(top)
        splitter.addWidget(items_box)
        splitter.setSizes([480, 240])
        layout.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        self._buttons = buttons
        self.message = QLabel(self)
        self.message.setObjectName("editor_message")
        buttons.addWidget(self.message, 1)
        self.revert_button = QPushButton(self.tr("Revert (Esc)"), self)
        self.save_next_button = QPushButton(self.tr("Save and next (Ctrl+Enter)"), self)
        self.save_button = QPushButton(self.tr("Save (Ctrl+S)"), self)
        self.save_button.setDefault(True)
        # Keyboard-only desks (and kiosk sessions without window decorations) close it here.
        self.close_button = QPushButton(self.tr("Close (Ctrl+W)"), self)
        self.close_button.setObjectName("editor_close_button")
        self.close_button.setAutoDefault(False)
        for b in (self.revert_button, self.save_next_button, self.save_button,
                  self.close_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)

    def _form(self, fields: Sequence[FieldSpec]) -> QScrollArea:
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        page = QWidget(area)
        grid = QHBoxLayout(page)
        forms = (QFormLayout(), QFormLayout())
        shown = [f for f in fields if f.name not in READ_ONLY_HEAD]
        half = (len(shown) + 1) // 2
        models = {}
        for n, spec in enumerate(shown):
            edit = QLineEdit(page)
            edit.setObjectName(f"field_{spec.name}")
            edit.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            if spec.max_len or spec.length:
                edit.setMaxLength(spec.max_len or spec.length or 32767)
            table = HEAD_CODE_TABLES.get(spec.name)
            required = spec.required_i and spec.name not in GENERATED_AT_SUBMISSION
            # Made here (not by addRow) so that Python owns it: _show renames it per direction.
            label = QLabel(spec.label(self.lang) + (" *" if required else ""), page)
            self.labels[spec.name] = (label, spec)
            if table is not None:
                if table not in models:
                    models[table] = code_model(self.refs, table, self.lang, self)
                CodeCompleter(models[table], edit).attach(edit)
                row = QHBoxLayout()
                name = ElidedLabel(page)
                name.setObjectName(f"name_{spec.name}")
                name.setMinimumWidth(90)
                # Codes are 1–4 characters: the edit needs little room, the name the rest.
                digits = edit.fontMetrics().horizontalAdvance("0" * (spec.length or 4))
                edit.setMinimumWidth(max(64, digits + 24))
                edit.setMaximumWidth(max(64, digits + 24))
                edit.textChanged.connect(partial(self._show_code_name, name, table))
                row.addWidget(edit)
                row.addWidget(name, 1)
                forms[0 if n < half else 1].addRow(label, row)
            else:
                forms[0 if n < half else 1].addRow(label, edit)
            self.edits[spec.name] = edit
        for form in forms:
            grid.addLayout(form)
        area.setWidget(page)
        return area

    def add_action_button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        """A button left of Revert/Save for another area's action on this declaration."""
        button = QPushButton(text, self)
        button.clicked.connect(slot)
        self._buttons.insertWidget(1, button)
        return button

    def search_hs(self, text: str) -> list[ReferenceRow]:
        """The HS field's lookup: digits or words over the full tariff (indexed search)."""
        with self.ctx.transaction(write=False) as s:
            return search_reference(s, self.ctx.actor, "hs", text, HS_SEARCH_ROWS)

    def _show_code_name(self, label: ElidedLabel, table: str, code: str) -> None:
        entry = self.refs.table(table).get(code.strip()) if code.strip() else None
        label.setText(entry.name(self.lang) if entry else ("?" if code.strip() else ""))

    def _connect_signals(self) -> None:
        self.save_button.clicked.connect(self.save)
        self.save_next_button.clicked.connect(self.save_and_next)
        self.revert_button.clicked.connect(self.revert)
        self.add_item_button.clicked.connect(self._on_add_item_button_clicked)
        self.remove_item_button.clicked.connect(self._on_remove_item_button_clicked)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self.close_button.clicked.connect(self.close)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)  # asks first when unsaved
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, self.save_and_next)
        self.info.problem_clicked.connect(self._on_info_problem_clicked)
        self.changed_bar.reload_requested.connect(self._on_changed_bar_reload_requested)
        self._check_timer.timeout.connect(self._on_check_timer_timeout)
        for name, edit in self.edits.items():
            edit.textEdited.connect(self._on_value_edited)
            edit.customContextMenuRequested.connect(partial(self._on_field_menu_requested, name))
        self.items_view.customContextMenuRequested.connect(
            self._on_items_view_custom_context_menu_requested)
        for keys, slot in ((QKeySequence.StandardKey.Copy, self._on_copy_cells_shortcut),
                           (QKeySequence.StandardKey.Paste, self._on_paste_cells_shortcut)):
            shortcut = QShortcut(QKeySequence(keys), self.items_view, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.items_model.dataChanged.connect(self._on_value_edited)
        self.hs_suggestions.follow(self.items_view, self.items_model)
        QShortcut(QKeySequence(TAKE_FIRST_KEY), self, self.hs_suggestions.take_first)
        self.items_model.rowsInserted.connect(self._on_value_edited)
        self.items_model.rowsRemoved.connect(self._on_value_edited)

    # --- loading ------------------------------------------------------------------------
    def load(self, decl_id: int) -> None:
        with self.ctx.transaction(write=False) as s:
            snap = load_snapshot(s, self.ctx.actor, decl_id)
        self._show(snap)
        self.info.load(self.ctx, decl_id)
        self.show_problems(self.info.stored_problems())
        if self.read_only_reason is None:
            self.run_live_check(with_stored=True)

    def _show(self, snap: Snapshot) -> None:
        self.snapshot = snap
        reason = not_editable_reason(snap.status)
        if reason is None and not self.ctx.actor.can(Permission.EDIT):
            reason = Message(N_("Your role ({role}) may view declarations but not edit them."),
                             {"role": Message(ROLE_LABELS[self.ctx.actor.role])})
        self.read_only_reason = render(reason, self.lang) if reason else None
        export = snap.head.get("ieFlag") == "E"
        for shown_label, spec in self.labels.values():  # CEB603 names and requires others
            required = (spec.required_e if export else spec.required_i) \
                and spec.name not in GENERATED_AT_SUBMISSION
            shown_label.setText(head_label(spec, self.lang, export) + (" *" if required else ""))
        self._shown = {}
        self._masked_fields = set()
        self._tips = {}
        self._scrub.clear()
        self._scrub.remember(snap.head)
        for name, edit in self.edits.items():
            value = as_text(snap.head.get(name))
            shown = as_text(self._mask(name, snap.head.get(name)))
            edit.setStyleSheet("")
            edit.setReadOnly(reason is not None)
            if shown != value:  # masked personal data: write-only, the mask as placeholder
                self._masked_fields.add(name)
                shown = ""
                edit.setPlaceholderText(as_text(self._mask(name, snap.head.get(name))))
                self._tips[name] = self.tr(
                    "Masked personal data: type the complete new value to replace it; left "
                    "empty, the stored value is kept.")
            else:
                edit.setPlaceholderText("")
            self._shown[name] = shown
            edit.setText(shown)
            edit.setCursorPosition(0)  # a value longer than the field shows its start
            edit.setToolTip(self._tips.get(name, ""))
        self.items_model.read_only = reason is not None
        self.items_model.load(list(snap.items))
        for b in (self.save_button, self.save_next_button, self.add_item_button,
                  self.remove_item_button, self.revert_button):
            b.setEnabled(reason is None)
        self.banner.setVisible(reason is not None)
        self.banner.setText(self.read_only_reason or "")
        colour = STATUS_COLOURS.get(snap.status, "#000")
        head = snap.head
        self.title.setText(self.tr("Declaration {id} · order {order} · waybill {waybill} · "
                                   "<span style='color:{colour}'>{status}</span>").format(
            id=snap.id, order=head.get("orderNo") or "-", waybill=head.get("logisticsNo") or "-",
            colour=colour, status=self.info.status_text(snap.status)))
        self.setWindowTitle(self.tr("Declaration {id}").format(id=snap.id))
        self.message.setText("")
        self.changed_bar.hide()

    def on_others_changed(self) -> None:
        """Declarations changed somewhere: if this one did, reload it, or, with unsaved
        edits, say who changed it and offer Reload (saving then gets the conflict dialog)."""
        if self.snapshot is None or not self.isVisible():
            return
        with self.ctx.transaction(write=False) as s:
            change = declaration_change(s, self.ctx.actor, self.snapshot.id)
        if change is None or change.version == self.snapshot.version:
            return
        if self.read_only_reason is not None or not self.is_dirty():
            self.load(self.snapshot.id)
        else:
            self.changed_bar.show_change(change)

    def _on_changed_bar_reload_requested(self) -> None:
        if self.snapshot is not None:
            self.load(self.snapshot.id)

    # --- state --------------------------------------------------------------------------
    def head_changes(self) -> dict[str, str]:
        assert self.snapshot is not None
        changes = {name: edit.text() for name, edit in self.edits.items()
                   if edit.text() != self._shown[name]}
        for name in self._masked_fields & changes.keys():
            changes[name] = normalised(name, changes[name])
            if not changes[name]:  # blanks typed into a write-only field: keep the value
                del changes[name]
        return changes

    def is_dirty(self) -> bool:
        return bool(self.head_changes()) or self.items_model.dirty

    def show_problems(self, problems: Sequence[ProblemSpec]) -> None:
        """Mark fields with pre-check results: (field, gnum, severity, message)."""
        for name, edit in self.edits.items():
            edit.setStyleSheet("")
            edit.setToolTip(self._tips.get(name, ""))
        # Full IDs and phones never reach the screen, whatever the messages quote.
        self._scrub.remember({n: self.edits[n].text() for n in self._masked_fields})
        problems = [(f, g, sev, self._scrub(m)) for f, g, sev, m in problems]
        cells: dict[tuple[int, str], str] = {}
        for field, gnum, severity, message in problems:
            colour = "#c62828" if severity == "error" else "#ef6c00"
            if gnum is None and field in self.edits:
                self.edits[field].setStyleSheet(_MARK.format(colour=colour))
                tip = self._tips.get(field)
                self.edits[field].setToolTip(f"{message}\n{tip}" if tip else message)
            elif gnum is not None:
                cells[(gnum, field)] = message
        self.items_model.problem_cells = cells
        self.items_view.viewport().update()
        self.info.set_problems(problems)

    def run_live_check(self, with_stored: bool = False) -> None:
        """Re-run the pre-check rules on the values as typed; marks fields and the tax.
        `with_stored`: also keep the results of the last saved check (just loaded)."""
        if self.snapshot is None:
            return
        head = {name: edit.text() for name, edit in self.edits.items()}
        for name in (*READ_ONLY_HEAD, *self._masked_fields):
            if name in self._masked_fields and self.edits[name].text().strip():
                continue  # a new value typed over the masked one
            head[name] = as_text(self.snapshot.head.get(name))
        problems, tax = live_check(head, self.items_model.values(),
                                   self._refs_in_force(head.get("declTime")), self.lang)
        if with_stored:
            stored = self.info.stored_problems()
            problems = stored + [p for p in problems if p not in stored]
        self.show_problems(problems)
        if tax is not None:
            self.info.set_live_tax(tax)

    def _refs_in_force(self, decl_time: object) -> ReferenceTables:
        """The tables in force on the declaration date as typed (the pre-check's: see
        app.reference.inforce), looked up again only when the date changes."""
        day = day_of(decl_time, beijing_today())
        if self._live_refs is None or self._live_refs[0] != day:
            with self.ctx.transaction(write=False) as s:
                editions = EditionsInForce(s, lambda: self.refs)
                self._live_refs = (day, editions.tables(editions.key_for(day)))
        return self._live_refs[1]

    def _on_check_timer_timeout(self) -> None:
        self.run_live_check()

    def _on_value_edited(self, *_args: object) -> None:
        if self.read_only_reason is None:
            self._check_timer.start()

    def focus_field(self, field: str, gnum: int | None) -> None:
        if gnum is None and field in self.edits:
            edit = self.edits[field]
            for i in range(self.head_tabs.count()):
                page = self.head_tabs.widget(i)
                if page.isAncestorOf(edit):
                    self.head_tabs.setCurrentIndex(i)
                    if isinstance(page, QScrollArea):  # the field may be below the fold
                        page.ensureWidgetVisible(edit)
            edit.setFocus()
            edit.selectAll()
        elif (gnum is not None and field in ITEM_COLUMNS
              and 0 < gnum <= self.items_model.rowCount()):
            idx = self.items_model.index(gnum - 1, ITEM_COLUMNS.index(field))
            self.items_view.setCurrentIndex(idx)
            self.items_view.setFocus()

    # --- actions ------------------------------------------------------------------------
    def save(self) -> bool:
        """Save; True when saved (or nothing to save)."""
        if self.snapshot is None or self.read_only_reason:
            return False
        head = self.head_changes()
        for name in self._masked_fields & head.keys():
            values = {**self.snapshot.head, **head}
            problem = new_value_problem(name, head[name], values, beijing_today(), self.lang)
            if problem is not None:  # it cannot be looked at again once saved
                self.show_error(problem)
                self.focus_field(name, None)
                return False
        items = self.items_model.values() if self.items_model.dirty else None
        return self._save(head, items, self.snapshot.version)

    def _save(self, head: dict[str, str], items: list[dict[str, str]] | None,
              version: int) -> bool:
        assert self.snapshot is not None
        decl_id = self.snapshot.id
        try:
            with self.ctx.transaction() as s:
                result = save_declaration(s, self.ctx.actor, decl_id, version, head, items)
        except EditConflictError as conflict:
            if items is None and not differing_fields(head, conflict.theirs):
                # Nothing of mine differs from theirs: there is nothing to choose between.
                self.load(decl_id)
                self.message.setText(self.tr(
                    "Someone else saved version {v}; it is loaded (you had no other changes).")
                    .format(v=conflict.theirs.version))
                return True
            choice = self.resolve_conflict(self, head, items, masked_snapshot(conflict.theirs),
                                           self.lang)
            if choice == "theirs":
                self.load(decl_id)
                return False
            if isinstance(choice, Resolution):
                return self._save(choice.head, choice.items, conflict.theirs.version)
            return False
        except UserFacingError as exc:
            self.show_error(self._scrub(exc.text(self.lang)))
            return False
        self.load(decl_id)
        self.message.setText(self.tr("Saved ({n} change(s)).").format(n=len(result.changes))
                             if result.changes else self.tr("Nothing to save."))
        if result.changes:
            self.saved.emit(decl_id)
        return True

    def save_and_next(self) -> None:
        if self.snapshot is None:
            return
        current = self.snapshot.id
        if self.read_only_reason is None and not self.save():
            return
        nxt = self.next_id(current) if self.next_id else None
        if nxt is not None:
            self.load(nxt)

    def confirm_leave(self) -> bool:
        """True when the declaration may be left: nothing unsaved, or the clerk saved (and the
        save went through) or discarded the edits; False keeps the editor as it is."""
        if self.read_only_reason is not None or not self.is_dirty():
            return True
        answer = self.ask_unsaved(self)
        if answer == SAVE:
            return self.save()
        if answer == DISCARD:
            self.revert()
            return True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.confirm_leave():
            event.accept()
        else:
            event.ignore()

    def reject(self) -> None:  # QDialog's own way out (window manager, Esc in sub-widgets)
        if self.confirm_leave():
            super().reject()

    def revert(self) -> None:
        if self.snapshot is not None:
            self._show(self.snapshot)
            self.show_problems(self.info.stored_problems())

    def keyPressEvent(self, event: object) -> None:  # Esc: revert first, close when clean
        from PySide6.QtGui import QKeyEvent

        if isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape:
            if self.is_dirty():
                self.revert()
            else:
                self.close()
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]

    def _show_error(self, text: str) -> None:
        self.message.setText(f"<span style='color:#c62828'>{text}</span>")

    def _on_add_item_button_clicked(self) -> None:
        row = self.items_model.add_row()
        self.items_view.setCurrentIndex(self.items_model.index(row, 2))
        self.items_view.edit(self.items_model.index(row, 2))

    # --- right-click menus ----------------------------------------------------------------
    def items_menu(self) -> QMenu:
        return items_menu(self.items_view, self.items_model,
                          self._on_add_item_button_clicked, self)

    def field_menu(self, name: str) -> QMenu:
        edit = self.edits[name]
        return field_menu(edit, partial(self.revert_field, name),
                          edit.text() != self._shown.get(name, edit.text()))

    def revert_field(self, name: str) -> None:
        """Put back the text `name` showed when loaded (a write-only field: empty again)."""
        self.edits[name].setText(self._shown.get(name, ""))
        self._on_value_edited()

    def _on_items_view_custom_context_menu_requested(self, pos: QPoint) -> None:
        menu = self.items_menu()
        self.show_menu(menu, self.items_view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _on_field_menu_requested(self, name: str, pos: QPoint) -> None:
        menu = self.field_menu(name)
        self.show_menu(menu, self.edits[name].mapToGlobal(pos))
        menu.deleteLater()

    def _on_copy_cells_shortcut(self) -> None:
        copy_cells(self.items_view)

    def _on_paste_cells_shortcut(self) -> None:
        paste_cells(self.items_view, self.items_model)

    def _on_remove_item_button_clicked(self) -> None:
        self.items_model.remove_row(self.items_view.currentIndex().row())

    def _on_info_problem_clicked(self, field: str, gnum: object) -> None:
        g = gnum if isinstance(gnum, int) else None
        self.focus_field(field, g)
        self.problem_activated.emit(field, g)
