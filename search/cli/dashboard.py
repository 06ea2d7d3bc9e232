"""`lstm-search dashboard`: the real optuna-dashboard on the storage and the artifacts beside it."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from search.cli.parsing import command_parser
from search.cli.ports import check_port_free, port_number
from search.store import artifact_store, open_storage, storage_url


def dashboard(argv: Sequence[str]) -> int:
    """optuna-dashboard on the storage and its artifacts"""
    args = _parser().parse_args(argv)
    url = storage_url(args.storage)
    # Validates the URL and refuses a missing SQLite file, as the read-only commands do.
    storage = open_storage(url, create=False)
    check_port_free(args.host, args.port)
    artifacts = artifact_store(url)  # a directory is created: the dashboard lists it
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
            artifact_store=artifacts,
        )
    except KeyboardInterrupt:
        # Ctrl-C (or SIGTERM, which the CLI turns into it) is how a user stops the dashboard.
        return 0
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("dashboard", dashboard.__doc__)
    parser.add_argument("--port", type=port_number, default=8080, help="port to serve on (8080)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    return parser
