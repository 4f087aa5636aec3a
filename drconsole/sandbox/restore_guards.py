"""What stops a sandbox restore's creating call: a Deny in the restore role's own policies, or
none of them allowing it, its permissions boundary, and the service control policies on the
restoring account's OU path.

IAM allows a role's request only when its identity policies and its permissions boundary both
allow it, and an explicit Deny in any of them denies it; every SCP level (root, each OU, the
account) must allow a member account's request, and none limits the management account. The
sandbox reads them with its own policy matcher (access.py), sharing nothing with drconsole's
checks or evaluator.
"""

from __future__ import annotations

import json
from typing import Any

from drconsole.sandbox.access import (
    Caller,
    ContextValue,
    Request,
    allows,
    denies,
    find_role_by_arn,
    request_keys,
)

# IAM's AccessDenied wording for an SCP (IAM User Guide, "Troubleshooting access denied error
# messages"): "with an explicit deny in a service control policy", or "because no service
# control policy allows the ACTION action".
MSG_SCP_DENIED = (
    "User: {caller} is not authorized to perform: {action} on resource: {resource} with an "
    "explicit deny in a service control policy"
)
MSG_SCP_NOT_ALLOWED = (
    "User: {caller} is not authorized to perform: {action} on resource: {resource} because no "
    "service control policy allows the {action} action"
)


def boundary_allows(role_arn: str, request: Request) -> bool:
    """True when the role has no permissions boundary, or its boundary (the default version
    of the managed policy it names) allows the request."""
    role = find_role_by_arn(role_arn)
    boundary = getattr(role, "permissions_boundary_arn", None) if role is not None else None
    if not boundary:
        return True
    document = _managed_policy_document(role_arn.split(":")[4], boundary)
    return document is not None and allows(document, request)


def identity_documents(role: Any) -> list[Any]:
    """A moto role's identity policies: its inline ones, and each attached managed policy at its
    default version (a JSON text or an already parsed document)."""
    documents: list[Any] = list(role.policies.values())
    for policy in role.managed_policies.values():
        documents += [
            v.document for v in policy.versions if v.version_id == policy.default_version_id
        ]
    return documents


def identity_denies(role_arn: str, request: Request) -> bool:
    """True when one of the role's identity policies (inline, or an attached managed policy at
    its default version) explicitly denies the request: a Deny overrides every Allow."""
    role = find_role_by_arn(role_arn)
    if role is None:
        return False
    documents = identity_documents(role)
    return any(
        denies(json.loads(document) if isinstance(document, str) else document, request)
        for document in documents
    )


def identity_allows(role_arn: str, request: Request) -> bool:
    """True when one of the role's identity policies (inline, or an attached managed policy at
    its default version, AWS managed ones included) allows the request: without an Allow IAM
    denies it implicitly. A role the sandbox does not have is left to the checks made when the
    job starts (True)."""
    role = find_role_by_arn(role_arn)
    if role is None:
        return True
    return any(
        allows(json.loads(document) if isinstance(document, str) else document, request)
        for document in identity_documents(role)
    )


def _managed_policy_document(account_id: str, policy_arn: str) -> Any | None:
    """The default version's document of a managed policy (None: IAM does not have it)."""
    from moto.iam.models import iam_backends

    try:
        policy = iam_backends[account_id]["global"].get_policy(policy_arn)
    except Exception:  # moto's NotFound: a boundary naming no policy allows nothing
        return None
    for version in policy.versions:
        if version.version_id == policy.default_version_id:
            document = version.document
            return json.loads(document) if isinstance(document, str) else document
    return None


# The call the restore role makes to create each type's resource (AWSBackupServiceRolePolicy-
# ForRestores), on the resource IAM authorizes it on: DynamoDB's RestoreTableFromBackup on the
# source backup ("permissions are necessary on the source backup", DynamoDB Developer Guide,
# "Using IAM with DynamoDB backup and restore"), EFS's Restore on a file system (the policy's
# EFSPermissions). S3's are judged where its bucket is (restores._s3_failure).
CREATING_CALLS = {
    "EBS": ("ec2:CreateVolume", "volume/*"),
    "EC2": ("ec2:RunInstances", "instance/*"),
    "RDS": ("rds:RestoreDBInstanceFromDBSnapshot", "db:{DBInstanceIdentifier}"),
    "Aurora": ("rds:RestoreDBClusterFromSnapshot", "cluster:{DBClusterIdentifier}"),
    "DynamoDB": ("dynamodb:RestoreTableFromBackup", "{backup}"),
    "EFS": ("elasticfilesystem:Restore", "file-system/{file-system-id}"),
}


