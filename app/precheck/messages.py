"""Problem messages in the database: `msgid` + JSON `params`. Nested messages (field labels,
table names) are stored as {"$msg": msgid, "params": {...}} and revived for rendering, so a
stored problem renders in whatever language the reader uses."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.i18n import Message
from app.security.masking import redact_text

MSG_KEY = "$msg"


def params_to_json(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _value_to_json(v) for k, v in params.items()}


def _value_to_json(value: Any) -> Any:
    if isinstance(value, Message):
        return {MSG_KEY: value.msgid, "params": params_to_json(value.params)}
    if isinstance(value, Decimal):
        return format(value, "f")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def revive(msgid: str, params: Mapping[str, Any] | None) -> Message:
    """The Message stored as `msgid` + `params` (nested messages restored)."""
    return Message(msgid, {k: _value_from_json(v) for k, v in (params or {}).items()})


def _value_from_json(value: Any) -> Any:
    if isinstance(value, dict) and MSG_KEY in value:
        return revive(str(value[MSG_KEY]), value.get("params"))
    if isinstance(value, str):
        # Problems stored before messages were masked at the source (see rules.problem).
        return redact_text(value)
    return value
