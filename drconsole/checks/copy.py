"""Copy prerequisite verdicts: pure functions from `CopyFacts` to `models.Check`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from drconsole.checks import remedies
from drconsole.checks.common import (
    fully_managed,
    key_label,
    key_state_fix,
    not_cross_account,
    role_elsewhere,
    trust_verdict,
    unknown_check,
)
from drconsole.checks.copy_destination import (
    check_destination_access_policy,
    check_destination_slr,
    check_destination_vault,
    check_vault_lock,
)
from drconsole.checks.copy_requests import (
    copy_from_request,
    copy_into_request,
    pass_copy_role_request,
    source_key_request,
    start_copy_request,
)
from drconsole.checks.copy_role_allow import allow_verdict
from drconsole.checks.copy_route import check_route, check_running_jobs
from drconsole.checks.evaluation import Outcome, with_policy_warnings
from drconsole.checks.facts import (
    CopyFacts,
    KeyFacts,
    OrgMembership,
    Unreadable,
    slr_arn,
)
from drconsole.checks.image_keys import image_keys_check, snapshots_unread
from drconsole.checks.key_policy import (
    aws_owned_evidence,
    encrypted_without_key,
    key_in_closed_account,
    key_use_gaps,
)
from drconsole.checks.key_use import with_ebs_use
from drconsole.checks.option_group import check_option_group
from drconsole.checks.pass_role import pass_role_verdict
from drconsole.checks.recovery_point import check_copy_retention, check_source_status
from drconsole.checks.role_boundary import RoleRequest, boundary_verdict
from drconsole.checks.role_identity import judge_identity
from drconsole.checks.role_rcps import with_assumption_rcps
from drconsole.checks.scp import ScpRequest, scp_verdict
from drconsole.checks.tag_policy import check_tag_policy
from drconsole.checks.undetermined import decide_in, undetermined_check
from drconsole.models import CauseCode, Check, CheckStatus

PASS, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN


def check_cross_account_setting(facts: CopyFacts) -> Check:
    """The organization's management account has cross-account backup enabled."""
    cid, title = "org.cross-account", "Cross-account backup enabled for the organization"
    if not facts.cross_account:
        return not_cross_account(cid, title)
    if isinstance(facts.cross_account_enabled, Unreadable):
        return unknown_check(cid, title, facts.cross_account_enabled, "the Backup global settings")
    # Said where it was read: the management account's setting in the point's Region.
    where = f"in {facts.recovery_point.region}, read from the organization's management account"
    if facts.cross_account_enabled:
        return Check(cid, title, PASS, f"isCrossAccountBackupEnabled is true {where}")
    return Check(
        cid,
        title,
        FAIL,
        f"isCrossAccountBackupEnabled is false {where}",
        CauseCode.CROSS_ACCOUNT_DISABLED,
        f"In the management account, Region {facts.recovery_point.region} (the setting is kept "
        "per Region): AWS Backup console > Settings > Cross-account backup > Enable, or run: "
        f"{remedies.cross_account_cli(facts.recovery_point.region)}\n"
        f"AWS Backup's trusted access in AWS Organizations must be on too: "
        f"{remedies.TRUSTED_ACCESS_CLI}",
        fix_id=remedies.FIX_CROSS_ACCOUNT,
    )


def check_same_organization(facts: CopyFacts) -> Check:
    """Source and destination accounts belong to the same organization."""
    cid, title = "org.same-organization", "Source and destination in the same organization"
    if not facts.cross_account:
        return not_cross_account(cid, title)
    for side, fact in (("source", facts.source_org), ("destination", facts.dest_org)):
        if isinstance(fact, Unreadable):
            return unknown_check(cid, title, fact, f"the {side} account's organization")
    assert isinstance(facts.source_org, OrgMembership)
    assert isinstance(facts.dest_org, OrgMembership)
    source, dest = facts.source_org, facts.dest_org
    evidence = (
        f"source {source.account_id} in {source.org_id or 'no organization'}, "
        f"destination {dest.account_id} in {dest.org_id or 'no organization'}"
    )
    if source.org_id and source.org_id == dest.org_id:
        return Check(cid, title, PASS, evidence)
    return Check(
        cid,
        title,
        FAIL,
        evidence,
        CauseCode.NOT_SAME_ORG,
        "Cross-account copies only work inside one AWS Organization: invite the account "
        f"{dest.account_id if source.org_id else source.account_id} into organization "
        f"{source.org_id or dest.org_id} (Organizations console > AWS accounts > Invite), "
        "or copy to a vault of an account in the same organization.",
    )


