"""The console's calls into the readiness engine, with what the console already knows: its
sessions, its organization, its Regions and its clock (frozen in tests and screenshots)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drconsole.errors import DrConsoleError

if TYPE_CHECKING:
    from drconsole.models import Organization
    from drconsole.readiness.model import ReadinessRow
    from drconsole.tui.app import DrConsoleApp


class EvaluationCancelled(DrConsoleError):
    """The console no longer wants this evaluation (it quits, or started another)."""


class CancellableSessions:
    """The console's sessions for one evaluation: once `cancelled()` answers True no client is
    handed out, so the evaluation's threads end at their next read instead of keeping a
    quitting console waiting (the engine itself stops only between rows)."""

    def __init__(self, sessions: Any, cancelled: Callable[[], bool]) -> None:
        self._sessions = sessions
        self._cancelled = cancelled

    def client(self, *args: Any, **kwargs: Any) -> Any:
        """The shared client, unless the evaluation was cancelled."""
        if self._cancelled():
            raise EvaluationCancelled("readiness evaluation cancelled")
        return self._sessions.client(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sessions, name)


def organization_of(app: DrConsoleApp) -> Organization:
    """The organization the accounts screen read, or read now."""
    if app.organization is not None:
        return app.organization
    return app.new_inventory().organization()


def evaluate_organization(
    app: DrConsoleApp,
    on_row: Callable[[ReadinessRow], None],
    on_scope: Callable[[int], None],
    cancelled: Callable[[], bool],
) -> None:
    """Every workload account and Region, each row passed to `on_row` as it is decided;
    `on_scope` hears first how many workload accounts are evaluated."""
    from drconsole.readiness import evaluate_readiness
    from drconsole.readiness.engine import workload_accounts

    organization = organization_of(app)
    on_scope(len(workload_accounts(organization)))
    evaluate_readiness(
        CancellableSessions(app.sessions, cancelled),
        organization=organization,
        regions=app.regions(),
        now=app.now(),
        on_row=on_row,
        cancelled=cancelled,
    )


def evaluate_row(
    app: DrConsoleApp, row: ReadinessRow, cancelled: Callable[[], bool]
) -> ReadinessRow:
    """One row decided again from fresh reads (after a fix)."""
    from drconsole.readiness import reevaluate_row

    return reevaluate_row(
        CancellableSessions(app.sessions, cancelled),
        row,
        organization=app.organization,
        regions=app.regions(),
        now=app.now(),
    )
