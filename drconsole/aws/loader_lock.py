"""botocore's model loader made safe to share between threads that ask at the same moment.

The loader caches what it reads (each service model, the list of the 400-odd services it knows),
but without a lock: the threads that first need a model together each read it again, and each
lists every service directory again (15-40 ms of CPU each). Measured on the accounts screen
(200 accounts, 16 threads): 18 listings where 4 suffice. Under one lock the first reader reads
and the others take its result from the cache.
"""

from __future__ import annotations

import threading
from typing import Any

# The loader's cached look-ups; they call one another (hence a re-entrant lock).
CACHED = (
    "list_available_services",
    "list_api_versions",
    "determine_latest_version",
    "load_service_model",
    "load_data_with_path",
)


def serialize_reads(loader: Any) -> Any:
    """`loader` with its cached look-ups made one at a time (once per loader); returned."""
    if getattr(loader, "_drconsole_serialized", False):
        return loader
    lock = threading.RLock()
    for name in CACHED:
        read = getattr(loader, name)

        def one_at_a_time(*args: Any, _read: Any = read, **kwargs: Any) -> Any:
            with lock:
                return _read(*args, **kwargs)

        setattr(loader, name, one_at_a_time)
    loader._drconsole_serialized = True
    return loader