def check_source_vault_policy(facts: CopyFacts) -> Check:
    """The source vault's access policy does not deny copying out."""
    cid, title = "source.vault-policy", "Source vault policy does not deny the copy"
    policy = facts.source_vault_policy
    if isinstance(policy, Unreadable):
        return unknown_check(cid, title, policy, "the source vault's access policy")
    if policy is None:
        return Check(cid, title, PASS, "the source vault has no access policy")
    context = copy_from_request(facts)
    outcome = decide_in(
        policy,
        principal=facts.copy_role_arn,
        action="backup:CopyFromBackupVault",
        resource=facts.recovery_point.arn,
        context=context,
    )
    name = f"the access policy of vault {facts.recovery_point.vault_name}"
    if outcome.settled({"explicit-deny"}) is None:
        return undetermined_check((cid, title), outcome, context, name)
    return with_policy_warnings(
        _source_policy_verdict(cid, title, facts, outcome), outcome.warnings, name
    )


def _source_policy_verdict(cid: str, title: str, facts: CopyFacts, outcome: Outcome) -> Check:
    if outcome.error:
        return Check(cid, title, UNKNOWN, f"the policy could not be read: {outcome.error}")
    if outcome.decision != "explicit-deny":
        return Check(cid, title, PASS, "no statement denies backup:CopyFromBackupVault")
    return Check(
        cid,
        title,
        FAIL,
        f"vault {facts.recovery_point.vault_name} denies backup:CopyFromBackupVault to "
        f"{facts.dest_vault_arn}: {outcome.statements_text}",
        CauseCode.VAULT_POLICY_DENIES_COPY,
        f"In account {facts.recovery_point.account_id}, remove or narrow the deny statement "
        f"({outcome.statements_text}) in the access policy of vault "
        f"{facts.recovery_point.vault_name}.",
    )


def check_scps(facts: CopyFacts) -> Check:
    """No service control policy on the source account denies the copy."""
    check = ("source.scps", "Service control policies allow the copy")
    levels = facts.source_scps
    if isinstance(levels, Unreadable):
        return unknown_check(*check, levels, "the service control policies of the source account")
    # One context per request: CopyFromBackupVault is on the recovery point, in its Region.
    role = facts.copy_role_arn
    # The identity that starts the copy; the account's root when drconsole does not know it
    # (SCPs restrict a member account's root user too).
    rp = facts.recovery_point
    caller = facts.caller_arn or f"arn:{rp.partition}:iam::{rp.account_id}:root"
    requests = (
        ScpRequest(caller, "backup:StartCopyJob", rp.arn, start_copy_request(facts)),
        ScpRequest(caller, "iam:PassRole", role, pass_copy_role_request(facts)),
        ScpRequest(
            role, "backup:CopyFromBackupVault", facts.recovery_point.arn, copy_from_request(facts)
        ),
        ScpRequest(
            role, "backup:CopyIntoBackupVault", facts.dest_vault_arn, copy_into_request(facts)
        ),
    )
    return scp_verdict(check, levels, requests, "copy", facts.recovery_point.account_id)


def check_source_key(facts: CopyFacts) -> Check:
    """The recovery point's key, and each key of an EC2 point's AMI snapshots, can be used by
    the destination's AWS Backup."""
    cid, title = "source.key", "Source key usable by the destination"
    key = facts.source_key
    rp = facts.recovery_point
    snapshots = facts.image_snapshots
    point_key = (
        None if key is None else _judge_key(cid, title, facts, key, rp.encryption_key_arn or "")
    )
    if isinstance(snapshots, tuple) and snapshots:
        judge = partial(_judge_key, cid, title, facts)
        return image_keys_check((cid, title), facts, snapshots, judge, point_key)
    if point_key is not None:
        judged = point_key
    elif rp.is_encrypted:
        judged = encrypted_without_key(cid, title, facts)
    else:
        judged = Check(cid, title, PASS, "the recovery point is not encrypted with a KMS key")
    if isinstance(snapshots, Unreadable) and facts.cross_account:
        need = (
            "a customer managed key whose policy lets the destination account's AWS Backup use it"
        )
        return snapshots_unread(judged, snapshots, rp, ("are copied too", need))
    return judged


