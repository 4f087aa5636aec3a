"""The rules AWS Backup applies to a copy job, with the messages AWS really gives.

`copy_start_error` answers what StartCopyJob refuses at once; `copy_failure` answers the
StatusMessage of a copy job that AWS accepts and then FAILS (most cross-account problems surface
that way, hours later). The messages are AWS's own: those of the seeds (DESIGN.md section 2),
of AWS Backup's documented job status messages, and of AWS knowledge-center articles.
Facts (organizations, roles, keys) are read from moto's backends in this process.
"""

from __future__ import annotations

from dataclasses import dataclass

from drconsole.sandbox.access import (
    Caller,
    Request,
    allows,
    backup_can_assume,
    denies,
    is_aws_managed_key,
    is_aws_owned_key,
    key_is_usable,
    key_policy,
    organization_of,
    request_keys,
    service_linked_role_arn,
    service_linked_role_exists,
)
from drconsole.sandbox.option_groups import MSG_TARGET_OPTION_GROUP
from drconsole.sandbox.tag_policies import copy_refusal

RDS_FAMILY = frozenset({"RDS", "Aurora", "DocumentDB", "Neptune"})
# Resource types whose backups AWS Backup encrypts itself with the vault key ("full AWS Backup
# management"); DynamoDB joins them only with advanced features turned on.
FULLY_MANAGED = frozenset(
    {"S3", "EFS", "Timestream", "VirtualMachine", "CloudFormation", "SAP HANA on Amazon EC2"}
)

# --- Messages ---------------------------------------------------------------------------------
# Verbatim from the seeds.
MSG_CROSS_ACCOUNT_DISABLED = (
    "Copy job failed. Cross-account copy feature is not enabled for the current organization."
)
MSG_VAULT_POLICY_DENIES = "Access Denied trying to call AWS Backup service."
MSG_DEST_VAULT_AWS_MANAGED_KEY = (
    "Copy job failed because the destination Backup vault is encrypted with the default Backup "
    "service managed key. The contents of this vault cannot be copied. Only the contents of a "
    "Backup vault encrypted by an AWS KMS key may be copied."
)
MSG_EBS_KEY_NOT_ACCESSIBLE = "Given key ID is not accessible"
MSG_RDS_SOURCE_KEY = (
    "The source snapshot KMS key [{key_arn}] does not exist, is not enabled or you do not have "
    "permissions to access it."
)
# The seeds give it for RDS; AWS's wording for a DynamoDB backup without advanced features
# (across Regions or accounts, or to another vault of its own account and Region) is not
# published, and this one is given for it too.
MSG_UNSUPPORTED_ROUTE = (
    "Copy job from {source_region} to {dest_region} cannot be initiated for {resource_type} "
    "resources. Feature is not supported for provided resource type."
)
# Verbatim from AWS (knowledge center "Why does my cross-account copy fail in AWS Backup?" and
# the AWS Backup Developer Guide's list of job status messages).
MSG_NOT_SAME_ORG = (
    "Copy job failed. Both source and destination account must be a member of the same "
    "organization."
)
MSG_RDS_AWS_MANAGED_KEY = (
    "Snapshots encrypted with the AWS managed key can't be shared. Specify another snapshot."
)
MSG_EBS_AWS_MANAGED_KEY = "Encrypted snapshots with Amazon EBS default key cannot be shared"
MSG_EC2_AWS_MANAGED_KEY = (
    "AMI snapshot copy failed with error: Given key ID is not accessible. You must have "
    "DescribeKey permissions on the default key"
)
MSG_KMS_KEY_UNUSABLE = (
    "KMS key is either disabled or pending deletion or access to KMS key is denied"
)
MSG_MARKETPLACE_AMI = "Images from AWS Marketplace cannot be copied to another AWS account."
MSG_RETENTION_OUT_OF_RANGE = (
    "Copy job failed. The retention specified in the job is not within the range specified for "
    "the target Backup Vault."
)
MSG_ROLE_CANNOT_BE_ASSUMED = "IAM Role {role_arn} cannot be assumed by AWS Backup"
MSG_SLR_CANNOT_BE_ASSUMED = "The provided role {role_arn} cannot be assumed by AWS Backup."
# Wording not confirmed against AWS: the destination vault of a same-account copy is missing.
MSG_DEST_VAULT_NOT_FOUND = "Backup vault {vault_name} does not exist."


