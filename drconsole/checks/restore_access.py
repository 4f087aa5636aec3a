"""Who may use what in a restore: the destination key (by the restore role and AWS Backup's
service-linked role) and the restore role itself (iam:PassRole by the caller)."""

from __future__ import annotations

import json
from dataclasses import replace

from drconsole.checks.common import cause_of_code, key_label, key_state_fix, unknown_check
from drconsole.checks.facts import (
    KeyAccess,
    KeyFacts,
    OrgMembership,
    RestoreFacts,
    Unreadable,
    slr_arn,
)
from drconsole.checks.key_policy import aws_owned_evidence, key_in_closed_account
from drconsole.checks.pass_role import pass_role_verdict
from drconsole.checks.request_context import (
    RequestContext,
    UnknownKey,
    account_of,
    region_of,
    request_context,
)
from drconsole.checks.undetermined import decide_in
from drconsole.checks.unreadable import entry_refused
from drconsole.models import CauseCode, Check, CheckStatus

KEY_ID, KEY_TITLE = "restore.key", "Key for the restored resource usable"
PASS_ID, PASS_TITLE = "restore.pass-role", "The caller may pass the restore role"
# What AWS Backup asks of the key when it restores: a grant for the AWS resource it creates.
KEY_ACTION = "kms:CreateGrant"


# Which service AWS Backup's grants for a restored resource are made through is not documented.
RESTORE_VIA_SERVICE = UnknownKey(
    "AWS does not document the kms:ViaService of the grants AWS Backup creates for a restore"
)


def key_request_context(
    key: KeyFacts, principal: str, account: str, org: OrgMembership | Unreadable | None
) -> RequestContext:
    """The request context of AWS Backup creating a grant for the restored resource, in the
    key's Region, with the principal's organization keys (unknown when `org` is not known)."""
    key_account = key.arn.split(":")[4] if key.arn.count(":") >= 5 else account
    return request_context(
        region=region_of(key.arn),
        principal_account=account,
        principal_org=org,
        resource_account=key_account or account,
        resource_org=org if key_account == account else None,
    ).adding(
        {
            "kms:GrantIsForAWSResource": "true",
            "kms:CallerAccount": account,
            "aws:PrincipalArn": principal,
        },
        {"kms:ViaService": RESTORE_VIA_SERVICE},
    )


def key_policy_allows(
    key: KeyFacts, principal: str, account: str, org: OrgMembership | Unreadable | None = None
) -> KeyAccess:
    """Whether the key policy lets `principal` (of `account`, in organization `org`; None:
    not read) create grants on the key. `decision` carries the policy's decision, so that a
    grant is only taken when the policy does not deny explicitly."""
    if key.aws_managed:
        return KeyAccess(principal, True, "AWS managed key: its policy admits the account's use")
    if isinstance(key.policy, Unreadable):
        return KeyAccess(principal, key.policy)
    if key.policy is None:
        return KeyAccess(principal, False, "no key policy read")
    context = key_request_context(key, principal, account, org)
    outcome = decide_in(
        key.policy, principal=principal, action=KEY_ACTION, resource=key.arn, context=context
    )
    if outcome.error:
        # A policy the evaluator cannot judge says nothing either way: UNKNOWN, never a verdict.
        return KeyAccess(
            principal, Unreadable("kms:GetKeyPolicy", "PolicyNotEvaluated", outcome.error)
        )
    if outcome.decision == "unknown":
        causes = context.causes(outcome.unknown_text)
        refused = next((c.refused for c in causes if c.refused is not None), None)
        why = "; ".join(dict.fromkeys(c.why for c in causes))
        how = (
            f"key policy {outcome.statements_text} tests {outcome.unknown_text}, whose value in "
            f"AWS's request is not known here ({why}); AWS's decision is {outcome.restrictive} "
            f"or {outcome.permissive} depending on it"
        )
        code = refused.code if refused is not None else "UnknownConditionKey"
        operation = refused.operation if refused is not None else "kms:GetKeyPolicy"
        return KeyAccess(
            principal,
            Unreadable(operation, code, how),
            how,
            "explicit-deny" if outcome.restrictive == "explicit-deny" else "unknown",
        )
    if outcome.decision == "allow":
        return KeyAccess(principal, True, f"key policy {outcome.statements_text}", "allow")
    return KeyAccess(principal, False, f"key policy: {outcome.decision}", outcome.decision)


