"""The monthly summary (CEB701) groups departed export inventories by the spec's rules: only
those declared for summary (statisticsFlag B); one application per exporter, producer,
customs, agent, site and declaration head (trade mode, transport, country, port of exit);
currency does not split an application (customs merges goods lines by it)."""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import OutboundMessage
from app.security.context import Actor
from app.submission import summary, xsd
from tests.db.submission.test_submission_e2e import EXPORT_HEAD
from tests.factories import make_declaration

DEPARTED = {**EXPORT_HEAD, "statisticsFlag": "B", "status": "released",
            "export_stage": "departed", "appTime": "20261120100000", "tradeMode": "9610",
            "trafMode": "5", "portCode": "5141", "customsCode": "5141", "currency": "142"}


def _departed(s: Session, n: int, **overrides: Any) -> int:
    return make_declaration(s, **{**DEPARTED, "copNo": f"SUM{n:04d}",
                                  "invtNo": f"51412026E{n:09d}", **overrides})


def test_summary_groups_by_the_spec_rules(sessions: sessionmaker[Session], actor: Actor,
                                          broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        base = [_departed(s, 1), _departed(s, 2, currency="840"),  # one group: currency
                _departed(s, 3, currency="344")]                   # is per goods line
        simplified = _departed(s, 4, statisticsFlag="A")  # 简化申报: never summarised
        others = {
            "exporter": _departed(s, 5, ebcCode="5141960002", ebcName="另一出口企业"),
            "producer": _departed(s, 6, ownerCode="5141960009"),
            "port": _departed(s, 7, portCode="5145"),
            "country": _departed(s, 8, country="303"),
            "transport": _departed(s, 9, trafMode="2"),
            "trade mode": _departed(s, 10, tradeMode="1210"),
            "site": _departed(s, 11, loctNo="5141W1"),
        }
        result = summary.apply_for_summary(s, actor, "2026-11", broker)
        carried = {a.cop_no: set(summary.summary_inventory_ids(s, [a.id]))
                   for a in result.applications}
    groups = sorted(carried.values(), key=len, reverse=True)
    assert groups[0] == set(base)
    assert sorted(groups[1:], key=min) == [{i} for i in sorted(others.values())]
    assert all(simplified not in g for g in groups)
    with sessions() as s:
        contents = s.execute(select(OutboundMessage.content).where(
            OutboundMessage.message_type == "CEB701Message")).scalars().all()
    ns = {"ceb": xsd.CEB_NS}
    for content in contents:
        doc = etree.fromstring(content)
        assert xsd.validate(doc, "E") == []
        assert doc.findtext("ceb:SummaryApply/ceb:SummaryApplyHead/ceb:summaryFlag",
                            namespaces=ns) == "2"
