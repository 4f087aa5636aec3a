"""One botocore model loader for the whole process, its JSON files decoded by msgspec.

Every command reads botocore's endpoint data (1.2 MB of JSON) and a service model per service
it calls. botocore decodes them with `json` into OrderedDicts, twice as slow as msgspec into
plain dicts (which keep their order too); and each botocore session has a loader of its own, so
a process with two sessions read the endpoint data twice. Measured on `check copy`: 0.10 s of
its 0.75 s of CPU went to decoding JSON, 0.02-0.06 s of it to the second endpoint read.
"""

from __future__ import annotations

import gzip
import os
import threading
from collections.abc import Callable
from typing import Any

import botocore.loaders
import botocore.session
import msgspec

from drconsole.aws.loader_lock import serialize_reads


def _read_plain(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _read_gzipped(path: str) -> bytes:
    with gzip.open(path, "rb") as stream:
        return stream.read()


# botocore's data files, plain or gzipped, in the order botocore looks for them.
_READERS: tuple[tuple[str, Callable[[str], bytes]], ...] = (
    (".json", _read_plain),
    (".json.gz", _read_gzipped),
)


class MsgspecJsonFileLoader(botocore.loaders.JSONFileLoader):
    """botocore's JSON file loader, decoding with msgspec."""

    def load_file(self, file_path: str) -> Any:
        """The decoded data of `file_path` + `.json` or `.json.gz`; None when neither exists."""
        for extension, read in _READERS:
            full_path = file_path + extension
            if os.path.isfile(full_path):
                return msgspec.json.decode(read(full_path))
        return None


_lock = threading.Lock()
# One loader per data path (AWS_DATA_PATH, or `data_path` in the config file): the sessions of
# one process normally share one, and a session configured with other model folders must not be
# handed the models read from the first one's.
_loaders: dict[str | None, Any] = {}


def shared_loader(core: botocore.session.Session) -> Any:
    """The process's model loader for `core`'s data path, made from the first session that asks
    and registered on `core`; safe to share between threads (loader_lock.py)."""
    data_path = core.get_config_variable("data_path")
    with _lock:
        loader = _loaders.get(data_path)
        if loader is None:
            loader = core.get_component("data_loader")
            loader.file_loader = MsgspecJsonFileLoader()
            loader = _loaders[data_path] = serialize_reads(loader)
    core.register_component("data_loader", loader)
    return loader


def core_session() -> botocore.session.Session:
    """A botocore session without credentials that reads models through the shared loader (for
    Region and partition look-ups)."""
    core = botocore.session.Session()
    shared_loader(core)
    return core
