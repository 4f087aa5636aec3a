"""The copies a destination vault already holds of a recovery point: made straight from it, or
by a two-hop route through an intermediate vault.

AWS keeps no link from a copy back to the recovery point it was made from other than the copy
jobs: DescribeRecoveryPoint gives SourceBackupVaultArn (the vault the copy came from; for the
second hop of a two-hop route, the intermediate vault) and ParentRecoveryPointArn (the parent of
a composite backup, not a copy's origin). So the chain is followed forward through ListCopyJobs,
in the account that started each copy: the source's copy jobs, then, for each copy they made in
another vault, that copy's own copy jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.flows import cautions
from drconsole.flows.routes import VaultRef

if TYPE_CHECKING:
    from drconsole.aws.jobs import JobsApi
    from drconsole.flows.journal import Journal
    from drconsole.models import CopyJob

# A copy that exists (or partly does) and may have been copied on.
MADE = ("COMPLETED", "PARTIAL")


def duplicate_copy(
    jobs: JobsApi, account_id: str, region: str, recovery_point_arn: str, dest: VaultRef
) -> cautions.Caution | None:
    """The caution when `dest` holds, or is receiving, a copy of the recovery point, directly
    or through one intermediate vault (what cannot be read is left unsaid: the copy checks speak
    for access)."""
    try:
        first = list(
            jobs.list_copy_jobs(account_id, region, BySourceRecoveryPointArn=recovery_point_arn)
        )
    except (ClientError, BotoCoreError):
        return None
    found = [job for job in first if job.destination_vault_arn == dest.arn]
    via: dict[str, str] = {}
    for hop in first:
        if hop.destination_vault_arn == dest.arn or hop.state not in MADE:
            continue
        for job in _onward(jobs, hop):
            if job.destination_vault_arn == dest.arn:
                found.append(job)
                via[job.id] = hop.destination_vault_arn
    try:
        there = {
            job.destination_recovery_point_arn: jobs.recovery_point_exists(
                dest.account_id, dest.region, dest.name, job.destination_recovery_point_arn
            )
            for job in found
            if job.destination_recovery_point_arn and job.state in MADE
        }
    except (ClientError, BotoCoreError):
        return None
    return cautions.duplicate_copy(found, dest.arn, there, via)


def _onward(jobs: JobsApi, hop: CopyJob) -> list[CopyJob]:
    """The copy jobs started from the copy `hop` made (listed in its vault's account and
    Region); none when they cannot be read."""
    made = hop.destination_recovery_point_arn
    if not made:
        return []
    try:
        middle = VaultRef.from_arn(hop.destination_vault_arn)
        return list(
            jobs.list_copy_jobs(middle.account_id, middle.region, BySourceRecoveryPointArn=made)
        )
    except (ClientError, BotoCoreError, ValueError):
        return []


def flow_in_flight(
    journal: Journal, recovery_point_arn: str, dest_arn: str
) -> cautions.Caution | None:
    """The caution when an unfinished flow of the journal copies the same recovery point into
    the same vault (a two-hop route whose second hop has not started is in no AWS list yet)."""
    for state in journal.unfinished():
        plan = state.plan
        if plan.get("recovery_point") == recovery_point_arn and plan.get("destination") == dest_arn:
            return cautions.flow_in_flight(state.flow_id, state.current_step(), dest_arn)
    return None
