"""Fixtures for submission database tests: an exchange folder and broker settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.security.context import Actor
from app.services import settings as settings_service
from app.submission.exchange import ExchangeFolderTransport

BROKER = {"agentCode": "5141980XYZ", "agentName": "广州清关通报关有限公司",
          "copCode": "5141980XYZ", "copName": "广州清关通报关有限公司",
          "dxpId": "DXPENT0000012345"}


@pytest.fixture
def exchange(tmp_path: Path) -> ExchangeFolderTransport:
    root = tmp_path / "exchange"
    root.mkdir()
    return ExchangeFolderTransport(root)


@pytest.fixture
def broker(sessions: sessionmaker[Session], actor: Actor,
           exchange: ExchangeFolderTransport) -> dict[str, str]:
    with sessions() as s, s.begin():
        settings_service.set_settings(s, actor, {**BROKER, "exchangeDir": str(exchange.root)})
        return settings_service.all_settings(s)
