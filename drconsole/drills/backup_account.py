"""A drill target restoring into the central backup account: `drill plan` says it, `drill run`
refuses it unless the runbook states `allow_backup_account_restore: true` (as `copy --restore`
there needs --allow-backup-account-restore): the restored resource would stand beside the DR
copies, in the account whose access is kept narrowest, instead of a recovery or workload account.
"""

from __future__ import annotations

from typing import Any

from drconsole.drills.runbook import Runbook, Target
from drconsole.errors import UsageError
from drconsole.flows.cautions import in_backup_account, resource_account

ALLOW_KEY = "allow_backup_account_restore"
REFUSED = f"drill run refuses it: state {ALLOW_KEY}: true in the target to drill it there"


def backup_account_restores(sessions: Any, runbook: Runbook) -> dict[str, str]:
    """Why each target that restores into the backup account does (by target name). The backup
    account is the configured `backup_account_id`, else the one the organization names as such
    (an account whose name says "backup", as `ls` and readiness take it); only when neither
    can be had is an account holding copies of another account's resource (the target's
    source) taken for it."""
    settings = sessions.settings
    named = _NamedBackup(sessions)
    found: dict[str, str] = {}
    for target in runbook.targets:
        restoring = target.restore_to.account
        source = target.source.account or settings.backup_account_id
        owner = target.resource.account or resource_account(target.resource.arn or "")
        if not in_backup_account(restoring, source, owner, named(restoring)):
            continue
        whose = (
            f" (the resource belongs to account {owner})" if owner and owner != restoring else ""
        )
        found[target.name] = (
            f"target {target.name} restores into account {restoring} "
            f"({target.restore_to.region}), the central backup account that holds the DR "
            f"copies{whose}, not a recovery or workload account"
        )
    return found


def accepted(target: Target) -> str:
    """How the runbook accepted the target's restore in the backup account ('' if not)."""
    return f"runbook {ALLOW_KEY}" if target.allow_backup_account_restore else ""


def refuse_unaccepted(runbook: Runbook, restores: dict[str, str]) -> None:
    """UsageError naming the first target the runbook does not allow there (and how many more),
    before anything is journaled or started."""
    refused = [t for t in runbook.targets if t.name in restores and not accepted(t)]
    if not refused:
        return
    more = f" ({len(refused) - 1} more target(s) likewise)" if len(refused) > 1 else ""
    raise UsageError(
        f"{runbook.path}: {restores[refused[0].name]}{more}. Nothing was started; restore_to "
        f"another account, or state {ALLOW_KEY}: true in the target (or the runbook) to drill "
        "it there"
    )


def accept_in_flow(target: Target, prepared: Any, said: str | None) -> Any:
    """`prepared` with its restore in the backup account (the flow's caution, or the drill's
    own `said`: it also knows the owner of a resource whose ARN names no account, an S3
    bucket) accepted as the runbook states it, journaled with the flow as the CLI's flag is;
    UsageError (the target blocked) when the runbook does not state it."""
    from dataclasses import replace

    from drconsole.flows.cautions import BACKUP_ACCOUNT_RESTORE, Acceptance, Caution

    found = [c for c in prepared.cautions if c.code == BACKUP_ACCOUNT_RESTORE]
    extra = (Caution(BACKUP_ACCOUNT_RESTORE, said),) if said and not found else ()
    if not found and not extra:
        return prepared
    how = accepted(target)
    if not how:
        raise UsageError(f"{(found or list(extra))[0].message}; {REFUSED}")
    return replace(
        prepared,
        cautions=prepared.cautions + extra,
        accepted=tuple(Acceptance(c, how) for c in (*found, *extra)),
    )


class _NamedBackup:
    """Whether an account is the backup account (aws/backup_account.is_backup_account: the
    configured one, else organizations:DescribeAccount from the management account, once per
    account); None when it cannot be told."""

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions
        self.known: dict[str, bool | None] = {}

    def __call__(self, account: str) -> bool | None:
        if account not in self.known:
            from drconsole.aws.backup_account import is_backup_account

            self.known[account] = is_backup_account(self.sessions, account)
        return self.known[account]
