"""Copy verdicts on the destination: the vault, its key, access policy and lock, the SLR."""

from __future__ import annotations

from drconsole.checks import remedies
from drconsole.checks.arns import RESERVED_VAULT_PREFIX
from drconsole.checks.common import (
    fully_managed,
    key_label,
    key_state_fix,
    not_cross_account,
    unknown_check,
)
from drconsole.checks.copy_requests import copy_into_request
from drconsole.checks.evaluation import Outcome, with_policy_warnings
from drconsole.checks.facts import CopyFacts, Unreadable, slr_arn
from drconsole.checks.key_policy import (
    aws_owned_evidence,
    key_in_closed_account,
    vault_key_user,
    vault_key_verdict,
)
from drconsole.checks.request_context import RequestContext
from drconsole.checks.undetermined import decide_in, undetermined_check
from drconsole.checks.vault_actions import with_action_wildcards
from drconsole.models import CauseCode, Check, CheckStatus

PASS, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN


def check_destination_vault(facts: CopyFacts) -> Check:
    """The destination vault exists, is not the default vault, and its key fits the type."""
    cid, title = "dest.vault", "Destination vault exists and its key fits the resource type"
    vault = facts.dest_vault
    resource_type = facts.recovery_point.resource_type
    if facts.dest_vault_name.startswith(RESERVED_VAULT_PREFIX):
        return Check(
            cid,
            title,
            FAIL,
            f"vault {facts.dest_vault_name} is AWS's own (EFS automatic backups go there), "
            "reserved for those backups only: no copy goes into it",
            CauseCode.UNSUPPORTED_COPY_ROUTE,
            f"Copy into another vault of account {facts.dest_account_id} in {facts.dest_region}.",
        )
    if isinstance(vault, Unreadable):
        return unknown_check(cid, title, vault, f"vault {facts.dest_vault_arn}")
    if vault is None:
        return Check(
            cid,
            title,
            FAIL,
            f"vault {facts.dest_vault_name} does not exist in account {facts.dest_account_id} "
            f"({facts.dest_region})"
            + (
                "; AWS reports a cross-account copy into it as Access Denied"
                if facts.cross_account
                else ""
            ),
            CauseCode.VAULT_POLICY_DENIES_COPY if facts.cross_account else CauseCode.UNKNOWN,
            f"Create it with a customer managed key: aws backup create-backup-vault --region "
            f"{facts.dest_region} --backup-vault-name {facts.dest_vault_name} "
            "--encryption-key-arn <customer managed key ARN in that account>",
        )
    if facts.cross_account and vault.name == "Default":
        return Check(
            cid,
            title,
            FAIL,
            "the destination is the default vault, whose key cannot be shared across accounts",
            CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
            "Copy into a vault other than 'Default', encrypted with a customer managed key.",
        )
    key = vault.key
    if isinstance(key, Unreadable):
        return _unread_vault_key((cid, title), facts, vault.name, vault.encryption_key_arn, key)
    if key is not None and key.aws_owned:
        return Check(cid, title, PASS, aws_owned_evidence(f"vault {vault.name}", key))
    independent = fully_managed(facts)
    if key is not None and key.aws_managed and facts.cross_account and not independent:
        return Check(
            cid,
            title,
            FAIL,
            f"vault {vault.name} is encrypted with the AWS managed key {key_label(key)}; "
            f"{resource_type} backups are not fully managed by AWS Backup and need a customer "
            "managed key in the destination vault",
            CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
            f"Copy into a vault of account {facts.dest_account_id} in {facts.dest_region} that is "
            "encrypted with a customer managed key (aws backup create-backup-vault "
            f"--region {facts.dest_region} --backup-vault-name NAME --encryption-key-arn "
            "<customer managed key ARN>); a vault's key cannot be changed after creation.",
        )
    if key is not None and not key.aws_managed and not key.usable:
        return Check(
            cid,
            title,
            FAIL,
            f"the key of vault {vault.name}, {key_label(key)}, is {key.state}",
            CauseCode.KMS_KEY_UNUSABLE,
            f"In account {key.arn.split(':')[4]}, "
            + key_state_fix(key.arn, key.state, vault.region)
            + "; a vault's key cannot be changed, so otherwise copy into another vault.",
        )
    refused = vault_key_verdict((cid, title), facts, key) if key is not None else None
    if refused is not None:
        return refused
    policy_read = key is not None and isinstance(key.policy, str)
    return Check(
        cid,
        title,
        PASS,
        f"vault {vault.name} exists, key {key_label(key) if key else vault.encryption_key_arn}"
        + ("; its policy lets AWS Backup encrypt the copy with it" if policy_read else ""),
    )