def creating_call(
    account_id: str,
    region: str,
    resource_type: str,
    metadata: dict[str, str],
    point_arn: str,
) -> tuple[str, str] | None:
    """(action, resource ARN) of the call creating the restored resource, else None. A
    DynamoDB backup with advanced features (an arn:aws:backup recovery point) is restored by
    RestoreTableFromAwsBackup on the new table."""
    call = CREATING_CALLS.get(resource_type)
    if call is None:
        return None
    action, tail = call
    service = action.split(":")[0]
    lowered = {key.lower(): value for key, value in metadata.items()}
    if resource_type == "DynamoDB":
        if point_arn.split(":")[2:3] == ["dynamodb"]:
            return action, point_arn  # DynamoDB's own backup: its ARN is the table's backup
        if point_arn.split(":")[2:3] == ["backup"]:
            action, tail = "dynamodb:RestoreTableFromAwsBackup", "table/{targetTableName}"
        else:  # no recovery point given: a backup of the original table
            tail = f"table/{lowered.get('originaltablename') or '*'}/backup/*"
    if resource_type == "EFS" and lowered.get("newfilesystem", "").lower() == "true":
        lowered.pop("file-system-id", None)  # a new file system: its id is not known yet
    for key in ("DBInstanceIdentifier", "DBClusterIdentifier", "targetTableName", "file-system-id"):
        tail = tail.replace("{" + key + "}", lowered.get(key.lower(), "") or "*")
    return action, f"arn:aws:{service}:{region}:{account_id}:{tail}"


def role_request(account_id: str, region: str, action: str, resource: str) -> Request:
    """The restore role's request in the restoring account and Region."""
    context: dict[str, ContextValue] = dict(request_keys(region, account_id, account_id))
    return Request(caller=Caller(), action=action, resource=resource, context=context)


def scp_refusal(
    account_id: str,
    region: str,
    principal: str,
    action: str,
    resource: str,
    extra: dict[str, str] | None = None,
) -> str | None:
    """IAM's AccessDenied message when the SCPs on the account's path do not allow `principal`'s
    request, else None (no organization, SCPs not enabled, or the management account)."""
    levels = scp_levels(account_id)
    if not levels:
        return None
    context: dict[str, ContextValue] = {
        **request_keys(region, account_id, account_id),
        "aws:PrincipalArn": principal,
        **(extra or {}),
    }
    request = Request(
        caller=Caller(account_id=account_id, arn=principal),
        action=action,
        resource=resource,
        context=context,
    )
    return levels_refusal(levels, request)


def levels_refusal(levels: list[list[Any]], request: Request) -> str | None:
    """IAM's AccessDenied message when a level of `levels` (scp_levels) denies `request` or
    does not allow it, else None."""
    principal, action, resource = request.caller.arn, request.action, request.resource
    for documents in levels:
        statements = [s for d in documents for s in policy_statements(d)]
        merged = {"Statement": statements}
        if denies(merged, request):
            return MSG_SCP_DENIED.format(caller=principal, action=action, resource=resource)
        if not allows(merged, request):
            return MSG_SCP_NOT_ALLOWED.format(caller=principal, action=action, resource=resource)
    return None


def policy_statements(document: Any) -> list[dict[str, Any]]:
    """The statements of a policy document (JSON text or parsed), each with a Resource."""
    parsed = json.loads(document) if isinstance(document, str) else document
    statements = parsed.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    # An SCP statement may leave Resource out: it then covers every resource.
    return [
        s if "Resource" in s or "NotResource" in s else {**s, "Resource": "*"} for s in statements
    ]


def rcp_denies(
    key_account: str,
    account_id: str,
    region: str,
    principal: str,
    action: str,
    resource: str,
    extra: dict[str, str],
) -> bool:
    """True when an RCP on the path of `key_account` (the key's owner) explicitly denies
    `principal`'s (a role of `account_id`) request. RCPs only deny: RCPFullAWSAccess, the only
    RCP that may Allow, sits at every level and cannot be detached. They don't affect the
    management account's resources."""
    context: dict[str, ContextValue] = {
        **request_keys(region, account_id, key_account),
        "aws:PrincipalArn": principal,
        "aws:PrincipalIsAWSService": "false",
        **extra,
    }
    request = Request(
        caller=Caller(account_id=account_id, arn=principal),
        action=action,
        resource=resource,
        context=context,
    )
    return rcps_deny(key_account, request)


