"""Issue 15 item 5: no problem message, tooltip or CLI output shows a clerk a full identity
number or phone. Every rule code is provoked on declarations holding real-looking numbers; then
everything a clerk can print is searched for them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import Problem
from app.i18n import render
from app.precheck.messages import revive
from app.rules.problem import RuleCode
from tests.factories import item_values, make_declaration, valid_id_number

CLERK_PW = "Harbor-kite-72"
GOOD_ID = valid_id_number("44010619850317241")
WRONG_CHECK = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
BAD_BIRTH = "440106198513172418"
PAYER_ID = valid_id_number("31010419770605123")
PHONE = "23987654321"  # implausible: a PHONE warning quoting it
CONSIGNEE_PHONE = "1391234567890"
# Whole values and the hidden middle of the ID (long enough not to turn up in a random guid).
SECRETS = (GOOD_ID, WRONG_CHECK, BAD_BIRTH, PAYER_ID, PHONE, CONSIGNEE_PHONE, GOOD_ID[4:14])


def _variants() -> list[dict[str, object]]:
    big = item_values(qty=Decimal(1), price=Decimal(6000), totalPrice=Decimal(6000))
    return [
        {"buyerIdNumber": WRONG_CHECK, "buyerTelephone": PHONE,
         "consigneeTelephone": CONSIGNEE_PHONE, "payerIdNumber": PAYER_ID},
        {"buyerIdNumber": BAD_BIRTH, "buyerTelephone": PHONE, "buyerName": "张\x1b[31m伟",
         "country": "998", "grossWeight": Decimal("0"),
         "consigneeAddress": "某处", "logisticsNo": "EA123456789CN",
         "items": [item_values(gcode="9999999999"), item_values(gname="锂电池充电宝", unit1="007",
                                                               totalPrice=Decimal("1")),
                   # a subheading the tariff edition lacks; a 2019 line without tax rates
                   item_values(gcode="8517130099"), item_values(gcode="0101210010")]},
        {"buyerIdNumber": GOOD_ID, "buyerTelephone": PHONE, "buyerName": "",
         "items": [big, big, big, big, big]},
        {"buyerIdNumber": GOOD_ID, "buyerTelephone": PHONE, "orderNo": "DUP-1",
         "logisticsNo": "EB000000001CN", "declTime": "2026134"},
        # Order data without a consignee: the waybill falls back to the buyer's phone, and
        # the warning naming it must show it masked (CONSIGNEE_FROM_BUYER).
        {"buyerIdNumber": GOOD_ID, "buyerTelephone": PHONE, "orderNo": "CONS-1",
         "logisticsNo": "EB000000002CN", "consignee": "", "consigneeTelephone": None,
         "goodsValue": Decimal("198"), "acturalPaid": Decimal("198")},
    ]


@pytest.fixture
def clerk_db(db_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> list[int]:
    ids = []
    with sessions() as session, session.begin():
        for values in _variants():
            items = values.pop("items", None)
            ids.append(make_declaration(session, items=items, **values))  # type: ignore[arg-type]
    monkeypatch.setenv("CLEARDESK_NEW_PASSWORD", "Lotus-gate-41")
    assert main(["--db", db_url, "users", "add", "admin", "--role", "admin"]) == 0
    monkeypatch.setenv("CLEARDESK_PASSWORD", "Lotus-gate-41")
    monkeypatch.setenv("CLEARDESK_NEW_PASSWORD", CLERK_PW)
    assert main(["--db", db_url, "--user", "admin", "users", "add", "clerk", "--role",
                 "clerk"]) == 0
    monkeypatch.delenv("CLEARDESK_NEW_PASSWORD")
    monkeypatch.setenv("CLEARDESK_USER", "clerk")
    monkeypatch.setenv("CLEARDESK_PASSWORD", CLERK_PW)
    capsys.readouterr()
    return ids


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_no_output_shows_a_clerk_a_full_id_or_phone(
    clerk_db: list[int], db_url: str, sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    outputs: dict[str, str] = {}
    for lang in ("en", "zh_CN"):
        for argv in (["check", "--all", "--json"], ["check", "--all"], ["list"],
                     ["list", "--json"], ["to-fix"], ["to-fix", "--json"],
                     *(["show", str(i), *extra] for i in clerk_db for extra in ([], ["--json"]))):
            main(["--db", db_url, "--lang", lang, *argv])
            out, err = capsys.readouterr()
            outputs[f"{lang} {' '.join(argv)}"] = out + err
    # The rules found what they were provoked to find (the sweep covers every code).
    report = json.loads(outputs["en check --all --json"])
    with sessions() as session:
        stored = session.execute(select(Problem.code, Problem.msgid, Problem.params)).all()
    found = {row.code for row in stored}
    # Not provoked: TOO_LONG (PostgreSQL refuses such values; its message quotes none),
    # LIMIT_ANNUAL (needs a year of history; its message quotes amounts only),
    # NOT_ON_POSITIVE_LIST (needs a loaded list; its message quotes the HS code only),
    # DUPLICATE_ORDER / DUPLICATE_WAYBILL (the database keeps active orders and waybills
    # unique now; their messages quote order and waybill numbers only),
    # HS_DIFFERS_FROM_CATALOGUE (needs a customs-accepted catalogue entry; quotes HS codes only).
    assert found >= {c.value for c in RuleCode} - {"LIMIT_ANNUAL", "TOO_LONG",
                                                   "NOT_ON_POSITIVE_LIST", "DUPLICATE_ORDER",
                                                   "DUPLICATE_WAYBILL",
                                                   "HS_DIFFERS_FROM_CATALOGUE"}, (
        {c.value for c in RuleCode} - found)
    assert report, found
    # Every stored message, rendered as the grid's tooltip and the editor render it.
    for row in stored:
        for lang in ("en", "zh_CN"):
            outputs[f"tooltip {row.code} {lang}"] = render(revive(row.msgid, row.params), lang)
        outputs[f"params {row.code}"] = json.dumps(row.params, ensure_ascii=False)
    leaks = {name: _leaks(text) for name, text in outputs.items() if _leaks(text)}
    assert leaks == {}, found
    # The masked forms are there instead, so the clerk still sees which buyer it is.
    assert any(WRONG_CHECK[:4] + "*" * 10 + WRONG_CHECK[-4:] in t for t in outputs.values())
