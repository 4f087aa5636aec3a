"""KMS's DescribeKey of another account's key, which moto looks for in the caller's account only.

AWS: "To perform this operation on a KMS key in a different AWS account, specify the key ARN or
alias ARN in the value of the KeyId parameter"; the key's policy must allow the caller. The
sandbox answers with the key's own account's key when its policy allows kms:DescribeKey to the
caller's account (its root or account id: the caller's IAM side is taken as allowing), and
AccessDeniedException otherwise, for a missing key too (AWS does not tell another account
which keys exist). GetKeyPolicy is not changed: AWS does not let another account call it.
"""

from __future__ import annotations

import json
from typing import Any

from .access import KEY_ARN, Caller, Request, allows, find_key


def _describe_key(original: Any) -> Any:
    def describe_key(self: Any) -> str:
        key_id = self._get_param("KeyId") or ""
        match = KEY_ARN.fullmatch(key_id)
        if match is None or match.group(2) == self.current_account:
            return str(original(self))
        from moto.kms.exceptions import AccessDeniedException

        key = find_key(key_id)
        request = Request(
            caller=Caller(account_id=self.current_account),
            action="kms:DescribeKey",
            resource=key_id,
        )
        if key is None or not allows(key.policy, request):
            raise AccessDeniedException(
                f"User: arn:aws:iam::{self.current_account}:root is not authorized to perform: "
                f"kms:DescribeKey on resource: {key_id} because no resource-based policy "
                "allows the kms:DescribeKey action"
            )
        return json.dumps(key.to_dict())

    describe_key.crosses_accounts = True  # type: ignore[attr-defined]
    return describe_key


def install() -> None:
    """Let moto's KMS describe a key of another account (once per process)."""
    from moto.kms.responses import KmsResponse

    if not getattr(KmsResponse.describe_key, "crosses_accounts", False):
        KmsResponse.describe_key = _describe_key(KmsResponse.describe_key)  # type: ignore[method-assign]