@dataclass(frozen=True)
class CopyAttempt:
    """Everything the rules need to know about one StartCopyJob call."""

    source_account_id: str
    source_region: str
    source_vault_name: str
    dest_account_id: str
    dest_region: str
    dest_vault_name: str
    dest_vault_key_arn: str | None  # the destination vault's EncryptionKeyArn (None: vault missing)
    dest_vault_access_policy: str | None  # JSON text or None
    cross_account_enabled: bool  # the org management account's isCrossAccountBackupEnabled
    single_action_db_copy: bool
    resource_type: str
    resource_arn: str
    source_key_arn: str | None  # the source recovery point's EncryptionKeyArn
    iam_role_arn: str  # role passed to StartCopyJob (in the source account)
    # The DynamoDB recovery point was made with advanced DynamoDB features (its ARN is an
    # arn:aws:backup one): the setting at backup time decides, not the setting now.
    dynamodb_advanced_features: bool = False
    # The keys of an EC2 recovery point's AMI snapshots ("" for one not encrypted; empty when
    # the sandbox made no AMI with snapshots for it): each is copied on its own key.
    image_key_arns: tuple[str, ...] = ()
    # The EC2 recovery point is an AMI from AWS Marketplace.
    marketplace_ami: bool = False
    # The copy's retention (Lifecycle.DeleteAfterDays; None: kept forever) and the destination
    # vault's Vault Lock range (None: no lock, or no bound).
    delete_after_days: int | None = None
    dest_vault_min_retention_days: int | None = None
    dest_vault_max_retention_days: int | None = None
    # The recovery point's ARN and tags: a copy carries its tags into the destination account,
    # whose enforced tag policies judge them.
    recovery_point_arn: str = ""
    recovery_point_tags: tuple[tuple[str, str], ...] = ()
    # The persistent or permanent options of an RDS DB snapshot's option group that the
    # destination Region has no option group of that name holding (sandbox/option_groups.py).
    missing_options: tuple[str, ...] = ()
    # The destination vault's tags (aws:ResourceTag/* of the copy role's CopyIntoBackupVault).
    dest_vault_tags: tuple[tuple[str, str], ...] = ()
    # The source vault's access policy (JSON text or None): on the role's own account, a
    # statement naming the copy role may allow its CopyFromBackupVault.
    source_vault_access_policy: str | None = None

    @property
    def cross_account(self) -> bool:
        """True when the copy leaves the source account."""
        return self.source_account_id != self.dest_account_id

    @property
    def cross_region(self) -> bool:
        """True when the copy leaves the source Region."""
        return self.source_region != self.dest_region

    @property
    def dest_vault_arn(self) -> str:
        """The destination vault's ARN."""
        return (
            f"arn:aws:backup:{self.dest_region}:{self.dest_account_id}:"
            f"backup-vault:{self.dest_vault_name}"
        )


def fully_managed(resource_type: str, dynamodb_advanced_features: bool = False) -> bool:
    """True when AWS Backup encrypts this resource type's backups with the vault key."""
    if resource_type == "DynamoDB":
        return dynamodb_advanced_features
    return resource_type in FULLY_MANAGED


def copy_start_error(attempt: CopyAttempt) -> tuple[str, str] | None:
    """(error code, message) for what StartCopyJob refuses synchronously, else None."""
    role_account = (
        attempt.iam_role_arn.split(":")[4] if attempt.iam_role_arn.count(":") >= 5 else ""
    )
    if role_account != attempt.source_account_id or not backup_can_assume(attempt.iam_role_arn):
        return (
            "InvalidParameterValueException",
            MSG_ROLE_CANNOT_BE_ASSUMED.format(role_arn=attempt.iam_role_arn),
        )
    if attempt.dest_vault_key_arn is None and not attempt.cross_account:
        return (
            "ResourceNotFoundException",
            MSG_DEST_VAULT_NOT_FOUND.format(vault_name=attempt.dest_vault_name),
        )
    if unsupported_route(attempt):
        return (
            "InvalidParameterValueException",
            MSG_UNSUPPORTED_ROUTE.format(
                source_region=attempt.source_region,
                dest_region=attempt.dest_region,
                resource_type=attempt.resource_type,
            ),
        )
    return None


def unsupported_route(attempt: CopyAttempt) -> bool:
    """True when AWS cannot copy this resource type between these accounts and Regions at once."""
    if attempt.resource_type in RDS_FAMILY:
        return attempt.cross_account and attempt.cross_region and not attempt.single_action_db_copy
    if attempt.resource_type == "DynamoDB":
        # Advanced DynamoDB backup is what lets AWS Backup copy a table's backups to another
        # Region or another account (AWS Backup, "Advanced DynamoDB backup"); a type that
        # copies neither way copies "in no scenario, including same-Region and same-account
        # copies" (AWS Backup, "Backup and tag copy").
        return not attempt.dynamodb_advanced_features
    return False


