"""Build an AWS Organizations tree (OUs and accounts) through the Organizations API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MANAGEMENT_ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class AccountSpec:
    """An account to create: its role key, display name, and the OU path it lives in."""

    role: str
    name: str
    ou_path: tuple[str, ...] = ()


@dataclass
class OrganizationLayout:
    """The created organization: ids of the org, root, OUs (by path) and accounts (by role)."""

    org_id: str
    root_id: str
    ou_ids: dict[tuple[str, ...], str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)


def create_organization(
    organizations: Any, specs: Sequence[AccountSpec], email_domain: str = "example.com"
) -> OrganizationLayout:
    """Create the organization from the management account's client, then OUs and accounts.

    `organizations` is a boto3 Organizations client acting as the management account. The
    management account itself keeps the role key "management" and stays under the root.
    """
    org = organizations.create_organization(FeatureSet="ALL")["Organization"]
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    layout = OrganizationLayout(org_id=org["Id"], root_id=root_id)
    layout.accounts["management"] = org["MasterAccountId"]
    for spec in specs:
        parent = ensure_ou_path(organizations, layout, spec.ou_path)
        status = organizations.create_account(
            AccountName=spec.name, Email=f"aws+{spec.name}@{email_domain}"
        )["CreateAccountStatus"]
        account_id = status["AccountId"]
        if parent != root_id:
            organizations.move_account(
                AccountId=account_id, SourceParentId=root_id, DestinationParentId=parent
            )
        layout.accounts[spec.role] = account_id
    return layout


def ensure_ou_path(organizations: Any, layout: OrganizationLayout, path: tuple[str, ...]) -> str:
    """The id of the OU at `path` (names from the root), creating missing OUs on the way."""
    parent = layout.root_id
    for depth in range(1, len(path) + 1):
        prefix = path[:depth]
        if prefix not in layout.ou_ids:
            created = organizations.create_organizational_unit(ParentId=parent, Name=prefix[-1])
            layout.ou_ids[prefix] = created["OrganizationalUnit"]["Id"]
        parent = layout.ou_ids[prefix]
    return parent
