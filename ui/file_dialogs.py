"""File dialogs that start where the clerk last was.

Each kind of file (orders to import, exports, PDFs, batch folders, the exchange folder) keeps
its own last folder in QSettings, so Import opens in the platforms' download folder and Save
in the reports folder, day after day.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

_KEY = "dialogs/lastFolder/{kind}"


def last_folder(kind: str, settings: QSettings | None = None) -> str:
    """The folder last used for `kind`, if it still exists; else the Documents folder."""
    value = (settings or QSettings()).value(_KEY.format(kind=kind))
    if value and Path(str(value)).is_dir():
        return str(value)
    return documents_folder()


def documents_folder() -> str:
    """The Documents folder when it exists, else home: many desktops have no ~/Documents
    (UOS and Kylin name it ~/文档), and a suggested path there was refused as missing."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


def remember_folder(kind: str, chosen: str, settings: QSettings | None = None) -> None:
    """Remember the folder of `chosen` (a file, or a folder itself) for the next dialog."""
    if not chosen:
        return
    path = Path(chosen)
    folder = path if path.is_dir() else path.parent
    (settings or QSettings()).setValue(_KEY.format(kind=kind), str(folder))


def open_file(parent: QWidget | None, title: str, filter_: str, kind: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, last_folder(kind), filter_)
    remember_folder(kind, path)
    return path


def save_file(parent: QWidget | None, title: str, suggested: str, filter_: str,
              kind: str) -> str:
    """Save dialog proposing `suggested` (a bare name goes into the remembered folder)."""
    start = suggested if Path(suggested).is_absolute() else str(
        Path(last_folder(kind)) / suggested)
    path, _ = QFileDialog.getSaveFileName(parent, title, start, filter_)
    remember_folder(kind, path)
    return path


def choose_folder(parent: QWidget | None, title: str, kind: str, start: str = "") -> str:
    folder = QFileDialog.getExistingDirectory(parent, title, start or last_folder(kind))
    remember_folder(kind, folder)
    return folder
