"""The console's calls into the readiness engine, with what the console already knows: its
sessions, its organization, its Regions and its clock (frozen in tests and screenshots)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drconsole.models import Organization
    from drconsole.readiness.model import ReadinessRow
    from drconsole.tui.app import DrConsoleApp


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
        app.sessions,
        organization=organization,
        regions=app.regions(),
        now=app.now(),
        on_row=on_row,
        cancelled=cancelled,
    )


def evaluate_row(app: DrConsoleApp, row: ReadinessRow) -> ReadinessRow:
    """One row decided again from fresh reads (after a fix)."""
    from drconsole.readiness import reevaluate_row

    return reevaluate_row(
        app.sessions,
        row,
        organization=app.organization,
        regions=app.regions(),
        now=app.now(),
    )
