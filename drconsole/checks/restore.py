"""Restore prerequisite verdicts: pure functions from `RestoreFacts` to `models.Check`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from drconsole.checks.common import role_elsewhere, trust_verdict, unknown_check
from drconsole.checks.facts import (
    EXISTING_FILE_SYSTEM,
    RestoreFacts,
    RoleFacts,
    TargetName,
    Unreadable,
    restore_policy_arns,
)
from drconsole.checks.image_keys import restore_checks_with_other_keys
from drconsole.checks.recovery_point import check_restore_status
from drconsole.checks.restore_access import check_pass_role
from drconsole.checks.restore_access import check_restore_key as check_restore_key
from drconsole.checks.restore_engine import check_engine_version
from drconsole.checks.restore_key_calls import (
    customer_managed_key,
    names_role,
    restore_key_requests,
)
from drconsole.checks.restore_key_pair import check_key_pair
from drconsole.checks.restore_network import check_restore_network
from drconsole.checks.restore_profile import check_instance_profile
from drconsole.checks.restore_rcps import check_restore_key_and_rcps
from drconsole.checks.restore_scps import check_restore_scps
from drconsole.checks.role_boundary import RoleRequest, boundary_verdict, restore_role_requests
from drconsole.checks.role_identity import IdentityAllows, judge_identity
from drconsole.checks.role_rcps import with_assumption_rcps
from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.partitions import backup_vault
from drconsole.resource_types import (
    not_restored_here,
    restorable,
    restore_by_hand,
    restore_commands,
)

PASS, FAIL, WARN, UNKNOWN = (
    CheckStatus.PASS,
    CheckStatus.FAIL,
    CheckStatus.WARN,
    CheckStatus.UNKNOWN,
)

# Restore metadata keys without which StartRestoreJob cannot create the resource, for the types
# drconsole restores (the others are judged UNKNOWN). A DB cluster's restore needs its engine:
# RestoreDBClusterFromSnapshot requires Engine
# (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html).
REQUIRED_METADATA: dict[str, tuple[str, ...]] = {
    "EBS": ("availabilityZone",),
    "EC2": ("InstanceType",),
    "RDS": ("DBInstanceIdentifier",),
    "Aurora": ("DBClusterIdentifier", "Engine"),
    "DynamoDB": ("targetTableName",),
    "EFS": ("file-system-id", "newFileSystem"),
    # "Mandatory metadata: DestinationBucketName" (the AWS CLI section of
    # https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-s3.html).
    "S3": ("DestinationBucketName",),
}
# "The original encryption method cannot be used to restore a recovery point (backup) copied
# from another Region. Cross-Region copy AWS KMS encryption is not available for Amazon S3
# resources; instead, use a different encryption type for a restore job." (restoring-s3.html)
S3_ORIGINAL_ENCRYPTION = "original"


def check_restore_account(facts: RestoreFacts) -> Check:
    """The recovery point lives in the account that restores it."""
    cid, title = "restore.account", "Recovery point is in the restoring account"
    rp = facts.recovery_point
    if facts.after_copy_to:
        return Check(
            cid,
            title,
            PASS,
            f"the restore runs in account {facts.restoring_account_id} "
            f"({facts.restoring_region}), on the copy made in {facts.after_copy_to}",
        )
    if rp.account_id == facts.restoring_account_id:
        return Check(cid, title, PASS, f"recovery point and restore both in {rp.account_id}")
    vault = (
        facts.copy_back_vaults[0]
        if facts.copy_back_vaults
        else backup_vault(rp.region, facts.restoring_account_id, "VAULT_NAME", rp.partition)
    )
    others = (
        f" (vaults of that account: {', '.join(facts.copy_back_vaults)})"
        if len(facts.copy_back_vaults) > 1
        else ""
    )
    return Check(
        cid,
        title,
        FAIL,
        f"the recovery point is in account {rp.account_id}; AWS Backup cannot restore into "
        f"account {facts.restoring_account_id} directly",
        CauseCode.CROSS_ACCOUNT_RESTORE,
        "Copy it into the restoring account first, then restore the copy there: "
        f"drconsole copy --recovery-point {rp.arn} --to {vault} --restore{others}",
    )


def region_of(facts: RestoreFacts) -> str:
    """The Region where the restore runs."""
    return facts.restoring_region or facts.recovery_point.region


def check_restore_role(facts: RestoreFacts) -> Check:
    """The restore role exists, trusts AWS Backup, and carries restore permissions."""
    cid, title = "restore.role", "Restore role exists, is trusted and may restore"
    role = facts.role
    account = facts.restoring_account_id
    role_account = facts.role_arn.split(":")[4] if facts.role_arn.count(":") >= 5 else ""
    if role_account and account and role_account != account:
        # AWS assumes the restore role in the restoring account.
        return Check(
            cid,
            title,
            FAIL,
            f"role {facts.role_arn} is in account {role_account}, but the restore runs in "
            f"account {account}",
            CauseCode.ROLE_PERMISSIONS,
            f"Pass a role of account {account}, by name or by an ARN in {account}.",
        )
    if isinstance(role, Unreadable):
        return unknown_check(cid, title, role, f"role {facts.role_arn}")
    rp = facts.recovery_point
    needed = restore_policy_arns(rp.resource_type, rp.partition)
    if role is None:
        return Check(
            cid,
            title,
            FAIL,
            f"role {facts.role_arn} does not exist in account {facts.restoring_account_id}",
            CauseCode.ROLE_PERMISSIONS,
            f"Create it (trusted by backup.amazonaws.com, with {' and '.join(needed)}) or pass"
            " an existing role with --role-arn.",
        )
    elsewhere = role_elsewhere(cid, title, facts.role_arn, role.arn)
    if elsewhere is not None:
        return elsewhere
    trust = trust_verdict(cid, title, role.arn, role.trust_policy)
    if trust.status != PASS:
        return trust
    requests = restore_role_requests(facts)
    key_requests = restore_key_requests(facts)
    verdict = _identity_verdict(cid, title, role, needed, requests)
    verdict = _key_identity_verdict(facts, role, needed, key_requests, verdict)
    verdict = boundary_verdict((cid, title), role, [*requests, *key_requests], verdict)
    # AWS Backup assumes the role in the restoring account, whose RCPs may deny it that.
    return with_assumption_rcps(verdict, facts.role_rcps, role.arn, facts.restoring_org)


def _key_identity_verdict(
    facts: RestoreFacts,
    role: RoleFacts,
    needed: list[str],
    key_requests: list[RoleRequest],
    verdict: Check,
) -> Check:
    """`verdict` unless an identity policy denies the role a KMS call on the restored
    resource's customer managed key (FAIL), or, without AWS's restore policies, no identity
    policy allows one and the key policy does not name the role itself (WARN: a key policy
    naming only the account leaves the decision to IAM policies, one naming the role allows it
    alone; which of its statements AWS applies is for restore.key to judge)."""
    if verdict.status in (FAIL, UNKNOWN) or not key_requests:
        return verdict
    judged = judge_identity((verdict.id, verdict.title), role, key_requests, allow_judged=False)
    if isinstance(judged, Check):
        return judged
    key = customer_managed_key(facts)
    if judged is None or key is None:
        return verdict
    actions = ", ".join(dict.fromkeys(r.action for r in key_requests))
    held = all(arn in role.attached_policy_arns for arn in needed)  # AWS's restore policies
    if held or not judged.not_allowed or names_role(key, role.arn):
        return replace(
            verdict,
            evidence=f"{verdict.evidence}; none of its policies denies {actions} on {key.arn}",
        )
    missing = ", ".join(dict.fromkeys(a.split(" on ")[0] for a in judged.not_allowed))
    return Check(
        verdict.id,
        verdict.title,
        WARN,
        f"{verdict.evidence}; but none of its identity policies allows {missing} on {key.arn}, "
        "and the key policy does not name the role: a key policy naming only the account "
        "leaves these calls to IAM policies, so EBS cannot use the key unless a statement or "
        "grant not read here allows the role",
        CauseCode.ROLE_PERMISSIONS,
        f"Allow the role {missing} on {key.arn} (an identity policy statement, with "
        "kms:GrantIsForAWSResource for kms:CreateGrant), or name the role in the key policy.",
    )


def _identity_verdict(
    cid: str, title: str, role: RoleFacts, needed: list[str], requests: list[RoleRequest]
) -> Check:
    """The role's identity policies: none may deny the call creating the resource; AWS's
    restore policies attached, else another policy allowing that call."""
    missing = [arn for arn in needed if arn not in role.attached_policy_arns]
    # With AWS's restore policies held, their Allow is taken as written: only a Deny counts.
    judged = judge_identity((cid, title), role, requests, allow_judged=bool(missing))
    if isinstance(judged, Check):
        return judged
    actions = ", ".join(dict.fromkeys(r.action for r in requests))
    if not missing:
        denies = f"; none of its policies denies {actions}" if judged is not None else ""
        return Check(
            cid, title, PASS, f"{role.arn} trusts AWS Backup and has {', '.join(needed)}{denies}"
        )
    commands = "; ".join(
        f"aws iam attach-role-policy --role-name {role.arn.rsplit('/', 1)[-1]} --policy-arn {arn}"
        for arn in missing
    )
    if judged is not None:
        return _judged_without_aws_policies(cid, title, role, missing, judged, commands)
    # Facts without the documents (built by hand): a customer managed policy or an inline one
    # may grant the same permissions, and AWS judges the permissions, not the names: WARN.
    own = [arn for arn in role.attached_policy_arns if ":iam::aws:policy/" not in arn]
    others = [*role.inline_policy_names, *own]
    status = WARN if others else FAIL
    inline = f"; policies {', '.join(others)} may grant it instead" if others else ""
    return Check(
        cid,
        title,
        status,
        f"{role.arn} lacks {', '.join(missing)}{inline}",
        CauseCode.ROLE_PERMISSIONS,
        f"Attach the restore policies: {commands}",
    )


def _judged_without_aws_policies(
    cid: str,
    title: str,
    role: RoleFacts,
    missing: list[str],
    judged: IdentityAllows,
    commands: str,
) -> Check:
    """A role without AWS's restore policies, judged by its documents: PASS when its own
    policies allow the call creating the resource, FAIL when none does (IAM denies a request
    no policy allows)."""
    if not judged.not_allowed:
        allowing = "; ".join(f"{by} allows {action}" for action, by in judged.allowed_by.items())
        return Check(
            cid,
            title,
            PASS,
            f"{role.arn} trusts AWS Backup and, without {', '.join(missing)}, {allowing} "
            "(the call creating the resource is judged; the restore's other calls, such as "
            "tagging, are not)",
        )
    policies = role.identity_policies
    read = [p.described for p in policies] if isinstance(policies, tuple) else []
    held = f"; none of {', '.join(read)} allows it" if read else "; it has no identity policy"
    return Check(
        cid,
        title,
        FAIL,
        f"{role.arn} lacks {', '.join(missing)} and may not call "
        f"{', '.join(judged.not_allowed)}{held}: IAM denies a request no policy allows",
        CauseCode.ROLE_PERMISSIONS,
        f"Attach the restore policies: {commands}",
    )


def check_restore_metadata(facts: RestoreFacts) -> Check:
    """The restore metadata carries what the resource type needs."""
    cid, title = "restore.metadata", "Restore metadata complete"
    metadata = facts.metadata
    if isinstance(metadata, Unreadable):
        return unknown_check(cid, title, metadata, "the recovery point's restore metadata")
    resource_type = facts.recovery_point.resource_type
    if not resource_type:
        # What a restore needs depends on the type: without it nothing can be judged, and
        # `restore` itself refuses to plan (the answer from AWS is at fault, not the operator).
        return Check(
            cid,
            title,
            UNKNOWN,
            "the answer from AWS (DescribeRecoveryPoint) has no ResourceType: what the "
            "restore needs cannot be judged",
            CauseCode.SERVICE_ERROR,
            "Describe the recovery point again (aws backup describe-recovery-point); if "
            "ResourceType stays empty, ask AWS Support.",
        )
    rp = facts.recovery_point
    if not restorable(resource_type, rp.arn):
        # No vacuous PASS: with no form, nothing says what AWS requires or refuses for the type.
        return Check(
            cid,
            title,
            UNKNOWN,
            f"{not_restored_here(resource_type, rp.arn)}; drconsole restore refuses it",
            CauseCode.UNKNOWN,
            _restore_by_hand(facts),
        )
    required = REQUIRED_METADATA.get(resource_type, ())
    # AWS Backup matches metadata keys without regard to case.
    lowered = {key.lower(): value for key, value in metadata.items()}
    missing = [key for key in required if not lowered.get(key.lower(), "").strip()]
    if missing:
        flags = " ".join(f"--metadata {key}=VALUE" for key in missing)
        return Check(
            cid,
            title,
            FAIL,
            f"{resource_type} restore needs {', '.join(missing)}",
            CauseCode.UNKNOWN,
            f"Give the missing values: {flags}",
        )
    copied_from = _s3_original_on_copy(facts, lowered)
    if copied_from:
        region = region_of(facts)
        return Check(
            cid,
            title,
            FAIL,
            f"EncryptionType={S3_ORIGINAL_ENCRYPTION}, but the recovery point restored is a copy "
            f"from {copied_from} (restored in {region}): AWS Backup cannot restore a copy from "
            "another Region with the objects' original encryption",
            CauseCode.KMS_KEY_UNUSABLE,
            "Choose SSE-S3 or SSE-KMS: --metadata EncryptionType=SSE-S3 (or "
            f"--metadata EncryptionType=SSE-KMS, with --metadata KMSKey=KEY_ARN for a key of "
            f"{region} rather than aws/s3).",
        )
    shown = ", ".join(f"{k}={lowered[k.lower()]}" for k in required) or "no required keys"
    return Check(cid, title, PASS, f"{resource_type}: {shown}")


def _restore_by_hand(facts: RestoreFacts) -> str:
    """The AWS CLI restore of a recovery point drconsole does not restore: of the point itself,
    or, when it is to be copied first, of its copy (whose ARN the copy job gives)."""
    rp = facts.recovery_point
    if not facts.after_copy_to:
        return restore_by_hand(rp.arn, rp.vault_name, rp.region, rp.resource_type, facts.role_arn)
    vault = facts.after_copy_to.rsplit(":", 1)[-1]
    commands = restore_commands(
        "COPY_ARN", vault, region_of(facts), rp.resource_type, facts.role_arn
    )
    return (
        f"Copy it without --restore, then restore the copy (COPY_ARN: the copy job's "
        f"DestinationRecoveryPointArn) in {facts.after_copy_to} with AWS Backup's console or the "
        f"AWS CLI in account {facts.restoring_account_id}: {commands}"
    )


def _s3_original_on_copy(facts: RestoreFacts, lowered: dict[str, str]) -> str:
    """The Region an S3 restore's recovery point was copied from when the restore asks for the
    original encryption ("" otherwise). After a copy (`after_copy_to`) only a value the user
    gave is judged: the flow offers SSE-S3 in place of AWS's "original" for the copy."""
    rp = facts.recovery_point
    if rp.resource_type != "S3":
        return ""
    encryption = lowered.get("encryptiontype", "").strip().lower()
    if encryption != S3_ORIGINAL_ENCRYPTION:
        return ""
    if not facts.after_copy_to:
        return rp.copied_from_region
    given = {key.lower() for key in facts.user_metadata_keys}
    copy_region = facts.restoring_region or rp.region
    return rp.region if "encryptiontype" in given and copy_region != rp.region else ""


