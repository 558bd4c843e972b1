"""Fixtures for the goods catalogue tests: an exchange folder for customs receipts."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.submission.exchange import ExchangeFolderTransport


@pytest.fixture
def exchange(tmp_path: Path) -> ExchangeFolderTransport:
    root = tmp_path / "exchange"
    root.mkdir()
    return ExchangeFolderTransport(root)
