"""What every subcommand shares: the context (database, user, language), output and errors.

A command module exposes `register(subparsers)`; each subcommand sets `handler=` to a function
`(ctx: CliContext, args: argparse.Namespace) -> Result`. The framework prints `Result.data` as
exactly one JSON object with `--json`, else `Result.text`, and maps errors to exit codes:
0 success, 1 user-fixable error (message on stderr in the user's language), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TextIO

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine, make_session_factory, races_as_user_errors
from app.db.migrate import MigrationResult, ensure_schema
from app.i18n import Message, render, translate
from app.security.context import Actor, system_actor


@dataclass(frozen=True)
class Result:
    data: dict[str, Any]
    text: str = ""
    exit_code: int = 0  # 1 for a finding the user must act on (e.g. a broken audit chain)


Handler = Callable[["CliContext", argparse.Namespace], Result]
ActorResolver = Callable[["CliContext"], Actor]


@dataclass
class CliContext:
    """Built once per invocation in main(): the composition root hands it to handlers."""

    url: str
    lang: str
    json: bool
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    actor_resolver: ActorResolver | None = None
    _engine: Engine | None = None
    _factory: sessionmaker[Session] | None = None
    _read_factory: sessionmaker[Session] | None = None
    _actor: Actor | None = None
    _open_transactions: int = 0
    migration: MigrationResult | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
            self.migration = ensure_schema(self._engine)
            from app.services.bootstrap import after_migration

            after_migration(self._engine)
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions for write transactions (on SQLite: BEGIN IMMEDIATE, queued behind others)."""
        if self._factory is None:
            self._factory = make_session_factory(self.engine)
        return self._factory

    @property
    def read_sessions(self) -> sessionmaker[Session]:
        """Sessions for read-only transactions: never wait for writers; a write is refused."""
        if self._read_factory is None:
            self._read_factory = make_session_factory(self.engine, read_only=True)
        return self._read_factory

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on error.

        The login is resolved before the transaction opens (it writes in a transaction of its
        own). `write=False` for commands that only read: they then neither wait for nor block
        another workstation's import, and any write in them fails loudly.
        """
        _ = self.actor
        factory = self.sessions if write else self.read_sessions
        self._open_transactions += 1
        try:
            with races_as_user_errors(), factory() as session, session.begin():
                yield session
        finally:
            self._open_transactions -= 1

    @property
    def actor(self) -> Actor:
        """The acting user (login is resolved on first use, not for `--help`).

        Raises RuntimeError when first asked for inside an open transaction: the login writes
        in its own transaction, which would wait for (or invalidate) the open one.
        """
        if self._actor is None:
            if self._open_transactions:
                raise RuntimeError("the login must be resolved before a transaction opens")
            self._actor = self.actor_resolver(self) if self.actor_resolver else system_actor()
        return self._actor

    def t(self, msgid: str, **params: Any) -> str:
        """Translate a CLI text to the user's language."""
        if params:
            return render(Message(msgid, params), self.lang)
        return translate(msgid, self.lang)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Message):
        return value.msgid
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, default=to_jsonable, sort_keys=False)


def format_table(headers: list[str], rows: list[list[Any]]) -> str:
    """Plain text table whose columns line up for CJK text (wide characters count twice)."""
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    cells = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - width(v)) for v, w in zip(values, widths, strict=True))

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    return "\n".join(s.rstrip() for s in out)
