"""Variable parts of an AWS error message (ARNs, accounts, Regions) and fix-text helpers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from drconsole.partitions import DEFAULT as DEFAULT_PARTITION
from drconsole.partitions import (
    RESTORE_POLICY,
    S3_RESTORE_POLICY,
    backup_service_linked_role,
    managed_policy,
)
from drconsole.redact import masked_url
from drconsole.shell_words import shell_word

ARN_RE = re.compile(
    r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:\d{12})?:[A-Za-z0-9_+=,.@:/*-]+", re.IGNORECASE
)
ACCOUNT_RE = re.compile(r"(?<![\w-])\d{12}(?![\w-])")
# Every partition's Regions: us-east-1, us-gov-west-1, us-isob-east-1, and the European
# Sovereign Cloud's eusc-de-east-1 (a four-letter prefix and a country).
REGION_RE = re.compile(
    r"\b(?:[a-z]{2}(?:-gov|-iso[a-z]?)?|eusc-[a-z]{2})-(?:north|south|east|west|central|"
    r"northeast|northwest|southeast|southwest)-\d{1,2}\b",
    re.IGNORECASE,
)
# The partition field of any ARN, complete or not (`arn:aws-us-gov:s3:::<bucket-name>`).
PARTITION_RE = re.compile(r"\barn:(aws(?:-[a-z]+)*):", re.IGNORECASE)
PRINCIPAL_RE = re.compile(r"\b(?:user|principal|role):?\s+(arn:aws\S+)", re.IGNORECASE)
ACTION_RE = re.compile(r"perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)", re.IGNORECASE)
ENDPOINT_RE = re.compile(r"endpoint url:?\s*\"?(https?://[^\s\"]+)", re.IGNORECASE)

SLR_CREATE = "aws iam create-service-linked-role --aws-service-name backup.amazonaws.com"


def _clean(value: str) -> str:
    """An ARN or URL without the sentence punctuation that follows it in a message."""
    return value.rstrip(".,;:)]'\"")


def _unique(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return tuple(seen)


def arn_account(arn: str) -> str | None:
    """The account id field of an ARN, when it has one."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and re.fullmatch(r"\d{12}", parts[4]) else None


def arn_region(arn: str) -> str | None:
    """The Region field of an ARN, when it has one."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


@dataclass(frozen=True, slots=True)
class Facts:
    """What could be read from a message: used to fill remediations with the real values."""

    text: str
    arns: tuple[str, ...]
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    principal_arn: str | None
    action: str | None
    endpoint_url: str | None
    operation: str | None = None

    @classmethod
    def read(cls, text: str, operation: str | None = None) -> Facts:
        """Extract the variable parts of `text`."""
        arns = _unique([_clean(m) for m in ARN_RE.findall(text)])
        principal = PRINCIPAL_RE.search(text)
        action = ACTION_RE.search(text)
        endpoint = ENDPOINT_RE.search(text)
        return cls(
            text=text,
            arns=arns,
            accounts=_unique(ACCOUNT_RE.findall(text)),
            regions=_unique([r.lower() for r in REGION_RE.findall(text)]),
            principal_arn=_clean(principal.group(1)) if principal else None,
            action=_clean(action.group(1)) if action else None,
            # Quoted in the explanation and the curl command: never with its user and password.
            endpoint_url=masked_url(_clean(endpoint.group(1))) if endpoint else None,
            operation=operation,
        )

    def arn_of(self, service: str, resource_prefix: str = "") -> str | None:
        """The first ARN of a service (and resource type prefix) in the message."""
        for arn in self.arns:
            parts = arn.split(":", 5)
            if (
                len(parts) == 6
                and parts[2].lower() == service
                and parts[5].lower().startswith(resource_prefix.lower())
            ):
                return arn
        return None

    @property
    def key_arn(self) -> str | None:
        """The KMS key (or alias) ARN named in the message."""
        return self.arn_of("kms")

    @property
    def vault_arn(self) -> str | None:
        """The backup vault ARN named in the message."""
        return self.arn_of("backup", "backup-vault")

    @property
    def role_arn(self) -> str | None:
        """The first IAM role ARN named in the message that is not a service-linked role."""
        for arn in self.arns:
            if ":role/" in arn.lower() and "aws-service-role" not in arn.lower():
                return arn
        return None

    @property
    def principal_account(self) -> str | None:
        """The account of the calling principal (`User: arn:...`), when named."""
        return arn_account(self.principal_arn) if self.principal_arn else None

    def other_account(self, *not_these: str | None) -> str | None:
        """The first account id in the message that is none of `not_these`."""
        for account in self.accounts:
            if account not in not_these:
                return account
        return None

    @property
    def partition(self) -> str:
        """The partition of the message's first ARN; `aws` when it names none."""
        named = PARTITION_RE.search(self.text)
        return named.group(1).lower() if named else DEFAULT_PARTITION

    def region(self, index: int = 0) -> str | None:
        """The n-th Region named in the message."""
        return self.regions[index] if len(self.regions) > index else None


