"""Copy route verdicts: one hop, two or none for the resource, and the copy jobs in flight."""

from __future__ import annotations

from dataclasses import replace

from drconsole.checks.arns import is_continuous
from drconsole.checks.common import fully_managed, unknown_check
from drconsole.checks.facts import RDS_FAMILY_TYPES, CopyFacts, Unreadable
from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.resource_types import FEATURE_TABLE, copy_support_known, shown_type

PASS, FAIL, WARN, UNKNOWN = (
    CheckStatus.PASS,
    CheckStatus.FAIL,
    CheckStatus.WARN,
    CheckStatus.UNKNOWN,
)
# AWS Backup's quotas (https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html):
# "Concurrent backup copies per account outbound to a destination Region 100", then "Concurrent
# copies per destination backup vault in account after the limit ... has been reached 5". Past
# them a copy waits; AWS documents no refusal of a copy for a job already running.
MAX_CONCURRENT_COPIES = 100
NEAR_CONCURRENT_COPIES = 90
PER_VAULT_PAST_QUOTA = 5
PER_RESOURCE_QUOTAS = (
    "'Concurrent backup and copy jobs per resource' 1, 'Concurrent cross-account copies that "
    "can be made of the same resource to the same destination Region' 30"
)


def check_route(facts: CopyFacts) -> Check:
    """The copy route (one hop or two) for the resource type, accounts and Regions."""
    cid, title = "route", "Copy route"
    rp = facts.recovery_point
    kind = "cross-account" if facts.cross_account else "same-account"
    where = "cross-Region" if facts.cross_region else "same-Region"
    shape = f"{rp.resource_type}, {kind}, {where}"
    refusal = _never_copied(cid, title, shape, facts)
    if refusal is not None:
        return refusal
    if not copy_support_known(rp.resource_type):
        return _copy_support_unknown(cid, title, shape, facts)
    # AWS Backup copies a DynamoDB backup only when it was made with advanced features, which
    # its ARN tells (arn:aws:backup with them, the DynamoDB-native table/.../backup/...
    # without), whatever the setting is now. Without them it copies it to no vault at all: "If
    # a resource type does not support cross-Region or cross-account copy in AWS Backup, then
    # copy operations for that resource type are not supported in any scenario, including
    # same-Region and same-account copies" (recov-point-create-a-copy).
    if rp.resource_type == "DynamoDB" and not fully_managed(facts):
        return _dynamodb_without_advanced_features(cid, title, shape, facts)
    codes = facts.marketplace_product_codes
    # Only a copy into another account is refused for them ("Amazon EC2 does not allow
    # cross-account copies of AWS Marketplace AMIs", create-cross-account-backup); one that
    # stays in its account copies, into another Region too. Unread codes are never taken as
    # none: AWS fails such a copy hours after it started.
    if facts.cross_account and isinstance(codes, Unreadable):
        ami = rp.arn.rsplit("/", 1)[-1]
        found = unknown_check(
            cid,
            title,
            codes,
            f"the AWS Marketplace product codes of AMI {ami} (ec2:DescribeImages)",
        )
        return replace(found, evidence=f"{shape}: {found.evidence}")
    if facts.cross_account and isinstance(codes, tuple) and codes:
        return Check(
            cid,
            title,
            FAIL,
            f"{shape}: the AMI carries AWS Marketplace product codes {', '.join(codes)}",
            CauseCode.MARKETPLACE_AMI,
            "AWS Marketplace AMIs cannot be copied across accounts: launch the product in "
            f"account {facts.dest_account_id} from the Marketplace and restore data volumes only.",
            details=(("hops", "0"),),
        )
    if rp.resource_type in RDS_FAMILY_TYPES and facts.cross_account and facts.cross_region:
        intermediate = (
            facts.intermediate_vaults[0]
            if facts.intermediate_vaults
            else f"a vault of account {facts.dest_account_id} in {rp.region} (or of account "
            f"{rp.account_id} in {facts.dest_region})"
        )
        return Check(
            cid,
            title,
            WARN,
            f"{shape}: one copy job works only where AWS offers single-action cross-account "
            "and cross-Region database copy; otherwise AWS answers 'Feature is not supported "
            "for provided resource type'",
            CauseCode.UNSUPPORTED_COPY_ROUTE,
            f"Two hops: (1) copy {rp.arn} to {intermediate}, changing only the account or only "
            f"the Region; (2) copy that recovery point to {facts.dest_vault_arn}. "
            "drconsole copy falls back to this plan when the single copy is refused.",
            details=(
                ("hops", "2"),
                ("intermediate", intermediate),
                ("single_action_may_work", "true"),
            ),
        )
    return Check(cid, title, PASS, f"{shape}: one copy job", details=(("hops", "1"),))