def copy_failure(attempt: CopyAttempt) -> str | None:
    """The StatusMessage AWS gives when this copy job FAILS, else None (the copy completes)."""
    from drconsole.sandbox.role_assumption import rcp_refuses_assumption

    # AWS Backup works as the copy role: an RCP denying it the role fails the job first.
    if rcp_refuses_assumption(attempt.iam_role_arn, attempt.source_region):
        return MSG_ROLE_CANNOT_BE_ASSUMED.format(role_arn=attempt.iam_role_arn)
    managed = fully_managed(attempt.resource_type, attempt.dynamodb_advanced_features)
    if attempt.cross_account:
        refusal = _cross_account_refusal(attempt, managed)
        if refusal is not None:
            return refusal
    elif vault_policy_denies_copy(attempt):
        # A same-account copy needs no statement allowing it, but an explicit deny in the
        # vault's access policy still refuses it (IAM: an explicit deny overrides any allow);
        # AWS's wording for it is not published: the cross-account one is given.
        return MSG_VAULT_POLICY_DENIES
    if copy_role_refused(attempt):
        # AWS names this message for a copy role whose IAM policy does not allow
        # CopyIntoBackupVault; for a Deny, a boundary or SCP, or CopyFromBackupVault, inferred.
        return MSG_VAULT_POLICY_DENIES
    for key_arn in (attempt.source_key_arn, *attempt.image_key_arns, attempt.dest_vault_key_arn):
        if is_aws_owned_key(key_arn) or key_arn == "":
            continue  # AWS Backup manages its use
        if key_arn is not None and not is_aws_managed_key(key_arn) and not key_is_usable(key_arn):
            return MSG_KMS_KEY_UNUSABLE
    if not retention_fits_vault_lock(attempt):
        return MSG_RETENTION_OUT_OF_RANGE
    if attempt.cross_region and attempt.missing_options:
        return MSG_TARGET_OPTION_GROUP.format(options=", ".join(attempt.missing_options))
    if attempt.cross_account:
        refusal = _source_key_failure(attempt, managed)
        if refusal is not None:
            return refusal
    # The copy is created, with its tags, in the destination account: an enforced tag policy
    # there refuses tags it does not allow (same account or not).
    return copy_refusal(
        attempt.dest_account_id, attempt.recovery_point_arn, dict(attempt.recovery_point_tags)
    )


def _cross_account_refusal(attempt: CopyAttempt, managed: bool) -> str | None:
    """Organization, setting, vault policy, vault key and service-linked role, in AWS's order."""
    source_org = organization_of(attempt.source_account_id)
    dest_org = organization_of(attempt.dest_account_id)
    if source_org is None or dest_org is None or source_org.org_id != dest_org.org_id:
        return MSG_NOT_SAME_ORG
    if not attempt.cross_account_enabled:
        return MSG_CROSS_ACCOUNT_DISABLED
    if attempt.resource_type == "EC2" and attempt.marketplace_ami:
        return MSG_MARKETPLACE_AMI
    if not vault_policy_allows_copy(attempt, source_org.org_id, source_org.org_path):
        return MSG_VAULT_POLICY_DENIES
    if not managed and is_aws_managed_key(attempt.dest_vault_key_arn):
        return MSG_DEST_VAULT_AWS_MANAGED_KEY
    if attempt.dest_vault_name == "Default":
        # "The destination vault cannot be the default vault. This is because the default
        # vault is encrypted with a key that cannot be shared with other accounts"
        # (create-cross-account-backup), whatever the type: AWS's wording for it is not
        # published, and the one for an aws/backup destination vault is given.
        return MSG_DEST_VAULT_AWS_MANAGED_KEY
    if not service_linked_role_exists(attempt.dest_account_id):
        return MSG_SLR_CANNOT_BE_ASSUMED.format(
            role_arn=service_linked_role_arn(attempt.dest_account_id)
        )
    return None


def copy_role_refused(attempt: CopyAttempt) -> bool:
    """True when the copy role may not make its CopyFromBackupVault or CopyIntoBackupVault
    request: an identity policy of the role denies it, nothing allows it (its identity
    policies, or a vault policy of its own account naming it), its permissions boundary or an
    SCP on the source account's path does not allow it (copy_guards.py)."""
    from drconsole.sandbox import copy_guards

    requests = copy_guards.role_requests(
        (attempt.source_account_id, attempt.source_region),
        (attempt.dest_account_id, attempt.dest_region, attempt.dest_vault_arn),
        attempt.iam_role_arn,
        (attempt.recovery_point_arn, dict(attempt.recovery_point_tags)),
        dict(attempt.dest_vault_tags),
    )
    vault_policies = (
        attempt.source_vault_access_policy,
        None if attempt.cross_account else attempt.dest_vault_access_policy,
    )
    return copy_guards.role_refused(
        attempt.source_account_id, attempt.iam_role_arn, requests, vault_policies
    )