def restore_key_principals(facts: RestoreFacts) -> tuple[str, str]:
    """The principals that use the destination key: the restore role and the SLR."""
    return facts.role_arn, slr_arn(facts.restoring_account_id, facts.recovery_point.partition)


def key_uses(
    key: KeyFacts | Unreadable | None, role_arn: str, account: str, partition: str
) -> tuple[tuple[KeyFacts, str], ...]:
    """(key, principal) of each use of the restored resource's key that `check_restore_key`
    judges (`RestoreFacts.key_access`): by the restore role and by AWS Backup's service-linked
    role of the restoring account; none when the key is not read, not usable (its state
    decides), or AWS owned (AWS Backup manages its use, no key policy names them)."""
    if not isinstance(key, KeyFacts) or not key.usable or key.aws_owned:
        return ()
    return (key, role_arn), (key, slr_arn(account, partition))


def check_restore_key(facts: RestoreFacts) -> Check:
    """The KMS key the restored resource will use is enabled, and the restore role and
    AWSServiceRoleForBackup may use it (key policy or grants)."""
    key = facts.restore_key
    if isinstance(key, Unreadable):
        closed = key_in_closed_account(
            (KEY_ID, KEY_TITLE), facts.restore_key_arn, key, *_what_to_verify(facts)
        )
        return closed or unknown_check(KEY_ID, KEY_TITLE, key, "the key for the restored resource")
    if key is None:
        return Check(KEY_ID, KEY_TITLE, CheckStatus.PASS, "no KMS key involved")
    if key.aws_owned:
        copy = facts.after_copy_to
        holder = f"the copy in vault {copy}" if copy else "the recovery point"
        return Check(
            KEY_ID,
            KEY_TITLE,
            CheckStatus.PASS,
            aws_owned_evidence(holder, key) + "; no key policy statement is needed for the "
            "restore role or AWSServiceRoleForBackup",
        )
    elsewhere = key_in_another_region(facts, key)
    if elsewhere is not None:
        return elsewhere
    described = _described_from_here(facts, key)
    if not key.usable:
        return Check(
            KEY_ID,
            KEY_TITLE,
            CheckStatus.FAIL,
            f"key {key.arn} is {key.state}{described}",
            CauseCode.KMS_KEY_UNUSABLE,
            f"In account {account_of(key.arn) or facts.restoring_account_id}, make the key "
            f"usable ({key_state_fix(key.arn, key.state, region_of(key.arn))}) or restore "
            "with another key (--metadata KmsKeyId=ARN).",
        )
    for access in facts.key_access:
        if isinstance(access.allowed, Unreadable) and access.how:
            # Readable, but its decision hinges on a key whose value is not known.
            fact = access.allowed
            return Check(
                KEY_ID,
                KEY_TITLE,
                CheckStatus.UNKNOWN,
                f"whether {access.principal} may use {key.arn}: {access.how}",
                cause_of_code(fact.code),
                f"Check the key policy of {key.arn} against what AWS sends for the keys named, "
                "or give drconsole access to read them (for the organization: "
                "organizations:DescribeOrganization in the restoring account).",
            )
        if isinstance(access.allowed, Unreadable):
            closed = key_in_closed_account(
                (KEY_ID, KEY_TITLE), key.arn, access.allowed, *_what_to_verify(facts)
            )
            if closed is not None:
                state = f"key {key_label(key)} is {key.state}{described}"
                return replace(closed, evidence=f"{state}; {closed.evidence}")
            return unknown_check(
                KEY_ID, KEY_TITLE, access.allowed, f"whether {access.principal} may use {key.arn}"
            )
    denied = [a for a in facts.key_access if a.allowed is False]
    if not denied:
        how = "; ".join(f"{a.principal.rsplit('/', 1)[-1]}: {a.how}" for a in facts.key_access)
        return Check(
            KEY_ID,
            KEY_TITLE,
            CheckStatus.PASS,
            f"key {key_label(key)} is enabled{described}" + (f" ({how})" if how else ""),
        )
    statement = _restore_statement(facts, [a.principal for a in denied])
    return Check(
        KEY_ID,
        KEY_TITLE,
        CheckStatus.FAIL,
        f"key {key_label(key)} is enabled, but "
        + ", ".join(f"{a.principal} may not use it ({a.how})" for a in denied),
        CauseCode.KMS_KEY_UNUSABLE,
        f"Add this statement to the key policy of {key.arn} (in account {key.arn.split(':')[4]})"
        f" or restore with a key of account {facts.restoring_account_id} (--metadata "
        f"KmsKeyId=ARN):\n{json.dumps(statement, indent=2)}",
    )


