"""Help ▸ Check for updates, and a status-bar note when the office's update folder
(`updateFolder`: a share or a USB stick) holds a newer ClearDesk package. Only file names
are read, off the GUI thread (a share may be slow); nothing is downloaded or installed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from app.i18n import render
from app.services.settings import all_settings
from ui.main_window import MainWindow
from ui.workers import run_job

if TYPE_CHECKING:
    from app.updates import UpdateCheck


class UpdateNotice(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.inform: Callable[[QWidget, str, str], object] = QMessageBox.information  # seam
        self.last: UpdateCheck | None = None
        self.label = QLabel(window)
        self.label.setObjectName("update_label")
        self.label.setStyleSheet("color: #1f5fa8; font-weight: bold")
        self.label.hide()
        window.statusBar().addPermanentWidget(self.label)
        self.action_check = QAction(self.tr("Check for &updates"), window)
        self.action_check.setObjectName("action_check_updates")
        window.menus["help"].addAction(self.action_check)
        self.action_check.triggered.connect(self._on_action_check_triggered)
        window.settings_changed.connect(self.check)
        window.after_first_page(self.check)  # the update folder is looked at after the rows

    def check(self, explicit: bool = False) -> None:
        from app.updates import UPDATE_FOLDER_KEY, check_folder  # with the first look

        with self.window.ctx.transaction() as session:
            folder = all_settings(session).get(UPDATE_FOLDER_KEY, "")
        if not folder.strip() and not explicit:
            self.label.hide()
            return
        run_job(lambda progress, cancel: check_folder(folder),
                on_finished=lambda result: self._show(result, explicit), parent=self)

    def _show(self, result: UpdateCheck, explicit: bool) -> None:
        self.last = result
        lang = self.window.ctx.lang
        if result.offer is not None:
            self.label.setText(self.tr("ClearDesk {version} is ready to install")
                               .format(version=result.offer.version))
            self.label.setToolTip(render(result.message(), lang))
            self.label.show()
        else:
            self.label.hide()
        if explicit:
            self.inform(self.window, self.tr("Check for updates"), render(result.message(), lang))

    def _on_action_check_triggered(self) -> None:
        self.check(explicit=True)


def install(window: MainWindow) -> None:
    window.update_notice = UpdateNotice(window)  # type: ignore[attr-defined]
