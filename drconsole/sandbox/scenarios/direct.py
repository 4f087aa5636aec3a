"""The large scenario's bulk set-up done on moto's models in this process, not over HTTP.

A hundred accounts need a few thousand calls (organization, roles, keys, vaults); over HTTP each
costs a client per account and a request, about 30 s in all. These helpers call the same moto
model methods the HTTP handlers call, so the state is the same as the API would have made it.
"""

from __future__ import annotations

from typing import Any

from drconsole.sandbox.scenarios.iam_roles import (
    ADMINISTRATOR_ACCESS,
    BACKUP_TRUST,
    DEFAULT_SERVICE_ROLE,
    DEFAULT_SERVICE_ROLE_PATH,
    MEMBER_ACCESS_ROLE,
    SERVICE_LINKED_ROLE,
    SERVICE_LINKED_ROLE_PATH,
    SERVICE_LINKED_ROLE_POLICY,
    SERVICE_ROLE_POLICIES,
    ensure_aws_managed_policies,
    trust_policy,
)


class DirectOrganizations:
    """The Organizations calls `create_organization` makes, answered by moto's backend."""

    def __init__(self, management_account_id: str, region: str) -> None:
        from moto.organizations.models import organizations_backends

        self._backend = organizations_backends[management_account_id]["aws"]
        self._region = region

    def create_organization(self, **params: Any) -> dict[str, Any]:
        """CreateOrganization."""
        return dict(self._backend.create_organization(self._region, **params))

    def __getattr__(self, name: str) -> Any:
        # list_roots, create_account, move_account and create_organizational_unit take the
        # API's parameter names and return the API's response shapes.
        return getattr(self._backend, name)


def create_roles(account_id: str, management_account_id: str) -> None:
    """AWS Backup's service-linked and service roles, and the member-access role, in moto."""
    from moto.iam.models import iam_backends

    ensure_aws_managed_policies(account_id)
    iam = iam_backends[account_id]["aws"]
    for name, path in (
        (SERVICE_LINKED_ROLE, SERVICE_LINKED_ROLE_PATH),
        (DEFAULT_SERVICE_ROLE, DEFAULT_SERVICE_ROLE_PATH),
    ):
        iam.create_role(name, BACKUP_TRUST, path, None, "", [], None)
    iam.attach_role_policy(SERVICE_LINKED_ROLE_POLICY, SERVICE_LINKED_ROLE)
    for policy_arn in SERVICE_ROLE_POLICIES:
        iam.attach_role_policy(policy_arn, DEFAULT_SERVICE_ROLE)
    if MEMBER_ACCESS_ROLE not in {role.name for role in iam.roles.values()}:
        trust = trust_policy({"AWS": f"arn:aws:iam::{management_account_id}:root"})
        iam.create_role(MEMBER_ACCESS_ROLE, trust, "/", None, "", [], None)
    iam.attach_role_policy(ADMINISTRATOR_ACCESS, MEMBER_ACCESS_ROLE)


def create_customer_key(account_id: str, region: str, alias: str, policy: str) -> str:
    """A symmetric customer managed key with an alias, in moto; returns its ARN."""
    from moto.kms.models import kms_backends

    kms = kms_backends[account_id][region]
    key = kms.create_key(policy, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", alias, None)
    kms.create_alias(key.id, alias)
    return str(key.arn)


def create_vault(account_id: str, region: str, name: str, key_arn: str, policy: str) -> str:
    """A vault with an access policy in the sandbox's Backup backend; returns its ARN."""
    from moto.moto_api._internal import mock_random

    from drconsole.sandbox.store import LOCK, backend_for

    backend = backend_for(account_id, region)
    vault = backend.create_backup_vault(name, {}, key_arn, str(mock_random.uuid4()))
    with LOCK:
        backend.extras.access_policies[name] = policy
    return str(vault.backup_vault_arn)
