import json

import pytest

from app.cli import main


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (line,) = out.strip().splitlines()
    return json.loads(line)  # type: ignore[no-any-return]


def test_check_json_contract_and_show(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _json(capsys, "--db", db_url, "demo", "--parcels", "200", "--seed", "3")
    data = _json(capsys, "--db", db_url, "--lang", "zh_CN", "check", "--all")
    assert set(data) == {"checked", "ready", "invalid", "unchanged", "problems"}
    assert data["checked"] == 200
    assert data["unchanged"] == 200  # the demo checked them already; nothing changed since
    full = _json(capsys, "--db", db_url, "check", "--all", "--full")
    assert (full["unchanged"], full["invalid"], len(full["problems"])) \
        == (0, data["invalid"], len(data["problems"]))
    assert data["ready"] + data["invalid"] == 200
    assert data["invalid"] > 0  # the demo's deliberately flawed parcels
    first = data["problems"][0]
    assert set(first) == {"id", "orderNo", "logisticsNo", "field", "code", "severity",
                          "message"}
    flawed = next(p for p in data["problems"] if p["severity"] == "error")
    shown = _json(capsys, "--db", db_url, "--lang", "zh_CN", "show", str(flawed["id"]))
    assert any(p["code"] == flawed["code"] for p in shown["problems"])
    assert all("{" not in p["message"] for p in shown["problems"])
    assert shown["taxEstimate"] is not None

    some = _json(capsys, "--db", db_url, "check", "--ids", str(flawed["id"]))
    assert some["checked"] == 1 and some["invalid"] == 1


def test_check_text_output(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db_url, "demo", "--parcels", "30", "--seed", "1"]) == 0
    capsys.readouterr()
    assert main(["--db", db_url, "--lang", "zh_CN", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("已检查")
