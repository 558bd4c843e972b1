from __future__ import annotations

import pytest

from app.services import grid


@pytest.mark.parametrize("width", [16, 8])
def test_packed_ids_unpack_in_chunks(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setattr(grid, "UNPACK_CHUNK", 3)  # chunk boundaries inside the value
    ids = [1, 2**40 + 7, 255, 256, 9_000_000, 42, 2**62]
    if width == 16:
        packed = b"".join(b"%016x" % i for i in ids)
    else:
        packed = b"".join(i.to_bytes(8, "big") for i in ids)
    checks: list[int] = []
    out = grid._unpack(packed, width, lambda: checks.append(1))
    assert list(out) == ids
    assert len(checks) == 3
    assert list(grid._unpack(b"", width)) == []
