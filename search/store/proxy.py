"""Optuna's gRPC storage proxy as `lstm-search serve` runs it: the storage for workers on many
machines, and beside it the study locks those workers share (the proxy's clients reach no
database, so no database lock).

A lock on the proxy is a lease in its memory: a holder that does not release it within
LOCK_HOLD_SECONDS loses it, so a worker frozen or cut off inside a claim stalls nobody for long.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
from optuna.storages import BaseStorage, GrpcStorageProxy, get_storage

from search.errors import ConfigError
from search.store.locks import LOCK_HOLD_SECONDS, LOCK_WAIT_SECONDS, lock_timed_out
from search.store.optuna_internals import make_proxy_server

SERVICE = "lstm_search.StudyLocks"
REACH_SECONDS = 10
"""How long a command waits for the proxy to answer before it says so."""
ACQUIRE_SECONDS = 0.5
"""How long one call to take a lock waits on the server; the client calls again until
LOCK_WAIT_SECONDS, so Ctrl-C gets through in between."""
SERVER_THREADS = 64
"""Requests the proxy serves at once: a lock call that waits holds one of them."""


def open_proxy(address: str) -> GrpcStorageProxy:
    """The storage behind the `lstm-search serve` at `address` (host:port), once it answers."""
    host, port = address.rsplit(":", 1)
    storage = GrpcStorageProxy(host=host, port=int(port))
    try:
        storage.wait_server_ready(timeout=REACH_SECONDS)
    except ConnectionError:
        raise ConfigError(
            f"no storage proxy answers at {host}:{port} within {REACH_SECONDS} s; start one "
            "there with `lstm-search serve`, or check the address and the network"
        ) from None
    return storage


class LockTable:
    """The study locks of one proxy, each held by one holder until it releases it or its
    LOCK_HOLD_SECONDS pass."""

    def __init__(self) -> None:
        self._holders: dict[str, tuple[str, float]] = {}
        self._changed = threading.Condition()

    def acquire(self, name: str, holder: str, wait: float) -> bool:
        """Take lock `name` for `holder`, waiting up to `wait` seconds; whether it was taken."""
        deadline = time.monotonic() + min(wait, ACQUIRE_SECONDS)
        with self._changed:
            while True:
                now = time.monotonic()
                current = self._holders.get(name)
                if current is None or current[1] <= now:
                    self._holders[name] = (holder, now + LOCK_HOLD_SECONDS)
                    return True
                if now >= deadline:
                    return False
                self._changed.wait(min(deadline, current[1]) - now)

    def release(self, name: str, holder: str) -> None:
        """Let go of lock `name` if `holder` still holds it."""
        with self._changed:
            if self._holders.get(name, ("",))[0] == holder:
                del self._holders[name]
                self._changed.notify_all()


def _encode(message: Any) -> bytes:
    return json.dumps(message).encode()


def serve_proxy(storage: BaseStorage, host: str, port: int) -> grpc.Server:
    """Start Optuna's storage proxy for `storage` on host:port, with the study locks; the
    running server."""
    locks = LockTable()
    # Optuna's per-process cache of finished trials, as its own proxy server is meant to run.
    cached = get_storage(storage)
    server = make_proxy_server(cached, host, port, ThreadPoolExecutor(SERVER_THREADS))
    methods = {
        "Acquire": lambda request, context: locks.acquire(**request),
        "Release": lambda request, context: locks.release(**request),
    }
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            method, request_deserializer=json.loads, response_serializer=_encode
        )
        for name, method in methods.items()
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    server.start()
    return server


class ProxyLock:
    """A study's lock on the `lstm-search serve` proxy its workers share."""

    def __init__(self, address: str, study_name: str) -> None:
        self._address = address
        self._name = study_name
        self._channel = grpc.insecure_channel(self._address)
        self._acquire = self._channel.unary_unary(
            f"/{SERVICE}/Acquire", request_serializer=_encode, response_deserializer=json.loads
        )
        self._release = self._channel.unary_unary(
            f"/{SERVICE}/Release", request_serializer=_encode, response_deserializer=json.loads
        )

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the duration of the block; give up after LOCK_WAIT_SECONDS."""
        request = {"name": self._name, "holder": uuid.uuid4().hex, "wait": ACQUIRE_SECONDS}
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while not self._call(self._acquire, request):
            if time.monotonic() > deadline:
                raise lock_timed_out(f"the lock of study {self._name!r} on {self._address}")
        try:
            yield
        finally:
            release = {"name": self._name, "holder": request["holder"]}
            with contextlib.suppress(grpc.RpcError):  # a lost proxy has forgotten the lock
                self._call(self._release, release)

    def _call(self, method: grpc.UnaryUnaryMultiCallable, request: dict[str, Any]) -> Any:
        try:
            return method(request, timeout=ACQUIRE_SECONDS + REACH_SECONDS)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                raise ConfigError(
                    f"the gRPC proxy at {self._address} has no study locks: it is a plain "
                    "Optuna proxy; run `lstm-search serve` there instead, which is the same "
                    "proxy with the locks lstm-search workers need"
                ) from None
            raise

    def close(self) -> None:
        """Close the lock's channel."""
        self._channel.close()
