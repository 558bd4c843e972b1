"""Declarations ▸ Sorting-centre station… (beside the scan station): scale, thermal printer,
bagging."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.station.window import StationWindow
# The station window (scale, thermal printers, barcodes) is imported when it opens.


class StationActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.station: StationWindow | None = None
        self.action_station = QAction(window.tr("Sorting-centre stat&ion…"), window)
        self.action_station.setObjectName("action_sorting_station")
        self.action_station.setShortcut(QKeySequence("Shift+F9"))
        self.action_station.triggered.connect(self.open_station)
        window.menus["declarations"].addAction(self.action_station)

    def open_station(self) -> StationWindow:
        if self.station is None:
            from ui.station.window import StationWindow

            self.station = StationWindow(self.window.ctx, self.window)
            self.station.finished.connect(self._on_station_finished)
        self.station.show()
        self.station.raise_()
        return self.station

    def _on_station_finished(self, _code: int) -> None:
        # The grid is refreshed once when the station closes, not after every scan: a
        # refresh per parcel would stall the scanning.
        self.station = None
        self.window.data_changed.emit()


def install(window: MainWindow) -> None:
    window.station_actions = StationActions(window)  # type: ignore[attr-defined]
