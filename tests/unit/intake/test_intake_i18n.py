"""Every user-visible intake string has a zh_CN translation in resources/i18n/zh_CN/intake.po."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.paths import resource_path

ROOT = Path(__file__).resolve().parents[3]


def test_every_intake_msgid_is_translated() -> None:
    with resource_path("i18n", "zh_CN", "intake.po").open("rb") as fh:
        catalogue = {m.id: m.string for m in read_po(fh) if m.id}
    keywords = {"N_": None, "ValidationError": None, "UserFacingError": None}
    missing = []
    for _file, _line, msgid, _comments, _context in extract_from_dir(
            str(ROOT / "app" / "intake"), keywords=keywords):
        if isinstance(msgid, str) and msgid and not catalogue.get(msgid):
            missing.append(msgid)
    assert missing == []
