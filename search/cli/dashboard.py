"""`lstm-search dashboard`: the real optuna-dashboard on the storage and the artifacts beside it."""

from __future__ import annotations

import argparse
import errno
import socket
from collections.abc import Sequence

from optuna.artifacts import FileSystemArtifactStore

from search.cli.parsing import command_parser
from search.errors import ConfigError
from search.store.artifacts import artifact_dir
from search.store.storage import open_storage, storage_url


def dashboard(argv: Sequence[str]) -> int:
    """optuna-dashboard on the storage and its artifacts"""
    args = _parser().parse_args(argv)
    url = storage_url(args.storage)
    # Validates the URL and refuses a missing SQLite file, as the read-only commands do.
    storage = open_storage(url, create=False)
    _check_port_free(args.host, args.port)
    artifacts = artifact_dir(url)
    artifacts.mkdir(parents=True, exist_ok=True)  # the dashboard lists artifacts from here
    print(f"dashboard: http://{args.host}:{args.port}/dashboard (Ctrl-C to stop)", flush=True)
    # optuna-dashboard's server in this process, on the storage already open: no command line
    # carries the storage URL, so its password never shows in `ps`. Imported here: its web app
    # costs every other command 1.5 s at start.
    from optuna_dashboard import run_server

    try:
        run_server(
            storage,
            host=args.host,
            port=args.port,
            artifact_store=FileSystemArtifactStore(str(artifacts)),
        )
    except KeyboardInterrupt:
        # Ctrl-C (or SIGTERM, which the CLI turns into it) is how a user stops the dashboard.
        return 0
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("dashboard", dashboard.__doc__)
    parser.add_argument("--port", type=_port, default=8080, help="port to serve on (8080)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    return parser


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, but got {value}")
    return value


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port something already listens on, before starting anything."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise ConfigError(f"host {host!r} cannot be resolved ({error}); pass --host") from None
    with socket.socket(family, kind, proto) as probe:
        # As the dashboard's server does, so a port left in TIME_WAIT by a stopped one is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ConfigError(f"port {port} on {host} is in use; pass --port N") from None
            raise ConfigError(
                f"cannot listen on {host}:{port} ({error.strerror}); pass another --host or --port"
            ) from None
