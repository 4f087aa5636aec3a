"""One botocore loader for every session of the sandbox's process: it starts and builds faster.

moto makes a fresh `Session()` to list a service's Regions (three at import for EC2 alone), and
the scenario's clients make their own; each session's loader decoded the same endpoint and
service files again, about 1 s of JSON in a process that starts the demo sandbox and 0.5 s at
each later scenario build in the same process.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Sessions with botocore's own data path get the sandbox's loader (see moto_dispatch).

    Called before moto is imported: its EC2 module lists Regions through new sessions as it loads.
    """
    import botocore.session

    from .moto_dispatch import _loader

    make_loader = botocore.session.create_loader
    if getattr(make_loader, "shares_one_loader", False):
        return

    def shared_loader(search_path_string: str | None = None) -> Any:
        return _loader() if not search_path_string else make_loader(search_path_string)

    shared_loader.shares_one_loader = True  # type: ignore[attr-defined]
    botocore.session.create_loader = shared_loader
