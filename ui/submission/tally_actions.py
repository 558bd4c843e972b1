"""Declarations ▸ "Tally returned parcels in (CEB215)…": the site tallies returned export
parcels in after their return application (CEB213), on the Declarations menu and the grid's
right-click menu, for the selected parcels.

Where the parcels are stored is asked through a seam (`ask_location`) that tests replace; the
tally is recorded by app.submission.return_tally and its message goes out through the exchange
watcher's delivery, like a batch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from app.domain.errors import UserFacingError
from app.services import settings as settings_service

if TYPE_CHECKING:
    from app.submission import return_tally
    from ui.main_window import MainWindow


class TallyActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        # Seams: number of parcels → the storage location ("" for none) or None (cancelled);
        # an error text shown.
        self.ask_location: Callable[[int], str | None] = self._ask_location
        self.show_error: Callable[[str], None] = self._show_error
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        w = self.window
        self.action_tally = QAction(self.tr("Tally returned parcels in (CEB215)…"), w)
        self.action_tally.setObjectName("action_return_tally")
        self.action_tally.setToolTip(self.tr(
            "Report to customs that the selected returned export parcels came back to the "
            "site (return tally, after the return application CEB213)."))
        w.menus["declarations"].addAction(self.action_tally)
        w.table.addAction(self.action_tally)

    def _connect_signals(self) -> None:
        self.action_tally.triggered.connect(self._on_action_tally_triggered)

    def _on_action_tally_triggered(self) -> None:
        self.tally(self.window.selected_ids())

    def tally(self, ids: list[int]) -> return_tally.TallyResult | None:
        """Ask where the parcels are stored, record their tally and hand it over."""
        if not ids:
            self.window.statusBar().showMessage(self.tr("Select declarations first."), 8000)
            return None
        from app.submission import return_tally  # message building loads with the first tally

        location = self.ask_location(len(ids))
        if location is None:
            return None
        try:
            with self.ctx.transaction() as session:
                settings = settings_service.all_settings(session)
                result = return_tally.tally_returns(session, self.ctx.actor, ids, settings,
                                                    location=location)
        except UserFacingError as exc:
            self.show_error(exc.text(self.ctx.lang))
            return None
        submission = getattr(self.window, "submission", None)
        if submission is not None:
            submission.watcher.scan()  # delivers the pending messages
        self.window.data_changed.emit()
        self.window.statusBar().showMessage(
            self.tr("Return tally of {n} parcels recorded for customs: {files}").format(
                n=len(result.tallies), files=", ".join(result.messages)), 10000)
        return result

    def _ask_location(self, count: int) -> str | None:
        text, ok = QInputDialog.getText(
            self.window, self.tr("Return tally"),
            self.tr("Where are the {n} returned parcels stored at the site? (optional)")
            .format(n=count), QLineEdit.EchoMode.Normal)
        return text.strip() if ok else None

    def _show_error(self, text: str) -> None:
        QMessageBox.warning(self.window, self.tr("Return tally refused"), text)


def install(window: MainWindow) -> None:
    window.return_tally = TallyActions(window)  # type: ignore[attr-defined]