def _judge_key(
    cid: str,
    title: str,
    facts: CopyFacts,
    key: KeyFacts | Unreadable,
    key_arn: str,
    holder: str = "the recovery point",
) -> Check:
    """The verdict on one key the copy's source (`holder`) is encrypted with."""
    if isinstance(key, Unreadable):
        closed = _source_key_in_closed_account((cid, title), facts, key_arn, key)
        return closed or unknown_check(cid, title, key, f"key {key_arn}")
    if key.aws_owned:
        return Check(cid, title, PASS, aws_owned_evidence(holder, key))
    if not key.usable:
        return Check(
            cid,
            title,
            FAIL,
            f"key {key.arn} is {key.state}",
            CauseCode.KMS_KEY_UNUSABLE,
            f"In account {key.arn.split(':')[4]}, "
            + key_state_fix(key.arn, key.state, facts.recovery_point.region)
            + ".",
        )
    if not facts.cross_account:
        return Check(cid, title, PASS, f"key {key_label(key)} is enabled (same-account copy)")
    if key.aws_managed and fully_managed(facts):
        return Check(
            cid,
            title,
            PASS,
            f"{key_label(key)} is AWS managed, but AWS Backup re-encrypts "
            f"{facts.recovery_point.resource_type} backups with the destination vault's key",
        )
    if key.aws_managed:
        return Check(
            cid,
            title,
            FAIL,
            f"{holder} is encrypted with the AWS managed key {key_label(key)}, "
            "which cannot be shared with another account",
            CauseCode.AWS_MANAGED_RESOURCE_KEY,
            "Re-encrypt the resource with a customer managed key (for EBS: copy the snapshot "
            "with --kms-key-id <customer managed key>, create a volume from it and back that "
            "up), then copy the new recovery point.",
        )
    return _key_policy_verdict(cid, title, facts, key)


def _source_key_in_closed_account(
    check: tuple[str, str], facts: CopyFacts, key_arn: str, fact: Unreadable
) -> Check | None:
    dest, partition = facts.dest_account_id, facts.recovery_point.partition
    statements = remedies.pretty(remedies.key_policy_statements(dest, partition))
    return key_in_closed_account(check, key_arn, fact, slr_arn(dest, partition), statements)


def _key_policy_verdict(cid: str, title: str, facts: CopyFacts, key: KeyFacts) -> Check:
    policy = key.policy
    dest = facts.dest_account_id
    partition = facts.recovery_point.partition
    principal = slr_arn(dest, partition)
    if isinstance(policy, Unreadable):
        closed = _source_key_in_closed_account((cid, title), facts, key.arn, policy)
        return closed or unknown_check(cid, title, policy, f"the key policy of {key.arn}")
    if policy is None:
        return Check(cid, title, UNKNOWN, f"the key policy of {key.arn} was not read")
    context = source_key_request(facts, key)
    gaps = key_use_gaps((cid, title), policy, principal, key.arn, context)
    if gaps.error:
        return Check(cid, title, UNKNOWN, f"the key policy could not be read: {gaps.error}")
    missing, warnings = gaps.missing, gaps.warnings
    if gaps.undetermined is not None and not missing:
        return with_policy_warnings(gaps.undetermined, warnings, f"the policy of key {key.arn}")
    if not missing:
        passed = Check(
            cid,
            title,
            PASS,
            f"key {key.arn} lets {principal} create grants for AWS resources, through which "
            "AWS Backup uses the key",
        )
        passed = with_ebs_use(passed, facts, key, principal, context)
        return with_policy_warnings(passed, warnings, f"the policy of key {key.arn}")
    try:
        document = remedies.add_statements(policy, remedies.key_policy_statements(dest, partition))
    except remedies.UnreadablePolicy as error:
        return Check(cid, title, UNKNOWN, f"the policy of key {key.arn} is unreadable: {error}")
    statements = remedies.pretty(remedies.key_policy_statements(dest, partition))
    failed = Check(
        cid,
        title,
        FAIL,
        f"the policy of key {key.arn} does not let account {dest}'s AWS Backup "
        f"({principal}) use it: {', '.join(missing)}",
        CauseCode.SOURCE_KEY_NOT_SHARED,
        f"In account {key.arn.split(':')[4]}, add to the key policy of {key.arn}:\n{statements}\n"
        f"or run: {remedies.key_policy_cli(key.arn, document)}",
        fix_id=remedies.FIX_KEY_POLICY,
    )
    return with_policy_warnings(failed, warnings, f"the policy of key {key.arn}")


