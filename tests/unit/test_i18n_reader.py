"""A start in Chinese reads every catalogue before its first window: the quick PO reader
gives what babel's reader gives, without importing babel."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from app.i18n import read_translations
from app.paths import resource_path

TRICKY = r'''# A translator's comment
#, fuzzy
msgid ""
msgstr ""
"Language: zh_CN\n"
"Content-Type: text/plain; charset=utf-8\n"

#: app/x.py:1
#, python-brace-format
msgid "{n} rows with \"quotes\", a back\\slash and a tab\there"
msgstr "{n} 行，带“引号”\n第二行"

msgid ""
"Wrapped over "
"two lines"
msgstr ""
"折成"
"两行"
#, fuzzy
msgid "Not sure yet"
msgstr "还不确定"

msgid "Untranslated"
msgstr ""

#~ msgid "Obsolete"
#~ msgstr "过时"
'''


def _babel(data: bytes) -> dict[str, str]:
    return {m.id: str(m.string) for m in read_po(io.BytesIO(data), locale="zh_CN")
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def test_the_quick_reader_reads_every_shipped_catalogue_as_babel_does() -> None:
    files = sorted(resource_path("i18n", "zh_CN").glob("*.po"))
    assert files
    for po in files:
        data = po.read_bytes()
        assert read_translations(data, "zh_CN") == _babel(data), po.name


def test_escapes_wrapped_lines_fuzzy_and_obsolete_messages_read_as_babel_does() -> None:
    data = TRICKY.encode("utf-8")
    found = read_translations(data, "zh_CN")
    assert found == _babel(data)
    assert found == {
        '{n} rows with "quotes", a back\\slash and a tab\there': "{n} 行，带“引号”\n第二行",
        "Wrapped over two lines": "折成两行"}


def test_plural_forms_and_contexts_go_to_babel() -> None:
    data = ('msgctxt "menu"\nmsgid "Open"\nmsgstr "打开"\n\n'
            'msgid "{n} file"\nmsgid_plural "{n} files"\nmsgstr[0] "{n} 个文件"\n').encode()
    assert read_translations(data, "zh_CN") == _babel(data)


def test_a_chinese_start_reads_the_catalogues_without_babel() -> None:
    probe = ("import sys\nfrom app.i18n import translate\n"
             "print(translate('&File', 'zh_CN'))\nprint('babel' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=60, check=True)
    assert run.stdout.split() == ["文件(&F)", "False"]