def _never_copied(cid: str, title: str, shape: str, facts: CopyFacts) -> Check | None:
    """The route FAIL of a recovery point AWS Backup copies to no vault at all, else None."""
    rp = facts.recovery_point
    if is_continuous(rp.arn):
        return Check(
            cid,
            title,
            FAIL,
            f"{shape}: the recovery point is a continuous backup (point-in-time recovery), and "
            "AWS Backup does not copy continuous backups on demand",
            CauseCode.UNSUPPORTED_COPY_ROUTE,
            f"Copy a snapshot recovery point of {rp.resource_name or rp.resource_arn} instead "
            "(a backup plan's copy rule makes them from continuous backups), or restore this one "
            f"to a point in time where it is (account {rp.account_id}, Region {rp.region}).",
            details=(("hops", "0"),),
        )
    # "backups in cold storage or archive tiers cannot be copied"
    # (https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html)
    if rp.storage_class == "COLD":
        return Check(
            cid,
            title,
            FAIL,
            f"{shape}: the recovery point is in cold storage, and AWS Backup does not copy "
            "backups in cold storage or archive tiers",
            CauseCode.UNSUPPORTED_COPY_ROUTE,
            f"Copy a recovery point of {rp.resource_name or rp.resource_arn} that is still in "
            f"warm storage, or restore this one where it is (account {rp.account_id}, Region "
            f"{rp.region}) and back the restored resource up again.",
            details=(("hops", "0"),),
        )
    # An RDS cluster snapshot is a Multi-AZ DB cluster's (Aurora, DocumentDB and Neptune have
    # their own resource types): "copying a Multi-AZ DB cluster snapshot is not supported"
    # (https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html)
    if rp.resource_type == "RDS" and ":cluster-snapshot:" in rp.arn:
        return Check(
            cid,
            title,
            FAIL,
            f"{shape}: the recovery point is an RDS Multi-AZ DB cluster snapshot, which AWS "
            "Backup does not copy",
            CauseCode.UNSUPPORTED_COPY_ROUTE,
            f"Restore it where it is (account {rp.account_id}, Region {rp.region}), or protect "
            "the Multi-AZ DB cluster with backups made in the account and Region that need "
            "them.",
            details=(("hops", "0"),),
        )
    return None


def _copy_support_unknown(cid: str, title: str, shape: str, facts: CopyFacts) -> Check:
    """UNKNOWN for a type drconsole cannot vouch AWS Backup copies: never guessed to work, as
    AWS would refuse it (or fail it hours later) where the type is not copied."""
    rp = facts.recovery_point
    role = facts.copy_role_arn or "ROLE_ARN"
    return Check(
        cid,
        title,
        UNKNOWN,
        f"{shape}: drconsole does not know whether AWS Backup copies {shown_type(rp.resource_type)}"
        " recovery points (a type missing from its copy table is not copied in any scenario, "
        "not even within its own account and Region), so it does not start this copy",
        CauseCode.UNSUPPORTED_COPY_ROUTE,
        f"Look the type up in AWS Backup's 'Feature availability by resource' table "
        f"({FEATURE_TABLE}). If it is copied there, copy it by hand in account {rp.account_id}: "
        f"aws backup start-copy-job --source-backup-vault-name {rp.vault_name} "
        f"--recovery-point-arn {rp.arn} --destination-backup-vault-arn {facts.dest_vault_arn} "
        f"--iam-role-arn {role} --region {rp.region}; if it is not, restore it where it is "
        f"(account {rp.account_id}, Region {rp.region}).",
        details=(("hops", "0"),),
    )


