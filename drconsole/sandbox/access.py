"""The sandbox's own small IAM policy matcher for vault access, key and trust policies.

It is deliberately independent of `drconsole.policy`: the sandbox enforces AWS's rules with its
own code so that checks which predict its outcomes prove something. It covers what resource
policies on vaults, keys and roles use: Principal/NotPrincipal, Action/NotAction,
Resource/NotResource with wildcards, explicit Deny over Allow, and the String*, Arn*, Bool and
Null condition operators with IfExists and the ForAnyValue/ForAllValues set qualifiers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class Caller:
    """Who asks: an AWS principal ARN (with its account) or a service principal."""

    account_id: str = ""
    arn: str = ""
    service: str = ""

    def aws_identifiers(self) -> set[str]:
        """Every form a policy's `"AWS"` principal may take that names this caller."""
        if not self.account_id:
            return set()
        ids = {self.account_id, f"arn:aws:iam::{self.account_id}:root"}
        if self.arn:
            ids.add(self.arn)
        return ids


@dataclass(frozen=True)
class Request:
    """One authorization question asked of a resource policy."""

    caller: Caller
    action: str
    resource: str = "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)


def _matching_effects(policy: str | Mapping[str, Any] | None, request: Request) -> set[str]:
    """The effects (`allow`, `deny`) of the policy's statements that match the request."""
    if policy is None:
        return set()
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return {
        str(statement.get("Effect", "")).lower()
        for statement in statements
        if _statement_matches(statement, request)
    }


def allows(policy: str | Mapping[str, Any] | None, request: Request) -> bool:
    """True when the policy allows the request: some Allow statement matches and no Deny does."""
    effects = _matching_effects(policy, request)
    return "allow" in effects and "deny" not in effects


def denies(policy: str | Mapping[str, Any] | None, request: Request) -> bool:
    """True when a Deny statement of the policy matches the request (an explicit deny)."""
    return "deny" in _matching_effects(policy, request)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _statement_matches(statement: Mapping[str, Any], request: Request) -> bool:
    if "Principal" in statement and not _principal_matches(statement["Principal"], request):
        return False
    if "NotPrincipal" in statement and _not_principal_excludes(statement["NotPrincipal"], request):
        return False
    if "Action" in statement and not _any_action(statement["Action"], request.action):
        return False
    if "NotAction" in statement and _any_action(statement["NotAction"], request.action):
        return False
    if "Resource" in statement and not _any_resource(statement["Resource"], request.resource):
        return False
    if "NotResource" in statement and _any_resource(statement["NotResource"], request.resource):
        return False
    return _conditions_hold(statement.get("Condition", {}), request.context)


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    caller = request.caller
    for kind, values in principal.items():
        for value in _as_list(values):
            if kind == "AWS":
                if value == "*" and caller.account_id:
                    return True
                if value in caller.aws_identifiers():
                    return True
            elif kind == "Service" and caller.service and value == caller.service:
                return True
    return False


def _not_principal_excludes(not_principal: Any, request: Request) -> bool:
    """True when NotPrincipal lists the caller's whole chain: AWS checks the account, then the
    role or user, and a caller is left out of the statement only when every one is listed."""
    if not_principal == "*":
        return True
    if not isinstance(not_principal, Mapping):
        return False
    caller = request.caller
    if caller.service:
        return caller.service in (str(v) for v in _as_list(not_principal.get("Service")))
    listed = {str(v) for v in _as_list(not_principal.get("AWS"))}
    if not caller.account_id:
        return False
    account = "*" in listed or bool(
        listed & {caller.account_id, f"arn:aws:iam::{caller.account_id}:root"}
    )
    return account and (not caller.arn or "*" in listed or caller.arn in listed)


