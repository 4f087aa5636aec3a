"""A process that has imported drconsole and forks a fresh `python -m drconsole` run per request."""

# Each test's command line still runs in a process of its own, with its own argv, environment,
# working directory, standard streams and exit status; what the fork saves is Python's start and
# drconsole's imports (about a quarter of a second of CPU per command on the development
# machine, a few minutes of the suite). tests/forked_cli.py is the other end.

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import pkgutil
import random
import runpy
import selectors
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass

HEADER = struct.Struct("!I")
# drconsole's own modules are imported by a command as it needs them; importing all of them
# here (but the sandbox, which a command never runs in-process) is what makes a fork cheap.
NOT_PRELOADED = ("drconsole.sandbox", "drconsole.__main__")
SIGINT_IGNORED_AT_START = signal.getsignal(signal.SIGINT) is signal.SIG_IGN


@dataclass(frozen=True)
class Request:
    """One command line to run: its arguments, environment, directory and stream descriptors."""

    args: list[str]
    env: dict[str, str]
    cwd: str
    fds: list[int]


def preload() -> None:
    """Import what a command would import, so that each forked command starts with it."""
    import drconsole

    for info in pkgutil.walk_packages(drconsole.__path__, "drconsole."):
        if not info.name.startswith(NOT_PRELOADED):
            importlib.import_module(info.name)
    import boto3  # noqa: F401  (imported by the commands that make sessions)

    read_models()


# The services drconsole calls. Their models (and botocore's endpoint, partition, retry and
# default-configuration data) are read here once, into the process's shared loader
# (aws/model_loader.py), so that a forked command finds them read as its own earlier sessions
# would have left them: about 0.1 s of CPU per command. A command whose data path differs
# (AWS_DATA_PATH, or `data_path` in its config file) gets a loader of its own.
SERVICES = ("backup", "organizations", "sts", "iam", "kms", "ec2", "rds", "s3", "dynamodb", "efs")
SERVICE_FILES = ("service-2", "endpoint-rule-set-1", "paginators-1")
DATA_FILES = ("endpoints", "partitions", "sdk-default-configuration", "_retry")


def read_models() -> None:
    """Read the models every command may load into the loader its sessions share."""
    from drconsole.aws.model_loader import core_session, shared_loader

    loader = shared_loader(core_session())
    for name in DATA_FILES:
        loader.load_data(name)
    for service in SERVICES:
        for kind in SERVICE_FILES:
            loader.load_service_model(service, kind)


def read_request(conn: socket.socket) -> Request | None:
    """The request on a new connection, or None when the client went away."""
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
    if not data:
        return None
    while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack_from(data)[0]:
        more = conn.recv(1 << 20)
        if not more:
            return None
        data += more
    body = json.loads(data[HEADER.size : HEADER.size + HEADER.unpack_from(data)[0]])
    return Request(body["args"], body["env"], body["cwd"], list(fds))


def serve(listener_fd: int, lifeline_fd: int) -> Request:
    """Answer requests until one is to be run; return it in the forked child that runs it."""
    watched: dict[int, tuple[int, socket.socket]] = {}
    with (
        socket.socket(fileno=listener_fd) as listener,
        os.fdopen(lifeline_fd, "rb", buffering=0) as lifeline,
        selectors.DefaultSelector() as selector,
    ):
        selector.register(listener, selectors.EVENT_READ)
        # The client holds this pipe's other end: it closes when the client's process ends.
        selector.register(lifeline, selectors.EVENT_READ)
        while True:
            for key, _events in selector.select():
                if key.fileobj is listener:
                    conn, _ = listener.accept()
                    request = read_request(conn)
                    if request is None:
                        conn.close()
                        continue
                    pid = os.fork()
                    if pid == 0:
                        for pidfd, (_pid, other) in watched.items():
                            os.close(pidfd)
                            other.close()
                        conn.close()
                        return request
                    for fd in request.fds:
                        os.close(fd)
                    conn.sendall(HEADER.pack(pid))
                    pidfd = os.pidfd_open(pid)
                    watched[pidfd] = (pid, conn)
                    selector.register(pidfd, selectors.EVENT_READ)
                elif key.fileobj is lifeline:
                    if not lifeline.read(1):
                        sys.exit(0)
                else:
                    pidfd = int(key.fd)
                    pid, conn = watched.pop(pidfd)
                    selector.unregister(pidfd)
                    os.close(pidfd)
                    _, status = os.waitpid(pid, 0)
                    with contextlib.suppress(OSError):
                        conn.sendall(HEADER.pack(status))
                    conn.close()


def run_as_command(request: Request) -> None:
    """Become `python -m drconsole ARGS` as a new process would start it."""
    for target, fd in enumerate(request.fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request.cwd)
    os.environ.clear()
    os.environ.update(request.env)
    time.tzset()
    # `python -m` puts the directory it was started in first on the path.
    sys.path[0] = os.getcwd()
    random.seed()
    signal.signal(
        signal.SIGINT, signal.SIG_IGN if SIGINT_IGNORED_AT_START else signal.default_int_handler
    )
    sys.argv = ["drconsole", *request.args]
    runpy.run_module("drconsole", run_name="__main__", alter_sys=True)


def main() -> None:
    """Preload, then serve on the listening socket and lifeline given by descriptor number."""
    preload()
    # What was imported is never collected: the forked commands' collections then skip it and
    # do not copy its pages (gc's documented use before fork).
    gc.freeze()
    request = serve(int(sys.argv[1]), int(sys.argv[2]))
    # Only a forked child gets here; its exit is the command's (SystemExit from drconsole).
    run_as_command(request)


if __name__ == "__main__":
    main()
