"""Issue 16 item 5: a search cannot recover the hidden digits of an identity number or phone."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.services.queries import DeclarationFilter, count_query
from tests.factories import make_declaration, valid_id_number

SECRET_ID = valid_id_number("44010619850317241")
SECRET_PHONE = "13987654321"


def _count(session: Session, search: str) -> int:
    return int(session.execute(count_query(DeclarationFilter(search=search))).scalar_one())


def _seed(session: Session) -> None:
    make_declaration(session, buyerIdNumber=SECRET_ID, buyerTelephone=SECRET_PHONE,
                     orderNo="A-1", buyerName="李娜")


def test_prefix_attack_on_an_identity_number_learns_nothing(session: Session) -> None:
    _seed(session)
    # The attack of the issue: grow a prefix one character at a time, keeping the one that
    # matches. Past the four visible characters no guess matches, so the count says nothing.
    known = SECRET_ID[:4]
    for _position in range(4, 17):
        found = [d for d in "0123456789X" if _count(session, known + d)]
        if len(found) != 1:
            break
        known += found[0]
    assert known == SECRET_ID[:4]
    # The same from the end: the last four are visible, more is not.
    assert _count(session, SECRET_ID[-4:]) == 1
    assert all(_count(session, d + SECRET_ID[-4:]) == 0 for d in "0123456789")


def test_prefix_attack_on_a_phone_learns_nothing(session: Session) -> None:
    _seed(session)
    assert _count(session, SECRET_PHONE[:3]) == 1
    assert all(_count(session, SECRET_PHONE[:3] + d) == 0 for d in "0123456789")
    assert _count(session, SECRET_PHONE[-4:]) == 1
    assert all(_count(session, d + SECRET_PHONE[-4:]) == 0 for d in "0123456789")
    # A substring of hidden digits in the middle matches nothing.
    assert _count(session, SECRET_PHONE[3:7]) == 0


def test_whole_values_and_masked_forms_still_find_the_parcel(session: Session) -> None:
    _seed(session)
    assert _count(session, SECRET_ID) == 1
    assert _count(session, SECRET_PHONE) == 1
    assert _count(session, SECRET_ID[:4] + "*" * 10 + SECRET_ID[-4:]) == 1
    assert _count(session, "139****4321") == 1
    # A "masked form" that shows a hidden digit is no masked form: nothing.
    assert _count(session, SECRET_ID[:5] + "*" * 9 + SECRET_ID[-4:]) == 0
    assert _count(session, "1398***4321") == 0
    # Other fields still match on any part.
    assert _count(session, "A-") == 1 and _count(session, "李") == 1
