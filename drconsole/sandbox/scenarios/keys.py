"""KMS keys and their policies as the seeds write them: default, and shared with another account."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def root_arn(account_id: str) -> str:
    """The account principal `arn:aws:iam::<id>:root`."""
    return f"arn:aws:iam::{account_id}:root"


def owner_statement(account_id: str) -> dict[str, Any]:
    """The default key policy statement that lets the owning account's IAM govern the key."""
    return {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": root_arn(account_id)},
        "Action": "kms:*",
        "Resource": "*",
    }


def sharing_statements(principals: Sequence[str]) -> list[dict[str, Any]]:
    """The two statements that let other accounts (or their service-linked roles) use the key.

    The second one is what AWS Backup's service-linked role of the destination account needs
    for a cross-account copy: kms:CreateGrant for AWS resources.
    """
    principal = {"AWS": list(principals) if len(principals) > 1 else principals[0]}
    return [
        {
            "Sid": "Allow use of the key",
            "Effect": "Allow",
            "Principal": principal,
            "Action": [
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
            ],
            "Resource": "*",
        },
        {
            "Sid": "Allow attachment of persistent resources",
            "Effect": "Allow",
            "Principal": principal,
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ]


def key_policy(account_id: str, shared_with: Sequence[str] = ()) -> str:
    """A key policy: the default statement, plus sharing statements when principals are given."""
    statements = [owner_statement(account_id)]
    if shared_with:
        statements.extend(sharing_statements(shared_with))
    return json.dumps({"Version": "2012-10-17", "Id": "key-policy", "Statement": statements})


def create_customer_key(kms: Any, alias: str, description: str, policy: str) -> str:
    """Create a symmetric customer managed key with an alias; returns the key ARN."""
    metadata = kms.create_key(Policy=policy, Description=description)["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=metadata["KeyId"])
    return str(metadata["Arn"])


def aws_managed_key_policy(account_id: str, region: str, service: str, label: str) -> str:
    """The policy AWS gives its managed key for a service: usable only through that service,
    by principals of the owning account, so it cannot be shared with another account."""
    statements = [
        {
            "Sid": (
                f"Allow access through {label} for all principals in the account that are "
                f"authorized to use {label}"
            ),
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:CreateGrant",
                "kms:DescribeKey",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": account_id,
                    "kms:ViaService": f"{service}.{region}.amazonaws.com",
                }
            },
        },
        {
            "Sid": "Allow direct access to key metadata to the account",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
            "Resource": "*",
        },
    ]
    key_id = f"auto-{service}-1"
    return json.dumps({"Version": "2012-10-17", "Id": key_id, "Statement": statements})
