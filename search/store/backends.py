"""What differs between the storages we support, in one table: SQLite, PostgreSQL, a journal
file, and Optuna's gRPC proxy in front of any of them.

Each backend says how to open the storage (SQLite: write-ahead logging and a busy timeout, so
readers such as the dashboard never block the search), which lock its workers share while
claiming a trial slot, and where its artifacts live when nobody says otherwise.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import optuna
import sqlalchemy
from optuna.storages import BaseStorage, RDBStorage

from search.errors import ConfigError
from search.store.locks import SQLITE_BUSY_SECONDS, AdvisoryLock, FileLock, StudyLock

SERVER_ARTIFACTS = "lstm-search-artifacts"
PROXY_PORT = 13000
"""The port of `lstm-search serve`, and of a grpc:// URL that names none."""
URL_EXAMPLES = (
    "sqlite:///FILE, postgresql+psycopg://USER@HOST/DB, journal:///FILE or grpc://HOST:PORT"
)


@dataclass(frozen=True)
class Backend:
    """How lstm-search uses one kind of storage."""

    open: Callable[[str, bool], BaseStorage]
    """(url, create) -> the storage; with create False a missing file is refused."""
    lock: Callable[[str, str], StudyLock]
    """(url, study name) -> the lock the study's workers share."""
    artifact_dir: Callable[[str], Path]
    """url -> where the study's files go when LSTM_SEARCH_ARTIFACTS is not set."""


SECRET_QUERY_KEYS = frozenset({"password", "passwd", "pwd", "sslpassword", "secret", "token"})
"""Query parameters of a URL whose values are credentials (psycopg takes `password=`)."""


def masked(url: str) -> str:
    """The URL with its password hidden, for anything printed or logged: the user info's and
    any credential in the query; a URL that cannot be parsed is not shown at all."""
    try:
        parsed = sqlalchemy.make_url(url)
    except (sqlalchemy.exc.ArgumentError, ValueError):
        return "<a storage URL that cannot be parsed>"
    query = {
        key: "***" if key.lower() in SECRET_QUERY_KEYS else value
        for key, value in parsed.query.items()
    }
    return parsed.set(query=query).render_as_string(hide_password=True)


def _open_sqlite(url: str, create: bool) -> RDBStorage:
    path = _storage_file(url, create)
    if create:  # a read-only command writes nothing, so a colleague's read-only file works too
        _enable_wal(path)
    return _open_rdb(url, {"connect_args": {"timeout": SQLITE_BUSY_SECONDS}})


def _storage_file(url: str, create: bool) -> str:
    """The file of a file storage's URL, refused if missing (unless created) or unusable."""
    path = _database_file(url)
    if not create and not os.path.exists(path):
        raise ConfigError(f"no storage at {masked(url)}; run a search first or pass --storage")
    if os.path.isdir(path):
        raise ConfigError(
            f"storage {path} is a directory; pass a file, e.g. --storage sqlite:///studies.db"
        )
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ConfigError(
            f"directory {directory} for the storage does not exist; create it or pass "
            "another --storage"
        )
    _refuse_hard_links(path)
    return path


def _refuse_hard_links(path: str) -> None:
    """Refuse a storage file that has more than one name.

    Two names of one file corrupt it whatever our lock does: SQLite keys its -wal and -shm files
    on the name it was given, so processes using two names each get a WAL of their own (seen:
    missing index rows). Keying our lock and artifact folder on (st_dev, st_ino) would not help
    that, so refusing is the honest answer. A single-file bind mount (the same file under two
    container paths) has one link and cannot be told from here: mount its directory instead.
    """
    with contextlib.suppress(FileNotFoundError):
        links = os.stat(path).st_nlink
        if links > 1:
            raise ConfigError(
                f"storage {path} has {links} hard links, and SQLite's write-ahead log and "
                "lstm-search's lock follow the name, so two names corrupt it; keep one name "
                f"(find / -samefile {path}; remove the others) and pass it with --storage"
            )


def _enable_wal(path: str) -> None:
    """Switch the database file to write-ahead logging; the mode persists in the file."""
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
    parsed = sqlalchemy.make_url(url)
    if parsed.database in (None, "", ":memory:"):
        raise ConfigError(
            f"storage {masked(url)} names no file; use e.g. sqlite:///studies.db or "
            "journal:///studies.log"
        )
    return parsed.database


