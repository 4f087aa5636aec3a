"""The restore prerequisites a copy cannot change, judged before a drill starts the copy."""

from __future__ import annotations

from typing import Any

from drconsole.checks.runner import BLOCKING
from drconsole.models import Check, CheckStatus

# Restore checks read where the restore will run (the restoring account and Region) from what
# the runbook names there: the new names, the roles, the network, the engine version, the key
# that will encrypt the copy, the instance profile, the key pair (the copy's metadata names the
# same ones) and the restoring account's SCPs. A copy leaves all of them as they are, so one
# that FAILs before the copy FAILs on it too: the drill starts no copy for a restore it
# already knows is blocked.
# Not among them: restore.metadata (judged again on the copy's own restore metadata) and
# restore.account (the copy into the restoring account is what satisfies it).
COPY_CANNOT_CHANGE = frozenset(
    {
        "restore.target-name",
        "restore.role",
        "restore.scps",
        "restore.pass-role",
        "restore.network",
        "restore.engine-version",
        "restore.key",
        "restore.instance-profile",
        "restore.key-pair",
    }
)


def restore_blocked_before_copy(prepared: Any) -> list[Check]:
    """The restore checks of a flow's plan (`flows.engine_base.Prepared`) that FAIL or stay
    UNKNOWN before its copy, in the order of the report (as `drill plan` lists them, the
    first being the one it names), when one that the copy cannot change FAILs among them;
    empty when the flow restores in place (its restore checks are the first step's) or
    nothing blocks it yet."""
    if not prepared.plan.route.hops:
        return []
    failing = [
        check
        for step, report in prepared.reports
        if step == "restore"
        for check in report.checks
        if check.status in BLOCKING
    ]
    blocked = any(
        check.id in COPY_CANNOT_CHANGE and check.status is CheckStatus.FAIL for check in failing
    )
    return failing if blocked else []
