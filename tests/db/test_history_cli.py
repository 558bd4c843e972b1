from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.security.audit import record_event
from app.security.context import Actor
from tests.db.test_cli import run
from tests.factories import make_declaration


def test_show_lists_the_history_in_words_even_after_a_reimport(
        db_url: str, sessions: sessionmaker[Session], actor: Actor,
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        decl_id = make_declaration(s)
        record_event(s, actor, "declaration.update", entity="declaration", entity_id=decl_id,
                     declaration_id=decl_id, reason="import",
                     details={"import_job": 4, "items": 1,
                              "changes": {"buyerName": ["张伟", "李娜"]}})
    code, out, _ = run(capsys, "--db", db_url, "--lang", "zh_CN", "show", str(decl_id))
    assert code == 0
    assert "历史记录：" in out
    assert "重新导入时更新（导入任务 4）" in out
    assert "订购人姓名: 张伟 → 李娜" in out
    assert "declaration.update" not in out
