"""A DR copy run's copy rule: the backup plan rule that made a database's recovery point, where
its copy actions send the copies, and whether AWS makes a copy across account AND Region there.

AWS Backup runs a copy rule's copies itself, in one copy job each: unlike `drconsole copy`, it
never falls back to two hops. Its guide says a plan copies RDS and Aurora snapshots "either
cross-account or cross-Region" (recov-point-create-a-copy), and that "RDS, Aurora, DocumentDB,
and Neptune do not support a single copy action that performs both cross-Region AND
cross-account backup" (backup-feature-availability); where AWS does not offer the single-action
copy it announced in 2025, each such job fails with "Copy job from X to Y cannot be initiated
for RDS resources. Feature is not supported for provided resource type." The copy jobs AWS ran
for the rule tell which: their newest outcome decides the check.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from drconsole.aws.reader import pages
from drconsole.checks.common import unknown_check
from drconsole.checks.facts import RDS_FAMILY_TYPES, RecoveryPointFacts, Unreadable
from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.readiness.model import CopyCheckRun, CopyRule

COPY_RULE_CHECK = "readiness.copy-rule-route"
COPY_RULE_TITLE = "Copy rule's route"


def copy_rule_of(reader: Any, rp: RecoveryPointFacts) -> CopyRule | Unreadable | None:
    """The rule that made `rp` (its CreatedBy) as its plan is now, read once per plan (one
    GetBackupPlan); None for a type whose copy rule takes any route in one job, a point made on
    demand, or a plan or rule since deleted (no copy rule makes copies of it any more);
    Unreadable when the plan cannot be read."""
    if rp.resource_type not in RDS_FAMILY_TYPES or not rp.created_by_plan:
        return None
    plan = reader.once(
        ("backup-plan", rp.account_id, rp.region, rp.created_by_plan),
        lambda: _read_plan(reader, rp.account_id, rp.region, rp.created_by_plan),
    )
    if plan is None or isinstance(plan, Unreadable):
        return plan
    if plan.get("DeletionDate"):  # AWS still answers a deleted plan, which copies nothing
        return None
    body = plan.get("BackupPlan") or {}
    for rule in body.get("Rules") or ():
        if rule.get("RuleId") == rp.created_by_rule:
            actions = rule.get("CopyActions") or ()
            return CopyRule(
                rp.created_by_plan,
                str(body.get("BackupPlanName") or ""),
                rp.created_by_rule,
                str(rule.get("RuleName") or ""),
                tuple(
                    str(a["DestinationBackupVaultArn"])
                    for a in actions
                    if a.get("DestinationBackupVaultArn")
                ),
            )
    return None


def unread_copy_rule(kind: str, point: str, vault: str, fact: Unreadable) -> CopyCheckRun:
    """A DR copy run of one UNKNOWN check: the plan that made `point` could not be read, so
    where its copy rule sends the copies (and whether AWS can) is not known."""
    what = f"the backup plan that made {point} (its copy rule)"
    check = unknown_check(COPY_RULE_CHECK, COPY_RULE_TITLE, fact, what)
    return CopyCheckRun("dr-copy", kind, point, vault, "", (check,), None, 0)


def _read_plan(reader: Any, account: str, region: str, plan_id: str) -> Any:
    backup = reader.client("backup", account, region)
    return reader.read(
        "backup:GetBackupPlan",
        lambda: backup.get_backup_plan(BackupPlanId=plan_id),
        missing=("ResourceNotFoundException",),
    )


def across_account_and_region(rp: RecoveryPointFacts, destination: str) -> bool:
    """True when a copy of `rp` into `destination` leaves both its account and its Region."""
    parts = destination.split(":")
    return len(parts) > 5 and parts[4] != rp.account_id and parts[3] != rp.region


def newest_copy_job(
    reader: Any, rp: RecoveryPointFacts, destination: str
) -> dict[str, Any] | Unreadable | None:
    """The newest copy job AWS ran of `rp`'s resource into `destination` (from its account and
    Region, where a copy rule's jobs run), listed once per resource and destination."""

    def read() -> dict[str, Any] | Unreadable | None:
        backup = reader.client("backup", rp.account_id, rp.region)
        listed = reader.read(
            "backup:ListCopyJobs",
            lambda: list(
                pages(
                    backup,
                    "list_copy_jobs",
                    "CopyJobs",
                    ByResourceArn=rp.resource_arn,
                    ByDestinationVaultArn=destination,
                )
            ),
        )
        if not isinstance(listed, list):
            return listed
        return max(listed, key=_created, default=None)

    return reader.once(("copy-rule-jobs", rp.resource_arn, destination), read)


