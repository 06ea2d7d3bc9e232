"""The storage: SQLite safe for several processes and readers, URLs never leak passwords."""

from pathlib import Path

import pytest
import sqlalchemy

from search.errors import ConfigError
from search.store.backends import masked
from search.store.locks import SQLITE_BUSY_SECONDS
from search.store.storage import open_storage, storage_url


def test_sqlite_uses_wal_and_a_busy_timeout_on_every_connection(storage_url: str) -> None:
    storage = open_storage(storage_url)
    with storage.engine.connect() as connection:
        mode = connection.execute(sqlalchemy.text("PRAGMA journal_mode")).scalar()
        timeout = connection.execute(sqlalchemy.text("PRAGMA busy_timeout")).scalar()
    assert mode == "wal"
    assert timeout == SQLITE_BUSY_SECONDS * 1000


def test_storage_url_comes_from_option_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LSTM_SEARCH_STORAGE", raising=False)
    assert storage_url(None) == "sqlite:///studies.db"
    monkeypatch.setenv("LSTM_SEARCH_STORAGE", "sqlite:///env.db")
    assert storage_url(None) == "sqlite:///env.db"
    assert storage_url("sqlite:///given.db") == "sqlite:///given.db"


def test_masked_hides_the_password() -> None:
    shown = masked("postgresql+psycopg://alice:hunter2@db.example:5432/studies")
    assert "hunter2" not in shown and "alice" in shown and "***" in shown


def test_masked_hides_a_password_in_the_query_and_never_shows_an_unparsable_url() -> None:
    shown = masked("postgresql+psycopg://alice@db.example/studies?password=hunter2&sslmode=require")
    assert "hunter2" not in shown and "sslmode=require" in shown and "alice" in shown
    assert "hunter2" not in masked("postgres ql://alice:hunter2@db")


def test_a_malformed_url_is_refused_without_being_repeated(capsys) -> None:
    from search.cli.main import main

    assert main(["studies", "--storage", "post gres://alice:hunter2@db"]) == 2
    err = capsys.readouterr().err
    assert "hunter2" not in err and "not a storage URL" in err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not a storage URL"),
        ("mysql://u@h/db", "not supported"),
        ("sqlite:////no/such/dir/s.db", "does not exist"),
    ],
)
def test_unusable_storage_is_refused_with_the_fix(url: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        open_storage(url)


def test_read_only_open_does_not_create_a_database(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no storage"):
        open_storage(f"sqlite:///{tmp_path / 'absent.db'}", create=False)
    assert not (tmp_path / "absent.db").exists()
