"""`cleardesk users|audit|backup|restore` and the CLI login, end to end through main()."""

from __future__ import annotations

import json
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import main
from app.db.engine import make_engine

ADMIN_PW = "Lotus-gate-41"
CLERK_PW = "Harbor-kite-72"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, err = run(capsys, *argv, "--json")
    lines = out.strip().splitlines()
    assert len(lines) == 1, (out, err)
    return code, json.loads(lines[0])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("CLEARDESK_USER", "CLEARDESK_PASSWORD", "CLEARDESK_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLEARDESK_LANG", "en")
    return monkeypatch


@pytest.fixture
def bootstrapped(db_url: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """admin (bootstrap, no login) and clerk (added by the logged-in admin)."""
    env.setenv("CLEARDESK_NEW_PASSWORD", ADMIN_PW)
    code, data = run_json(capsys, "--db", db_url, "users", "add", "admin", "--role", "admin")
    assert code == 0 and data["user"]["role"] == "admin"
    env.setenv("CLEARDESK_NEW_PASSWORD", CLERK_PW)
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    code, data = run_json(capsys, "--db", db_url, "--user", "admin", "users", "add", "clerk",
                          "--role", "clerk")
    assert code == 0, data
    env.delenv("CLEARDESK_NEW_PASSWORD")
    env.delenv("CLEARDESK_PASSWORD")
    return db_url


def test_after_bootstrap_everything_needs_a_login(
    bootstrapped: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "--db", bootstrapped, "list")
    assert code == 1 and "--user NAME" in err
    env.setenv("CLEARDESK_NEW_PASSWORD", "Stone-wolf-66")
    code, _out, err = run(capsys, "--db", bootstrapped, "users", "add", "mallory", "--role",
                         "admin")
    assert code == 1 and "Log in" in err


def test_login_from_the_environment_and_the_role_decides(
    bootstrapped: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("CLEARDESK_USER", "clerk")
    env.setenv("CLEARDESK_PASSWORD", CLERK_PW)
    code, data = run_json(capsys, "--db", bootstrapped, "list")
    assert code == 0 and data["total"] == 0
    code, data = run_json(capsys, "--db", bootstrapped, "users", "list")
    assert code == 1 and data["kind"] == "PermissionDeniedError"
    env.setenv("CLEARDESK_PASSWORD", "wrong")
    code, _out, err = run(capsys, "--db", bootstrapped, "list")
    assert code == 1 and "Wrong user name or password." in err


def test_user_given_after_the_subcommand_and_in_chinese(
    bootstrapped: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    code, out, err = run(capsys, "--db", bootstrapped, "--lang", "zh_CN", "users", "list",
                         "--user", "admin")
    assert code == 0, err
    assert "管理员" in out and "录入员" in out


def test_users_disable_role_passwd(
    bootstrapped: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("CLEARDESK_USER", "admin")
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    db = bootstrapped
    assert run_json(capsys, "--db", db, "users", "role", "clerk", "supervisor")[1]["user"][
        "role"] == "supervisor"
    assert run_json(capsys, "--db", db, "users", "disable", "clerk")[1]["user"]["active"] is False
    assert run_json(capsys, "--db", db, "users", "enable", "clerk")[1]["user"]["active"] is True
    env.setenv("CLEARDESK_NEW_PASSWORD", "Copper-sand-14")
    code, data = run_json(capsys, "--db", db, "users", "passwd", "clerk")
    assert code == 0 and data["user"]["mustChangePassword"] is True
    env.setenv("CLEARDESK_USER", "clerk")
    env.setenv("CLEARDESK_PASSWORD", "Copper-sand-14")
    # The administrator's password opens nothing but the change of password.
    code, out, _err = run(capsys, "--db", db, "list")
    assert code == 1 and "reset your password" in out + _err
    env.setenv("CLEARDESK_NEW_PASSWORD", "Copper-sand-14")
    code, data = run_json(capsys, "--db", db, "users", "passwd")
    assert code == 1  # the administrator's password again
    env.setenv("CLEARDESK_NEW_PASSWORD", "Violet-bay-35")
    code, data = run_json(capsys, "--db", db, "users", "passwd")
    assert code == 0 and data["user"]["mustChangePassword"] is False
    env.setenv("CLEARDESK_PASSWORD", "Violet-bay-35")
    assert run(capsys, "--db", db, "list")[0] == 0
    code, data = run_json(capsys, "--db", db, "users", "disable", "admin")
    assert code == 1


def test_audit_verify_exit_codes(
    bootstrapped: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("CLEARDESK_USER", "admin")
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    code, data = run_json(capsys, "--db", bootstrapped, "audit", "verify")
    assert code == 0 and data["ok"] and data["events"] >= 3
    engine = make_engine(bootstrapped)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET workstation = 'elsewhere' WHERE id = 2"))
    engine.dispose()
    code, data = run_json(capsys, "--db", bootstrapped, "audit", "verify")
    assert code == 1 and data == {**data, "ok": False, "firstBadId": 2, "kind": "edited"}
    code, out, _err = run(capsys, "--db", bootstrapped, "audit", "verify")
    assert code == 1 and "Audit event 2 was changed" in out


def test_audit_list_filters(
    bootstrapped: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("CLEARDESK_USER", "admin")
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    code, data = run_json(capsys, "--db", bootstrapped, "audit", "list", "--action", "user_add")
    assert code == 0 and [e["details"]["name"] for e in data["events"]] == ["clerk", "admin"]
    code, data = run_json(capsys, "--db", bootstrapped, "audit", "list", "--by", "admin",
                          "--action", "login")
    assert len(data["events"]) >= 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_backup_and_restore(
    bootstrapped: str, db_path: Path, tmp_path: Path, env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env.setenv("CLEARDESK_USER", "admin")
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    target = tmp_path / "out" / "before.sqlite3"
    code, data = run_json(capsys, "--db", bootstrapped, "backup", "-o", str(target))
    assert code == 0 and Path(data["file"]) == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    code, data = run_json(capsys, "--db", bootstrapped, "backup")
    assert Path(data["file"]).parent == db_path.parent / "backups"
    # A change after the backup, then restore: the change is gone, the replaced file kept.
    env.setenv("CLEARDESK_NEW_PASSWORD", "Amber-field-19")
    assert run_json(capsys, "--db", bootstrapped, "users", "add", "late", "--role", "clerk")[0] == 0
    code, data = run_json(capsys, "--db", bootstrapped, "restore", str(target))
    assert code == 0, data
    replaced = Path(data["replacedCopy"])
    assert replaced.exists() and stat.S_IMODE(replaced.stat().st_mode) == 0o600
    code, data = run_json(capsys, "--db", bootstrapped, "users", "list")
    assert [u["name"] for u in data["users"]] == ["admin", "clerk"]
    code, data = run_json(capsys, "--db", bootstrapped, "audit", "list", "--action", "restore")
    assert len(data["events"]) == 1
    assert run_json(capsys, "--db", bootstrapped, "audit", "verify")[1]["ok"]


def test_backup_needs_an_admin_and_restore_refuses_junk(
    sqlite_only: None, bootstrapped: str, tmp_path: Path, env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env.setenv("CLEARDESK_USER", "clerk")
    env.setenv("CLEARDESK_PASSWORD", CLERK_PW)
    code, data = run_json(capsys, "--db", bootstrapped, "backup", "-o", str(tmp_path / "b"))
    assert code == 1 and data["kind"] == "PermissionDeniedError"
    env.setenv("CLEARDESK_USER", "admin")
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database")
    code, data = run_json(capsys, "--db", bootstrapped, "restore", str(junk))
    assert code == 1 and "not a ClearDesk database" in data["error"]
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.execute("INSERT INTO alembic_version VALUES ('from_the_future')")
    conn.commit()
    conn.close()
    code, data = run_json(capsys, "--db", bootstrapped, "restore", str(other))
    assert code == 1 and "from_the_future" in data["error"]


def test_restore_of_a_damaged_database_needs_no_login(
    bootstrapped: str, db_path: Path, tmp_path: Path, env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env.setenv("CLEARDESK_USER", "admin")
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    backup = tmp_path / "good.sqlite3"
    assert run_json(capsys, "--db", bootstrapped, "backup", "-o", str(backup))[0] == 0
    env.delenv("CLEARDESK_USER")
    env.delenv("CLEARDESK_PASSWORD")
    data = bytearray(db_path.read_bytes())
    data[4096 * 2: 4096 * 6] = b"\x00" * (4096 * 4)
    db_path.write_bytes(bytes(data))
    code, out = run_json(capsys, "--db", bootstrapped, "restore", str(backup))
    assert code == 0, out


def test_demo_accounts_only_when_asked_and_only_without_users(
    db_url: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.security.demo_users import DEMO_ACCOUNTS

    code, data = run_json(capsys, "--db", db_url, "demo", "--parcels", "5", "--accounts")
    assert code == 0 and data["accounts"] == 3
    clerk = next(a for a in DEMO_ACCOUNTS if a.role.value == "clerk")
    env.setenv("CLEARDESK_USER", clerk.name)
    env.setenv("CLEARDESK_PASSWORD", clerk.password)
    code, data = run_json(capsys, "--db", db_url, "list")
    assert code == 0 and data["total"] == 5
    assert "**********" in data["rows"][0]["buyerIdNumber"]
    code, data = run_json(capsys, "--db", db_url, "demo", "--parcels", "1", "--accounts")
    assert code == 1  # a clerk may not add demo data; and no second set of accounts


def test_unmask_is_for_supervisors_and_audited(
    bootstrapped: str, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy.orm import Session

    from app.security.context import Actor, Role
    from app.security.users import UserService
    from tests.factories import make_declaration

    engine = make_engine(bootstrapped)
    with Session(engine) as session, session.begin():
        UserService(session).add(Actor("admin", Role.ADMIN), "sup", "supervisor",
                                 "Maple-drum-53")
        decl_id = make_declaration(session, buyerIdNumber="11010119900307123X",
                                   buyerTelephone="13812345678")
    engine.dispose()
    env.setenv("CLEARDESK_USER", "clerk")
    env.setenv("CLEARDESK_PASSWORD", CLERK_PW)
    code, data = run_json(capsys, "--db", bootstrapped, "show", str(decl_id))
    assert data["head"]["buyerIdNumber"] == "1101**********123X"
    assert data["head"]["buyerTelephone"] == "138****5678"
    code, data = run_json(capsys, "--db", bootstrapped, "unmask", str(decl_id), "--reason", "x")
    assert code == 1 and data["kind"] == "PermissionDeniedError"
    env.setenv("CLEARDESK_USER", "sup")
    env.setenv("CLEARDESK_PASSWORD", "Maple-drum-53")
    code, data = run_json(capsys, "--db", bootstrapped, "unmask", str(decl_id), "--reason",
                          "customs query 2026-031")
    assert code == 0 and data["head"]["buyerIdNumber"] == "11010119900307123X"
    env.setenv("CLEARDESK_USER", "admin")
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    code, data = run_json(capsys, "--db", bootstrapped, "audit", "list", "--action", "unmask")
    assert [(e["user"], e["reason"], e["declarationId"]) for e in data["events"]] == [
        ("sup", "customs query 2026-031", decl_id)]


def test_restore_refuses_a_backup_with_objects_the_migrations_do_not_make(
    bootstrapped: str, db_path: Path, tmp_path: Path, env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Issue 16: a restored backup carried a trigger that promoted a clerk to administrator.
    env.setenv("CLEARDESK_USER", "admin")
    env.setenv("CLEARDESK_PASSWORD", ADMIN_PW)
    for n, sql in enumerate((
        "CREATE TRIGGER promote_clerk AFTER UPDATE OF last_login_at ON users "
        "BEGIN UPDATE users SET role = 'admin' WHERE name = 'clerk'; END",
        "CREATE VIEW everything AS SELECT * FROM users",
        "CREATE INDEX ix_extra ON users (role)",
    )):
        target = tmp_path / f"tampered-{n}.sqlite3"
        assert run_json(capsys, "--db", bootstrapped, "backup", "-o", str(target))[0] == 0
        with sqlite3.connect(target) as conn:
            conn.execute(sql)
        conn.close()
        code, data = run_json(capsys, "--db", bootstrapped, "restore", str(target))
        assert code == 1, data
        assert sql.split()[2] in data["error"] and "nothing was restored" in data["error"]
    with sqlite3.connect(db_path) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'view')")]
    conn.close()
    assert not {"promote_clerk", "everything"} & set(names)  # only the migrations' own
