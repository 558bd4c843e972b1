"""Translations shared by the core and the GUI.

Source strings are English with `{name}` placeholders; translations live in gettext
catalogues `resources/i18n/<lang>/*.po` (one file per area, so areas never edit the same
file). The core never translates eagerly: it carries `Message(msgid, params)` and the edge
(CLI, GUI) renders it in the user's language. The GUI installs a QTranslator backed by the
same catalogues, so `self.tr("…")` and `render()` agree.
"""

from __future__ import annotations

import locale
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from app.paths import resource_path

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "en"


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it now."""
    return msgid


@dataclass(frozen=True)
class Message:
    """An untranslated user-facing message."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return render(self, lang)


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """All translations for `lang`, merged from every `.po` file of that language."""
    from babel.messages.pofile import read_po

    folder = resource_path("i18n", lang)
    merged: dict[str, str] = {}
    if not folder.is_dir():
        return merged
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        for msg in cat:
            if msg.id and isinstance(msg.id, str) and msg.string and not msg.fuzzy:
                merged[msg.id] = str(msg.string)
    return merged


def translate(msgid: str, lang: str) -> str:
    """The translation of `msgid` in `lang`, or `msgid` itself when there is none."""
    if lang == "en":
        return msgid
    return catalogue(normalise_language(lang)).get(msgid, msgid)


def render(message: Message, lang: str) -> str:
    text = translate(message.msgid, lang)
    if not message.params:
        return text
    try:
        return text.format(**{k: _param_text(v, lang) for k, v in message.params.items()})
    except (KeyError, IndexError, ValueError):
        # A broken translation must not hide the message: fall back to the source text.
        return message.msgid.format(**{k: _param_text(v, lang) for k, v in message.params.items()})


def _param_text(value: Any, lang: str) -> Any:
    if isinstance(value, Message):
        return render(value, lang)
    return value


def normalise_language(lang: str | None) -> str:
    if not lang:
        return DEFAULT_LANGUAGE
    low = lang.replace("-", "_").lower()
    if low.startswith("zh"):
        return "zh_CN"
    return "en"


def detect_language(env: Mapping[str, str] | None = None) -> str:
    """UI language: `CLEARDESK_LANG`, else the system locale (Chinese → zh_CN, else en)."""
    env = os.environ if env is None else env
    if env.get("CLEARDESK_LANG"):
        return normalise_language(env["CLEARDESK_LANG"])
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(var):
            return normalise_language(env[var])
    try:
        loc = locale.getlocale()[0]
    except ValueError:
        loc = None
    return normalise_language(loc)
