"""Settings have a scope (issue 19): two workstations on one database keep their own exchange
folder, printer and scale, and share the office's codes and limits. A workstation setting the
database held before (all settings were database-wide) is every workstation's default until
one sets its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import AuditEvent, Setting


class Workstation:
    """`cleardesk` as run on one workstation: its own config folder (env var)."""

    def __init__(self, name: str, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.config = tmp_path / f"config-{name}"
        self.db_url, self._monkeypatch, self._capsys = db_url, monkeypatch, capsys

    def run(self, *argv: str) -> dict:  # type: ignore[type-arg]
        self._monkeypatch.setenv("CLEARDESK_CONFIG_DIR", str(self.config))
        self._capsys.readouterr()
        code = main(["--db", self.db_url, *argv, "--json"])
        out, err = self._capsys.readouterr()
        assert code == 0, err
        return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]

    def get(self, key: str) -> str | None:
        return self.run("config", "get", key)["value"]  # type: ignore[no-any-return]


@pytest.fixture
def two(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> tuple[Workstation, Workstation]:
    return (Workstation("front", db_url, tmp_path, monkeypatch, capsys),
            Workstation("back", db_url, tmp_path, monkeypatch, capsys))


def test_two_workstations_keep_their_own_exchange_folders_and_share_office_settings(
        two: tuple[Workstation, Workstation], tmp_path: Path,
        sessions: sessionmaker[Session]) -> None:
    front, back = two
    (tmp_path / "usb").mkdir()
    (tmp_path / "share").mkdir()

    assert front.run("config", "set", "exchangeDir", str(tmp_path / "usb"))["scope"] == \
        "workstation"
    back.run("config", "set", "exchangeDir", str(tmp_path / "share"))
    assert front.run("config", "set", "agentCode", "4403123456")["scope"] == "office"

    assert front.get("exchangeDir") == str(tmp_path / "usb")
    assert back.get("exchangeDir") == str(tmp_path / "share")
    assert back.get("agentCode") == "4403123456"  # the office's codes are everyone's
    with sessions() as s:
        assert s.get(Setting, "exchangeDir") is None  # nothing of one workstation's is shared
        changes = [e.details for e in s.query(AuditEvent).filter_by(action="settings.change")]
    assert {"before": None, "after": str(tmp_path / "share"), "scope": "workstation"} in changes


def test_an_older_database_wide_value_is_the_default_until_a_workstation_sets_its_own(
        two: tuple[Workstation, Workstation], tmp_path: Path,
        sessions: sessionmaker[Session]) -> None:
    front, back = two
    with sessions() as s, s.begin():  # saved by a build without scopes
        s.add(Setting(key="exchangeDir", value="/mnt/exchange"))
        s.add(Setting(key="scalePort", value="/dev/ttyUSB0"))
    (tmp_path / "own").mkdir()

    back.run("config", "set", "exchangeDir", str(tmp_path / "own"))

    assert front.get("exchangeDir") == "/mnt/exchange"
    assert back.get("exchangeDir") == str(tmp_path / "own")
    assert back.get("scalePort") == "/dev/ttyUSB0"
    front.run("config", "set", "scalePort", "/dev/ttyS1", "--office")  # a new default
    assert back.get("scalePort") == "/dev/ttyS1"


def test_config_list_says_each_settings_scope(two: tuple[Workstation, Workstation]) -> None:
    front, _back = two
    front.run("config", "set", "printerProfile", "a4-4up")

    listed = front.run("config", "list")

    assert listed["scopes"]["exchangeDir"] == "workstation"
    assert listed["scopes"]["printerProfile"] == "workstation"
    assert listed["scopes"]["agentCode"] == "office"
    assert listed["scopes"]["weightToleranceKg"] == "office"
    assert listed["workstationOwn"] == ["printerProfile"]
    assert listed["settings"]["printerProfile"] == "a4-4up"


def test_two_databases_on_one_workstation_do_not_mix(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    other = f"sqlite:///{tmp_path / 'sorting-centre.sqlite3'}"
    office = Workstation("same", db_url, tmp_path, monkeypatch, capsys)
    centre = Workstation("same", other, tmp_path, monkeypatch, capsys)
    centre.run("init")

    office.run("config", "set", "stationName", "Front desk")

    assert office.get("stationName") == "Front desk"
    assert centre.get("stationName") is None


def test_a_refused_setting_in_the_same_save_puts_the_workstation_file_back(
        sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings dialog saves its changes in one transaction: when one is refused, the
    workstation's own values (kept in a file, not the database) are not half-saved either."""
    from app.domain.errors import ValidationError
    from app.security.context import system_actor
    from app.services.settings import all_settings, set_setting, set_settings

    monkeypatch.setenv("CLEARDESK_CONFIG_DIR", str(tmp_path / "config"))
    actor = system_actor()
    with sessions() as s, s.begin():
        set_setting(s, actor, "stationName", "A 线")
    with pytest.raises(ValidationError), sessions() as s, s.begin():
        set_settings(s, actor, {"stationName": "B 线", "agentCode": "x" * 500})
    with sessions() as s:
        assert all_settings(s)["stationName"] == "A 线"
        assert s.query(AuditEvent).filter(AuditEvent.entity_id == "stationName").count() == 1

    with sessions() as s, s.begin():  # a committed change stays, and is not undone later
        set_setting(s, actor, "stationName", "C 线")
        s.flush()
    with sessions() as s:
        s.rollback()
        assert all_settings(s)["stationName"] == "C 线"
