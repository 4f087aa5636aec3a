"""Organizations' read-only calls from a member account, answered as AWS answers them.

AWS lets the management account and a member registered as a delegated administrator (for any
service) call Organizations' read-only List*/Describe* operations; any other member may only
describe its organization (DescribeOrganization) and gets AccessDeniedException for the rest
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_delegate_policies.html, and
each operation's page: "can be called only from the organization's management account or by a
member account that is a delegated administrator"). moto answers a member from its own, empty
organization instead: an empty ListAccounts, a ListOrganizationalUnitsForParent that says
ParentNotFoundException. Here a delegated administrator's reads are answered from its
organization, and any other member's are refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

# The read-only operations a delegated administrator may call (DescribeOrganization is open to
# every member, and moto already answers it from the organization).
READS = (
    "list_roots",
    "list_accounts",
    "list_accounts_for_parent",
    "list_organizational_units_for_parent",
    "list_children",
    "list_parents",
    "describe_account",
    "describe_organizational_unit",
    "list_policies",
    "list_policies_for_target",
    "describe_policy",
    "list_targets_for_policy",
    "list_tags_for_resource",
    "list_aws_service_access_for_organization",
    "list_delegated_administrators",
    "list_delegated_services_for_account",
)

REFUSAL = "You don't have permissions to access this resource."


def _management_backend(backend: Any) -> Any | None:
    """The organization's backend when `backend` is a member's (None for the management's own,
    or an account outside any organization)."""
    from moto.organizations.models import organizations_backends

    if backend.org is not None or backend.account_id not in organizations_backends.master_accounts:
        return None
    management, partition = organizations_backends.master_accounts[backend.account_id]
    return organizations_backends[management][partition]


def _answered_for_members(read: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(read)
    def answer(self: Any, *args: Any, **kwargs: Any) -> Any:
        from moto.core.exceptions import JsonRESTError

        organization = _management_backend(self)
        if organization is None:
            return read(self, *args, **kwargs)
        if any(admin.account.id == self.account_id for admin in organization.admins):
            return read(organization, *args, **kwargs)
        raise JsonRESTError("AccessDeniedException", REFUSAL)

    answer.__wrapped_for_members__ = True  # type: ignore[attr-defined]
    return answer


# Services moto does not know as ones an account can be the delegated administrator of, which
# AWS does (https://docs.aws.amazon.com/organizations/latest/userguide/
# orgs_integrated-services-list.html): AWS Backup, and CloudFormation StackSets (how a delegated
# administrator deploys its member role).
DELEGATED_SERVICES = ("backup.amazonaws.com", "member.org.stacksets.cloudformation.amazonaws.com")


def install() -> None:
    """Wrap each read of moto's Organizations backend (once per process), and let accounts be
    registered as delegated administrators of AWS Backup and StackSets."""
    from moto.organizations.models import FakeDelegatedAdministrator, OrganizationsBackend

    for service in DELEGATED_SERVICES:
        if service not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
            FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(service)
    for name in READS:
        read = getattr(OrganizationsBackend, name)
        if not getattr(read, "__wrapped_for_members__", False):
            setattr(OrganizationsBackend, name, _answered_for_members(read))
