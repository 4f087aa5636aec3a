"""A shared source key judged as AWS's EBS guide asks: use actions, not only grants (EBS, EC2)."""

from __future__ import annotations

from dataclasses import replace

from drconsole.checks import remedies
from drconsole.checks.facts import CopyFacts, KeyFacts
from drconsole.checks.request_context import RequestContext
from drconsole.checks.undetermined import decide_in
from drconsole.models import Check, CheckStatus

# "Users of your shared customer managed key who are accessing encrypted snapshots must be
# granted permissions to perform the following actions on the key: kms:DescribeKey,
# kms:CreateGrant, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:ReEncrypt,
# kms:Decrypt" (https://docs.aws.amazon.com/ebs/latest/userguide/share-kms-key.html).
# CreateGrant is judged on its own (a FAIL without it).
EBS_USE_ACTIONS = (
    "kms:DescribeKey",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
)
# EC2 recovery points are AMIs of EBS snapshots: the same guide applies.
EBS_TYPES = frozenset({"EBS", "EC2"})


def missing_use(policy: str, principal: str, key_arn: str, context: RequestContext) -> list[str]:
    """The EBS guide's use actions the key policy does not allow to `principal` (those whose
    decision hinges on a key drconsole cannot know are not counted: no WARN on a guess)."""
    return [
        action
        for action in EBS_USE_ACTIONS
        if decide_in(
            policy, principal=principal, action=action, resource=key_arn, context=context
        ).settled({"allow"})
        is False
    ]


def with_ebs_use(
    passed: Check,
    facts: CopyFacts,
    key: KeyFacts,
    principal: str,
    context: RequestContext,
) -> Check:
    """The PASS of a key whose policy allows the grant, a WARN for an EBS or EC2 copy when the
    policy does not also allow the use actions. Not a FAIL: a field report has the grant alone
    make a cross-account copy work (seeds/blog-automating-cross-account-cross-region.txt)."""
    rp = facts.recovery_point
    if rp.resource_type not in EBS_TYPES or not isinstance(key.policy, str):
        return passed
    missing = missing_use(key.policy, principal, key.arn, context)
    if not missing:
        return passed
    statements = remedies.key_policy_statements(facts.dest_account_id, rp.partition)
    try:
        document = remedies.add_statements(key.policy, statements)
    except remedies.UnreadablePolicy:
        document = None
    use = statements[0]  # drconsole's own fix writes it, with the grant statement
    fix = f"\nor run: {remedies.key_policy_cli(key.arn, document)}" if document else ""
    return replace(
        passed,
        status=CheckStatus.WARN,
        evidence=f"{passed.evidence}; but it does not allow {', '.join(missing)} to {principal}, "
        f"which AWS's EBS guide requires of a shared key for {rp.resource_type} copies",
        remediation=f"In account {key.arn.split(':')[4]}, add to the key policy of {key.arn} "
        f"the statement {use['Sid']}:\n{remedies.pretty(use)}{fix}",
        fix_id=remedies.FIX_KEY_POLICY if document else None,
    )
