"""IAM policy documents the tests give the sandbox's roles."""

from __future__ import annotations

from typing import Any


def trusting(account_id: str) -> dict[str, Any]:
    """A role trust policy that lets `account_id` (its root, so any of its principals) assume
    the role: how an organization's member role trusts the management account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
