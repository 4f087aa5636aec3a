"""What the sandbox's own tests share: a sandbox started empty."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from drconsole.sandbox.server import Sandbox, SandboxOptions


@contextmanager
def empty_sandbox(region: str) -> Iterator[Sandbox]:
    """A started sandbox with no state left by another module of this process; wiped after."""
    box = Sandbox(SandboxOptions(region=region))
    box.start()
    box.reset()
    try:
        yield box
    finally:
        box.stop()
        box.reset()
