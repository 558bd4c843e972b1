"""Bulk edit, scan station, settings and language actions (added as they are built)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.workspace.actions import WorkspaceActions


def install_more(actions: WorkspaceActions) -> None:
    pass
