"""Work moto repeats on every request, done once: its answers are unchanged.

- `method_names_from_class`: moto lists a response class's methods with `inspect.getmembers`
  for each request (about a tenth of the sandbox's CPU per request); a class's methods do not
  change while it serves, so each class is listed once.
- The service models: moto makes a new botocore loader for each model it reads, and the request
  threads that first need a model at the same moment each read it (and list botocore's 400-odd
  service directories) again. One loader, read under a lock, reads each once. (The console's
  own loader has the same guard, `aws/loader_lock.py`; the sandbox keeps to its own package.)
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_models_lock = threading.Lock()


@functools.cache
def _loader() -> Any:
    from botocore.loaders import create_loader

    return create_loader()


def _load_service_model(service_name: str, model_name: str) -> dict[str, Any]:
    # The loader caches each model it has read; the lock makes the first read the only one.
    with _models_lock:
        model: dict[str, Any] = _loader().load_service_model(service_name, model_name)
        return model


def install() -> None:
    """Put the remembering versions in the places moto calls them from (once per process)."""
    import moto.core.responses
    import moto.core.utils

    listed = moto.core.responses.method_names_from_class
    if not hasattr(listed, "cache_info"):
        moto.core.responses.method_names_from_class = functools.cache(listed)
    moto.core.utils._load_service_model = _load_service_model
