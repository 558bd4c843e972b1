from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.security.context import Actor
from app.services.settings import set_settings
from app.updates import machine_arch
from tests.ui.conftest import main_window

ARCH = machine_arch() or "amd64"


def _set_folder(sessions: sessionmaker[Session], actor: Actor, folder: Path) -> None:
    with sessions() as session, session.begin():
        set_settings(session, actor, {"updateFolder": str(folder)})


def test_status_bar_says_a_newer_package_is_in_the_update_folder(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        qtbot: QtBot) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / f"cleardesk_99.1.0_{ARCH}.deb").write_bytes(b"")
    (usb / "cleardesk_0.0.1_all.deb").write_bytes(b"")
    _set_folder(sessions, actor, usb)
    with main_window(db_url, qtbot) as w:
        label = w.update_notice.label
        qtbot.waitUntil(label.isVisible)
        assert label.text() == "ClearDesk 99.1.0 is ready to install"
        assert str(usb / f"cleardesk_99.1.0_{ARCH}.deb") in label.toolTip()


def test_no_newer_package_no_note_and_help_check_says_so(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        qtbot: QtBot) -> None:
    (tmp_path / f"cleardesk_{__version__}_{ARCH}.deb").write_bytes(b"")
    _set_folder(sessions, actor, tmp_path)
    with main_window(db_url, qtbot) as w:
        notice = w.update_notice
        told: list[str] = []
        notice.inform = lambda parent, title, text: told.append(text)
        notice.action_check.trigger()
        qtbot.waitUntil(lambda: bool(told))
        assert f"ClearDesk {__version__} is the newest" in told[0]
        assert not notice.label.isVisible()


def test_a_package_copied_later_shows_after_the_settings_are_saved(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        qtbot: QtBot) -> None:
    with main_window(db_url, qtbot) as w:
        notice = w.update_notice
        assert not notice.label.isVisible()
        (tmp_path / f"cleardesk_99.2.0_{ARCH}.deb").write_bytes(b"")
        _set_folder(sessions, actor, tmp_path)
        w.settings_changed.emit()
        qtbot.waitUntil(notice.label.isVisible)
        assert "99.2.0" in notice.label.text()
