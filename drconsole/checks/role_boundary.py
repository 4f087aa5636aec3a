"""A role's permissions boundary against the actions the role performs for a copy or a restore.

IAM allows a role's request only when its identity policies allow it AND its permissions
boundary does; an explicit deny in either denies ("Permissions boundaries for IAM entities",
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import RestoreFacts, RoleFacts, Unreadable
from drconsole.checks.request_context import RequestContext, request_context
from drconsole.checks.undetermined import decide_in, undetermined_check
from drconsole.models import CauseCode, Check, CheckStatus
from drconsole.shell_words import shell_word


@dataclass(frozen=True, slots=True)
class RoleRequest:
    """One request a role makes: its action, its resource, and the context AWS sends."""

    action: str
    resource: str
    context: RequestContext


def restore_role_actions(facts: RestoreFacts) -> list[tuple[str, str]]:
    """(action, resource) the restore role calls to create the resource of the recovery point's
    type, in the restoring account and Region: the creating call of the type's service (in
    AWSBackupServiceRolePolicyForRestores, or AWSBackupServiceRolePolicyForS3Restore for S3).
    A resource whose name the restore does not fix ends in `*`, which a statement written for
    the account's resources of that kind matches."""
    rp = facts.recovery_point
    p, region = rp.partition, facts.restoring_region or rp.region
    account = facts.restoring_account_id
    metadata = facts.metadata if isinstance(facts.metadata, dict) else {}
    lowered = {key.lower(): value.strip() for key, value in metadata.items()}

    def named(key: str) -> str:
        return lowered.get(key.lower()) or "*"

    kind = rp.resource_type
    if kind == "EBS":
        return [("ec2:CreateVolume", f"arn:{p}:ec2:{region}:{account}:volume/*")]
    if kind == "EC2":
        return [("ec2:RunInstances", f"arn:{p}:ec2:{region}:{account}:instance/*")]
    if kind == "RDS":
        db = named("DBInstanceIdentifier")
        return [("rds:RestoreDBInstanceFromDBSnapshot", f"arn:{p}:rds:{region}:{account}:db:{db}")]
    if kind == "Aurora":
        cluster = named("DBClusterIdentifier")
        resource = f"arn:{p}:rds:{region}:{account}:cluster:{cluster}"
        return [("rds:RestoreDBClusterFromSnapshot", resource)]
    if kind == "DynamoDB":
        # A backup with advanced features is AWS Backup's own (arn:...:backup:...), restored
        # on the new table; DynamoDB's own (arn:...:dynamodb:...table/T/backup/ID) is restored
        # with "permissions ... on the source backup" (DynamoDB Developer Guide, "Using IAM
        # with DynamoDB backup and restore").
        if rp.arn.split(":")[2:3] != ["backup"]:
            return [("dynamodb:RestoreTableFromBackup", rp.arn)]
        table = named("targetTableName")
        resource = f"arn:{p}:dynamodb:{region}:{account}:table/{table}"
        return [("dynamodb:RestoreTableFromAwsBackup", resource)]
    if kind == "EFS":
        # On a file system (AWSBackupServiceRolePolicyForRestores' EFSPermissions): the one
        # restored into, or, for a new one, any of the account's.
        new = lowered.get("newfilesystem", "").lower() == "true"
        system = "*" if new else named("file-system-id")
        resource = f"arn:{p}:elasticfilesystem:{region}:{account}:file-system/{system}"
        return [("elasticfilesystem:Restore", resource)]
    if kind == "S3":
        bucket = named("DestinationBucketName")
        wanted = [("s3:PutObject", f"arn:{p}:s3:::{bucket}/*")]
        if lowered.get("newbucket", "").lower() == "true":
            wanted.insert(0, ("s3:CreateBucket", f"arn:{p}:s3:::{bucket}"))
        return wanted
    return []


def restore_role_requests(facts: RestoreFacts) -> list[RoleRequest]:
    """The restore role's requests, with the context AWS sends in the restoring account."""
    region = facts.restoring_region or facts.recovery_point.region
    account = facts.restoring_account_id
    context = request_context(
        region=region,
        principal_account=account,
        principal_org=facts.restoring_org,
        resource_account=account,
        resource_org=facts.restoring_org,
    )
    return [RoleRequest(a, r, context) for a, r in restore_role_actions(facts)]


def boundary_verdict(
    check: tuple[str, str], role: RoleFacts, requests: Sequence[RoleRequest], verdict: Check
) -> Check:
    """`verdict` (the check's judgment of the role's identity policies) unless the role's
    permissions boundary does not allow one of `requests`: FAIL naming the actions and the
    boundary, UNKNOWN when the boundary could not be read or hinges on a key not known. A
    verdict that already FAILs stands: the identity policies deny it whatever the boundary."""
    boundary = role.boundary
    if boundary is None or verdict.status is CheckStatus.FAIL or not requests:
        return verdict
    cid, title = check
    document = boundary.document
    if isinstance(document, Unreadable):
        return unknown_check(cid, title, document, f"the permissions boundary {boundary.arn}")
    refused: list[str] = []
    undetermined: Check | None = None
    name = f"the permissions boundary {boundary.arn} of {role.arn}"
    for request in requests:
        outcome = decide_in(
            document,
            principal=role.arn,
            action=request.action,
            resource=request.resource,
            context=request.context,
        )
        if outcome.error:
            return Check(
                cid, title, CheckStatus.UNKNOWN, f"{name} could not be judged: {outcome.error}"
            )
        allowed = outcome.settled({"allow"})
        if allowed is None:
            undetermined = undetermined or undetermined_check(check, outcome, request.context, name)
        elif not allowed:
            how = "denies" if outcome.decision == "explicit-deny" else "does not allow"
            refused.append(f"{request.action} ({how} it on {request.resource})")
    if refused:
        return _boundary_fails(check, role, refused)
    if undetermined is not None:
        return undetermined
    actions = ", ".join(dict.fromkeys(r.action for r in requests))
    return replace(
        verdict,
        evidence=f"{verdict.evidence}; its permissions boundary {boundary.arn} allows {actions}",
    )


def role_fix_words(role: RoleFacts) -> tuple[str, str]:
    """The role's name as one shell word, and "In account ID, " to begin its fix with ("" when
    its ARN names no account)."""
    account = role.arn.split(":")[4] if role.arn.count(":") >= 5 else ""
    return shell_word(role.arn.rsplit("/", 1)[-1]), f"In account {account}, " if account else ""


def _boundary_fails(check: tuple[str, str], role: RoleFacts, refused: list[str]) -> Check:
    """FAIL: the boundary does not allow what the role must do, with the commands that widen
    the boundary (a boundary policy allowing them) or remove it."""
    cid, title = check
    boundary = role.boundary
    assert boundary is not None
    name, where = role_fix_words(role)
    return Check(
        cid,
        title,
        CheckStatus.FAIL,
        f"the permissions boundary {boundary.arn} of {role.arn} does not allow "
        f"{'; '.join(refused)}: IAM allows a role only what its policies and its boundary "
        "both allow",
        CauseCode.ROLE_PERMISSIONS,
        f"{where}let the boundary allow those actions (a new default version of its policy: "
        f"aws iam create-policy-version --policy-arn {shell_word(boundary.arn)} "
        "--policy-document file://boundary.json --set-as-default), set a boundary that does "
        f"(aws iam put-role-permissions-boundary --role-name {name} --permissions-boundary "
        "BOUNDARY_POLICY_ARN), or remove it: aws iam delete-role-permissions-boundary "
        f"--role-name {name}",
    )