def _like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcards (`*` any run, `?` one character) without a regex: a policy such as
    `arn:*?*?*?*?*?Z` would make a regex backtrack for minutes. The last `*` is retried one
    character further each time a later character fails."""
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    p = v = 0
    star, resume = -1, 0
    while v < len(value):
        if p < len(pattern) and pattern[p] == "*":
            star, resume, p = p, v, p + 1
        elif p < len(pattern) and pattern[p] in ("?", value[v]):
            p, v = p + 1, v + 1
        elif star >= 0:
            resume += 1
            p, v = star + 1, resume
        else:
            return False
    return pattern[p:].strip("*") == ""


def _any_action(patterns: Any, action: str) -> bool:
    # Action names are matched without regard to case, as IAM does.
    return any(_like(str(p), action, ignore_case=True) for p in _as_list(patterns))


def _any_resource(patterns: Any, resource: str) -> bool:
    return any(_like(str(p), resource) for p in _as_list(patterns))


def _bool_text(value: Any) -> str:
    return str(value).lower()


def _compare(operator: str, expected: str, actual: str) -> bool:
    """One value against one policy value for a base (not negated) operator."""
    if operator == "StringEquals":
        return actual == expected
    if operator == "StringEqualsIgnoreCase":
        return actual.lower() == expected.lower()
    if operator in ("StringLike", "ArnLike", "ArnEquals"):
        return _like(expected, actual)
    if operator == "Bool":
        return _bool_text(actual) == _bool_text(expected)
    # Operators the sandbox's policies never use (Numeric*, Date*...) never match.
    return False


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotLike": "ArnLike",
    "ArnNotEquals": "ArnEquals",
}


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, ContextValue]) -> bool:
    lowered = {key.lower(): value for key, value in context.items()}
    for raw_operator, block in conditions.items():
        for key, expected in block.items():
            if not _condition_holds(raw_operator, key, _as_list(expected), lowered):
                return False
    return True


def _condition_holds(
    raw_operator: str,
    key: str,
    expected: list[Any],
    context: Mapping[str, ContextValue],
) -> bool:
    qualifier, _, operator = raw_operator.rpartition(":")
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    present = key.lower() in context
    raw = context.get(key.lower())
    actual = [str(v) for v in _as_list(raw)] if present else []
    if operator == "Null":
        wants_absent = _bool_text(expected[0]) == "true" if expected else True
        return (not present) == wants_absent
    if not present:
        # Absent keys: IfExists and the negated operators pass; ForAllValues passes vacuously.
        return if_exists or operator in _NEGATED or qualifier == "ForAllValues"
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    values = [str(e) for e in expected]

    def one(value: str) -> bool:
        hit = any(_compare(base, e, value) for e in values)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in actual)
    if qualifier == "ForAnyValue":
        return any(one(v) for v in actual)
    if negated:
        return all(one(v) for v in actual)
    return any(one(v) for v in actual)


# --- Facts read from moto's IAM, KMS and Organizations backends --------------------------------

BACKUP_SERVICE = "backup.amazonaws.com"
SERVICE_LINKED_ROLE_NAME = "AWSServiceRoleForBackup"


def service_linked_role_arn(account_id: str) -> str:
    """The ARN AWS gives AWS Backup's service-linked role in an account."""
    return (
        f"arn:aws:iam::{account_id}:role/aws-service-role/{BACKUP_SERVICE}/"
        f"{SERVICE_LINKED_ROLE_NAME}"
    )


def find_role(account_id: str, role_name: str) -> Any | None:
    """The moto IAM role of that exact name in the account, or None."""
    from moto.iam.models import iam_backends

    for role in iam_backends[account_id]["global"].roles.values():
        if role.name == role_name:
            return role
    return None


def find_role_by_arn(role_arn: str) -> Any | None:
    """The moto IAM role with that ARN (looked up in the ARN's own account), or None."""
    match = re.fullmatch(r"arn:aws:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)", role_arn or "")
    if not match:
        return None
    role = find_role(match.group(1), match.group(2))
    return role if role is not None and role.arn == role_arn else None


def role_trusts_service(role: Any, service: str = BACKUP_SERVICE) -> bool:
    """True when the role's trust policy lets the service assume it."""
    request = Request(caller=Caller(service=service), action="sts:AssumeRole")
    return allows(role.assume_role_policy_document, request)


def backup_can_assume(role_arn: str | None) -> bool:
    """True when the role exists and trusts backup.amazonaws.com."""
    role = find_role_by_arn(role_arn or "")
    return role is not None and role_trusts_service(role)


def service_linked_role_exists(account_id: str) -> bool:
    """AWS Backup's service-linked role, by its exact name (moto spells its own differently)."""
    return find_role(account_id, SERVICE_LINKED_ROLE_NAME) is not None


