from __future__ import annotations

import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.domain.errors import Cancelled, NotFoundError
from ui.crash import CrashHandler


class RecordingCrashHandler(CrashHandler):
    def __init__(self) -> None:
        super().__init__("zh_CN", Path("/tmp/cleardesk.log"))
        self.dialogs: list[tuple[str, str, str | None]] = []

    def show(self, title: str, text: str, details: str | None) -> None:
        self.dialogs.append((title, text, details))


def _raise(exc: BaseException) -> None:
    try:
        raise exc
    except BaseException:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]


def test_excepthook_shows_user_errors_plainly_and_crashes_with_details(qtbot: QtBot) -> None:
    handler = RecordingCrashHandler()
    handler.install()
    try:
        _raise(NotFoundError("No declaration with id, order or waybill number {key}.",
                             key="X1"))
        _raise(Cancelled())
        _raise(RuntimeError("boom"))
    finally:
        handler.uninstall()
    assert len(handler.dialogs) == 2
    _, text, details = handler.dialogs[0]
    assert text == "找不到序号、订单编号或运单编号为 X1 的清单。" and details is None
    _, text, details = handler.dialogs[1]
    assert "/tmp/cleardesk.log" in text
    assert details is not None and "RuntimeError: boom" in details
    assert sys.excepthook is not handler.handle