def check_target_names(facts: RestoreFacts) -> Check:
    """The names the restore will create are free."""
    cid, title = "restore.target-name", "Target name is free"
    if not facts.target_names and facts.after_copy_to:
        return Check(
            cid,
            title,
            PASS,
            f"the restore creates a new name in account {facts.restoring_account_id} "
            f"({region_of(facts)}), checked again on the copy before it is sent",
        )
    if not facts.target_names and facts.new_names:
        return Check(cid, title, PASS, _new_names_evidence(facts))
    if not facts.target_names:
        return Check(cid, title, PASS, "the restore creates a resource with a generated id")
    for target in facts.target_names:
        if isinstance(target.taken, Unreadable):
            return unknown_check(
                cid, title, target.taken, f"whether {target.kind} {target.name} exists"
            )
        if target.kind == EXISTING_FILE_SYSTEM:
            if not target.taken:
                return _no_file_system_to_restore_into(facts, target)
            continue
        if target.taken:
            key = NAME_KEYS.get(target.kind, "the name")
            region = region_of(facts)
            return Check(
                cid,
                title,
                FAIL,
                f"{target.kind} {target.name} already exists in account "
                f"{facts.restoring_account_id} ({region})",
                CauseCode.RESOURCE_ALREADY_EXISTS,
                f"Restore under a free name: --metadata {key}={_free_name(target)}"
                f" (or, if {target.name} is a leftover to drop, {_delete_command(target, region)}"
                " and re-run the check).",
            )
    where = f"account {facts.restoring_account_id} ({region_of(facts)})"
    created = [t for t in facts.target_names if t.kind != EXISTING_FILE_SYSTEM]
    into = [f"{t.kind} {t.name} exists" for t in facts.target_names if t not in created]
    names = ", ".join(f"{t.kind} {t.name}" for t in created)
    said = ([f"{names} free"] if created else []) + into
    return Check(cid, title, PASS, f"{'; '.join(said)} in {where}")