def retention_fits_vault_lock(attempt: CopyAttempt) -> bool:
    """True when the copy's retention lies within the destination vault's Vault Lock range."""
    low, high = attempt.dest_vault_min_retention_days, attempt.dest_vault_max_retention_days
    days = attempt.delete_after_days
    if days is None:
        return high is None  # kept forever: only a vault without a maximum accepts it
    return (low is None or days >= low) and (high is None or days <= high)


def vault_policy_denies_copy(attempt: CopyAttempt) -> bool:
    """True when the destination vault's access policy explicitly denies this copy."""
    context = request_keys(attempt.dest_region, attempt.source_account_id, attempt.dest_account_id)
    context["aws:PrincipalArn"] = attempt.iam_role_arn
    request = Request(
        caller=Caller(account_id=attempt.source_account_id, arn=attempt.iam_role_arn),
        action="backup:CopyIntoBackupVault",
        resource=attempt.dest_vault_arn,
        context=context,
    )
    return denies(attempt.dest_vault_access_policy, request)


def vault_policy_allows_copy(attempt: CopyAttempt, org_id: str, org_path: str) -> bool:
    """True when the destination vault's access policy lets the source copy into it."""
    request = Request(
        caller=Caller(account_id=attempt.source_account_id, arn=attempt.iam_role_arn),
        action="backup:CopyIntoBackupVault",
        resource=attempt.dest_vault_arn,
        context={
            **request_keys(attempt.dest_region, attempt.source_account_id, attempt.dest_account_id),
            "aws:PrincipalOrgID": org_id,
            "aws:PrincipalOrgPaths": [org_path],
            "aws:PrincipalArn": attempt.iam_role_arn,
        },
    )
    return allows(attempt.dest_vault_access_policy, request)


def source_key_shared(key_arn: str, dest_account_id: str) -> bool:
    """True when the key policy lets the destination's service-linked role create grants on it.

    That is what AWS Backup needs: the destination account's AWSServiceRoleForBackup creates a
    grant for the AWS resource (kms:GrantIsForAWSResource) and uses the key through it.
    """
    parts = key_arn.split(":")
    context = request_keys(parts[3], dest_account_id, parts[4])
    context.update(
        {
            "kms:GrantIsForAWSResource": "true",
            "kms:CallerAccount": dest_account_id,
            "aws:PrincipalArn": service_linked_role_arn(dest_account_id),
        }
    )
    request = Request(
        caller=Caller(account_id=dest_account_id, arn=service_linked_role_arn(dest_account_id)),
        action="kms:CreateGrant",
        resource=key_arn,
        context=context,
    )
    return allows(key_policy(key_arn), request)


def _source_key_failure(attempt: CopyAttempt, managed: bool) -> str | None:
    """Why the source's key, or any key of an EC2 point's AMI snapshots, fails the copy."""
    for key_arn in (attempt.source_key_arn, *attempt.image_key_arns):
        refusal = _key_failure(attempt, key_arn or None, managed)
        if refusal is not None:
            return refusal
    return None


def _key_failure(attempt: CopyAttempt, key_arn: str | None, managed: bool) -> str | None:
    if key_arn is None or is_aws_owned_key(key_arn):
        return None  # unencrypted, or on an AWS owned key AWS Backup manages: nothing to share
    if is_aws_managed_key(key_arn):
        if managed:
            return None  # AWS Backup re-encrypts fully managed backups itself
        return _aws_managed_key_message(attempt.resource_type)
    if source_key_shared(key_arn, attempt.dest_account_id):
        return None
    if attempt.resource_type in RDS_FAMILY:
        return MSG_RDS_SOURCE_KEY.format(key_arn=key_arn)
    if attempt.resource_type in ("EBS", "EC2"):
        return MSG_EBS_KEY_NOT_ACCESSIBLE
    return MSG_KMS_KEY_UNUSABLE


def _aws_managed_key_message(resource_type: str) -> str:
    if resource_type in RDS_FAMILY:
        return MSG_RDS_AWS_MANAGED_KEY
    if resource_type == "EBS":
        return MSG_EBS_AWS_MANAGED_KEY
    if resource_type == "EC2":
        return MSG_EC2_AWS_MANAGED_KEY
    return MSG_KMS_KEY_UNUSABLE
