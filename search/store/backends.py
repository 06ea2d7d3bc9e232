"""What differs between the storage engines we support, in one table: SQLite and PostgreSQL.

Each backend says how to connect (SQLite: write-ahead logging and a busy timeout, so readers
such as the dashboard never block the search), which lock its workers share while claiming a
trial slot, and where its artifacts live when nobody says otherwise.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy

from search.errors import ConfigError, SearchAborted

SQLITE_BUSY_SECONDS = 60
"""How long a SQLite write waits for another connection's write lock."""
LOCK_WAIT_SECONDS = 120
"""How long a worker waits for the study's lock before it gives up with the reason; a claim
holds it for well under a second."""
LOCK_HOLD_SECONDS = 60
"""How long a PostgreSQL session may hold the study's lock while idle before the server ends
it: a worker frozen or cut off inside a claim no longer stalls the others."""
LONGEST_WAIT_SECONDS = max(SQLITE_BUSY_SECONDS, LOCK_HOLD_SECONDS)
"""The longest a live worker's storage write can be held up by others."""
LOCK_POLL_SECONDS = 0.05
SERVER_ARTIFACTS = "lstm-search-artifacts"


def _lock_session() -> str:
    """The lock's session: waits and holds bounded, a lost client noticed in under a minute."""
    return (
        f"-c lock_timeout={LOCK_WAIT_SECONDS * 1000}"
        f" -c idle_in_transaction_session_timeout={LOCK_HOLD_SECONDS * 1000}"
        " -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"
    )


def lock_timed_out(where: str) -> SearchAborted:
    """The error of a worker that waited LOCK_WAIT_SECONDS for the study's lock."""
    return SearchAborted(
        f"waited {LOCK_WAIT_SECONDS} s for the study's lock ({where}); another process holds "
        "it and does not let go, most likely a stopped or frozen lstm-search worker: end it "
        "(kill -CONT or kill PID) and run the command again"
    )


class StudyLock(Protocol):
    """A lock shared by every worker of one study, on this machine or others."""

    def held(self) -> contextlib.AbstractContextManager[None]:
        """Hold the lock for the duration of the block."""
        ...

    def close(self) -> None:
        """Release what the lock holds open."""
        ...


class FileLock:
    """An flock on a file beside the SQLite database: a SQLite write lock would block Optuna's
    own insert in the same process."""

    def __init__(self, database: str) -> None:
        self._path = f"{os.path.realpath(database)}.lock"

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the duration of the block; give up after LOCK_WAIT_SECONDS."""
        with open(self._path, "a") as handle:
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise lock_timed_out(f"flock on {self._path}; fuser shows who") from None
                    time.sleep(LOCK_POLL_SECONDS)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def close(self) -> None:
        """Nothing stays open between claims."""


class AdvisoryLock:
    """A PostgreSQL advisory lock held by a connection of our own (Optuna's inserts do not wait
    on it), keyed by the study's name."""

    def __init__(self, url: str, study_name: str) -> None:
        # One session kept between claims (a new one costs a round of authentication each).
        self._engine = sqlalchemy.create_engine(
            url,
            pool_size=1,
            max_overflow=0,
            pool_pre_ping=True,
            connect_args={"options": _lock_session()},
        )
        digest = hashlib.sha256(f"lstm-search:{study_name}".encode()).digest()
        self._key = int.from_bytes(digest[:8], "big", signed=True)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the duration of the block; give up after LOCK_WAIT_SECONDS."""
        with self._engine.connect() as connection:
            try:
                connection.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": self._key})
            except sqlalchemy.exc.OperationalError as error:
                if "lock timeout" not in str(error):
                    raise
                raise lock_timed_out(f"PostgreSQL advisory lock {self._key}") from None
            try:
                yield
            finally:
                # A session the server ended (held idle too long) has released the lock.
                with contextlib.suppress(sqlalchemy.exc.DBAPIError):
                    connection.execute(
                        sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": self._key}
                    )

    def close(self) -> None:
        """Release the lock's connection pool."""
        self._engine.dispose()


@dataclass(frozen=True)
class Backend:
    """How lstm-search uses one storage engine."""

    engine_kwargs: Callable[[str, bool], dict[str, object]]
    """(url, create) -> SQLAlchemy engine arguments, after preparing the database."""
    lock: Callable[[str, str], StudyLock]
    """(url, study name) -> the lock the study's workers share."""
    artifact_dir: Callable[[str], Path]
    """url -> where the study's files go when LSTM_SEARCH_ARTIFACTS is not set."""
    prepare_engine: Callable[[sqlalchemy.Engine], None] = lambda engine: None
    """Set up the sessions of the storage's engine once it exists."""


