"""Customs' own reply text quotes the parcel's data back; the fix queue shows it masked like
every other text (it was the one place a full ID number still showed)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.security.context import Actor, Role
from app.submission import fixqueue
from tests.factories import make_declaration, valid_id_number

ID = valid_id_number("44010619850101123")
PHONE = "13912345678"
INFO = f"订购人{ID}身份信息不一致，电话{PHONE}"


def test_fix_queue_and_held_list_mask_what_customs_quotes(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        make_declaration(s, status="rejected", last_return_status="-621010",
                         last_return_info=INFO)
        make_declaration(s, status="inspection", last_return_status="500",
                         last_return_info=INFO)
    clerk = Actor("li", Role.CLERK)
    with sessions() as s:
        groups = fixqueue.fix_groups(s, clerk)
        held = fixqueue.held_declarations(s, clerk)
    shown = [g.customs_text for g in groups] + [h.returnInfo or "" for h in held]
    assert len(shown) == 2
    for text in shown:
        assert ID not in text and PHONE not in text
        assert ID[:4] in text and "身份信息不一致" in text  # still says what customs said
