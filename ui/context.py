"""What the composition root hands to every window: sessions, the acting user, language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.security.context import Actor


@dataclass
class GuiContext:
    engine: Engine
    sessions: sessionmaker[Session]
    actor: Actor
    lang: str
    url: str
    # Set by the composition root: ends this user's session and asks who logs in next.
    on_logout: Callable[[], object] | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session