def check_copy_role(facts: CopyFacts) -> Check:
    """The role passed to StartCopyJob exists in the source account and trusts AWS Backup."""
    cid, title = "source.copy-role", "Copy role exists, trusts AWS Backup and may copy"
    role = facts.copy_role
    account = facts.recovery_point.account_id
    role_account = facts.copy_role_arn.split(":")[4] if facts.copy_role_arn.count(":") >= 5 else ""
    if role_account and account and role_account != account:
        # AWS assumes the copy role in the account that starts the job, whatever IAM says of
        # a role elsewhere.
        return Check(
            cid,
            title,
            FAIL,
            f"role {facts.copy_role_arn} is in account {role_account}, but this copy job "
            f"starts in account {account}",
            CauseCode.ROLE_PERMISSIONS,
            f"Pass a role of account {account}: give the role by name so that the account "
            "starting each copy job uses its own role of that name.",
        )
    if isinstance(role, Unreadable):
        return unknown_check(cid, title, role, f"role {facts.copy_role_arn}")
    if role is None:
        return Check(
            cid,
            title,
            FAIL,
            f"role {facts.copy_role_arn} does not exist in account {account}",
            CauseCode.ROLE_PERMISSIONS,
            f"In account {account}, create the default role: AWS Backup console > Settings > "
            "Service role, or create a role trusted by backup.amazonaws.com with the "
            "AWSBackupServiceRolePolicyForBackup managed policy, and pass its ARN.",
        )
    elsewhere = role_elsewhere(cid, title, facts.copy_role_arn, role.arn)
    if elsewhere is not None:
        return elsewhere
    trust = trust_verdict(cid, title, role.arn, role.trust_policy)
    # What the copy role does: the same two requests the SCP check judges.
    requests = [
        RoleRequest(
            "backup:CopyFromBackupVault", facts.recovery_point.arn, copy_from_request(facts)
        ),
        RoleRequest("backup:CopyIntoBackupVault", facts.dest_vault_arn, copy_into_request(facts)),
    ]
    verdict = trust
    if trust.status is PASS:
        judged = judge_identity((cid, title), role, requests)
        if isinstance(judged, Check):
            return judged
        if judged is not None:
            # What allows each request: the role's identity policies, or on a vault of its own
            # account that vault's policy naming the role (copy_role_allow.py).
            verdict = allow_verdict(facts, role, requests, judged, trust)
    verdict = boundary_verdict((cid, title), role, requests, verdict)
    # AWS Backup assumes the role in the source account, whose RCPs may deny it that.
    return with_assumption_rcps(verdict, facts.copy_role_rcps, role.arn, facts.source_org)


def check_copy_pass_role(facts: CopyFacts) -> Check:
    """The identity drconsole starts the copy with may pass the copy role (iam:PassRole on
    StartCopyJob's IamRoleArn, in the source account)."""
    return pass_role_verdict(
        "source.pass-role",
        "The caller may pass the copy role",
        facts.caller_arn,
        facts.copy_role_arn,
        facts.pass_role,
        "PassBackupCopyRole",
    )


COPY_CHECK_GROUPS: dict[str, tuple[Callable[[CopyFacts], Check], ...]] = {
    "organization": (
        check_cross_account_setting,
        check_same_organization,
        check_scps,
        check_tag_policy,
    ),
    "destination": (
        check_destination_vault,
        check_destination_access_policy,
        check_vault_lock,
        check_copy_retention,
        check_destination_slr,
    ),
    "source": (
        check_source_status,
        check_source_vault_policy,
        check_source_key,
        check_copy_role,
        check_copy_pass_role,
    ),
    "route": (check_route, check_option_group, check_running_jobs),
}


def copy_verdicts(facts: CopyFacts) -> list[Check]:
    """Every copy check, in display order."""
    return [verdict(facts) for group in COPY_CHECK_GROUPS.values() for verdict in group]
