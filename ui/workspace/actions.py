"""Workspace actions on the main window: editor, bulk edit, scan station, settings, language."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def install(window: MainWindow) -> None:
    pass
