"""Key policies judged for AWS Backup's use of a key: the source key and the vault key alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from drconsole.checks import remedies
from drconsole.checks.common import unknown_check
from drconsole.checks.copy_requests import key_use_request
from drconsole.checks.evaluation import with_policy_warnings
from drconsole.checks.facts import CopyFacts, KeyFacts, OrgMembership, Unreadable, slr_arn
from drconsole.checks.request_context import RequestContext, account_of
from drconsole.checks.undetermined import decide_in, undetermined_check
from drconsole.checks.unreadable import entry_refused
from drconsole.models import CauseCode, Check, CheckStatus

# The destination's AWSServiceRoleForBackup uses the source key through a grant it creates for
# the AWS resource (kms:CreateGrant with kms:GrantIsForAWSResource): the key policy need not
# allow these to it, only not deny them (an explicit deny in a key policy beats a grant).
KEY_USE_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
# The destination vault's key encrypts the copy ("AWS Backup re-encrypts your copy using the
# customer managed key of your destination vault"): the encrypting actions must not be denied
# either.
VAULT_KEY_USE_ACTIONS = (
    *KEY_USE_ACTIONS,
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptTo",
)
GRANT = "kms:CreateGrant"


@dataclass
class KeyUseGaps:
    """What a key policy refuses `principal` among the grant and the use actions."""

    missing: list[str] = field(default_factory=list)
    denying: list[str] = field(default_factory=list)  # statements that explicitly deny
    warnings: list[str] = field(default_factory=list)
    undetermined: Check | None = None
    error: str = ""


def key_use_gaps(
    check: tuple[str, str],
    policy: str,
    principal: str,
    key_arn: str,
    context: RequestContext,
    use_actions: tuple[str, ...] = KEY_USE_ACTIONS,
) -> KeyUseGaps:
    """The grant (with kms:GrantIsForAWSResource) must be allowed; the use through it need
    only not be denied."""
    gaps = KeyUseGaps()
    for action in (GRANT, *use_actions):
        action_context = context
        if action == GRANT:
            action_context = context.adding({"kms:GrantIsForAWSResource": "true"})
        outcome = decide_in(
            policy, principal=principal, action=action, resource=key_arn, context=action_context
        )
        if outcome.error:
            return KeyUseGaps(error=outcome.error)
        use = action != GRANT
        fits = outcome.settled({"allow", "implicit-deny"} if use else {"allow"})
        if fits is None:
            gaps.undetermined = gaps.undetermined or undetermined_check(
                check, outcome, action_context, f"the policy of key {key_arn} for {action}"
            )
        elif not fits:
            gaps.missing.append(
                f"{action} denied"
                if use
                else f"{action} (with kms:GrantIsForAWSResource) not allowed"
            )
            if outcome.decision == "explicit-deny" and outcome.statements_text:
                gaps.denying.append(outcome.statements_text)
        gaps.warnings.extend(outcome.warnings)
    return gaps


def vault_key_request(facts: CopyFacts, key: KeyFacts) -> RequestContext:
    """The destination's AWS Backup using the destination vault's key, in the key's Region."""
    key_account = account_of(key.arn)
    owner: OrgMembership | Unreadable | None = None
    if key_account == facts.dest_account_id:
        owner = facts.dest_org
    elif key_account == facts.recovery_point.account_id:
        owner = facts.source_org
    return key_use_request(facts, key, owner, facts.dest_region, facts.dest_account_id)


def key_in_closed_account(
    check: tuple[str, str], key_arn: str, fact: Unreadable, principal: str, statements: str
) -> Check | None:
    """UNKNOWN for a key (or its policy) drconsole could not read because its account does
    not let drconsole in, naming what to verify there; None for any other failed read."""
    account = account_of(key_arn)
    if not account or not entry_refused(fact, account):
        return None
    cid, title = check
    # Described from the account using it (state known), or not even that.
    what = (
        f"the policy of key {key_arn}" if fact.operation == "kms:GetKeyPolicy" else f"key {key_arn}"
    )
    return Check(
        cid,
        title,
        CheckStatus.UNKNOWN,
        f"{what} could not be judged: only its account {account} may read the key's policy "
        f"(kms:GetKeyPolicy works in no other account), and drconsole has no role there: "
        f"{fact.describe()}",
        CauseCode.ROLE_PERMISSIONS,
        f"In account {account} (the key's owner), check that the policy of key {key_arn} "
        f"allows {principal} kms:CreateGrant with kms:GrantIsForAWSResource, and denies "
        f"none of the key's use, as these statements do:\n{statements}\n"
        f"Then either let drconsole read that account (a role it may assume there, named with "
        f"--role-name or role_name in the config) and re-run the check, or judge it from what "
        "you read there.",
    )


