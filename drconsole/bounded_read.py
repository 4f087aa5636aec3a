"""Reading a file a person names without letting it hang or flood drconsole.

A config file, runbook or policy may name anything: /dev/zero or /dev/urandom (endless), a FIFO
no one writes to (its open() blocks forever), a 50 MB file. `read_bounded` reads at most a
limit and says when there is more; opening never waits for a FIFO's writer (a FIFO with none
reads as empty). Errors of the file itself stay OSErrors, so each caller names them its way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

CHUNK = 64 * 1024


class TooLarge(Exception):
    """The file (or stream) holds more than the limit it was read with."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {size_text(limit)}")
        self.limit = limit


def size_text(limit: int) -> str:
    """`1 MiB`, `64 KiB` or `100 bytes`."""
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of the file at `path`, at most `limit` of them, else TooLarge (OSError for a
    file that is missing, a folder, unreadable...)."""
    # O_NONBLOCK: open() of a FIFO returns at once instead of waiting for a writer.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        # Reads block again: a pipe with a writer is read to its end, one without reads as empty.
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return read_stream_bounded(handle, limit)
    finally:
        os.close(fd)


def read_stream_bounded(stream: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes of an open binary stream (standard input...), else TooLarge."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise TooLarge(limit)
    return b"".join(chunks)