def _dynamodb_without_advanced_features(
    cid: str, title: str, shape: str, facts: CopyFacts
) -> Check:
    """The route FAIL of a DynamoDB backup without advanced features leaving its account or
    Region, with the setting that gives new backups those features."""
    rp = facts.recovery_point
    across = " and ".join(
        where
        for where, crossed in (("accounts", facts.cross_account), ("Regions", facts.cross_region))
        if crossed
    )
    where = f"across {across}" if across else "to another vault, even in its own account and Region"
    return Check(
        cid,
        title,
        FAIL,
        f"{shape}: DynamoDB backups made without AWS Backup's advanced DynamoDB features cannot "
        f"be copied {where}",
        CauseCode.UNSUPPORTED_COPY_ROUTE,
        f"Turn on advanced DynamoDB backup in account {rp.account_id}, Region {rp.region} (AWS "
        "Backup console > Settings > Advanced features for Amazon DynamoDB backups, or run "
        f"there: aws backup update-region-settings --region {rp.region} "
        "--resource-type-management-preference DynamoDB=true). Only backups made after that "
        "have the features: take a new backup of the table and copy that one. This backup "
        f"can only be restored where it is, in account {rp.account_id}, Region {rp.region}.",
        details=(("hops", "0"),),
    )


def check_running_jobs(facts: CopyFacts) -> Check:
    """The copy jobs this copy may wait behind: of the same resource, or of the account into
    the destination Region. AWS queues a copy past its quotas rather than refuse it, so this
    check WARNs and never FAILs: nothing it sees stops the copy from starting."""
    cid, title = "jobs.concurrency", "Concurrent copy jobs"
    load = facts.job_load
    if isinstance(load, Unreadable):
        return unknown_check(cid, title, load, "the running copy jobs")
    rp = facts.recovery_point
    count = load.to_destination_region
    evidence = (
        f"{count} copy jobs of account {rp.account_id} into {facts.dest_region} in flight "
        f"(quota {MAX_CONCURRENT_COPIES})"
    )
    if load.for_resource:
        jobs = ", ".join(load.for_resource)
        return Check(
            cid,
            title,
            WARN,
            f"copy job(s) {jobs} of {rp.resource_arn} in flight; {evidence}: this copy may "
            f"wait in CREATED behind them (AWS's quotas: {PER_RESOURCE_QUOTAS})",
            CauseCode.TOO_MANY_JOBS,
            f"Nothing to fix: the copy can start now and AWS runs it when the quota allows. "
            f"To follow the job(s) it may wait behind: aws backup describe-copy-job "
            f"--copy-job-id {load.for_resource[0]} --region {rp.region} (or aws backup "
            f"list-copy-jobs --by-resource-arn {rp.resource_arn} --region {rp.region}).",
            details=(("waits_behind", jobs),),
        )
    if count >= MAX_CONCURRENT_COPIES:
        return Check(
            cid,
            title,
            WARN,
            f"{evidence}: at the quota, AWS runs at most {PER_VAULT_PAST_QUOTA} more per "
            "destination vault, so this copy may wait in CREATED, or StartCopyJob may answer "
            "LimitExceededException when it is sent (nothing is copied then)",
            CauseCode.TOO_MANY_JOBS,
            f"Start it now and let it wait, or start it once copies into {facts.dest_region} "
            f"have finished (aws backup list-copy-jobs --by-state RUNNING --region {rp.region}); "
            "for a higher quota, ask in Service Quotas (AWS Backup, 'Concurrent backup copies "
            "per account outbound to a destination Region').",
        )
    if count >= NEAR_CONCURRENT_COPIES:
        return Check(cid, title, WARN, evidence, CauseCode.TOO_MANY_JOBS)
    return Check(cid, title, PASS, evidence)