def rcps_deny(resource_account: str, request: Request) -> bool:
    """True when an RCP at some level of `resource_account`'s path explicitly denies
    `request`: each level's documents judged as one policy (RCPs only deny; RCPFullAWSAccess,
    the one that may allow, sits at every level). None apply to the management account."""
    return any(
        denies({"Statement": [s for d in docs for s in policy_statements(d)]}, request)
        for docs in scp_levels(resource_account, "RESOURCE_CONTROL_POLICY")
    )


def scp_levels(account_id: str, policy_type: str = "SERVICE_CONTROL_POLICY") -> list[list[Any]]:
    """The SCP (or `policy_type`) documents at each level of a member account's path (root
    first), empty when such policies do not apply to it."""
    from moto.organizations.models import organizations_backends

    if account_id not in organizations_backends.master_accounts:
        return []
    management_id, _partition = organizations_backends.master_accounts[account_id]
    if management_id == account_id:
        return []  # SCPs never limit the management account
    backend = organizations_backends[management_id]["aws"]
    org = backend.org
    if org is None:
        return []
    root = next((ou for ou in backend.ou if ou.id == org.root_id), None)
    types = getattr(root, "policy_types", [])
    if not any(t.get("Type") == policy_type for t in types):
        return []
    account = next((a for a in backend.accounts if a.id == account_id), None)
    if account is None:
        return []
    parents = {ou.id: getattr(ou, "parent_id", None) for ou in backend.ou}
    chain: list[str] = [account_id]
    node: str | None = account.parent_id
    while node and node not in chain:
        chain.append(node)
        node = parents.get(node) if node != org.root_id else None
    return [
        [
            p.content
            for p in backend.policies
            if p.type == policy_type and any(a.id == target for a in p.attachments)
        ]
        for target in reversed(chain)
    ]


def restore_scp_refusal(
    account_id: str, region: str, caller: str, point_arn: str, role_arn: str | None
) -> str | None:
    """IAM's AccessDenied for StartRestoreJob, or for passing the restore role, when an SCP on
    the account's path does not allow the caller's request (else None)."""
    refused = scp_refusal(account_id, region, caller, "backup:StartRestoreJob", point_arn)
    if refused is None and role_arn:
        passed = {"iam:PassedToService": "backup.amazonaws.com"}
        refused = scp_refusal(account_id, region, caller, "iam:PassRole", role_arn, passed)
    return refused


# The KMS calls a principal makes to use a customer managed key for EBS encryption ("Permissions
# for users" in "Requirements for Amazon EBS encryption"; `kms:ReEncrypt*` is ReEncryptFrom and
# ReEncryptTo), made through EC2 when it creates the restored volume or instance's volumes.
EBS_KEY_ACTIONS = (
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)


def key_use_refused(account_id: str, region: str, role_arn: str, key_arn: str) -> bool:
    """True when the restore role may not use the customer managed key `key_arn` for the EBS
    volumes it restores: one of its identity policies denies a call of EBS_KEY_ACTIONS on the
    key, its permissions boundary does not allow one, an SCP on the account's path does not, or
    an RCP on the path of the key's account denies one (the restore role is no service-linked
    role, which RCPs would not affect). AWS managed keys and keys the sandbox does not know are
    left to the key checks."""
    from drconsole.sandbox.access import find_key, is_aws_managed_key

    key = find_key(key_arn)
    if key is None or is_aws_managed_key(key_arn):
        return False
    arn = str(key.arn)
    extra: dict[str, str] = {
        "kms:ViaService": f"ec2.{region}.amazonaws.com",
        "kms:CallerAccount": account_id,
    }
    for action in EBS_KEY_ACTIONS:
        keys = dict(extra)
        if action == "kms:CreateGrant":
            keys["kms:GrantIsForAWSResource"] = "true"  # EBS's grant is for the volume it makes
        context: dict[str, ContextValue] = {
            **request_keys(region, account_id, arn.split(":")[4]),
            **keys,
        }
        request = Request(caller=Caller(), action=action, resource=arn, context=context)
        if (
            identity_denies(role_arn, request)
            or not boundary_allows(role_arn, request)
            or scp_refusal(account_id, region, role_arn, action, arn, keys)
            or rcp_denies(arn.split(":")[4], account_id, region, role_arn, action, arn, keys)
        ):
            return True
    return False
