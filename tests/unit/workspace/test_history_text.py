from __future__ import annotations

from typing import Any

import pytest

from app.services.history import ACTION_TEXTS, action_text, describe_event
from tests.audit_actions import written_actions
from tests.audit_samples import EXPANSIONS, SAMPLES, sample_actions


def test_every_action_the_code_writes_has_a_sentence_and_a_sample() -> None:
    actions, unresolved = written_actions()
    assert not unresolved, unresolved
    # The scan must see the writers we know of (a scanner that finds nothing proves nothing).
    assert {"declaration.update", "receipt.apply", "problem.acknowledge", "print.*",
            "batch.create", "unmask", "import.file"} <= actions
    assert [a for a in actions if action_text(a) is None and a not in ACTION_TEXTS] == []
    assert [a for a in sample_actions(actions) if a not in SAMPLES] == []
    assert set(EXPANSIONS) <= actions


def ev(action: str, details: Any, reason: str | None = None) -> dict[str, Any]:
    return {"at": "2026-12-04T09:30:00+00:00", "user": "wang", "action": action,
            "details": details, "reason": reason}


@pytest.mark.parametrize("action", sorted(SAMPLES))
def test_each_sample_reads_as_a_sentence_in_both_languages(action: str) -> None:
    details, reason, expected = SAMPLES[action]
    en = describe_event(ev(action, details, reason), "en", declaration_id=1)
    zh = describe_event(ev(action, details, reason), "zh_CN", declaration_id=1)
    assert en.title == expected
    if "." in action or "_" in action:  # an identifier, not an English word like "login"
        assert action not in en.title and action not in zh.title
    assert zh.title != en.title  # translated
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.title), zh.title


def test_reimport_changes_stored_as_a_dict_read_as_field_lines() -> None:
    text = describe_event(ev("declaration.update", {
        "import_job": 7, "items": 2,
        "changes": {"buyerName": ["张伟", "李娜"], "freight": ["10", "12"],
                    "buyerIdNumber": ["110105194912310029", "11010519491231002X"]}},
        "import"), "en")
    assert text.title == "Updated by a re-import (import job 7)"
    assert "Buyer name: 张伟 → 李娜" in text.lines
    assert "Freight: 10 → 12" in text.lines
    assert "Buyer ID number: 1101**********0029 → 1101**********002X" in text.lines
    assert "2 goods line(s) replaced" in text.lines
    assert not any("Reason" in line for line in text.lines)


@pytest.mark.parametrize("details", [
    None, [], "text", 5, {"changes": "x"}, {"changes": [1, None, "x", {"gnum": 1}]},
    {"changes": {"a": 1, "b": [1, 2, 3], "c": {"d": 1}}}, {"from": None, "to": 7},
    {"changes": [{"field": None, "before": {"x": [1]}, "after": [1] * 200}]},
])
def test_odd_details_never_raise(details: Any) -> None:
    for action in (*ACTION_TEXTS, "receipt.apply", "some.future_action"):
        text = describe_event(ev(action, details), "zh_CN", declaration_id=1)
        assert text.title


def test_unknown_action_reads_as_a_generic_line() -> None:
    assert describe_event(ev("some.future_action", {}), "en").title == \
        "Other change (some.future_action)"
    assert describe_event(ev("some.future_action", {}), "zh_CN").title.startswith("其他")


def test_receipt_lines_show_this_declaration_only() -> None:
    text = describe_event(ev("receipt.apply", {"file": "r.xml", "changes": {
        "1": ["800", "released"], "2": ["100", "rejected"]}}), "en", declaration_id=1)
    assert text.lines == ("Return status 800: now Released",)


def test_a_long_change_list_is_cut_with_a_count() -> None:
    changes = [{"field": "note", "gnum": None, "before": str(i), "after": str(i + 1)}
               for i in range(20)]
    text = describe_event(ev("declaration.update", {"changes": changes}), "en")
    assert len(text.lines) == 13 and text.lines[-1] == "… and 8 more"
