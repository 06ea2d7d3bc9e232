"""`lstm-search serve`: Optuna's gRPC storage proxy in front of the storage, for workers on many
machines (`--storage grpc://HOST:PORT`), with the study locks they share."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from search.cli.parsing import command_parser
from search.cli.ports import check_port_free, port_number
from search.errors import ConfigError
from search.store import PROXY_PORT, masked, open_storage, storage_url

SERVABLE = ("sqlite", "postgresql")


def serve(argv: Sequence[str]) -> int:
    """Serve the storage to workers on other machines through Optuna's gRPC proxy, with the
    study locks lstm-search workers share; they pass --storage grpc://HOST:PORT. Give the
    database URL in $LSTM_SEARCH_STORAGE, so no command line carries its password."""
    args = _parser().parse_args(argv)
    url = storage_url(args.storage)
    if not url.startswith(SERVABLE):
        raise ConfigError(
            f"lstm-search serve puts a database behind the proxy, not {masked(url)}; pass a "
            "sqlite:/// or postgresql+psycopg:// URL"
        )
    from search.store import serve_proxy  # gRPC costs every other command its import

    storage = open_storage(url)
    check_port_free(args.host, args.port)
    server = serve_proxy(storage, args.host, args.port)
    print(
        f"serving {masked(url)} at grpc://{args.host}:{args.port} (Ctrl-C to stop); workers "
        f"pass --storage grpc://THIS-HOST:{args.port}",
        flush=True,
    )
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        # Ctrl-C (or SIGTERM, which the CLI turns into it) is how a user stops the proxy.
        server.stop(grace=5).wait()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("serve", serve.__doc__)
    parser.add_argument("--port", type=port_number, default=PROXY_PORT, help=f"port ({PROXY_PORT})")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (127.0.0.1); the proxy has no authentication, so bind it only "
        "to a network your workers alone reach, e.g. --host 10.0.0.5",
    )
    return parser