def _no_file_system_to_restore_into(facts: RestoreFacts, target: TargetName) -> Check:
    """An EFS restore into an existing file system that the restoring account and Region do
    not have (after a copy, AWS's `file-system-id` is the source account's or Region's)."""
    region = region_of(facts)
    return Check(
        "restore.target-name",
        "Target name is free",
        FAIL,
        f"EFS file system {target.name} (newFileSystem false: the restore goes into it) not "
        f"found in account {facts.restoring_account_id} ({region})",
        # No cause code covers it: `explain` reads EFS's "does not exist" as UNKNOWN too.
        CauseCode.UNKNOWN,
        "Restore into a new file system (--metadata newFileSystem=true), or name one of that "
        f"account and Region: --metadata file-system-id=fs-... (aws efs describe-file-systems "
        f"--region {region}).",
    )


# The metadata key that names what the restore creates, per kind of target.
NAME_KEYS = {
    "DynamoDB table": "targetTableName",
    "RDS DB instance": "DBInstanceIdentifier",
    "DB cluster": "DBClusterIdentifier",
    "S3 bucket": "DestinationBucketName",
    "EFS file system": "CreationToken",
}


def _new_names_evidence(facts: RestoreFacts) -> str:
    """What a restore without a given name creates: a new name, never AWS's default."""
    kind, original = facts.new_names[0]
    key = NAME_KEYS.get(kind, "the name")
    return (
        f"the restore creates a new name, {kind} {original}-restored-<flow id>, in account "
        f"{facts.restoring_account_id} ({region_of(facts)}), checked again before it is sent; "
        f"AWS's default {original} is used only if given: --metadata {key}={original}"
    )