def _created(job: dict[str, Any]) -> float:
    when = job.get("CreationDate")
    return when.timestamp() if isinstance(when, datetime) else float("-inf")


def copy_rule_check(
    reader: Any, rp: RecoveryPointFacts, rule: CopyRule, destination: str, intermediate: str | None
) -> Check:
    """FAIL when AWS failed the rule's newest copy job into `destination` for its route (the
    DR copies are not being made), PASS when it completed one (AWS offers the copy in one job),
    else WARN: AWS's guide says it cannot, and no job says otherwise yet."""
    from drconsole.diagnose import diagnose

    where = (
        f"copy rule '{rule.rule_name}' of backup plan '{rule.plan_name}' ({rule.plan_id}, "
        f"account {rp.account_id}, {rp.region}) copies {rp.resource_type} "
        f"{rp.resource_name or rp.resource_arn} into {destination}, another account AND Region"
    )
    job = newest_copy_job(reader, rp, destination)
    if isinstance(job, Unreadable):
        found = unknown_check(COPY_RULE_CHECK, COPY_RULE_TITLE, job, f"the copy jobs of {where}")
        return replace(found, evidence=f"{where}; {found.evidence}")
    remedy = copy_rule_remedy(rp, rule, destination, intermediate)
    state = str((job or {}).get("State") or "")
    message = str((job or {}).get("StatusMessage") or "")
    said = f"copy job {(job or {}).get('CopyJobId', '?')} {state}"
    if state == "FAILED" and diagnose(message).cause is CauseCode.UNSUPPORTED_COPY_ROUTE:
        return Check(
            COPY_RULE_CHECK,
            COPY_RULE_TITLE,
            CheckStatus.FAIL,
            f"{where}: AWS does not make this copy in one job: its newest, {said}: {message} "
            "(the rule's DR copies of it are not made)",
            CauseCode.UNSUPPORTED_COPY_ROUTE,
            remedy,
        )
    if state == "COMPLETED":
        return Check(
            COPY_RULE_CHECK,
            COPY_RULE_TITLE,
            CheckStatus.PASS,
            f"{where}: AWS made it in one job ({said}): single-action copy is offered here",
        )
    seen = (
        f"its newest copy job there ({said}{': ' + message if message else ''}) does not say"
        if job
        else "no copy job of it there says yet"
    )
    return Check(
        COPY_RULE_CHECK,
        COPY_RULE_TITLE,
        CheckStatus.WARN,
        f"{where}: AWS Backup copies these databases across accounts or across Regions, not "
        "both, in one job except where it offers single-action copy, and a copy rule never "
        f"goes in two hops; {seen} whether AWS takes it",
        CauseCode.UNSUPPORTED_COPY_ROUTE,
        remedy,
    )


def copy_rule_remedy(
    rp: RecoveryPointFacts, rule: CopyRule, destination: str, intermediate: str | None
) -> str:
    """AWS's documented workaround: one copy changing only the account or only the Region,
    then one changing the other (its guide: "You can use a AWS Lambda script to accomplish
    both"), through `intermediate` when readiness judged one (else the backup account's
    Region of the source, the field reports' way)."""
    dest = destination.split(":")
    account, region = dest[4], dest[3]
    first = intermediate or f"a vault of account {account} in {rp.region}"
    via = first.split(":")
    # The second copy starts where the first lands: in its account and Region.
    in_source_account = len(via) > 5 and via[4] == rp.account_id
    changes = ("the Region", "the account") if in_source_account else ("the account", "the Region")
    starts_in = (rp.account_id, region) if in_source_account else (account, rp.region)
    return (
        "Copy in two steps, as AWS Backup documents for RDS, Aurora, DocumentDB and Neptune: "
        f"(1) change the copy action of rule '{rule.rule_name}' of plan '{rule.plan_name}' "
        f"(account {rp.account_id}, {rp.region}: aws backup update-backup-plan "
        f"--backup-plan-id {rule.plan_id}) to copy into {first}, changing only {changes[0]}; "
        f"(2) copy each copy it makes on to {destination}, changing only {changes[1]}: a copy "
        "rule applies to its own plan's backups only, so this step runs in account "
        f"{starts_in[0]}, {starts_in[1]} on each copy job's completion (an EventBridge rule on "
        "AWS Backup's 'Copy Job State Change' event, state COMPLETED, calling a Lambda "
        "function that runs StartCopyJob), or by hand: drconsole copy --recovery-point "
        f"<the copy> --to {destination}. Where AWS offers single-action copy across account "
        "and Region, the rule's jobs complete (aws backup list-copy-jobs --by-resource-arn "
        f"{rp.resource_arn} --by-destination-vault-arn {destination} --region {rp.region}, "
        f"in account {rp.account_id})."
    )
