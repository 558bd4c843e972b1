"""Code completers that show Chinese (or English) names: type "日本" or "116", pick
"116 日本", get "116". HS codes show their description."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit

from app.reference.search import ReferenceRow
from app.reference.tables import ReferenceTables

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
POPUP_MAX_WIDTH = 720  # px: wide enough for an HS description, narrower than any screen

# Which code table completes which field (CEB names; head and item fields share a name space).
HEAD_CODE_TABLES: dict[str, str] = {
    "country": "country", "currency": "currency", "tradeMode": "tradeMode",
    "trafMode": "trafMode", "wrapType": "wrapType", "customsCode": "customsCode",
    "portCode": "customsCode", "fCurrency": "currency", "iCurrency": "currency",
}
ITEM_CODE_TABLES: dict[str, str] = {
    "gcode": "hs", "country": "country", "tradeCountry": "country", "currency": "currency",
    "unit": "unit", "unit1": "unit", "unit2": "unit",
}


def code_model(refs: ReferenceTables, table: str, lang: str,
               parent: QObject | None = None) -> QStandardItemModel:
    model = QStandardItemModel(parent)
    entries = refs.hs_codes.values() if table == "hs" else refs.table(table)
    # Chinese names always (customs documents are Chinese); English too in an English UI.
    pairs = [(e.code, e.name_zh if lang == "zh_CN" or not e.name_en
              else f"{e.name_zh}  {e.name_en}") for e in entries]
    if table == "hs":  # legal units and the positive list's note (仅限网购保税商品 …) too
        pairs = [(code, _hs_extras(refs, code, name)) for code, name in pairs]
    for code, name in sorted(pairs):
        item = QStandardItem(f"{code}  {name}")
        item.setData(code, CODE_ROLE)
        model.appendRow(item)
    return model


def _hs_extras(refs: ReferenceTables, code: str, name: str) -> str:
    hs = refs.hs(code)
    units = [refs.units.name_of(u, "zh_CN") or u for u in (hs.unit1, hs.unit2) if u] if hs \
        else []
    text = f"{name}  [{'/'.join(units)}]" if units else name
    note = refs.positive_note(code)
    return f"{text}  {note}" if note else text


class CodeCompleter(QCompleter):
    """Completes on code or name (substring, case-insensitive); inserts only the code."""

    def __init__(self, model: QStandardItemModel, parent: QObject | None = None) -> None:
        super().__init__(model, parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setMaxVisibleItems(12)
        self._edit: QLineEdit | None = None
        self.activated[QModelIndex].connect(self._on_activated)  # type: ignore[index]

    def attach(self, edit: QLineEdit) -> None:
        self._edit = edit
        edit.setCompleter(self)
        self.fit_popup()

    def fit_popup(self) -> None:
        """Make the list wide enough to read the names (HS descriptions are long; code fields
        are narrow), within the screen's reach."""
        model = self.model()
        if model is None:
            return
        popup = self.popup()
        metrics = popup.fontMetrics()
        texts = [str(model.index(r, 0).data()) for r in range(model.rowCount())]
        longest = sorted(texts, key=len, reverse=True)[:40]  # measure only likely candidates
        wanted = max((metrics.horizontalAdvance(t) for t in longest), default=0)
        scrollbar = popup.verticalScrollBar().sizeHint().width()
        popup.setMinimumWidth(min(wanted + scrollbar + 24, POPUP_MAX_WIDTH))
        popup.setTextElideMode(Qt.TextElideMode.ElideRight)

    def _on_activated(self, index: QModelIndex) -> None:
        code = index.data(CODE_ROLE)
        edit = self._edit
        if edit is not None and code:
            # After QLineEdit has inserted the completion text, put the bare code (with the
            # field as the timer's context: a field closed meanwhile cancels it).
            QTimer.singleShot(0, edit, partial(edit.setText, str(code)))


HS_SEARCH_ROWS = 40  # rows the HS lookup shows (a narrower search finds the rest)
HS_SEARCH_PAUSE_MS = 250  # typing pause before the tariff is searched


class HsSearchCompleter(QCompleter):
    """The HS code field's lookup over the full tariff: after a pause in typing, the digits or
    words typed go to the indexed search (`search`, app.reference.search: FTS5 trigram /
    pg_trgm), and the popup lists code, name, legal units and the positive-list note.
    Picking a row puts the bare code in the field and emits `picked` with the row, so the
    legal units can follow the code."""

    picked = Signal(object)  # the ReferenceRow picked

    def __init__(self, search: Callable[[str], Sequence[ReferenceRow]],
                 unit_name: Callable[[str], str], parent: QObject | None = None) -> None:
        model = QStandardItemModel()
        super().__init__(model, parent)
        self._rows_model = model
        model.setParent(self)
        self._search, self._unit_name = search, unit_name
        self._rows: dict[str, ReferenceRow] = {}
        self.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.setMaxVisibleItems(12)
        self._edit: QLineEdit | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(HS_SEARCH_PAUSE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.activated[QModelIndex].connect(self._on_activated)  # type: ignore[index]

    def attach(self, edit: QLineEdit) -> None:
        """Watch `edit` (not QLineEdit.setCompleter: the field keeps only the code)."""
        self._edit = edit
        self.setWidget(edit)
        edit.textEdited.connect(self._on_text_edited)
        popup = self.popup()
        popup.setMinimumWidth(POPUP_MAX_WIDTH)
        popup.setTextElideMode(Qt.TextElideMode.ElideRight)

    def row_texts(self) -> list[str]:
        model = self._rows_model
        return [str(model.index(r, 0).data()) for r in range(model.rowCount())]

    def _on_text_edited(self, _text: str) -> None:
        self._timer.start()  # restarted by every key: one search per pause

    def _on_timer_timeout(self) -> None:
        edit = self._edit
        text = edit.text().strip() if edit is not None else ""
        if edit is None or not text or not edit.hasFocus():
            self.popup().hide()
            return
        found = self._search(text)
        self._rows = {r.code: r for r in found}
        self._rows_model.clear()
        for r in found:
            item = QStandardItem(self._describe(r))
            item.setData(r.code, CODE_ROLE)
            self._rows_model.appendRow(item)
        if found:
            self.complete()
        else:
            self.popup().hide()

    def _describe(self, row: ReferenceRow) -> str:
        units = "/".join(self._unit_name(u) for u in (row.unit1, row.unit2) if u)
        text = f"{row.code}  {row.name_zh}"
        if units:
            text += f"  [{units}]"
        return f"{text}  {row.note}" if row.note else text

    def _on_activated(self, index: QModelIndex) -> None:
        code = index.data(CODE_ROLE)
        row = self._rows.get(str(code)) if code else None
        if self._edit is None or row is None:
            return
        self._timer.stop()
        self._edit.setText(row.code)
        self.picked.emit(row)
