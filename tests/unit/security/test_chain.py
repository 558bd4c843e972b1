"""Classifying tampering with a hash chain (a list of dicts stands in for the table)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app.i18n import render
from app.security.chain import BreakKind, ChainBreak, classify_break

GENESIS = "0" * 64


def h(prev: str, content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev + text).encode()).hexdigest()


def build(n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    prev = GENESIS
    for i in range(1, n + 1):
        content = {"action": "update", "n": i}
        row = {"id": i, "content": content, "prev": prev, "hash": h(prev, content)}
        rows.append(row)
        prev = row["hash"]
    return rows


def verify(rows: list[dict[str, Any]]) -> ChainBreak | None:
    ordered = sorted(rows, key=lambda r: r["id"])
    by_hash = {r["hash"]: r["id"] for r in ordered}
    ids = [r["id"] for r in ordered]
    prev, prev_id = GENESIS, None
    for row in ordered:
        found = classify_break(
            event_id=row["id"],
            prev_hash=row["prev"],
            stored_hash=row["hash"],
            recomputed_hash=h(row["prev"], row["content"]),
            expected_prev=prev,
            previous_id=prev_id,
            id_of_hash=by_hash.get,
            id_after=lambda i: ids[ids.index(i) + 1],
        )
        if found:
            return found
        prev, prev_id = row["hash"], row["id"]
    return None


def test_intact_chain_verifies() -> None:
    assert verify(build(10)) is None


def test_edited_row() -> None:
    rows = build(10)
    rows[4]["content"] = {"action": "update", "n": 999}
    assert verify(rows) == ChainBreak(BreakKind.EDITED, 5)


def test_edited_row_with_recomputed_hash_breaks_the_next_link() -> None:
    rows = build(10)
    rows[4]["content"] = {"action": "update", "n": 999}
    rows[4]["hash"] = h(rows[4]["prev"], rows[4]["content"])
    assert verify(rows) == ChainBreak(BreakKind.DELETED, 6)  # the genuine row 5 is gone


def test_deleted_row() -> None:
    rows = build(10)
    del rows[3]
    assert verify(rows) == ChainBreak(BreakKind.DELETED, 5)


def test_reordered_rows() -> None:
    rows = build(10)
    rows[3]["id"], rows[4]["id"] = 5, 4
    assert verify(rows) == ChainBreak(BreakKind.REORDERED, 4)


def test_inserted_row() -> None:
    rows = build(10)
    for row in rows[5:]:
        row["id"] += 1  # make room after row 5
    content = {"action": "delete", "n": 0}
    rows.append({"id": 6, "content": content, "prev": rows[4]["hash"],
                 "hash": h(rows[4]["hash"], content)})
    assert verify(rows) == ChainBreak(BreakKind.INSERTED, 6)


def test_messages_name_the_event() -> None:
    for kind in BreakKind:
        text = render(ChainBreak(kind, 42).message(), "zh_CN")
        assert "42" in text