def _free_name(target: TargetName) -> str:
    """A name to suggest instead of a taken one."""
    return f"{target.name}-2" if target.name.endswith("-restored") else f"{target.name}-restored"


def _delete_command(target: TargetName, region: str) -> str:
    """The AWS CLI command that removes the resource holding the name."""
    commands = {
        "DynamoDB table": f"aws dynamodb delete-table --table-name {target.name}",
        "RDS DB instance": f"aws rds delete-db-instance --db-instance-identifier {target.name}"
        " --final-db-snapshot-identifier " + f"{target.name}-final",
        "DB cluster": f"aws rds delete-db-cluster --db-cluster-identifier {target.name}"
        " --final-db-snapshot-identifier " + f"{target.name}-final",
        "S3 bucket": f"aws s3 rb s3://{target.name}",
        "EFS file system": "aws efs describe-file-systems --creation-token "
        f"{target.name} (then aws efs delete-file-system --file-system-id ID)",
    }
    return commands.get(target.kind, f"remove {target.kind} {target.name}") + f" --region {region}"


RESTORE_CHECK_GROUPS: dict[str, tuple[Callable[[RestoreFacts], Check], ...]] = {
    "restore": (
        check_restore_account,
        check_restore_status,
        check_restore_role,
        check_restore_scps,
        check_restore_metadata,
        check_target_names,
        check_restore_network,
        check_engine_version,
        check_restore_key_and_rcps,
        check_pass_role,
        check_instance_profile,
        check_key_pair,
    ),
}


def restore_verdicts(facts: RestoreFacts) -> list[Check]:
    """Every restore check, in display order (an EC2 restore's on each of its AMI snapshots'
    keys: see checks/image_keys.py)."""
    return restore_checks_with_other_keys(facts, _verdicts)


def _verdicts(facts: RestoreFacts) -> list[Check]:
    return [verdict(facts) for group in RESTORE_CHECK_GROUPS.values() for verdict in group]
