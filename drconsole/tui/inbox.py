"""Results of worker threads handed to the UI thread in batches: one message per batch.

A screen that loads hundreds of results within seconds and posts each as a message fills its
queue ahead of the user's own messages (a filter's keystrokes wait behind them all), and each
post wakes the event loop. Put in an `Inbox`, results cost one message per batch: the first
result after a `take` asks for one, the UI thread takes everything queued since.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    """A thread-safe queue of results that calls `notify` once per batch."""

    def __init__(self, notify: Callable[[], object]) -> None:
        self._notify = notify
        self._items: list[T] = []
        self._lock = threading.Lock()
        self._notified = False

    def put(self, item: T) -> None:
        """Queue `item` (any thread); the first item of a batch calls `notify`."""
        with self._lock:
            self._items.append(item)
            if self._notified:
                return
            self._notified = True
        self._notify()

    def take(self) -> list[T]:
        """Everything queued since the last take, in order (the next put notifies again)."""
        with self._lock:
            items, self._items = self._items, []
            self._notified = False
        return items