def _open_rdb(url: str, engine_kwargs: dict[str, object]) -> RDBStorage:
    try:
        return RDBStorage(url, engine_kwargs=engine_kwargs)
    except sqlalchemy.exc.NoSuchModuleError:
        driver = sqlalchemy.make_url(url).drivername
        raise ConfigError(
            f"storage driver {driver!r} is unknown to SQLAlchemy; use e.g. "
            "postgresql+psycopg://USER@HOST/DB (pip install 'lstm-search[postgres]') or "
            "sqlite:///FILE"
        ) from None
    except (sqlalchemy.exc.DatabaseError, ImportError) as error:
        reason = str(error).strip().splitlines()[0]
        raise ConfigError(
            f"cannot open storage {masked(url)} ({reason}); check the URL, "
            "the server and the driver (pip install 'lstm-search[postgres]')"
        ) from error
    except RuntimeError as error:  # Optuna: a schema this version cannot read
        if "schema" not in str(error):
            raise
        raise ConfigError(
            f"storage {masked(url)} has a table schema this Optuna "
            f"({optuna.__version__}) cannot read; open it with the Optuna that wrote it, "
            "or upgrade: pip install -U optuna"
        ) from error


def _open_journal(url: str, create: bool) -> BaseStorage:
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    return JournalStorage(JournalFileBackend(_storage_file(url, create)))


def proxy_address(url: str) -> str:
    """host:port of a grpc://HOST:PORT storage URL."""
    parsed = sqlalchemy.make_url(url)
    if not parsed.host:
        raise ConfigError(f"storage {url} names no host; use grpc://HOST:PORT")
    return f"{parsed.host}:{parsed.port or PROXY_PORT}"


def _open_proxy(url: str, create: bool) -> BaseStorage:
    from search.store.proxy import open_proxy  # gRPC: imported only where it is used

    return open_proxy(proxy_address(url))


def _proxy_lock(url: str, study_name: str) -> StudyLock:
    from search.store.proxy import ProxyLock

    return ProxyLock(proxy_address(url), study_name)


def _beside_database(url: str) -> Path:
    path = Path(os.path.realpath(_database_file(url)))
    return path.with_name(f"{path.stem}-artifacts")


BACKENDS: dict[str, Backend] = {
    "sqlite": Backend(
        open=_open_sqlite,
        lock=lambda url, study_name: FileLock(_database_file(url)),
        artifact_dir=_beside_database,
    ),
    "postgresql": Backend(
        open=lambda url, create: _open_rdb(url, {"pool_pre_ping": True}),
        lock=AdvisoryLock,
        artifact_dir=lambda url: Path(SERVER_ARTIFACTS),
    ),
    "journal": Backend(
        open=_open_journal,
        # Not FILE.lock: that is the name of Optuna's own lock on the journal.
        lock=lambda url, study_name: FileLock(f"{_database_file(url)}.claims"),
        artifact_dir=_beside_database,
    ),
    "grpc": Backend(
        open=_open_proxy,
        lock=_proxy_lock,
        artifact_dir=lambda url: Path(SERVER_ARTIFACTS),
    ),
}


def backend(url: str) -> Backend:
    """The backend of a storage URL; an unsupported engine or a malformed URL is refused."""
    try:
        name = sqlalchemy.make_url(url).get_backend_name()
    except sqlalchemy.exc.ArgumentError as error:
        raise ConfigError(
            "the storage URL is not a storage URL (it is not shown, in case it holds a "
            f"password); use {URL_EXAMPLES}"
        ) from error
    except ValueError:  # SQLAlchemy reads the port with int()
        raise ConfigError(
            "the storage URL's port is not a number (the URL is not shown, in case it holds a "
            f"password); write HOST:PORT with a numeric port, or leave it out: {URL_EXAMPLES}"
        ) from None
    if name not in BACKENDS:
        raise ConfigError(f"storage engine {name!r} is not supported; use {URL_EXAMPLES}")
    return BACKENDS[name]


def study_lock(url: str, study_name: str) -> StudyLock:
    """The lock every worker of the study shares while it claims a slot."""
    return backend(url).lock(url, study_name)