def _unread_vault_key(
    check: tuple[str, str], facts: CopyFacts, vault: str, key_arn: str, fact: Unreadable
) -> Check:
    """UNKNOWN for a vault key not read; for one in an account drconsole cannot enter, what
    to verify there rather than a role to create in an account that may not be the
    customer's."""
    partition = facts.recovery_point.partition
    statements = remedies.pretty(remedies.key_policy_statements(facts.dest_account_id, partition))
    closed = key_in_closed_account(check, key_arn, fact, vault_key_user(facts), statements)
    return closed or unknown_check(*check, fact, f"the key of vault {vault}")


def check_destination_access_policy(facts: CopyFacts) -> Check:
    """The destination vault's access policy allows the source to copy into it."""
    cid, title = "dest.access-policy", "Destination vault policy allows CopyIntoBackupVault"
    if not facts.cross_account:
        return _same_account_access_policy(cid, title, facts)
    vault = facts.dest_vault
    if isinstance(vault, Unreadable):
        return unknown_check(cid, title, vault, f"vault {facts.dest_vault_arn}")
    if vault is None:
        return Check(
            cid,
            title,
            FAIL,
            f"vault {facts.dest_vault_name} does not exist, so no policy allows the copy",
            CauseCode.VAULT_POLICY_DENIES_COPY,
            "Create the destination vault first (see the destination vault check), with an "
            f"access policy allowing account {facts.recovery_point.account_id}.",
        )
    policy = vault.access_policy
    if isinstance(policy, Unreadable):
        return unknown_check(cid, title, policy, f"the access policy of vault {vault.name}")
    source = facts.recovery_point.account_id
    partition = facts.recovery_point.partition
    try:
        fix_document = remedies.add_statements(
            policy if isinstance(policy, str) else None,
            [remedies.vault_policy_statement(source, partition)],
        )
    except remedies.UnreadablePolicy as error:
        # Neither judged nor offered a rewrite: a fix would replace a policy no one has read.
        return Check(
            cid, title, UNKNOWN, f"the access policy of vault {vault.name} is unreadable: {error}"
        )
    remediation = (
        f"In account {facts.dest_account_id}, add to the access policy of vault {vault.name}:\n"
        f"{remedies.pretty(remedies.vault_policy_statement(source, partition))}\n"
        f"or run: {remedies.vault_policy_cli(vault.name, vault.region, fix_document)}"
    )
    if policy is None:
        return Check(
            cid,
            title,
            FAIL,
            f"vault {vault.name} has no access policy: copies from other accounts are refused",
            CauseCode.VAULT_POLICY_DENIES_COPY,
            remediation,
            fix_id=remedies.FIX_VAULT_POLICY,
        )
    context = copy_into_request(facts)
    outcome = decide_in(
        policy,
        principal=facts.copy_role_arn,
        action="backup:CopyIntoBackupVault",
        resource=vault.arn,
        context=context,
    )
    verdict = _access_policy_verdict((cid, title), facts, vault.name, outcome, context, remediation)
    verdict = with_action_wildcards(
        verdict,
        policy,
        outcome,
        "backup:CopyIntoBackupVault",
        f"In account {facts.dest_account_id}, name the action in full "
        f'("backup:CopyIntoBackupVault") in the access policy of vault {vault.name}.\n'
        + remediation,
    )
    return with_policy_warnings(verdict, outcome.warnings, f"the access policy of {vault.name}")


def _same_account_access_policy(cid: str, title: str, facts: CopyFacts) -> Check:
    """A same-account copy needs no statement allowing it, but an explicit deny still refuses
    it: "An explicit deny in any policy overrides any allows"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)."""
    vault = facts.dest_vault
    if vault is None or isinstance(vault, Unreadable) or not isinstance(vault.access_policy, str):
        return not_cross_account(cid, title)
    context = copy_into_request(facts)
    outcome = decide_in(
        vault.access_policy,
        principal=facts.copy_role_arn,
        action="backup:CopyIntoBackupVault",
        resource=vault.arn,
        context=context,
    )
    denied = outcome.settled({"explicit-deny"})
    if not outcome.error and denied is None:
        name = f"the access policy of vault {vault.name}"
        return undetermined_check((cid, title), outcome, context, name)
    if outcome.error or not denied:
        return not_cross_account(cid, title)
    return Check(
        cid,
        title,
        FAIL,
        f"vault {vault.name}: explicitly denied by {outcome.statements_text}",
        CauseCode.VAULT_POLICY_DENIES_COPY,
        f"In account {facts.dest_account_id}, remove or narrow the deny statement "
        f"({outcome.statements_text}) in the access policy of vault {vault.name}, or copy into "
        "another vault.",
    )


