"""The CLI contract: JSON shapes, exit codes, languages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.cli import main
from app.db.migrate import head_revision


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])  # type: ignore[no-any-return]


def test_init_creates_and_reports_the_schema(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    data = run_json(capsys, "--db", url, "init")
    assert data["db"] == url
    assert data["schema"] == head_revision()


def test_demo_list_show_round_trip(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    demo = run_json(capsys, "--db", db_url, "demo", "--parcels", "120", "--seed", "5")
    assert demo["declarations"] == 120
    assert demo["items"] >= 120

    listed = run_json(capsys, "--db", db_url, "list", "--limit", "10")
    assert listed["total"] == 120
    assert len(listed["rows"]) == 10
    row = listed["rows"][0]
    assert {"id", "status", "orderNo", "logisticsNo", "buyerName"} <= set(row)

    again = run_json(capsys, "--db", db_url, "demo", "--parcels", "5", "--if-empty")
    assert again == {"declarations": 0, "items": 0}

    shown = run_json(capsys, "--db", db_url, "show", row["orderNo"])
    assert shown["id"] == row["id"]
    assert shown["head"]["logisticsNo"] == row["logisticsNo"]
    assert shown["items"][0]["gnum"] == 1
    assert len(shown["items"][0]["gcode"]) == 10
    assert {"problems", "history"} <= set(shown)
    by_waybill = run_json(capsys, "--db", db_url, "show", row["logisticsNo"])
    assert by_waybill["id"] == row["id"]
    # History times are on the Beijing clock, as in the grid (they were printed in UTC).
    from datetime import datetime

    from app.domain.clock import to_beijing
    first = shown["history"][0]
    beijing = to_beijing(datetime.fromisoformat(first["at"])).strftime("%Y-%m-%d %H:%M")
    _, text, _ = run(capsys, "--db", db_url, "show", row["orderNo"])
    history = text.split("History:")[1].splitlines()[1]
    assert history.strip().startswith(beijing)


def test_list_filters_by_status_and_search(db_url: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, "--db", db_url, "demo", "--parcels", "200", "--seed", "9")
    ready = run_json(capsys, "--db", db_url, "list", "--status", "ready", "--limit", "500")
    assert ready["total"] == len(ready["rows"]) > 0
    assert {r["status"] for r in ready["rows"]} == {"ready"}
    name = ready["rows"][0]["buyerName"]
    found = run_json(capsys, "--db", db_url, "list", "--search", name, "--limit", "500")
    assert found["total"] >= 1 and all(name in r["buyerName"] for r in found["rows"])
    wildcard = run_json(capsys, "--db", db_url, "list", "--search", "%", "--limit", "5")
    assert wildcard["total"] == 0  # LIKE wildcards are escaped


def test_show_unknown_is_a_user_error(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", db_url, "--lang", "zh_CN", "show", "NOPE-123")
    assert code == 1
    assert out == ""
    assert "找不到" in err and "NOPE-123" in err
    code, out, _ = run(capsys, "--db", db_url, "show", "NOPE-123", "--json")
    assert code == 1
    assert "NOPE-123" in json.loads(out)["error"]


def test_config_set_get_and_unknown_key(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(capsys, "--db", db_url, "config", "set", "agentCode", "5141980XYZ") == {
        "key": "agentCode", "value": "5141980XYZ", "scope": "office"}
    assert run_json(capsys, "--db", db_url, "config", "get", "agentCode")["value"] == "5141980XYZ"
    assert run_json(capsys, "--db", db_url, "config", "get", "tradeMode")["value"] == "9610"
    code, _, err = run(capsys, "--db", db_url, "config", "set", "agentCod", "x")
    assert code == 1 and "agentCode" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["list", "--limit", "many"])
    assert exc.value.code == 2


def test_console_command_and_module_agree(db_url: str) -> None:
    out = subprocess.run([sys.executable, "-m", "app", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.splitlines()[0] == f"ClearDesk {__version__}"
    listed = subprocess.run([sys.executable, "-m", "app", "--db", db_url, "list", "--json"],
                            capture_output=True, text=True, check=True)
    assert json.loads(listed.stdout) == {"total": 0, "rows": []}
