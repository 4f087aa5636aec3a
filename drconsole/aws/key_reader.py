"""Read a KMS key for the checks: in its own account, else as far as another account may.

AWS owned keys (a logically air-gapped vault's by default) live in an AWS service account no
customer role enters: they are taken from the EncryptionKeyType AWS Backup gives, unread. A
customer managed key in an account drconsole has no role in is described from the account
that uses it: "To perform this operation on a KMS key in a different AWS account, specify the
key ARN" (DescribeKey), where the key policy allows that account; its policy cannot be read so:
GetKeyPolicy's "Cross-account use: No" (https://docs.aws.amazon.com/kms/latest/APIReference/).
"""

from __future__ import annotations

from typing import Any

from drconsole.aws.answers import identified, required, text_of
from drconsole.aws.org_facts import OrgReader
from drconsole.checks.facts import (
    AWS_OWNED_KEY_TYPE,
    AWS_OWNED_MANAGER,
    KeyFacts,
    Unreadable,
)
from drconsole.checks.unreadable import entry_refused

# The code of a key policy drconsole could not read because only the key's own account may
# read it and drconsole cannot enter that account (checks name the statements to verify).
POLICY_IN_CLOSED_ACCOUNT = "KeyPolicyInAccountNotEntered"


class KeyReader(OrgReader):
    """DescribeKey, ListAliases and GetKeyPolicy, from the account that may ask them."""

    def key(
        self, key_arn: str, with_policy: bool, used_in: str | None = None, key_type: str = ""
    ) -> KeyFacts | Unreadable | None:
        """The key of `key_arn`. `used_in`: the account whose vault or recovery point uses it
        (asked when the key's own account cannot be entered); `key_type`: the
        EncryptionKeyType AWS Backup gave with it."""
        parts = key_arn.split(":")
        if key_type == AWS_OWNED_KEY_TYPE:
            return KeyFacts(arn=key_arn, manager=AWS_OWNED_MANAGER, state="Enabled")
        if len(parts) < 6 or parts[2] != "kms":
            return None
        region, account = parts[3], parts[4]
        read = self._key_in_own_account(key_arn, account, region, with_policy)
        if (
            isinstance(read, Unreadable)
            and used_in
            and used_in != account
            and entry_refused(read, account)
        ):
            return self._key_from(key_arn, used_in, region, with_policy, read)
        return read

    def _describe(self, kms: Any, key_arn: str) -> dict[str, Any] | Unreadable:
        meta = self.read(
            "kms:DescribeKey",
            lambda: identified(
                required(kms.describe_key(KeyId=key_arn), "KeyMetadata", "DescribeKey"),
                "KeyId",
                "Arn",
                operation="DescribeKey",
            ),
        )
        if isinstance(meta, dict):
            return meta
        return meta or Unreadable("kms:DescribeKey", "NotFoundException", f"{key_arn} not found")

    def _key_in_own_account(
        self, key_arn: str, account: str, region: str, with_policy: bool
    ) -> KeyFacts | Unreadable:
        kms = self.client("kms", account, region)
        meta = self._describe(kms, key_arn)
        if isinstance(meta, Unreadable):
            return meta
        aliases = self.read(
            "kms:ListAliases",
            lambda: tuple(
                text_of(a, "AliasName")
                for a in kms.list_aliases(KeyId=meta["KeyId"]).get("Aliases", [])
            ),
        )
        manager = meta.get("KeyManager", "CUSTOMER")
        names = aliases if isinstance(aliases, tuple) else ()
        if any(name.startswith("alias/aws/") for name in names):
            manager = "AWS"
        policy: str | Unreadable | None = None
        if with_policy and manager != "AWS":
            got = self.read(
                "kms:GetKeyPolicy",
                lambda: required(
                    kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default"),
                    "Policy",
                    "GetKeyPolicy",
                ),
            )
            policy = got if got is not None else Unreadable("kms:GetKeyPolicy", "Empty", "")
        return _key_facts(meta, manager, policy, names)

    def _key_from(
        self, key_arn: str, used_in: str, region: str, with_policy: bool, refused: Unreadable
    ) -> KeyFacts | Unreadable:
        """The key described from `used_in`; its policy unread (and why)."""
        meta = self._describe(self.client("kms", used_in, region), key_arn)
        if isinstance(meta, Unreadable):
            return Unreadable(
                refused.operation,
                refused.code,
                f"{refused.message}; from account {used_in}: {meta.describe()}",
            )
        policy = (
            Unreadable(
                "kms:GetKeyPolicy",
                POLICY_IN_CLOSED_ACCOUNT,
                f"only account {key_arn.split(':')[4]} may read the policy of {key_arn} "
                f"(described from account {used_in}); {refused.message}",
            )
            if with_policy
            else None
        )
        return _key_facts(meta, meta.get("KeyManager", "CUSTOMER"), policy, ())


def _key_facts(
    meta: dict[str, Any], manager: str, policy: str | Unreadable | None, names: tuple[str, ...]
) -> KeyFacts:
    return KeyFacts(
        arn=meta["Arn"],
        manager=manager,
        state=meta.get("KeyState", "Enabled" if meta.get("Enabled") else "Disabled"),
        policy=policy,
        aliases=names,
    )
