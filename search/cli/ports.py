"""The port a server command listens on: a valid number, refused early if already taken."""

from __future__ import annotations

import argparse
import errno
import socket

from search.errors import ConfigError


def port_number(text: str) -> int:
    """A TCP port number."""
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, but got {value}")
    return value


def check_port_free(host: str, port: int) -> None:
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
