"""Translations shared by the core and the GUI.

Source strings are English with `{name}` placeholders; translations live in gettext
catalogues `resources/i18n/<lang>/*.po` (one file per area, so areas never edit the same
file). The core never translates eagerly: it carries `Message(msgid, params)` and the edge
(CLI, GUI) renders it in the user's language. The GUI installs a QTranslator backed by the
same catalogues, so `self.tr("…")` and `render()` agree.
"""

from __future__ import annotations

import hashlib
import json
import locale
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
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
    """All translations for `lang`, merged from every `.po` file of that language.

    Every start in Chinese needs them before its first window; babel's PO reader (and its
    import) took ~95 ms for them. So babel reads them once and the merged result is kept
    as JSON in the user's cache folder, named by the catalogues' names, sizes and times:
    later starts load that in a millisecond, and a changed or added catalogue is read
    anew. A cache that cannot be read or written is simply not used."""
    folder = resource_path("i18n", lang)
    if not folder.is_dir():
        return {}
    files = sorted(folder.glob("*.po"))
    kept = _kept_catalogue_path(lang, files)
    if kept is not None:
        try:
            loaded = json.loads(kept.read_text("utf-8"))
            if isinstance(loaded, dict):
                return loaded
        except (OSError, ValueError):
            pass
    merged = read_catalogues(files, lang)
    if kept is not None:
        _keep(kept, json.dumps(merged, ensure_ascii=False))
    return merged


def read_catalogues(files: list[Path], lang: str) -> dict[str, str]:
    """msgid → msgstr of the translated, non-fuzzy messages of the PO `files` (babel)."""
    from babel.messages.pofile import read_po

    merged: dict[str, str] = {}
    for po in files:
        with po.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        for msg in cat:
            if msg.id and isinstance(msg.id, str) and msg.string and not msg.fuzzy:
                merged[msg.id] = str(msg.string)
    return merged


def _kept_catalogue_path(lang: str, files: list[Path]) -> Path | None:
    try:
        stamp = hashlib.sha256(repr([
            (f.name, st.st_size, st.st_mtime_ns) for f in files for st in [f.stat()]
        ]).encode()).hexdigest()[:16]
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("ClearDesk", appauthor=False)) / f"i18n-{lang}-{stamp}.json"
    except OSError:
        return None


def _keep(path: Path, text: str) -> None:
    """Write the cache file whole or not at all (temp file, then rename); older caches of
    the language go."""
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(text, "utf-8")
        os.replace(temp, path)
        lang_prefix = path.name.rsplit("-", 1)[0] + "-"
        for old in path.parent.glob(f"{lang_prefix}*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        temp.unlink(missing_ok=True)


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
