"""The KMS calls a restore role makes on the customer managed key of an encrypted EBS volume or
EC2 instance it restores, as requests its boundary, its identity policies and the SCPs judge.

"Requirements for Amazon EBS encryption" (https://docs.aws.amazon.com/ebs/latest/userguide/
ebs-encryption-requirements.html, "Permissions for users") lists what a principal needs to use
a KMS key for EBS encryption: kms:CreateGrant, kms:Decrypt, kms:DescribeKey,
kms:GenerateDataKeyWithoutPlainText and kms:ReEncrypt (the actions behind `kms:ReEncrypt*` are
kms:ReEncryptFrom and kms:ReEncryptTo). AWSBackupServiceRolePolicyForRestores grants the same
ones through EC2 (`kms:ViaService` ec2.*.amazonaws.com), and kms:CreateGrant only for an AWS
resource (`kms:GrantIsForAWSResource`).
"""

from __future__ import annotations

from drconsole.checks.facts import KeyFacts, RestoreFacts
from drconsole.checks.request_context import UnknownKey, account_of, request_context
from drconsole.checks.role_boundary import RoleRequest

KEY_ACTIONS = (
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)
# The types whose restore creates EBS volumes, which EBS's documented permissions cover. The
# other types' KMS calls are not documented per call for a restore role: not judged.
EBS_TYPES = ("EBS", "EC2")
# Keys KMS puts in these requests whose values drconsole does not know: a policy that tests one
# is UNKNOWN, never a verdict. EBS's encryption context and grants are not documented to the
# value for a restore, and drconsole does not read the key's tags.
NOT_KNOWN = UnknownKey("EBS does not document its value for a restore's KMS requests")
KEY_TAGS = UnknownKey("drconsole does not read the key's tags")
UNKNOWN_KEY_KEYS = {
    "kms:EncryptionContext:aws:ebs:id": NOT_KNOWN,
    "kms:EncryptionContextKeys": NOT_KNOWN,
    "kms:GrantOperations": NOT_KNOWN,
    "kms:GranteePrincipal": NOT_KNOWN,
    "kms:RetiringPrincipal": NOT_KNOWN,
    "kms:GrantConstraintType": NOT_KNOWN,
    "aws:ResourceTag/": KEY_TAGS,
}


def customer_managed_key(facts: RestoreFacts) -> KeyFacts | None:
    """The customer managed key the restored resource will be encrypted with, else None (no
    key, an AWS managed or AWS owned key, or a key that could not be read)."""
    key = facts.restore_key
    if not isinstance(key, KeyFacts) or key.manager != "CUSTOMER":
        return None
    return key


def restore_key_requests(facts: RestoreFacts) -> list[RoleRequest]:
    """The restore role's KMS requests on the restored volume's customer managed key, made
    through EC2 in the restoring account and Region ([] when the restore uses none)."""
    key = customer_managed_key(facts)
    if key is None or facts.recovery_point.resource_type not in EBS_TYPES:
        return []
    region = facts.restoring_region or facts.recovery_point.region
    account = facts.restoring_account_id
    key_account = account_of(key.arn) or account
    context = request_context(
        region=region,
        principal_account=account,
        principal_org=facts.restoring_org,
        resource_account=key_account,
        resource_org=facts.restoring_org if key_account == account else None,
    ).adding(
        {"kms:ViaService": f"ec2.{region}.amazonaws.com", "kms:CallerAccount": account},
        UNKNOWN_KEY_KEYS,
    )
    # EBS creates its grant for the volume it makes: a grant for an AWS resource.
    grant = context.adding({"kms:GrantIsForAWSResource": "true"})
    return [
        RoleRequest(action, key.arn, grant if action == "kms:CreateGrant" else context)
        for action in KEY_ACTIONS
    ]


def names_role(key: KeyFacts, role_arn: str) -> bool:
    """True when the key policy names the role itself (not only its account): a key policy
    statement naming a principal of the key's account lets it use the key without an identity
    policy ("Key policies in AWS KMS", https://docs.aws.amazon.com/kms/latest/developerguide/
    key-policies.html); naming the account's root delegates to IAM policies instead."""
    return isinstance(key.policy, str) and f'"{role_arn}"' in key.policy
