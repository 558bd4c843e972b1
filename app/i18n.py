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
    folder = resource_path("i18n", lang)
    merged: dict[str, str] = {}
    if not folder.is_dir():
        return merged
    for po in sorted(folder.glob("*.po")):
        merged.update(read_translations(po.read_bytes(), lang))
    return merged


class _NotPlain(Exception):
    """A PO construct the quick reader leaves to babel (contexts, plural forms)."""


_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}


def _po_string(line: str) -> str:
    """The text of one quoted PO line, unescaped as babel does (\\n \\t \\r \\\\ \\")."""
    if len(line) < 2 or line[0] != '"' or line[-1] != '"':
        raise _NotPlain(line)
    body = line[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in _PO_ESCAPES:
            out.append(_PO_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def read_translations(data: bytes, lang: str) -> dict[str, str]:
    """msgid → msgstr of the translated, non-fuzzy messages of one UTF-8 PO file.

    Every start in Chinese reads all catalogues before the first window: babel's reader
    (and its import) took ~95 ms for them, this one a few. Our catalogues are plain
    (msgid/msgstr, flags, comments); anything else (msgctxt, plural forms) goes to babel,
    and tests/unit/test_i18n_reader.py holds both readers to the same result."""
    try:
        return _read_plain_po(data.decode("utf-8"))
    except (_NotPlain, UnicodeDecodeError):
        import io

        from babel.messages.pofile import read_po

        return {msg.id: str(msg.string) for msg in read_po(io.BytesIO(data), locale=lang)
                if msg.id and isinstance(msg.id, str) and msg.string and not msg.fuzzy}


def _read_plain_po(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal msgid, msgstr, fuzzy
        if msgid is not None and msgstr is not None and not fuzzy:
            key, value = "".join(msgid), "".join(msgstr)
            if key and value:
                found[key] = value
        elif msgid is not None and msgstr is None:
            raise _NotPlain("msgid without msgstr")
        msgid = msgstr = None
        fuzzy = False

    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if msgstr is not None:
                flush()  # a comment after a message starts the next one
            current = None
            if line.startswith("#~"):
                continue  # obsolete: babel leaves it out of the catalogue too
            if line.startswith("#,") and "fuzzy" in (f.strip() for f in line[2:].split(",")):
                fuzzy = True
            continue
        if line.startswith("msgid "):
            if msgid is not None:
                flush()
            msgid = [_po_string(line[6:].strip())]
            current = msgid
        elif line.startswith("msgstr "):
            if msgid is None or msgstr is not None:
                raise _NotPlain(line)
            msgstr = [_po_string(line[7:].strip())]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(_po_string(line))
        else:
            raise _NotPlain(line)  # msgctxt, msgid_plural, msgstr[n] …
    flush()
    return found


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
