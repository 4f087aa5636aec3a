"""botocore's model loader, shared by every session, reads each model once however many
threads ask for it at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import botocore.loaders
import pytest

from drconsole.aws.loader_lock import serialize_reads


def listings_made_by_threads_loading_together(
    make_loader: Callable[[], Any], monkeypatch: pytest.MonkeyPatch
) -> int:
    """How many times 8 threads, asking together for the Backup model, list the services."""
    listings = 0
    list_services = botocore.loaders.Loader.__dict__["list_available_services"]
    start = threading.Barrier(8)

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal listings
        if ("list_available_services", *args) not in self._cache:
            listings += 1
        return list_services(self, *args, **kwargs)

    def load() -> None:
        start.wait()
        loader.load_service_model("backup", "service-2")

    monkeypatch.setattr(botocore.loaders.Loader, "list_available_services", counted)
    loader = make_loader()
    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return listings


def test_threads_asking_together_list_the_services_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def make() -> Any:
        return serialize_reads(botocore.loaders.create_loader())

    assert listings_made_by_threads_loading_together(make, monkeypatch) == 1
    loader = make()
    assert loader.load_service_model("backup", "service-2")["metadata"]["serviceId"] == "Backup"


def test_serializing_twice_wraps_once() -> None:
    loader = serialize_reads(botocore.loaders.create_loader())
    once = loader.load_service_model
    assert serialize_reads(loader).load_service_model is once
