"""Drill clean-up: delete what the drill's own flows created (the restored resources and the
copies they made, as their flow journal records them) and nothing else; a copy in a locked
vault is kept; a resource its restore wrote into but did not create, or one that bears the
restored ARN but was created outside the restore job, is not the drill's and is kept; what
could not be deleted is recorded with its cause, to be retried."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from drconsole.aws.audit import AuditLog
from drconsole.aws.drill_cleanup import ResourceDeleter
from drconsole.aws.drill_reads import AWS_ERRORS, error_code
from drconsole.aws.errors import describe
from drconsole.aws.jobs import JobRef, JobsApi
from drconsole.drills.journal import DrillJournal, DrillState, parse_time
from drconsole.drills.ownership import NAMED_TYPES, created_outside, into_existing
from drconsole.flows.journal import FlowState, StepState
from drconsole.flows.routes import VaultRef

GONE_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "DBClusterNotFoundFault",
        "DBInstanceNotFound",
        "NoSuchBucket",
        "FileSystemNotFound",
        "InvalidVolume.NotFound",
    }
)


ENDED_RESTORE = ("COMPLETED", "FAILED", "ABORTED")


def created_by(state: DrillState, flows: Mapping[str, FlowState]) -> list[dict[str, str]]:
    """What the drill's flows (`flows`: by flow id, as journaled) created: restored resources
    first, then their copies."""
    items: list[dict[str, str]] = []
    for name, record in state.targets.items():
        if not record.flow_id:
            continue
        flow = flows.get(record.flow_id)
        if flow is None:
            continue
        plan = flow.plan
        restore = flow.step("restore")
        final_account = str(restore.account_id or "")
        # A restore that FAILED or was aborted may still have made its resource (an RDS
        # instance left incompatible-restore, a partial EFS): AWS then names it, and it is the
        # drill's to delete as a completed one is.
        if restore.state in ENDED_RESTORE and restore.result_arn:
            item = {
                "target": name,
                "kind": "resource",
                "arn": restore.result_arn,
                "resource_type": str(plan.get("resource_type", "")),
                "account": final_account,
                "region": restore.region,
            }
            # AWS names the resource a restore wrote into as the one it created.
            metadata = (restore.request or {}).get("Metadata") or flow.restore_metadata or {}
            written_into = into_existing(metadata) if isinstance(metadata, Mapping) else None
            if written_into is not None:
                item["into_existing"] = f"{written_into[0]} false: {written_into[1]}"
            items.append(item)
        for index, hop_name in enumerate(flow.hop_names):
            hop = flow.step(hop_name)
            if hop.state != "COMPLETED" or not hop.result_arn:
                continue
            vault = VaultRef.from_arn(flow.hops[index]["destination"])
            items.append(
                {
                    "target": name,
                    "kind": "recovery-point",
                    "arn": hop.result_arn,
                    "resource_type": str(plan.get("resource_type", "")),
                    "account": vault.account_id,
                    "region": vault.region,
                    "vault": vault.name,
                }
            )
    return items


def left_by(state: DrillState, flows: Mapping[str, FlowState]) -> int:
    """How much of what the drill created its clean-up left: not deleted yet (a delete that
    failed, a clean-up not done by its policy), or not known yet (a job it started and never
    saw end, or a Start call it sent whose job is not known: what they make is deleted once
    they have ended)."""
    from drconsole.drills.unended_jobs import unended_in
    from drconsole.drills.unjournaled_jobs import unjournaled_in

    settled = state.settled()
    left = [item for item in created_by(state, flows) if item["arn"] not in settled]
    return len(left) + len(unended_in(state, flows)) + len(unjournaled_in(state, flows))


def clean_up(
    sessions: Any,
    state_dir: Any,
    state: DrillState,
    targets: set[str] | None = None,
    done_one: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Delete what the drill created and has not deleted yet (of `targets`, or all); each
    outcome is journaled, handed to `done_one` as it comes, and returned."""
    from drconsole.drills.resume import journaled_flows

    drills = DrillJournal(state_dir)
    audit = AuditLog.of(sessions, state_dir)
    deleter = ResourceDeleter(sessions, audit)
    jobs = JobsApi(sessions, audit)
    done = state.settled()
    flows = journaled_flows(state_dir, state)
    results = []
    for item in created_by(state, flows):
        if item["arn"] in done or (targets is not None and item["target"] not in targets):
            continue
        restore = flows[str(state.targets[item["target"]].flow_id)].step("restore")
        deleted, reason, cause = _delete_one(deleter, jobs, item, restore)
        # Not the drill's: kept for good, neither retried nor counted as left.
        not_ours = not deleted and cause == NOT_THE_DRILLS
        result = drills.append(
            state.run_id,
            "cleanup",
            **item,
            deleted=deleted,
            reason=reason,
            cause=None if not_ours else cause,
            not_ours=not_ours,
        )
        results.append(result)
        if done_one is not None:
            done_one(result)
    return results