def _restore_statement(facts: RestoreFacts, principals: list[str]) -> dict[str, object]:
    """The key policy statement that lets `principals` use the key for the restore."""
    return {
        "Sid": "AllowRestoreInAccount" + facts.restoring_account_id,
        "Effect": "Allow",
        "Principal": {"AWS": principals},
        "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*"],
        "Resource": "*",
    }


def _what_to_verify(facts: RestoreFacts) -> tuple[str, str]:
    """Who must be let use a key whose policy drconsole cannot read, and the statement that
    does it, for the remedy to verify in the key's account."""
    role, slr = restore_key_principals(facts)
    statement = _restore_statement(facts, [role, slr])
    return f"the restore role {role} and {slr}", json.dumps(statement, indent=2)


def _described_from_here(facts: RestoreFacts, key: KeyFacts) -> str:
    """Which account's DescribeKey gave the key's state, when not the key's own: its account
    refused drconsole's role, and the restoring account described it ("" otherwise)."""
    owner = account_of(key.arn)
    policy = key.policy
    if owner == facts.restoring_account_id or not isinstance(policy, Unreadable):
        return ""
    if not entry_refused(policy, owner):
        return ""
    return f", as account {facts.restoring_account_id}'s DescribeKey answers"


def key_in_another_region(facts: RestoreFacts, key: KeyFacts) -> Check | None:
    """FAIL when the key is not in the Region where the restore runs: KMS keys are Regional,
    and DynamoDB, EBS, RDS, EFS and S3 encrypt a resource only with a key of its own Region (a
    multi-Region key's replica has its own ARN, naming its Region)."""
    restoring = facts.restoring_region or facts.recovery_point.region  # as restore.region_of
    parts = key.arn.split(":")
    key_region = parts[3] if len(parts) > 5 else ""
    if not key_region or not restoring or key_region == restoring:
        return None
    account = parts[4] or facts.restoring_account_id
    given = facts.metadata if isinstance(facts.metadata, dict) else {}
    # The metadata key that named it (a key ARN or an alias ARN of that Region), for the remedy.
    named = next(
        (
            k
            for k, v in given.items()
            if v.startswith("arn:") and v.split(":")[2:4] == ["kms", key_region]
        ),
        "KmsKeyId",
    )
    return Check(
        KEY_ID,
        KEY_TITLE,
        CheckStatus.FAIL,
        f"key {key_label(key)} is in {key_region}; the restore runs in {restoring}",
        CauseCode.KMS_KEY_UNUSABLE,
        f"KMS keys are Regional: restore with a key of {restoring} (--metadata "
        f"{named}=arn:{parts[1]}:kms:{restoring}:{account}:key/KEY_ID; a multi-Region key's "
        f"replica in {restoring} has an ARN of its own).",
    )


def check_pass_role(facts: RestoreFacts) -> Check:
    """The identity that starts the restore may pass the restore role (iam:PassRole)."""
    return pass_role_verdict(
        PASS_ID, PASS_TITLE, facts.caller_arn, facts.role_arn, facts.pass_role,
        "PassBackupRestoreRole",
    )  # fmt: skip
