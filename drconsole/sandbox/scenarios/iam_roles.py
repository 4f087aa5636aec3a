"""The IAM roles AWS Backup relies on in every account, created as AWS would have them."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

SERVICE_LINKED_ROLE = "AWSServiceRoleForBackup"
SERVICE_LINKED_ROLE_PATH = "/aws-service-role/backup.amazonaws.com/"
DEFAULT_SERVICE_ROLE = "AWSBackupDefaultServiceRole"
DEFAULT_SERVICE_ROLE_PATH = "/service-role/"
MEMBER_ACCESS_ROLE = "OrganizationAccountAccessRole"

SERVICE_LINKED_ROLE_POLICY = (
    "arn:aws:iam::aws:policy/aws-service-role/AWSBackupServiceLinkedRolePolicyForBackup"
)
SERVICE_ROLE_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
)
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
NEEDED_AWS_POLICIES = (SERVICE_LINKED_ROLE_POLICY, *SERVICE_ROLE_POLICIES, ADMINISTRATOR_ACCESS)


def service_linked_role_arn(account_id: str) -> str:
    """ARN of AWS Backup's service-linked role in an account."""
    return f"arn:aws:iam::{account_id}:role{SERVICE_LINKED_ROLE_PATH}{SERVICE_LINKED_ROLE}"


def default_service_role_arn(account_id: str) -> str:
    """ARN of AWSBackupDefaultServiceRole in an account."""
    return f"arn:aws:iam::{account_id}:role{DEFAULT_SERVICE_ROLE_PATH}{DEFAULT_SERVICE_ROLE}"


def trust_policy(principal: dict[str, str]) -> str:
    """An sts:AssumeRole trust policy for one principal."""
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


BACKUP_TRUST = trust_policy({"Service": "backup.amazonaws.com"})


@cache
def _aws_policy_documents() -> dict[str, dict[str, Any]]:
    """The few AWS managed policies the roles need, from moto's copy of AWS's catalogue."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    catalogue = json.loads(aws_managed_policies_data)
    wanted = {arn.rsplit("/", 1)[1] for arn in NEEDED_AWS_POLICIES}
    return {name: data for name, data in catalogue.items() if name in wanted}


def ensure_aws_managed_policies(account_id: str) -> None:
    """Make the AWS managed policies the roles attach exist in the account's IAM.

    moto loads its 1,500 AWS managed policies into every account only when asked to (at a cost
    of about 0.1 s per account); the scenarios need five of them, so only those are added.
    """
    from moto.iam.models import AWSManagedPolicy, iam_backends

    backend = iam_backends[account_id]["global"]
    for name, data in _aws_policy_documents().items():
        policy = AWSManagedPolicy.from_data(name, account_id, "us-east-1", data)
        if policy.arn not in backend.managed_policies:
            backend.managed_policies[policy.arn] = policy
            backend.aws_managed_policies.append(policy)


def create_backup_roles(
    iam: Any, account_id: str, management_account_id: str, *, service_linked_role: bool = True
) -> None:
    """Create AWS Backup's roles and the member-access role in one account.

    `iam` is a boto3 IAM client acting as that account. The service-linked role is created
    explicitly (moto's CreateServiceLinkedRole would name it AWSServiceRoleForbackup).
    """
    ensure_aws_managed_policies(account_id)
    if service_linked_role:
        iam.create_role(
            RoleName=SERVICE_LINKED_ROLE,
            Path=SERVICE_LINKED_ROLE_PATH,
            AssumeRolePolicyDocument=BACKUP_TRUST,
            Description=(
                "Provides AWS Backup permission to create backups and perform restores "
                "on your behalf across AWS services"
            ),
        )
        iam.attach_role_policy(RoleName=SERVICE_LINKED_ROLE, PolicyArn=SERVICE_LINKED_ROLE_POLICY)
    iam.create_role(
        RoleName=DEFAULT_SERVICE_ROLE,
        Path=DEFAULT_SERVICE_ROLE_PATH,
        AssumeRolePolicyDocument=BACKUP_TRUST,
        Description="Default role created by AWS Backup",
    )
    for policy_arn in SERVICE_ROLE_POLICIES:
        iam.attach_role_policy(RoleName=DEFAULT_SERVICE_ROLE, PolicyArn=policy_arn)
    ensure_member_access_role(iam, management_account_id)


def ensure_member_access_role(iam: Any, management_account_id: str) -> None:
    """OrganizationAccountAccessRole trusting the management account, with administrator access.

    Organizations creates it in accounts it creates; it is added where it is missing (the
    management account) so that every account is reached the same way.
    """
    try:
        iam.get_role(RoleName=MEMBER_ACCESS_ROLE)
    except iam.exceptions.NoSuchEntityException:
        iam.create_role(
            RoleName=MEMBER_ACCESS_ROLE,
            AssumeRolePolicyDocument=trust_policy(
                {"AWS": f"arn:aws:iam::{management_account_id}:root"}
            ),
        )
    iam.attach_role_policy(RoleName=MEMBER_ACCESS_ROLE, PolicyArn=ADMINISTRATOR_ACCESS)
