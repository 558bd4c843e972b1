"""The "Views" menu of the grid: saved views (named filter + sort + columns) of the user."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from app.services import views as view_service
from app.services.views import ViewSpec

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def ask_view_name(parent: QWidget, title: str, label: str) -> str | None:
    text, ok = QInputDialog.getText(parent, title, label)
    return text if ok and text.strip() else None


class ViewsMenu(QMenu):
    """Rebuilt each time it opens. `ask_name` is a seam tests replace."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window.tr("&Views"), window)
        self.setObjectName("views_menu")
        self.window_ = window
        self.ask_name: Callable[[QWidget, str, str], str | None] = ask_view_name
        self.aboutToShow.connect(self._on_about_to_show)
        # Filled before it is first opened, but after the grid's first page (a query).
        window.after_first_page(self._on_about_to_show)

    def _on_about_to_show(self) -> None:
        self.clear()
        w = self.window_
        self.addAction(w.tr("Save current view…")).triggered.connect(self.save_current)
        with w.ctx.transaction(write=False) as s:
            views = view_service.list_views(s, w.ctx.actor)
        if views:
            self.addSeparator()
        for name, spec in views:
            self.addAction(name).triggered.connect(
                lambda _c=False, spec=spec: w.apply_view(spec))
        if views:
            self.addSeparator()
            delete = self.addMenu(w.tr("Delete view"))
            for name, _spec in views:
                delete.addAction(name).triggered.connect(
                    lambda _c=False, name=name: self.delete(name))

    def save_current(self) -> str | None:
        w = self.window_
        name = self.ask_name(w, w.tr("Save view"), w.tr("Name of this view:"))
        if not name:
            return None
        with w.ctx.transaction() as s:
            view_service.save_view(s, w.ctx.actor, name, w.current_view())
        return name

    def delete(self, name: str) -> None:
        w = self.window_
        with w.ctx.transaction() as s:
            view_service.delete_view(s, w.ctx.actor, name)

    def views(self) -> list[tuple[str, ViewSpec]]:
        w = self.window_
        with w.ctx.transaction() as s:
            return view_service.list_views(s, w.ctx.actor)
