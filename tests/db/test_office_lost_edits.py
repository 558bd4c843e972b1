"""Lost edits across workstations (issue 19): a change to goods lines alone moves the
declaration's version, so a clerk still holding the old version gets the conflict instead of
silently writing back the goods lines they loaded. The other workstation is a real process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.security.context import Actor
from app.services.editing import EditConflictError, load_snapshot, save_declaration
from tests.factories import make_declaration

ROOT = Path(__file__).resolve().parents[2]

BULK_HS_CHANGE = textwrap.dedent('''
    import sys
    from app.db.engine import make_engine, make_session_factory, transaction
    from app.security.context import system_actor
    from app.services.bulk_edit import BulkEdit, apply_bulk_edit
    engine = make_engine(sys.argv[1])
    with transaction(make_session_factory(engine)) as session:
        result = apply_bulk_edit(session, system_actor(), [int(sys.argv[2])],
                                 BulkEdit("set_item", "gcode", "0402210000"))
    print(result.items)
''')

LINE_EDIT = textwrap.dedent('''
    import sys
    from app.db.engine import make_engine, make_session_factory, transaction
    from app.security.context import system_actor
    from app.services.editing import load_snapshot, save_declaration
    engine = make_engine(sys.argv[1])
    with transaction(make_session_factory(engine)) as session:
        snap = load_snapshot(session, system_actor(), int(sys.argv[2]))
        items = [dict(i) for i in snap.items]
        items[0]["gname"] = "奶粉 新包装"
        result = save_declaration(session, system_actor(), snap.id, snap.version, {}, items)
    print(result.version)
''')


def _other_workstation(script: str, db_url: str, decl_id: int) -> str:
    done = subprocess.run([sys.executable, "-c", script, db_url, str(decl_id)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("script", [BULK_HS_CHANGE, LINE_EDIT], ids=["bulk-hs", "line-edit"])
def test_a_goods_line_change_elsewhere_makes_a_stale_save_a_conflict(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, script: str) -> None:
    with sessions() as s, s.begin():
        decl_id = make_declaration(s)
    with sessions() as s:
        mine = load_snapshot(s, actor, decl_id)  # my editor, open before the other change

    _other_workstation(script, db_url, decl_id)

    items = [dict(i) for i in mine.items]
    items[0]["qty"] = "5"
    with sessions() as s, s.begin(), pytest.raises(EditConflictError) as err:
        save_declaration(s, actor, decl_id, mine.version, {}, items)
    assert err.value.theirs.version > mine.version
    with sessions() as s:  # the other workstation's goods line change is still there
        now = load_snapshot(s, actor, decl_id)
    assert (now.items[0]["gcode"], now.items[0]["gname"]) != (
        mine.items[0]["gcode"], mine.items[0]["gname"])


def test_a_lost_race_in_a_unit_of_work_is_a_plain_message(
        db_url: str, sessions: sessionmaker[Session]) -> None:
    from sqlalchemy import update

    from app.db.engine import transaction
    from app.db.models import Declaration
    from app.domain.errors import ConcurrentChangeError

    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite writers queue: the other save waits for this one")
    with sessions() as s, s.begin():
        decl_id = make_declaration(s)
    with pytest.raises(ConcurrentChangeError) as err, transaction(sessions) as mine:
        decl = mine.get(Declaration, decl_id)
        assert decl is not None
        with sessions() as theirs, theirs.begin():  # another workstation saves first
            theirs.execute(update(Declaration).where(Declaration.id == decl_id)
                           .values(version=Declaration.version + 1))
        decl.note = "mine"
    assert "changed the same records at the same moment" in err.value.text("en")
    assert "同时修改了相同的记录" in err.value.text("zh_CN")
