"""Organization facts: membership, OU paths, service control, resource control and tag
policies, the global setting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drconsole.aws.answers import (
    INCOMPLETE_ANSWER,
    first,
    identified,
    required,
    required_text,
    text_of,
)
from drconsole.aws.reader import BaseReader, pages
from drconsole.checks.facts import OrgMembership, ScpLevel, Unreadable

RCP = "RESOURCE_CONTROL_POLICY"


class OrgReader(BaseReader):
    """BaseReader plus the organization's facts (read from the management account)."""

    def organization_account_ids(self) -> list[str]:
        """Every active account of the organization (empty when it cannot be listed)."""
        return list(self.organization_account_names())

    def organization_account_names(self) -> dict[str, str]:
        """Every active account of the organization by id, with its name ('' when it has
        none); empty when the organization cannot be listed."""
        orgs = self.management_client("organizations", self.sessions.global_region())
        listed = self.read(
            "organizations:ListAccounts",
            lambda: {
                account_id: text_of(a, "Name")
                for a in pages(orgs, "list_accounts", "Accounts")
                # an account listed without its id cannot be asked: left out
                if a.get("Status") == "ACTIVE" and (account_id := text_of(a, "Id"))
            },
        )
        return listed if isinstance(listed, dict) else {}

    def membership(self, account_id: str) -> OrgMembership | Unreadable:
        """The account's organization (DescribeOrganization) and, if readable, its OU path."""
        orgs = self.client("organizations", account_id, self.sessions.global_region())
        answer = self.read(
            "organizations:DescribeOrganization",
            lambda: identified(
                required(orgs.describe_organization(), "Organization", "DescribeOrganization"),
                "Id",
                operation="DescribeOrganization",
            ),
            missing=("AWSOrganizationsNotInUseException",),
        )
        if isinstance(answer, Unreadable):
            return answer
        if answer is None:
            return OrgMembership(account_id, None)
        org_id, management = answer["Id"], answer.get("MasterAccountId")
        return OrgMembership(account_id, org_id, management, self.org_path(org_id, account_id))

    def org_path(self, org_id: str, account_id: str) -> str | None:
        """`o-x/r-x/ou-x/.../` for the account, from the management account; None if refused."""
        chain = self.parents(account_id)
        if not isinstance(chain, list) or not chain:
            return None
        return "/".join([org_id, *reversed(chain)]) + "/"

    def parents(self, target_id: str) -> list[str] | Unreadable:
        """The account's parents, nearest first, up to and including the root; read once per
        reader (its OU path, its SCP levels and its RCP levels all follow it)."""
        return self.once(("org-parents", target_id), lambda: self._read_parents(target_id))

    def _read_parents(self, target_id: str) -> list[str] | Unreadable:
        orgs = self.management_client("organizations", self.sessions.global_region())
        chain: list[str] = []
        node = target_id
        while not node.startswith("r-") and len(chain) < 10:
            answer = self.read(
                "organizations:ListParents",
                lambda n=node: orgs.list_parents(ChildId=n),  # type: ignore[misc]
            )
            if not isinstance(answer, dict) or not answer.get("Parents"):
                return answer if isinstance(answer, Unreadable) else chain
            node = text_of(first(answer, "Parents", "ListParents"), "Id")
            if not node:  # the path cannot be followed further: unknown, as when refused
                return Unreadable("organizations:ListParents", INCOMPLETE_ANSWER, "no Id")
            chain.append(node)
        return chain

    def service_control_policies(
        self, account_id: str, membership: OrgMembership | Unreadable
    ) -> tuple[ScpLevel, ...] | Unreadable | None:
        """SCPs attached at the root, each OU and the account; None when none apply."""
        if isinstance(membership, Unreadable):
            return membership
        if membership.org_id is None or membership.management_account_id == account_id:
            return None  # SCPs never restrict the management account
        orgs = self.management_client("organizations", self.sessions.global_region())
        return self._levels(
            account_id,
            "SERVICE_CONTROL_POLICY",
            self.once(("org-roots",), self.roots),
            lambda target: self.scp_level(orgs, target),
        )

    def roots(self) -> list[dict[str, Any]] | Unreadable | None:
        """ListRoots from the management account (the roots and their enabled policy types)."""
        orgs = self.management_client("organizations", self.sessions.global_region())
        return self.read(
            "organizations:ListRoots", lambda: required(orgs.list_roots(), "Roots", "ListRoots")
        )

    def resource_control_policies(
        self, account_id: str, membership: OrgMembership | Unreadable
    ) -> tuple[ScpLevel, ...] | Unreadable | None:
        """RCPs attached at the root, each OU and `account_id` (the account owning a resource;
        `membership`: of an account of the same organization); None when none apply. RCPs
        "don't affect resources in the management account" ("Resource control policies
        (RCPs)", https://docs.aws.amazon.com/organizations/latest/userguide/
        orgs_manage_policies_rcps.html). Each level is read once per run."""
        if isinstance(membership, Unreadable):
            return membership
        if membership.org_id is None or membership.management_account_id == account_id:
            return None
        orgs = self.management_client("organizations", self.sessions.global_region())
        return self._levels(
            account_id,
            RCP,
            self.once(("org-roots",), self.roots),
            lambda target: self.once(
                ("rcp-level", target), lambda: self.policy_level(orgs, target, RCP)
            ),
        )

    def _levels(
        self,
        account_id: str,
        kind: str,
        roots: list[dict[str, Any]] | Unreadable | None,
        level_of: Callable[[str], ScpLevel | Unreadable],
    ) -> tuple[ScpLevel, ...] | Unreadable | None:
        """The policies of type `kind` at the root, each OU and `account_id` (`level_of` reads
        one target's); None when `roots` say the type is not enabled."""
        if not isinstance(roots, list):
            return roots if isinstance(roots, Unreadable) else None
        enabled = any(
            policy_type.get("Type") == kind and policy_type.get("Status") == "ENABLED"
            for root in roots
            for policy_type in root.get("PolicyTypes", [])
        )
        if not enabled:
            return None
        chain = self.parents(account_id)
        if isinstance(chain, Unreadable):
            return chain
        levels: list[ScpLevel] = []
        for target in [*reversed(chain), account_id]:
            level = level_of(target)
            if isinstance(level, Unreadable):
                return level
            levels.append(level)
        return tuple(levels)

    def scp_level(self, orgs: Any, target: str) -> ScpLevel | Unreadable:
        """The SCP documents attached to one target."""
        return self.policy_level(orgs, target, "SERVICE_CONTROL_POLICY")

    def policy_level(self, orgs: Any, target: str, kind: str) -> ScpLevel | Unreadable:
        """The documents of the policies of type `kind` attached to one target."""
        listed = self.read(
            "organizations:ListPoliciesForTarget",
            lambda: [
                identified(summary, "Id", operation="ListPoliciesForTarget")
                for summary in orgs.list_policies_for_target(TargetId=target, Filter=kind).get(
                    "Policies", []
                )
            ],
        )
        if not isinstance(listed, list):
            return listed or Unreadable("organizations:ListPoliciesForTarget", "Empty", "")
        documents: list[tuple[str, str]] = []
        for summary in listed:
            policy = self.read(
                "organizations:DescribePolicy",
                lambda s=summary: identified(  # type: ignore[misc]
                    required(orgs.describe_policy(PolicyId=s["Id"]), "Policy", "DescribePolicy"),
                    "Content",
                    operation="DescribePolicy",
                ),
            )
            if not isinstance(policy, dict):
                return policy or Unreadable("organizations:DescribePolicy", "Empty", "")
            documents.append((summary.get("Name", summary["Id"]), policy["Content"]))
        return ScpLevel(target, tuple(documents))

    def effective_tag_policy(self, account_id: str) -> str | Unreadable | None:
        """The account's effective tag policy (JSON), read once; None when none applies (tag
        policies disabled, or none attached above or at the account)."""
        return self.once(("tag-policy", account_id), lambda: self._read_tag_policy(account_id))

    def _read_tag_policy(self, account_id: str) -> str | Unreadable | None:
        # The management account (or a delegated administrator) reads any account's; a member
        # account reads its own, which drconsole's role in it allows when the former is refused.
        region = self.sessions.global_region()
        orgs = self.management_client("organizations", region)
        answer = self._effective_tag_policy(orgs, TargetId=account_id)
        if isinstance(answer, Unreadable):
            own = self._effective_tag_policy(self.client("organizations", account_id, region))
            if not isinstance(own, Unreadable):
                return own
        return answer

    def _effective_tag_policy(self, orgs: Any, **target: str) -> str | Unreadable | None:
        return self.read(
            "organizations:DescribeEffectivePolicy",
            lambda: required_text(
                required(
                    orgs.describe_effective_policy(PolicyType="TAG_POLICY", **target),
                    "EffectivePolicy",
                    "DescribeEffectivePolicy",
                ),
                "PolicyContent",
                "DescribeEffectivePolicy",
            ),
            # No tag policy applies: tag policies disabled, or none attached at the account,
            # its OUs or the root.
            missing=("EffectivePolicyNotFoundException", "AWSOrganizationsNotInUseException"),
        )

    def cross_account_enabled(self, region: str) -> bool | Unreadable:
        """isCrossAccountBackupEnabled, from the organization's management account."""
        backup = self.management_client("backup", region)
        answer = self.read("backup:DescribeGlobalSettings", backup.describe_global_settings)
        if not isinstance(answer, dict):
            return answer or Unreadable("backup:DescribeGlobalSettings", "Empty", "")
        value = answer.get("GlobalSettings", {}).get("isCrossAccountBackupEnabled", "false")
        return str(value).lower() == "true"
