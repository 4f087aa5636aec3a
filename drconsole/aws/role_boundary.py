"""A role's permissions boundary: the managed policy GetRole names, read at its default version."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from drconsole.aws.answers import INCOMPLETE_ANSWER, required, text_of
from drconsole.checks.facts import BoundaryFacts, Unreadable


def boundary_of(reader: Any, iam: Any, role: dict[str, Any]) -> BoundaryFacts | None:
    """The boundary of a GetRole answer's role (None: it has none), its document read with
    GetPolicy (the default version's id) and GetPolicyVersion through `reader.read`, so that a
    refusal is an Unreadable document, not a boundary judged absent."""
    boundary = role.get("PermissionsBoundary") or {}
    arn = text_of(boundary, "PermissionsBoundaryArn")
    if not arn:
        return None
    return BoundaryFacts(arn, managed_policy_document(reader, iam, arn))


def managed_policy_document(reader: Any, iam: Any, arn: str) -> str | Unreadable:
    """The document of a managed policy's default version (GetPolicy, then GetPolicyVersion),
    or why it could not be read; read once per run (`reader.once`, by ARN), whether the policy
    is a role's boundary or attached to it: AWS's own are the same in every account."""
    return reader.once(
        ("managed-policy-document", arn), lambda: _read_managed_policy(reader, iam, arn)
    )


def _read_managed_policy(reader: Any, iam: Any, arn: str) -> str | Unreadable:
    policy = reader.read(
        "iam:GetPolicy",
        lambda: required(iam.get_policy(PolicyArn=arn), "Policy", "GetPolicy"),
    )
    if not isinstance(policy, dict):
        return policy or _gone("iam:GetPolicy", arn)
    version_id = text_of(policy, "DefaultVersionId")
    if not version_id:
        return Unreadable("iam:GetPolicy", INCOMPLETE_ANSWER, "no DefaultVersionId")
    version = reader.read(
        "iam:GetPolicyVersion",
        lambda: required(
            iam.get_policy_version(PolicyArn=arn, VersionId=version_id),
            "PolicyVersion",
            "GetPolicyVersion",
        ),
    )
    if not isinstance(version, dict):
        return version or _gone("iam:GetPolicyVersion", arn)
    document = version.get("Document")
    if not document:
        return Unreadable("iam:GetPolicyVersion", INCOMPLETE_ANSWER, "no Document")
    return policy_text(document)


def policy_text(document: Any) -> str:
    """IAM sends a policy document URL-encoded; botocore may already have decoded it into a
    dict."""
    return unquote(document) if isinstance(document, str) else json.dumps(document)


def _gone(operation: str, arn: str) -> Unreadable:
    """A policy IAM no longer finds: nothing to judge it by."""
    return Unreadable(operation, "NoSuchEntity", f"policy {arn} not found")
