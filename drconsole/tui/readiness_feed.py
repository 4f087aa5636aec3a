"""The organization's readiness as the screens share it: rows streamed in by one worker as each
is decided, one row re-evaluated after a fix. The one place the console calls the readiness
engine (`drconsole.readiness`); the accounts and readiness screens listen on `app.readiness`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.signal import Signal
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from drconsole.readiness.model import ReadinessRow, Verdict
    from drconsole.tui.app import DrConsoleApp

RowKey = tuple[str, str]  # (account id, Region)

# What a verdict looks like wherever it is shown (with its words, readable without colour).
VERDICT_STYLES = {
    "READY": "green",
    "AT RISK": "yellow",
    "UNKNOWN": "magenta",
    "NOT READY": "bold red",
}


class _Stopped(Exception):
    """The evaluation's worker was cancelled (the console quits, or a new one started)."""


@dataclass
class ReadinessFeed:
    """Rows decided so far, and where the evaluation stands.

    `state` is "idle" (never started), "running", "done" or "failed" (`error` says why).
    Subscribers of `changed` hear the keys of the rows that changed (None: every row, after a
    restart or an end).
    """

    app: DrConsoleApp
    rows: dict[RowKey, ReadinessRow] = field(default_factory=dict)
    # The same rows by account (the accounts screen asks per account, on every rebuild).
    by_account: dict[str, dict[RowKey, ReadinessRow]] = field(default_factory=dict)
    state: str = "idle"
    error: str = ""
    accounts_total: int = 0  # workload accounts the evaluation covers (0: not known yet)
    rechecking: set[RowKey] = field(default_factory=set)  # rows being re-evaluated
    changed: Signal[set[RowKey] | None] = field(init=False)

    def __post_init__(self) -> None:
        self.changed = Signal(self.app, "readiness")

    # Starting ------------------------------------------------------------------------------

    def start(self, again: bool = False) -> None:
        """Evaluate every workload account and Region in a worker (unless it already runs or
        ran; `again`: start over, dropping the rows decided before)."""
        if self.state == "running" and not again:
            return
        if self.state == "done" and not again:
            return
        self.rows.clear()
        self.by_account.clear()
        self.accounts_total = 0
        self.error = ""
        self.state = "running"
        self.changed.publish(None)
        self.app.run_worker(
            self._evaluate,
            thread=True,
            exclusive=True,
            group="readiness",
            exit_on_error=False,
            name="readiness",
        )

    def recheck(self, key: RowKey) -> None:
        """Re-evaluate one row (after a fix) in a worker of its own."""
        row = self.rows.get(key)
        if row is None or key in self.rechecking:
            return
        self.rechecking.add(key)
        self.changed.publish({key})
        self.app.run_worker(
            lambda: self._recheck(row),
            thread=True,
            group="readiness-row",
            exit_on_error=False,
            name=f"readiness {key[0]} {key[1]}",
        )

    # Reading (worker threads) -------------------------------------------------------------------

    def _evaluate(self) -> None:
        from drconsole.tui.readiness_engine import evaluate_organization

        worker = get_current_worker()

        def on_row(row: ReadinessRow) -> None:
            if worker.is_cancelled:
                raise _Stopped
            self.app.call_from_thread(self._decided, row)

        def on_scope(accounts: int) -> None:
            if worker.is_cancelled:
                raise _Stopped
            self.app.call_from_thread(self._scoped, accounts)

        try:
            evaluate_organization(self.app, on_row, on_scope, lambda: worker.is_cancelled)
        except _Stopped:
            return
        except Exception as error:  # said on the screens; the rows decided so far stay
            if not worker.is_cancelled:
                self._call(self._failed, _describe(error))
            return
        if not worker.is_cancelled:
            self._call(self._finished)

    def _recheck(self, row: ReadinessRow) -> None:
        from drconsole.tui.readiness_engine import evaluate_row

        worker = get_current_worker()
        try:
            fresh = evaluate_row(self.app, row, lambda: worker.is_cancelled)
        except Exception as error:
            if not worker.is_cancelled:
                self._call(self._recheck_failed, row.key, _describe(error))
            return
        self._call(self._rechecked, fresh)

    def _call(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run `callback` on the console's thread (nothing when the console has gone)."""
        with contextlib.suppress(RuntimeError):  # the app stopped meanwhile
            self.app.call_from_thread(callback, *args)

    # Results (the console's thread) -----------------------------------------------------------

    def _scoped(self, accounts: int) -> None:
        self.accounts_total = accounts
        self.changed.publish(set())

    def _keep(self, row: ReadinessRow) -> None:
        self.rows[row.key] = row
        self.by_account.setdefault(row.account_id, {})[row.key] = row

    def _decided(self, row: ReadinessRow) -> None:
        self._keep(row)
        self.changed.publish({row.key})

    def _finished(self) -> None:
        self.state = "done"
        self.changed.publish(None)

    def _failed(self, error: str) -> None:
        self.state = "failed"
        self.error = error
        self.changed.publish(None)

    def _rechecked(self, row: ReadinessRow) -> None:
        self.rechecking.discard(row.key)
        self._keep(row)
        self.changed.publish({row.key})

    def _recheck_failed(self, key: RowKey, error: str) -> None:
        self.rechecking.discard(key)
        self.app.notify(error, title="Readiness not re-evaluated", severity="error")
        self.changed.publish({key})

    # Questions the screens ask -------------------------------------------------------------

    def account_verdict(self, account_id: str) -> ReadinessRow | None:
        """The worst row of an account over its Regions, once it can be said: when every row
        is decided, or already NOT READY (no later row can make it better). None otherwise,
        and for an account with no protected resources (it has no rows)."""
        from drconsole.readiness.model import Verdict

        rows = list(self.by_account.get(account_id, {}).values())
        if not rows:
            return None
        worst = max(rows, key=lambda row: (row.verdict.rank, len(row.causes)))
        if self.state == "done" or worst.verdict is Verdict.NOT_READY:
            return worst
        return None

    def decided_at(self) -> datetime | None:
        """When the verdicts shown were decided: the oldest row's time (None before any)."""
        return min((row.evaluated_at for row in self.rows.values()), default=None)

    def counts(self) -> dict[Verdict, int]:
        """How many rows have each verdict so far."""
        from drconsole.readiness.model import Verdict

        counts = dict.fromkeys(Verdict, 0)
        for row in self.rows.values():
            counts[row.verdict] += 1
        return counts


def _describe(error: BaseException) -> str:
    from drconsole.tui.screens.dialogs import report_for

    return report_for(error, "").description
