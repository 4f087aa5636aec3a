"""Accounts handed from the organization's walk to a scan as each OU's accounts are listed.

A listing of every account need not wait for the whole walk (one round trip per OU level and
page) before asking the first account for its vaults: the walk puts each OU's accounts here as
they are read, the scan takes them, and `close` says that no more will come.
"""

from __future__ import annotations

import queue
from collections.abc import Sequence

from drconsole.models import Account

# How long a scan's worker waits for the next accounts before it looks again: it bounds how
# long a scan closed early (Ctrl+C, a reader gone) waits for that worker.
WAIT_SECONDS = 0.1


class AccountFeed:
    """Batches of accounts from one thread to another, then an end."""

    def __init__(self) -> None:
        self._batches: queue.SimpleQueue[tuple[Account, ...] | None] = queue.SimpleQueue()
        self._ended = False
        # Every account handed over so far, and their names by id (read by the taker's
        # thread: an account is named here before it is handed over).
        self.accounts: list[Account] = []
        self.names: dict[str, str] = {}

    def put(self, accounts: Sequence[Account]) -> None:
        """Hand over accounts just listed."""
        if accounts:
            for account in accounts:
                self.names[account.id] = account.name
            self.accounts.extend(accounts)
            self._batches.put(tuple(accounts))

    def close(self) -> None:
        """No more accounts will come (the walk ended, or failed)."""
        self._batches.put(None)

    def next_batch(self) -> tuple[Account, ...] | None:
        """The next accounts; () when none came within WAIT_SECONDS; None once closed."""
        if self._ended:
            return None
        try:
            batch = self._batches.get(timeout=WAIT_SECONDS)
        except queue.Empty:
            return ()
        if batch is None:
            self._ended = True
        return batch
