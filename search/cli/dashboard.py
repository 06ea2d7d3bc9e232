"""`lstm-search dashboard`: the real optuna-dashboard on the storage and the artifacts beside it."""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence

from search.cli.parsing import command_parser
from search.errors import ConfigError
from search.store.artifacts import artifact_dir
from search.store.storage import open_storage, storage_url

SCRIPT = "optuna-dashboard"


def dashboard(argv: Sequence[str]) -> int:
    """optuna-dashboard on the storage and its artifacts"""
    args = _parser().parse_args(argv)
    url = storage_url(args.storage)
    # Validates the URL and refuses a missing SQLite file, as the read-only commands do.
    open_storage(url, create=False)
    script = _script()
    _check_port_free(args.host, args.port)
    artifacts = artifact_dir(url)
    artifacts.mkdir(parents=True, exist_ok=True)  # the dashboard lists artifacts from here
    command = [script, url, "--host", args.host, "--port", str(args.port)]
    command += ["--artifact-dir", str(artifacts)]
    print(f"dashboard: http://{args.host}:{args.port}/dashboard (Ctrl-C to stop)", flush=True)
    # The child starts with SIGINT ignored (that survives exec): Ctrl-C reaches only this process,
    # which stops the server with SIGTERM, so no KeyboardInterrupt traceback from it.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = subprocess.Popen(command)
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        code = child.wait()
    except KeyboardInterrupt:
        # Ctrl-C (or SIGTERM, which the CLI turns into it) is how a user stops the dashboard.
        _stop(child)
        return 0
    # A child killed by a signal reports -N; the shell's convention for that is 128 + N.
    return code if code >= 0 else 128 - code


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


def _script() -> str:
    """The optuna-dashboard console script: beside this Python first, then on PATH."""
    found = shutil.which(SCRIPT, path=os.path.dirname(sys.executable)) or shutil.which(SCRIPT)
    if found is None:
        raise ConfigError(
            f"{SCRIPT} is not installed beside {sys.executable} nor on PATH; "
            "pip install optuna-dashboard"
        )
    return found


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


def _stop(child: subprocess.Popen[bytes]) -> None:
    child.terminate()
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
