"""AWS Organizations tag policies in the sandbox: effective policies and their enforcement.

moto stores TAG_POLICY policies and their attachments but lacks DescribeEffectivePolicy. Here an
account's effective tag policy is computed as AWS documents it ("the aggregation of any tag
policies the account inherits, plus any tag policy directly attached to the account", merged
from the root down through each OU to the account with the inheritance operators `@@assign`,
`@@append`, `@@remove` and the child control `@@operators_allowed_for_child_policies`), answered
in AWS's effective form (`{"tags": {"costcenter": {"tag_key": "CostCenter", "tag_value":
[...], "enforced_for": [...]}}}`, operators resolved), and enforced on the tags a copy job
carries into its destination account.
"""

from __future__ import annotations

import json
import re
from typing import Any

FIELDS = ("tag_key", "tag_value", "enforced_for")
# The wording AWS gives a tagging request that an enforced tag policy refuses
# (TagPolicyViolation, as EC2 answers it in field reports). AWS Backup's own StatusMessage for a
# copy job refused that way is not published: this wording is given for it.
MSG_TAG_VALUE = (
    "The tag policy does not allow the specified value for the following tag key: '{key}'."
)
# Not published either: a tag key in another case than the policy's tag_key.
MSG_TAG_KEY_CASE = (
    "The tag policy does not allow the specified case for the following tag key: '{key}'. "
    "The tag policy requires '{required}'."
)
NOT_FOUND = "No effective policy of type TAG_POLICY exists for the target {target}."


def _organization(account_id: str) -> Any | None:
    from moto.organizations.models import organizations_backends

    management_id = account_id
    if account_id in organizations_backends.master_accounts:
        management_id, _partition = organizations_backends.master_accounts[account_id]
    elif account_id not in organizations_backends:
        return None
    backend = organizations_backends[management_id]["aws"]
    return backend if backend.org is not None else None


def _enabled(backend: Any) -> bool:
    return any(
        kind.get("Type") == "TAG_POLICY" and kind.get("Status") == "ENABLED"
        for ou in backend.ou
        if getattr(ou, "type", "") == "ROOT" or ou.id == backend.org.root_id
        for kind in getattr(ou, "policy_types", [])
    )


def _levels(backend: Any, account_id: str) -> list[Any] | None:
    """The root, each OU down to the account, and the account (None: not a member)."""
    account = next((a for a in backend.accounts if a.id == account_id), None)
    if account is None:
        return None
    by_id = {ou.id: ou for ou in backend.ou}
    chain: list[Any] = []
    node = by_id.get(account.parent_id)
    while node is not None and node not in chain:
        chain.append(node)
        node = by_id.get(getattr(node, "parent_id", None))
    return [*reversed(chain), account]