def _utc_sessions(engine: sqlalchemy.Engine) -> None:
    """Every session in UTC, whatever PGTZ or the server says: Optuna stores heartbeats as
    `timestamp without time zone` in the session's zone, so sessions in different zones would
    see each other's trials hours stale."""

    @sqlalchemy.event.listens_for(engine, "connect")
    def _in_utc(connection: Any, record: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        connection.commit()  # the pool rolls back what it is handed, a SET included

    engine.dispose()  # the connection Optuna opened before this listener


SECRET_QUERY_KEYS = frozenset({"password", "passwd", "pwd", "sslpassword", "secret", "token"})
"""Query parameters of a URL whose values are credentials (psycopg takes `password=`)."""


def masked(url: str) -> str:
    """The URL with its password hidden, for anything printed or logged: the user info's and
    any credential in the query; a URL that cannot be parsed is not shown at all."""
    try:
        parsed = sqlalchemy.make_url(url)
    except sqlalchemy.exc.ArgumentError:
        return "<a storage URL that cannot be parsed>"
    query = {
        key: "***" if key.lower() in SECRET_QUERY_KEYS else value
        for key, value in parsed.query.items()
    }
    return parsed.set(query=query).render_as_string(hide_password=True)


def sqlite_path(url: str) -> str | None:
    """The database file of a SQLite URL, None for other engines or an in-memory database."""
    parsed = sqlalchemy.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def _sqlite_engine_kwargs(url: str, create: bool) -> dict[str, object]:
    path = _database_file(url)
    if not create and not os.path.exists(path):
        raise ConfigError(f"no storage at {masked(url)}; run a search first or pass --storage")
    if os.path.isdir(path):
        raise ConfigError(
            f"storage {path} is a directory; pass a file, e.g. --storage sqlite:///studies.db"
        )
    if create:  # a read-only command writes nothing, so a colleague's read-only file works too
        _enable_wal(path)
    return {"connect_args": {"timeout": SQLITE_BUSY_SECONDS}}


def _enable_wal(path: str) -> None:
    """Switch the database file to write-ahead logging; the mode persists in the file."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ConfigError(
            f"directory {directory} for the SQLite storage does not exist; create "
            "it or pass another --storage"
        )
    try:
        with sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
        connection.close()
    except sqlite3.DatabaseError as error:
        raise ConfigError(
            f"storage {path} cannot be used as an SQLite database ({error}); pass another "
            "--storage, or move that file away"
        ) from None


def _database_file(url: str) -> str:
    path = sqlite_path(url)
    if path is None:
        raise ConfigError(f"storage {url} is an in-memory database; use sqlite:///FILE")
    return path


def _beside_database(url: str) -> Path:
    path = Path(os.path.realpath(_database_file(url)))
    return path.with_name(f"{path.stem}-artifacts")


BACKENDS: dict[str, Backend] = {
    "sqlite": Backend(
        engine_kwargs=_sqlite_engine_kwargs,
        lock=lambda url, study_name: FileLock(_database_file(url)),
        artifact_dir=_beside_database,
    ),
    "postgresql": Backend(
        engine_kwargs=lambda url, create: {"pool_pre_ping": True},
        lock=AdvisoryLock,
        artifact_dir=lambda url: Path(SERVER_ARTIFACTS),
        prepare_engine=_utc_sessions,
    ),
}


def backend(url: str) -> Backend:
    """The backend of a storage URL; an unsupported engine or a malformed URL is refused."""
    try:
        name = sqlalchemy.make_url(url).get_backend_name()
    except sqlalchemy.exc.ArgumentError as error:
        raise ConfigError(
            "the storage URL is not a database URL (it is not shown, in case it holds a "
            "password); use e.g. "
            "sqlite:///studies.db or postgresql+psycopg://user@host/db"
        ) from error
    if name not in BACKENDS:
        raise ConfigError(
            f"storage engine {name!r} is not supported; use "
            "sqlite:///FILE or postgresql+psycopg://USER@HOST/DB"
        )
    return BACKENDS[name]


def study_lock(url: str, study_name: str) -> StudyLock:
    """The lock every worker of the study shares while it claims a slot."""
    return backend(url).lock(url, study_name)