def vault_key_user(facts: CopyFacts) -> str:
    """Who encrypts the copy with the destination vault's key: the destination's
    AWSServiceRoleForBackup across accounts, the copy role within one account."""
    if facts.cross_account:
        return slr_arn(facts.dest_account_id, facts.recovery_point.partition)
    return facts.copy_role_arn


def vault_key_verdict(check: tuple[str, str], facts: CopyFacts, key: KeyFacts) -> Check | None:
    """FAIL (or UNKNOWN) when the vault key's policy keeps the destination's AWS Backup from
    encrypting the copy with it; None when it does not (or the policy was not read)."""
    policy = key.policy
    if key.aws_managed or policy is None:
        return None
    principal = vault_key_user(facts)
    statements = remedies.pretty(
        remedies.key_policy_statements(facts.dest_account_id, facts.recovery_point.partition)
    )
    if isinstance(policy, Unreadable):
        closed = key_in_closed_account(check, key.arn, policy, principal, statements)
        return closed or unknown_check(*check, policy, f"the policy of key {key.arn}")
    context = vault_key_request(facts, key)
    gaps = key_use_gaps(check, policy, principal, key.arn, context, VAULT_KEY_USE_ACTIONS)
    name = f"the policy of key {key.arn}"
    cid, title = check
    if gaps.error:
        return Check(cid, title, CheckStatus.UNKNOWN, f"{name} could not be read: {gaps.error}")
    if not gaps.missing:
        if gaps.undetermined is not None:
            return with_policy_warnings(gaps.undetermined, gaps.warnings, name)
        return None
    account = account_of(key.arn)
    fix = (
        f"remove or narrow the deny statement ({'; '.join(dict.fromkeys(gaps.denying))}) in "
        f"the key policy of {key.arn}"
        if gaps.denying
        else f"add to the key policy of {key.arn}:\n{statements}"
    )
    failed = Check(
        cid,
        title,
        CheckStatus.FAIL,
        f"the policy of vault {facts.dest_vault_name}'s key {key.arn} does not let "
        f"{principal} use it to encrypt the copy: {', '.join(gaps.missing)}",
        CauseCode.KMS_KEY_UNUSABLE,
        f"In account {account}, {fix}; a vault's key cannot be changed, so otherwise copy "
        "into another vault.",
    )
    return with_policy_warnings(failed, gaps.warnings, name)


def aws_owned_evidence(holder: str, key: KeyFacts) -> str:
    """The PASS evidence of an AWS owned key (not an AWS managed one: those stay in the
    customer's account and cannot be shared)."""
    named = f" {key.arn}" if key.arn else ""
    return (
        f"{holder} is encrypted with an AWS owned key{named} (EncryptionKeyType "
        "AWS_OWNED_KMS_KEY): AWS Backup manages its use"
    )


def encrypted_without_key(cid: str, title: str, facts: CopyFacts) -> Check:
    """UNKNOWN for a recovery point AWS says is encrypted (IsEncrypted) without naming a key:
    an AMI's snapshots each have their own key, and an aws/ebs one among them fails the copy."""
    rp = facts.recovery_point
    statements = remedies.pretty(
        remedies.key_policy_statements(facts.dest_account_id, rp.partition)
    )
    principal = slr_arn(facts.dest_account_id, rp.partition)
    need = (
        f"customer managed (an aws/ebs snapshot cannot be copied to another account) with a "
        f"policy letting {principal} use it, as these statements do:\n{statements}"
        if facts.cross_account
        else "enabled"
    )
    if rp.resource_type == "EC2" and ":image/" in rp.arn:
        image = rp.arn.rsplit("/", 1)[-1]
        return Check(
            cid,
            title,
            CheckStatus.UNKNOWN,
            f"DescribeRecoveryPoint says AMI {image} is encrypted (IsEncrypted) but names no key "
            "(EncryptionKeyArn); each of its EBS snapshots has its own key, which drconsole "
            "does not read",
            CauseCode.UNKNOWN,
            f"In account {rp.account_id}, list the keys of the AMI's snapshots: aws ec2 "
            f"describe-images --region {rp.region} --image-ids {image} --query "
            "'Images[].BlockDeviceMappings[].Ebs.[SnapshotId,Encrypted,KmsKeyId]'; each key "
            f"must be {need}",
        )
    return Check(
        cid,
        title,
        CheckStatus.UNKNOWN,
        "DescribeRecoveryPoint says the recovery point is encrypted (IsEncrypted) but names no "
        "key (EncryptionKeyArn)",
        CauseCode.UNKNOWN,
        f"In account {rp.account_id}, find the key of {rp.resource_type} resource "
        f"{rp.resource_arn or rp.arn} in its own service; it must be {need}",
    )
