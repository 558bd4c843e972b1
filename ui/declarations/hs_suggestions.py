"""HS code suggestions under the editor's goods lines: for the current line's goods name, the
best candidates from the catalogue and the tariff (app.catalogue.suggest), computed on a worker
thread a moment after the name stops changing. F8 takes the first; a click takes any."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableView, QWidget

from app.catalogue.suggest import HsSuggestion
from app.jobs.base import CancelToken, Progress
from ui.context import GuiContext
from ui.declarations.items_model import ITEM_COLUMNS, ItemsTableModel
from ui.workers import run_job

TAKE_FIRST_KEY = "F8"
SHOWN = 3  # candidates shown as buttons
_DEBOUNCE_MS = 250
_TEXT_WIDTH = 34  # characters of a candidate's description on its button


def _short(text: str, width: int = _TEXT_WIDTH) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class HsSuggestionBar(QWidget):
    """A row of candidate buttons for the current goods line of `follow()`'s table; taking one
    writes its HS code (and its first legal unit, where the line has none) into the line."""

    taken = Signal(int, str)  # (row, gcode), after the line got it

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hs_suggestions")
        self.ctx = ctx
        self.candidates: list[HsSuggestion] = []
        self.buttons: list[QPushButton] = []
        self._asked: tuple[str, str] = ("", "")
        self._generation = 0
        self._view: QTableView | None = None
        self._model: ItemsTableModel | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_DEBOUNCE_MS)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 2, 0, 2)
        self.title = QLabel(self.tr("HS suggestions:"), self)
        self.title.setObjectName("hs_suggestions_title")
        self.hint = QLabel(self.tr("{key} takes the first").format(key=TAKE_FIRST_KEY), self)
        self.hint.setStyleSheet("color: #757575;")
        self._layout.addWidget(self.title)
        self._layout.addStretch(1)
        self._layout.addWidget(self.hint)
        self.setVisible(False)

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self._on_timer_timeout)

    def follow(self, view: QTableView, model: ItemsTableModel) -> None:
        """Suggest for the current line of `view` whenever it or its name changes."""
        self._view, self._model = view, model
        model.modelReset.connect(self._on_items_changed)
        model.dataChanged.connect(self._on_items_changed)
        model.rowsRemoved.connect(self._on_items_changed)
        view.selectionModel().currentChanged.connect(self._on_items_changed)

    def current_row(self) -> int:
        """The goods line suggestions are for: the current one, else the first (-1: none)."""
        if self._model is None or self._view is None or not self._model.rows:
            return -1
        index = self._view.currentIndex()
        return index.row() if index.isValid() and index.row() < len(self._model.rows) else 0

    def _on_items_changed(self, *_args: object) -> None:
        row = self.current_row()
        if row < 0 or self._model is None or self._model.read_only:
            self.ask("", "")
        else:
            line = self._model.rows[row]
            self.ask(line.get("gname", ""), line.get("gmodel", ""))

    def ask(self, gname: str, gmodel: str) -> None:
        """Suggest for this goods name (+ model) shortly; an empty name clears the row."""
        asked = (gname.strip(), gmodel.strip())
        if asked == self._asked:
            return
        self._asked = asked
        self._generation += 1
        if not asked[0]:
            self._timer.stop()
            self._show([])
            return
        self._timer.start()

    def take_first(self) -> bool:
        """Take the first candidate (F8); False when there is none."""
        if not self.candidates:
            return False
        self._take(0)
        return True

    def _on_timer_timeout(self) -> None:
        generation, (gname, gmodel) = self._generation, self._asked
        ctx, suggester = self.ctx, self.ctx.hs_suggester

        def job(progress: Progress, cancel: CancelToken) -> list[HsSuggestion]:
            with ctx.transaction(write=False) as session:
                return suggester.suggest(session, ctx.actor, gname, gmodel, limit=SHOWN)

        run_job(job, parent=self, on_finished=partial(self._on_suggestions_loaded, generation),
                on_failed=self._on_suggestions_failed)

    def _on_suggestions_loaded(self, generation: int, found: list[HsSuggestion]) -> None:
        if generation == self._generation:  # the clerk has not moved on meanwhile
            self._show(found)

    def _on_suggestions_failed(self, error: BaseException) -> None:
        self._show([])  # a suggestion is a convenience: the clerk can still type the code

    def _show(self, found: list[HsSuggestion]) -> None:
        for button in self.buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self.candidates, self.buttons = list(found), []
        lang = self.ctx.lang
        for n, s in enumerate(found):
            button = QPushButton(f"{s.gcode}  {_short(s.reason.text(lang))}", self)
            button.setObjectName(f"hs_suggestion_{n}")
            button.setFlat(n > 0)
            button.setToolTip(self._tooltip(s))
            button.clicked.connect(partial(self._take, n))
            self._layout.insertWidget(1 + n, button)
            self.buttons.append(button)
        self.setVisible(bool(found))

    def _tooltip(self, s: HsSuggestion) -> str:
        lines = [s.reason.text(self.ctx.lang),
                 self.tr("Legal units: {unit1} {unit2}").format(unit1=s.unit1 or "",
                                                                 unit2=s.unit2 or ""),
                 self.tr("Score: {score:.2f}").format(score=s.score)]
        if s.note:
            lines.append(self.tr("Positive list: {note}").format(note=s.note))
        return "\n".join(lines)

    def _take(self, n: int) -> None:
        row, model = self.current_row(), self._model
        if row < 0 or model is None or model.read_only:
            return
        s = self.candidates[n]
        model.setData(model.index(row, ITEM_COLUMNS.index("gcode")), s.gcode)
        if s.unit1 and not model.rows[row].get("unit1"):
            model.setData(model.index(row, ITEM_COLUMNS.index("unit1")), s.unit1)
        self.taken.emit(row, s.gcode)
