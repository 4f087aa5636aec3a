"""Offering one of drconsole's fixes from a screen: plan it, show its diff, apply it once
confirmed (refused in read-only), and say how it went."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drconsole.models import Check, CheckStatus

if TYPE_CHECKING:
    from textual.screen import Screen

    from drconsole.checks.remedies import FixPlan


def offer_fix(
    screen: Screen[Any],
    check: Check,
    facts: Any,
    read_only: bool,
    apply: Callable[[FixPlan], object],
) -> None:
    """Plan `check`'s fix on `facts` and show its diff; `apply(plan)` once the user says yes."""
    from drconsole.checks.fixes import plan_fix
    from drconsole.errors import DrConsoleError
    from drconsole.tui.check_views import FixDialog

    if check.fix_id is None or check.status is CheckStatus.PASS:
        screen.notify("drconsole has no fix to apply for this check.", severity="warning")
        return
    if read_only:
        screen.notify("Fix refused: read-only mode is on.", severity="error")
        return
    if facts is None:
        screen.notify("The facts this fix needs were not read; r re-checks.", severity="error")
        return
    try:
        plan = plan_fix(check.fix_id, facts)
    except DrConsoleError as problem:
        screen.notify(str(problem), severity="error")
        return

    def decided(confirmed: bool | None) -> None:
        if confirmed:
            apply(plan)

    screen.app.push_screen(FixDialog(plan), decided)


def apply_and_tell(screen: Screen[Any], sessions: Any, plan: FixPlan) -> bool:
    """Apply a confirmed fix (audited) from a worker thread; notify the outcome. True if done."""
    from drconsole.aws.fixes import apply_fix
    from drconsole.tui.checks_screen import describe

    try:
        summary = apply_fix(sessions, plan)
    except Exception as error:  # shown where it happened; the screen stays usable
        screen.app.call_from_thread(screen.notify, describe(error), severity="error")
        return False
    screen.app.call_from_thread(screen.notify, summary)
    return True
