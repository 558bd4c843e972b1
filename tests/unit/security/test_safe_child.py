from __future__ import annotations

from pathlib import Path

import pytest

from app.security.files import safe_child


def test_plain_names_stay_in_their_folder(tmp_path: Path) -> None:
    name = "CEB622_20260301.xml"
    assert safe_child(tmp_path, name) == (tmp_path / name).resolve()
    assert safe_child(tmp_path, "sub/dir/r.xml").name == "r.xml"
    assert safe_child(tmp_path, "..\\..\\evil.xml") == (tmp_path / "evil.xml").resolve()
    assert safe_child(tmp_path, "回执 1.xml").parent == tmp_path.resolve()


@pytest.mark.parametrize("name", ["", "..", ".", "a/..", "C:evil.xml", "x\x00.xml"])
def test_names_that_would_escape_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        safe_child(tmp_path, name)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "link.xml").symlink_to(outside / "target.xml")
    with pytest.raises(ValueError):
        safe_child(inbox, "link.xml")