def _access_policy_verdict(
    check: tuple[str, str],
    facts: CopyFacts,
    vault_name: str,
    outcome: Outcome,
    context: RequestContext,
    remediation: str,
) -> Check:
    cid, title = check
    source = facts.recovery_point.account_id
    if outcome.error:
        return Check(cid, title, UNKNOWN, f"the access policy could not be read: {outcome.error}")
    allowed = outcome.settled({"allow"})
    if allowed is None:
        name = f"the access policy of vault {vault_name}"
        return undetermined_check(check, outcome, context, name)
    if allowed:
        return Check(
            cid, title, PASS, f"allowed for {facts.copy_role_arn} by {outcome.statements_text}"
        )
    # Denied whatever an unknown key holds: an explicit deny when it is certain.
    decision = outcome.permissive if outcome.decision == "unknown" else outcome.decision
    evidence = (
        f"explicitly denied by {outcome.statements_text}"
        if decision == "explicit-deny"
        else f"no statement allows {facts.copy_role_arn} (account {source})"
    )
    return Check(
        cid,
        title,
        FAIL,
        f"vault {vault_name}: {evidence}",
        CauseCode.VAULT_POLICY_DENIES_COPY,
        remediation,
        fix_id=remedies.FIX_VAULT_POLICY if decision == "implicit-deny" else None,
    )


def check_vault_lock(facts: CopyFacts) -> Check:
    """The copy's retention fits the destination vault lock's minimum and maximum."""
    cid, title = "dest.vault-lock", "Copy retention fits the destination vault lock"
    vault = facts.dest_vault
    if isinstance(vault, Unreadable):
        return unknown_check(cid, title, vault, f"vault {facts.dest_vault_arn}")
    if vault is None:
        return Check(cid, title, PASS, "no destination vault, so no vault lock")
    low, high = vault.min_retention_days, vault.max_retention_days
    # The bounds decide, whatever DescribeBackupVault's Locked says: "If specified, Vault Lock
    # enforces a minimum and maximum retention period for future backup and copy jobs that
    # target a backup vault", in governance and compliance mode alike
    # (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutBackupVaultLockConfiguration.html).
    if low is None and high is None:
        return Check(cid, title, PASS, "the destination vault has no vault lock retention range")
    days = facts.lifecycle_delete_after_days
    retention = "kept indefinitely" if days is None else f"kept {days} days"
    bounds = f"lock min {low if low is not None else '-'}, max {high if high is not None else '-'}"
    too_short = days is not None and low is not None and days < low
    too_long = high is not None and (days is None or days > high)
    if not (too_short or too_long):
        return Check(cid, title, PASS, f"copy {retention}; {bounds} days")
    wanted = low if too_short else high
    return Check(
        cid,
        title,
        FAIL,
        f"copy {retention}, outside the vault lock of {vault.name} ({bounds} days)",
        CauseCode.VAULT_LOCK_RETENTION,
        f"Start the copy with --delete-after-days between {low or 1} and {high or 'any'} "
        f"(days counted from the recovery point's creation date), e.g. --delete-after-days "
        f"{wanted}",
    )


def check_destination_slr(facts: CopyFacts) -> Check:
    """The destination account has AWS Backup's service-linked role."""
    cid, title = "dest.service-linked-role", "Destination service-linked role exists"
    role = slr_arn(facts.dest_account_id, facts.recovery_point.partition)
    if not facts.cross_account:
        return not_cross_account(cid, title)
    if isinstance(facts.dest_slr_exists, Unreadable):
        return unknown_check(cid, title, facts.dest_slr_exists, f"role {role}")
    if facts.dest_slr_exists:
        return Check(cid, title, PASS, f"{role} exists")
    return Check(
        cid,
        title,
        FAIL,
        f"{role} does not exist (AWS Backup was never used in account {facts.dest_account_id})",
        CauseCode.SERVICE_LINKED_ROLE_MISSING,
        f"In account {facts.dest_account_id} run: {remedies.slr_cli()}",
        fix_id=remedies.FIX_SERVICE_LINKED_ROLE,
    )
