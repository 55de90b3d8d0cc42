"""Opening the classroom database: SQLite beside the model store by default, PostgreSQL by URL.

``BACKDOOR_LAB_DB`` names the database as a SQLAlchemy URL, e.g.
``postgresql+psycopg://lab@db-host/lab`` for replicas that share one. Without it the lab uses
an embedded SQLite file in WAL mode (readers never wait for the writer) next to the model
store, so ``make run`` needs nothing more. Opening a database applies the Alembic migrations
in ``migrations/`` first, so an older class database is upgraded in place.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from backdoor.store import store_dir

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6C6162  # PostgreSQL advisory-lock key: one migration at a time
CONNECT_TIMEOUT_S = 3  # an unreachable database is reported quickly: the lab carries on alone
# insert ... on conflict do nothing, per backend: how a write stays idempotent
INSERTS = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


class ClassroomUnavailable(RuntimeError):
    """The class database cannot be reached; the lab still works, without class features."""


def database_url() -> str:
    """``BACKDOOR_LAB_DB``, or the embedded SQLite file beside the model store."""
    return os.environ.get("BACKDOOR_LAB_DB") or f"sqlite:///{store_dir().parent / 'classroom.sqlite3'}"


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the dashboard) never block the writer
    cursor.execute("PRAGMA synchronous=FULL")  # a committed event survives a crash of the server or the machine
    cursor.execute("PRAGMA busy_timeout=10000")  # writers from other sessions and servers queue, not fail
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already). Replicas
    that start together take turns: on PostgreSQL the migration holds an advisory lock, so the
    second replica finds the schema done instead of creating the same tables at the same time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@dataclass(frozen=True, eq=False)
class Database:
    """An open, migrated classroom database.

    On SQLite the transactions of one server take turns on a lock: SQLite lets one writer in
    at a time, and a writer that finds it busy sleeps in steps of up to 100 ms before trying
    again, which made a busy class's slowest writes wait for nothing."""

    engine: Engine
    _turns: threading.Lock = field(default_factory=threading.Lock)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises. Any database
        failure other than a broken constraint (the caller's to explain) comes out as
        :class:`ClassroomUnavailable`."""
        turn = self._turns if self.backend == "sqlite" else nullcontext()
        try:
            with turn, sessionmaker(self.engine)() as session, session.begin():
                yield session
        except IntegrityError:
            raise
        except SQLAlchemyError as error:
            raise ClassroomUnavailable(_why(error)) from error

    def insert(self, table):
        """``insert(table)`` with ``on_conflict_do_nothing`` for this backend."""
        return INSERTS[self.backend](table)


def _why(error: SQLAlchemyError) -> str:
    return f"The class database is not reachable ({type(error).__name__}). The lab works on, without class features."


def open_database(url: str) -> Database:
    """Connect to ``url`` and migrate it; :class:`ClassroomUnavailable` if that fails."""
    engine = _engine(url)
    try:
        migrate(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        raise ClassroomUnavailable(_why(error)) from error
    return Database(engine)


_OPEN: dict[str, Database] = {}
_LOCK = threading.Lock()


def database(url: str | None = None) -> Database:
    """This process's one connection pool to the class database, migrated on first use."""
    url = url or database_url()
    with _LOCK:
        if url not in _OPEN:
            _OPEN[url] = open_database(url)
        return _OPEN[url]