def delete_line(result: dict[str, Any]) -> str:
    """One delete's outcome as `drill cleanup` prints it: `KIND ARN: REASON`."""
    return f"{result['kind']} {result['arn']}: {result['reason']}"


# `_delete_one`'s cause for a resource that is not the drill's (journaled as `not_ours`).
NOT_THE_DRILLS = "NOT_THE_DRILLS"


def _delete_one(
    deleter: ResourceDeleter, jobs: JobsApi, item: dict[str, str], restore: StepState
) -> tuple[bool, str, str | None]:
    from drconsole.diagnose import diagnose_exception

    try:
        if item["kind"] == "resource":
            if item.get("into_existing"):
                what = item["into_existing"]
                return False, f"not the drill's (restored into it, {what}): kept", NOT_THE_DRILLS
            where = (item["account"], item["region"], item["resource_type"], item["arn"])
            if item["resource_type"] in NAMED_TYPES:
                created = deleter.created_at(*where)
                started, ended = _restore_window(jobs, restore)
                if created_outside(created, started, ended):
                    when = created.isoformat(timespec="seconds")
                    if item["resource_type"] == "S3" and created > ended:
                        # S3 moves a bucket's CreationDate when the bucket is changed (its
                        # policy edited): a later date does not prove it someone else's. Kept
                        # and left, so the drill still shows it, rather than settled.
                        return (
                            False,
                            f"kept: its CreationDate {when} is after the restore job ended; S3 "
                            "moves it when a bucket is changed, so it may be the drill's: "
                            "delete it by hand if it is",
                            "UNKNOWN",
                        )
                    return False, f"not the drill's (created at {when}): kept", NOT_THE_DRILLS
            deleter.delete(*where)
            return True, "deleted", None
        vault = jobs.describe_vault(item["account"], item["region"], item["vault"])
        if vault["locked"]:
            return False, f"kept: vault {item['vault']} is locked", "VAULT_LOCK_RETENTION"
        jobs.delete_recovery_point(item["account"], item["region"], item["vault"], item["arn"])
        return True, f"deleted from vault {item['vault']}", None
    except AWS_ERRORS as exc:
        if error_code(exc) in GONE_CODES:
            return True, "already gone", None
        return False, f"kept: {describe(exc)}", diagnose_exception(exc).cause.value
    except ValueError as exc:
        return False, f"kept: {exc}", "UNKNOWN"


def _restore_window(jobs: JobsApi, restore: StepState) -> tuple[datetime, datetime]:
    """When the drill's restore job ran: AWS's CreationDate and CompletionDate (the clock the
    resource's creation time is read on), else when the journal saw its Start call sent and
    its end (this machine's clock); ValueError when neither is known."""
    if restore.job_id:
        try:
            job = jobs.describe(
                JobRef("restore", restore.account_id, restore.region, restore.job_id)
            )
        except AWS_ERRORS:
            job = None  # (AWS forgets old jobs: the journal's window holds the job's)
        if job is not None and job.created is not None and job.completed is not None:
            return job.created, job.completed
    if restore.requested and restore.job_finished:
        return parse_time(restore.requested), parse_time(restore.job_finished)
    raise ValueError("cannot tell when the restore job ran, so whether the resource is the drill's")