KEY_ARN = re.compile(r"arn:aws:kms:([a-z0-9-]+):(\d{12}):(key|alias)/(.+)")


def find_key(key_arn: str | None) -> Any | None:
    """The moto KMS key a key or alias ARN names, or None."""
    match = KEY_ARN.fullmatch(key_arn or "")
    if not match:
        return None
    region, account_id, kind, name = match.groups()
    from moto.kms.models import kms_backends

    backend = kms_backends[account_id][region]
    if kind == "key":
        return backend.keys.get(name)
    for key in backend.keys.values():
        if f"alias/{name}" in key.aliases:
            return key
    return None


# The account the sandbox keeps AWS owned keys in: an AWS service account, which no customer
# role enters (AWS does not document which account that is, nor whether DescribeBackupVault
# names the key; the sandbox names it, so that a reader that tries to enter it is refused).
AWS_OWNED_KEY_ACCOUNT = "000000000000"


def is_aws_owned_key(key_arn: str | None) -> bool:
    """True for an AWS owned key (a logically air-gapped vault's by default): AWS Backup
    manages its use, in the vault's account and any it copies to."""
    match = KEY_ARN.fullmatch(key_arn or "")
    return match is not None and match.group(2) == AWS_OWNED_KEY_ACCOUNT


def is_aws_managed_key(key_arn: str | None) -> bool:
    """True for keys AWS manages (KeyManager AWS, or an `alias/aws/...` alias such as aws/ebs)."""
    match = KEY_ARN.fullmatch(key_arn or "")
    if match and match.group(3) == "alias":
        return match.group(4).startswith("aws/")
    key = find_key(key_arn)
    if key is None:
        return False
    return key.key_manager == "AWS" or any(a.startswith("alias/aws/") for a in key.aliases)


def key_is_usable(key_arn: str | None) -> bool:
    """True when the key exists and is enabled (not disabled, not pending deletion)."""
    key = find_key(key_arn)
    return key is not None and key.enabled and key.key_state == "Enabled"


def key_policy(key_arn: str | None) -> str | None:
    """The key's policy document (JSON text), or None when the key is unknown."""
    key = find_key(key_arn)
    return None if key is None else key.policy


@dataclass(frozen=True)
class OrgMembership:
    """Where an account sits in its organization."""

    org_id: str
    management_account_id: str
    org_path: str  # aws:PrincipalOrgPaths form: o-xxx/r-xxx/ou-xxx/.../


def organization_of(account_id: str) -> OrgMembership | None:
    """The organization an account belongs to, read from moto (None: in no organization).

    moto keeps the organization in its management account's backend ("aws" partition) and maps
    each member account to that management account in `master_accounts`.
    """
    from moto.organizations.models import organizations_backends

    management_id = account_id
    if account_id in organizations_backends.master_accounts:
        management_id, _partition = organizations_backends.master_accounts[account_id]
    elif account_id not in organizations_backends:
        return None
    backend = organizations_backends[management_id]["aws"]
    org = backend.org
    if org is None:
        return None
    account = next((a for a in backend.accounts if a.id == account_id), None)
    if account is None:
        return None
    parents = {ou.id: getattr(ou, "parent_id", None) for ou in backend.ou}
    chain: list[str] = []
    node: str | None = account.parent_id
    while node and node != org.root_id and node not in chain:
        chain.append(node)
        node = parents.get(node)
    path = "/".join([org.id, org.root_id, *reversed(chain)]) + "/"
    return OrgMembership(org_id=org.id, management_account_id=org.master_account_id, org_path=path)


def request_keys(
    region: str, principal_account: str, resource_account: str
) -> dict[str, str | list[str]]:
    """The keys AWS puts in every request made in `region` by a principal of
    `principal_account` on a resource of `resource_account`, with both accounts' organization
    keys when they are in one (aws:CurrentTime is left out: the sandbox matches no Date*)."""
    keys: dict[str, str | list[str]] = {
        "aws:RequestedRegion": region,
        "aws:PrincipalAccount": principal_account,
        "aws:ResourceAccount": resource_account,
    }
    for side, account in (("Principal", principal_account), ("Resource", resource_account)):
        org = organization_of(account)
        if org is not None:
            keys[f"aws:{side}OrgID"] = org.org_id
            keys[f"aws:{side}OrgPaths"] = [org.org_path]
    return keys
