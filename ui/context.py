"""What the composition root hands to every window: sessions, the acting user, language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_session_factory, races_as_user_errors
from app.security.context import Actor

if TYPE_CHECKING:
    from app.catalogue.suggest import HsSuggester


@dataclass
class GuiContext:
    engine: Engine
    sessions: sessionmaker[Session]
    actor: Actor
    lang: str
    url: str
    # Set by the composition root: ends this user's session and asks who logs in next.
    on_logout: Callable[[], object] | None = None
    _read_sessions: sessionmaker[Session] | None = field(default=None, init=False, repr=False)
    _hs_suggester: HsSuggester | None = field(default=None, init=False, repr=False)

    @property
    def hs_suggester(self) -> HsSuggester:
        """HS suggestions, keeping the tariff's word index between editors (made, and its
        module imported, when the first editor asks: not before the first page)."""
        if self._hs_suggester is None:
            from app.catalogue.suggest import HsSuggester

            self._hs_suggester = HsSuggester()
        return self._hs_suggester

    @property
    def read_sessions(self) -> sessionmaker[Session]:
        """Sessions that only read: they never wait behind another workstation's writes."""
        if self._read_sessions is None:
            self._read_sessions = make_session_factory(self.engine, read_only=True)
        return self._read_sessions

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One unit of work. Write transactions (the default) queue behind other writers;
        `write=False` ones only read (a write in them is refused by the database)."""
        factory = self.sessions if write else self.read_sessions
        with races_as_user_errors(), factory() as session, session.begin():
            yield session
