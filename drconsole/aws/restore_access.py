"""Read who may use what in a restore: the destination key's policy and grants, whether the
caller may pass the restore role, and an EC2 restore's instance profile and whether the restore
role may pass its role (iam:SimulatePrincipalPolicy)."""

from __future__ import annotations

from typing import Any

from drconsole.aws.answers import required, required_text, text_of
from drconsole.aws.key_reader import POLICY_IN_CLOSED_ACCOUNT
from drconsole.aws.org_facts import OrgReader
from drconsole.aws.reader import pages
from drconsole.checks.facts import (
    InstanceProfileFacts,
    KeyAccess,
    KeyFacts,
    PassedRole,
    Unreadable,
)
from drconsole.checks.restore_access import key_policy_allows
from drconsole.partitions import account_root, of_arn

GRANT_OPERATIONS = ("CreateGrant", "Decrypt")


class AccessReader(OrgReader):
    """The reads of the key and pass-role checks."""

    def key_access(self, key: KeyFacts, principal: str, account: str) -> KeyAccess:
        """Whether `principal` may use `key`: by its key policy, else, when the policy does not
        deny it explicitly, by a grant. The account's organization is read only when the
        policy's decision hinges on it."""
        by_policy = key_policy_allows(key, principal, account)
        if isinstance(by_policy.allowed, Unreadable) and by_policy.decision:
            by_policy = key_policy_allows(key, principal, account, self.membership(account))
        if by_policy.allowed is True or by_policy.decision == "explicit-deny":
            return by_policy
        if isinstance(key.policy, Unreadable) and key.policy.code == POLICY_IN_CLOSED_ACCOUNT:
            # The key's account refused drconsole's role: its grants are not listed there
            # either (ListGrants from the restoring account is not tried).
            return by_policy
        grants = self.key_grants(key.arn)
        if isinstance(grants, Unreadable):
            return KeyAccess(principal, grants)
        for grant in grants:
            grantee = str(grant.get("GranteePrincipal", ""))
            if grantee in (principal, account, account_root(account, of_arn(key.arn))) and any(
                op in grant.get("Operations", []) for op in GRANT_OPERATIONS
            ):
                return KeyAccess(principal, True, f"grant {grant.get('GrantId', '?')}")
        if isinstance(by_policy.allowed, Unreadable):
            return by_policy  # no grant, and the key policy could not be judged
        return KeyAccess(principal, False, f"{by_policy.how}, and no grant to it")

    def key_grants(self, key_arn: str) -> list[dict[str, Any]] | Unreadable:
        """The key's grants (kms:ListGrants in the key's own account and Region)."""
        parts = key_arn.split(":")
        kms = self.client("kms", parts[4], parts[3])
        grants = self.read(
            "kms:ListGrants",
            lambda: list(pages(kms, "list_grants", "Grants", KeyId=key_arn)),
        )
        return grants if isinstance(grants, Unreadable) else grants or []

    def pass_role(
        self, account: str, region: str, role_arn: str
    ) -> tuple[str, bool | Unreadable | None]:
        """(caller ARN, whether it may pass `role_arn` to AWS Backup); None for the root."""
        sts = self.client("sts", account, region)
        who = self.read(
            "sts:GetCallerIdentity",
            lambda: required_text(sts.get_caller_identity(), "Arn", "GetCallerIdentity"),
        )
        if isinstance(who, Unreadable) or who is None:
            return "", who or Unreadable("sts:GetCallerIdentity", "Empty", "")
        caller = str(who)
        if caller.endswith(":root"):
            return caller, None
        iam = self.client("iam", account, self.sessions.global_region())
        source = caller
        if ":assumed-role/" in caller:
            role_name = caller.split(":assumed-role/", 1)[1].split("/", 1)[0]
            got = self.read(
                "iam:GetRole",
                lambda: required_text(
                    required(iam.get_role(RoleName=role_name), "Role", "GetRole"), "Arn", "GetRole"
                ),
            )
            if isinstance(got, Unreadable) or got is None:
                return caller, got or Unreadable("iam:GetRole", "NoSuchEntity", role_name)
            source = str(got)
        return source, self._may_pass(iam, source, role_arn, "backup.amazonaws.com")

    def _may_pass(self, iam: Any, source: str, role_arn: str, service: str) -> bool | Unreadable:
        """Whether the principal `source` may pass `role_arn` to `service`, as IAM's policy
        simulator answers (iam:PassRole with iam:PassedToService)."""
        answer = self.read(
            "iam:SimulatePrincipalPolicy",
            lambda: iam.simulate_principal_policy(
                PolicySourceArn=source,
                ActionNames=["iam:PassRole"],
                ResourceArns=[role_arn],
                ContextEntries=[
                    {
                        "ContextKeyName": "iam:PassedToService",
                        "ContextKeyValues": [service],
                        "ContextKeyType": "string",
                    }
                ],
            ).get("EvaluationResults"),
        )
        if isinstance(answer, Unreadable) or not answer:
            return answer or Unreadable("iam:SimulatePrincipalPolicy", "Empty", "")
        return all(result.get("EvalDecision") == "allowed" for result in answer)

    def instance_profile(self, account: str, name: str, restore_role: str) -> InstanceProfileFacts:
        """The instance profile `name` in `account` (iam:GetInstanceProfile) and, for each of
        its roles, whether the restore role may pass it to EC2."""
        iam = self.client("iam", account, self.sessions.global_region())
        got = self.read(
            "iam:GetInstanceProfile",
            lambda: required(
                iam.get_instance_profile(InstanceProfileName=name),
                "InstanceProfile",
                "GetInstanceProfile",
            ),
            ("NoSuchEntity",),
        )
        if got is None or isinstance(got, Unreadable):
            return InstanceProfileFacts(name, False if got is None else got)
        roles = [text_of(role, "Arn") for role in got.get("Roles") or []]
        return InstanceProfileFacts(
            name,
            True,
            tuple(
                PassedRole(arn, self._may_pass(iam, restore_role, arn, "ec2.amazonaws.com"))
                for arn in roles
                if arn
            ),
        )