def _values(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


def _merge(state: dict[str, dict[str, Any]], document: dict[str, Any]) -> None:
    """Apply one policy's `tags` section to the effective state, as its operators say."""
    for policy_key, entry in (document.get("tags") or {}).items():
        if not isinstance(entry, dict):
            continue
        rule = state.setdefault(policy_key.lower(), {"name": policy_key, "allowed": {}})
        for field in FIELDS:
            operators = entry.get(field)
            if not isinstance(operators, dict):
                continue
            allowed = rule["allowed"].get(field)  # None: every operator allowed
            if "@@assign" in operators and (allowed is None or "@@assign" in allowed):
                assigned = operators["@@assign"]
                rule[field] = assigned if field == "tag_key" else _values(assigned)
            if field != "tag_key":
                if "@@append" in operators and (allowed is None or "@@append" in allowed):
                    rule[field] = [*rule.get(field, []), *_values(operators["@@append"])]
                if "@@remove" in operators and (allowed is None or "@@remove" in allowed):
                    gone = set(_values(operators["@@remove"]))
                    rule[field] = [v for v in rule.get(field, []) if v not in gone]
            child_control = operators.get("@@operators_allowed_for_child_policies")
            if child_control is not None:
                names = set(_values(child_control)) - {"@@none"}
                if "@@all" not in names:
                    rule["allowed"][field] = names if allowed is None else names & allowed


def effective_tag_policy(account_id: str) -> dict[str, Any] | None:
    """The account's effective tag policy in AWS's effective form; None when none applies."""
    backend = _organization(account_id)
    if backend is None or not _enabled(backend):
        return None
    levels = _levels(backend, account_id)
    if levels is None:
        return None
    state: dict[str, dict[str, Any]] = {}
    attached = False
    for level in levels:
        for policy in level.attached_policies:
            if policy.type != "TAG_POLICY":
                continue
            attached = True
            try:
                document = json.loads(policy.content or "{}")
            except ValueError:
                continue
            if isinstance(document, dict):
                _merge(state, document)
    if not attached:
        return None
    tags = {
        rule["name"]: {field: rule[field] for field in FIELDS if field in rule}
        for rule in state.values()
    }
    return {"tags": tags}


def _resource_types(point_arn: str) -> set[str]:
    """What an enforced_for entry names for the copy: AWS Backup's recovery point, and the
    resource a backup of a type AWS Backup does not fully manage is (an EBS snapshot is
    `ec2:snapshot`)."""
    types = {"backup:recovery-point"}
    parts = point_arn.split(":")
    if len(parts) > 5 and parts[2] != "backup":
        kind = parts[5].split("/")[0]
        types.add(f"{parts[2]}:{kind}")
    return types


def _covers(entry: str, types: set[str]) -> bool:
    service, _, kind = entry.partition(":")
    if kind in ("*", "ALL_SUPPORTED"):
        return any(t.split(":")[0] == service for t in types)
    return entry in types


def _matches(value: str, pattern: str) -> bool:
    """AWS's `*` wildcard in a tag value: any run of characters."""
    return (
        re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value) is not None
    )


def copy_refusal(dest_account_id: str, point_arn: str, tags: dict[str, str]) -> str | None:
    """The StatusMessage of a copy whose recovery point tags break an enforced tag policy of
    the destination account, else None. "Enforcement has no effect on resources that are
    created without tags" (AWS Organizations, Understanding enforcement)."""
    policy = effective_tag_policy(dest_account_id)
    if policy is None or not tags:
        return None
    types = _resource_types(point_arn)
    for policy_key, rule in policy["tags"].items():
        if not any(_covers(entry, types) for entry in rule.get("enforced_for", [])):
            continue
        required = rule.get("tag_key") or policy_key.lower()
        for key, value in sorted(tags.items()):
            if key.lower() != required.lower():
                continue
            if key != required:
                return MSG_TAG_KEY_CASE.format(key=key, required=required)
            allowed = rule.get("tag_value")
            if allowed is not None and not any(_matches(value, p) for p in allowed):
                return MSG_TAG_VALUE.format(key=key)
    return None


def _describe_effective_policy(self: Any) -> str:
    from moto.core.exceptions import JsonRESTError

    from drconsole.sandbox.org_reads import REFUSAL

    caller = self.current_account
    if self._get_param("PolicyType") != "TAG_POLICY":
        raise JsonRESTError("InvalidInputException", "You specified an invalid value.")
    target = self._get_param("TargetId") or caller
    backend = _organization(caller)
    if backend is None:
        raise JsonRESTError(
            "AWSOrganizationsNotInUseException",
            "Your account is not a member of an organization.",
        )
    management = backend.org.master_account_id
    admin = any(a.account.id == caller for a in backend.admins)
    # The management account and a delegated administrator read any account's; a member
    # reads its own.
    if target != caller and caller != management and not admin:
        raise JsonRESTError("AccessDeniedException", REFUSAL)
    if not any(a.id == target for a in backend.accounts):
        raise JsonRESTError("TargetNotFoundException", "You specified a target that doesn't exist.")
    policy = effective_tag_policy(target)
    if policy is None:
        raise JsonRESTError("EffectivePolicyNotFoundException", NOT_FOUND.format(target=target))
    return json.dumps(
        {
            "EffectivePolicy": {
                "PolicyContent": json.dumps(policy),
                "LastUpdatedTimestamp": 0,
                "TargetId": target,
                "PolicyType": "TAG_POLICY",
            }
        }
    )


def install() -> None:
    """Teach moto's Organizations to answer DescribeEffectivePolicy for tag policies."""
    from moto.organizations.responses import OrganizationsResponse

    OrganizationsResponse.describe_effective_policy = _describe_effective_policy  # type: ignore[attr-defined]