def fill(value: str | None, placeholder: str) -> str:
    """The value read from the message, or a clearly marked placeholder (as text: a command
    that holds it writes it with `command_word`)."""
    return value if value else f"<{placeholder}>"


def command_word(value: str | None, placeholder: str) -> str:
    """`fill` for a command a person pastes: the value as one shell word."""
    return shell_word(value) if value else f"<{placeholder}>"


def policy_json(*statements: dict[str, Any]) -> str:
    """Statements as indented JSON, ready to paste into a policy's Statement list."""
    body = statements[0] if len(statements) == 1 else list(statements)
    return json.dumps(body, indent=2)


def slr_arn(account: str, partition: str) -> str:
    """The ARN of AWS Backup's service-linked role in an account."""
    return backup_service_linked_role(account, partition)


def key_grant_statements(
    dest_account: str, partition: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Key policy statements letting another account's AWS Backup role use a source key."""
    principal = {"AWS": slr_arn(dest_account, partition)}
    grants = {
        "Sid": "AllowBackupGrantsForDestinationAccount",
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }
    use = {
        "Sid": "AllowBackupUseForDestinationAccount",
        "Effect": "Allow",
        "Principal": principal,
        "Action": [
            "kms:DescribeKey",
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
        ],
        "Resource": "*",
    }
    return grants, use


def key_policy_commands(key: str) -> str:
    """How to merge a statement into a key policy with the AWS CLI."""
    return (
        f"  aws kms get-key-policy --key-id {key} --policy-name default --output text"
        " > key-policy.json\n"
        "  (add the statement(s) to the Statement list of key-policy.json)\n"
        f"  aws kms put-key-policy --key-id {key} --policy-name default"
        " --policy file://key-policy.json"
    )


def vault_name(vault_arn: str | None) -> str | None:
    """The vault name at the end of a backup vault ARN."""
    if not vault_arn or ":backup-vault:" not in vault_arn:
        return None
    return vault_arn.split(":backup-vault:", 1)[1] or None


def role_name(role_arn: str | None) -> str | None:
    """The role name (without path) at the end of an IAM role ARN."""
    if not role_arn or ":role/" not in role_arn:
        return None
    return role_arn.rsplit("/", 1)[-1] or None


TRUST_BACKUP = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}

BACKUP_ROLE_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    RESTORE_POLICY,
    "AWSBackupServiceRolePolicyForS3Backup",
    S3_RESTORE_POLICY,
)


def backup_role_fix(role_arn: str | None, partition: str) -> str:
    """Commands that create (or repair) a service role AWS Backup can assume for jobs."""
    name = command_word(role_name(role_arn), "ROLE_NAME")
    account = arn_account(role_arn) if role_arn else None
    where = f" in account {account}" if account else ""
    lines = [
        f"Make sure the role {fill(role_arn, 'ROLE_ARN')} exists{where}, trusts"
        " backup.amazonaws.com and has AWS Backup's managed policies (S3 needs the two S3"
        " policies as well):",
        f"  aws iam create-role --role-name {name} --path /service-role/"
        f" --assume-role-policy-document '{json.dumps(TRUST_BACKUP)}'"
        "   (skip if it exists; to fix its trust use"
        f" aws iam update-assume-role-policy --role-name {name} --policy-document '...')",
    ]
    lines += [
        f"  aws iam attach-role-policy --role-name {name} --policy-arn"
        f" {managed_policy(p, partition)}"
        for p in BACKUP_ROLE_POLICIES
    ]
    return "\n".join(lines)


def role_of_session(principal: str | None) -> str | None:
    """`arn:aws:sts::1:assumed-role/Name/session` -> `arn:aws:iam::1:role/Name`."""
    if not principal:
        return None
    if ":assumed-role/" in principal:
        prefix, rest = principal.split(":assumed-role/", 1)
        partition = prefix.split(":")[1] if prefix.count(":") >= 1 else "aws"
        account = arn_account(principal) or ""
        return f"arn:{partition}:iam::{account}:role/{rest.split('/')[0]}"
    return principal if ":role/" in principal else None
