"""Area installer: the security controls of the main window (see ui/main_window.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from app.security.idle import IdlePolicy
from app.services.settings import all_settings
from ui.security.session import SecurityControls


def idle_minutes(window: QMainWindow) -> int:
    ctx = window.ctx  # type: ignore[attr-defined]
    with ctx.transaction() as session:
        raw = all_settings(session).get("idleLockMinutes", "15")
    try:
        return max(0, int(raw))
    except ValueError:
        return IdlePolicy().idle_minutes


def install(window: QMainWindow) -> None:
    controls = SecurityControls(
        window, window.ctx, window.menus,  # type: ignore[attr-defined]
        idle_minutes=idle_minutes(window),
    )
    window.security = controls  # type: ignore[attr-defined]
