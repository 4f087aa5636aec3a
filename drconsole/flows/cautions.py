"""Flows AWS allows but an operator rarely means: each is said, with why, and must be accepted.

A restore in the central backup account creates the resource beside the DR copies instead of in
the workload account that lost it; a second copy of a recovery point into a vault that already
holds (or is receiving) its copy doubles the storage and the wait. The CLI asks (or, with --yes,
needs the caution's flag); the wizard asks before its Start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drconsole.models import CopyJob

BACKUP_ACCOUNT_RESTORE = "backup-account-restore"
DUPLICATE_COPY = "duplicate-copy"
FLAGS = {
    BACKUP_ACCOUNT_RESTORE: "--allow-backup-account-restore",
    DUPLICATE_COPY: "--allow-duplicate-copy",
}
# Copy jobs that made, or are making, a copy.
LIVE_COPY_STATES = ("CREATED", "RUNNING", "COMPLETED", "PARTIAL")


@dataclass(frozen=True, slots=True)
class Caution:
    """One reason to ask before a flow starts: its code, why, and the flag that accepts it."""

    code: str
    message: str

    @property
    def flag(self) -> str:
        """The command-line flag that accepts it with --yes."""
        return FLAGS[self.code]


@dataclass(frozen=True, slots=True)
class Acceptance:
    """A caution the operator accepted, and how: `operator` (asked and answered, in a terminal
    or the wizard) or `flag --allow-...` (with --yes)."""

    caution: Caution
    accepted_by: str

    def to_json(self) -> dict[str, str]:
        """The members of the `caution-accepted` event and journal record."""
        return {
            "code": self.caution.code,
            "message": self.caution.message,
            "accepted_by": self.accepted_by,
        }


def resource_account(resource_arn: str) -> str | None:
    """The account in a resource ARN (None when the ARN names none, e.g. S3 buckets)."""
    parts = resource_arn.split(":")
    account = parts[4] if len(parts) > 4 else ""
    return account if account.isdigit() and len(account) == 12 else None


def in_backup_account(
    restoring_account: str, source_account: str, owner: str | None, known: bool | None
) -> bool:
    """True when a restore creates its resource in the organization's backup account. `known`
    says whether the restoring account is it (configured, or named so by the organization);
    only when that cannot be told is an account holding a copy of another account's resource
    taken for it — a recovery or workload account restoring such a copy in place is not."""
    if known is not None:
        return known
    return restoring_account == source_account and owner not in (None, source_account)


def backup_account_restore(
    *,
    restore: bool,
    restoring_account: str,
    restoring_region: str,
    source_account: str,
    resource_arn: str,
    known_backup: bool | None,
    recovery_point_arn: str,
) -> Caution | None:
    """A restore in the organization's backup account (see `in_backup_account`; `known_backup`
    whether the restoring account is it, None when that cannot be told)."""
    if not restore:
        return None
    owner = resource_account(resource_arn)
    if not in_backup_account(restoring_account, source_account, owner, known_backup):
        return None
    whose = (
        f" (the resource belongs to account {owner})" if owner and owner != source_account else ""
    )
    return Caution(
        BACKUP_ACCOUNT_RESTORE,
        f"the restore would create the resource in account {restoring_account} "
        f"({restoring_region}), the central backup account that holds the DR copies{whose}, "
        "not in a workload account. To bring it back where it is used, copy it there first: "
        f"drconsole copy --recovery-point {recovery_point_arn} --to <workload vault ARN> "
        "--restore",
    )


def duplicate_copy(
    jobs: Iterable[CopyJob],
    destination_vault_arn: str,
    still_there: dict[str, bool],
    via: dict[str, str] | None = None,
) -> Caution | None:
    """The destination vault already holds this recovery point's copy (a completed copy job
    whose copy still exists) or is receiving one (a copy job in flight); `via` names, by copy
    job id, the intermediate vault of a copy that was the second hop of a two-hop route."""
    for job in jobs:
        if job.destination_vault_arn != destination_vault_arn:
            continue
        if job.state not in LIVE_COPY_STATES:
            continue
        made = job.destination_recovery_point_arn
        if job.state in ("COMPLETED", "PARTIAL") and not (made and still_there.get(made)):
            continue
        hop = (via or {}).get(job.id)
        route = f", the second hop of a two-hop copy through {hop}" if hop else ""
        if job.state in ("COMPLETED", "PARTIAL"):
            what = f"already holds its copy {made} (copy job {job.id}{route})"
            instead = f"restore that copy instead: drconsole restore --recovery-point {made}"
        else:
            what = f"is receiving its copy now (copy job {job.id}, {job.state}{route})"
            instead = "wait for that job (drconsole jobs --watch) and use its copy"
        return Caution(
            DUPLICATE_COPY,
            f"vault {destination_vault_arn} {what}; a second copy doubles the storage and the "
            f"wait; {instead}",
        )
    return None


def flow_in_flight(flow_id: str, step: str, destination_vault_arn: str) -> Caution:
    """Another unfinished flow of this console's journal already copies this recovery point
    into the same vault (e.g. a two-hop route whose second hop has not started: AWS's job
    lists show nothing heading there yet)."""
    return Caution(
        DUPLICATE_COPY,
        f"flow {flow_id} (this console's journal, at step {step}) is already copying this "
        f"recovery point into vault {destination_vault_arn}; a second copy doubles the storage "
        f"and the wait; follow that flow instead: drconsole jobs --watch --flow {flow_id}",
    )
