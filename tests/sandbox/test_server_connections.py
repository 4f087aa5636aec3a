"""The sandbox's HTTP server: connections kept open as AWS does, latency slept side by side."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from drconsole.sandbox.server import REQUEST_THREADS, Sandbox
from tests.sandbox.conftest import empty_sandbox

REGION = "eu-central-1"
ACCOUNT = "555566667777"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with empty_sandbox(REGION) as box:
        yield box


def test_one_connection_carries_one_request_after_another(sandbox: Sandbox) -> None:
    """botocore reuses a connection the server keeps open; moto's own server closed each one,
    and a second request on it found the connection gone."""
    parts = urlsplit(sandbox.endpoint_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        sockets = []
        for _ in range(3):
            connection.request("GET", "/", headers={"Host": "localhost"})
            answer = connection.getresponse()
            answer.read()
            assert answer.getheader("Connection", "").lower() != "close"
            sockets.append(connection.sock)
        assert sockets[0] is not None
        assert sockets[0] is sockets[1] is sockets[2]
    finally:
        connection.close()


def test_a_console_full_of_threads_waits_the_latency_once(sandbox: Sandbox) -> None:
    """Each request holds a server thread for the whole latency: as many requests as the
    console's loading threads (24) and a drill's and a watcher's together still sleep side by
    side, not one after another."""
    clients = [sandbox.client("backup", ACCOUNT, REGION) for _ in range(48)]
    for client in clients:
        client.list_backup_vaults()
    sandbox.options.latency_ms = 500
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(len(clients)) as pool:
            list(pool.map(lambda client: client.list_backup_vaults(), clients))
        elapsed = time.perf_counter() - started
    finally:
        sandbox.options.latency_ms = 0
    assert len(clients) <= REQUEST_THREADS
    # One after another this is 24 s, four at a time 6 s; side by side 0.5 s and the machine's
    # turn-taking.
    assert elapsed < 3.0, elapsed


def test_thirty_connections_open_at_once_all_stay_open(sandbox: Sandbox) -> None:
    """A console at 16-24 threads keeps that many connections in its pools: each stays open
    for the next request, as AWS keeps them. cheroot closed every one past the tenth, so a
    listing at 16 threads reconnected for nearly every call."""
    parts = urlsplit(sandbox.endpoint_url)
    connections = [
        http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10) for _ in range(30)
    ]
    try:
        for connection in connections:
            connection.connect()

        def ask(connection: http.client.HTTPConnection) -> str:
            connection.request("GET", "/", headers={"Host": "localhost"})
            answer = connection.getresponse()
            answer.read()
            return answer.getheader("Connection", "").lower()

        with ThreadPoolExecutor(len(connections)) as pool:
            first = list(pool.map(ask, connections))
            second = list(pool.map(ask, connections))
        assert first.count("close") == 0, first
        assert second.count("close") == 0, second
    finally:
        for connection in connections:
            connection.close()
