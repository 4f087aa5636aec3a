"""The requests of a copy job, each with the context AWS sends: CopyFromBackupVault on the
recovery point (source Region), CopyIntoBackupVault on the destination vault (destination
Region), and the destination's use of the source key (the key's Region)."""

from __future__ import annotations

from drconsole.checks.facts import CopyFacts, KeyFacts, OrgMembership, Unreadable
from drconsole.checks.request_context import (
    ContextValues,
    RequestContext,
    UnknownKey,
    account_of,
    path_unknown,
    region_of,
    request_context,
)

# drconsole reads the destination vault's tags, not the recovery point's.
RECOVERY_POINT_TAGS = UnknownKey("drconsole does not read the recovery point's tags")
# "kms:ViaService limits use of a KMS key to requests from specified AWS services"
# (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service):
# which service AWS Backup's copy grants are made through is not documented.
COPY_VIA_SERVICE = UnknownKey(
    "AWS does not document the kms:ViaService of the requests AWS Backup makes with a copy's key"
)


def copy_targets(facts: CopyFacts) -> RequestContext:
    """backup:CopyTargets and backup:CopyTargetOrgPaths (the destination's OU path)."""
    values: ContextValues = {"backup:CopyTargets": [facts.dest_vault_arn]}
    org = facts.dest_org
    key = "backup:CopyTargetOrgPaths"
    if isinstance(org, Unreadable):
        why = f"the organization of account {facts.dest_account_id} could not be read"
        return RequestContext(values, {key: UnknownKey(f"{why}: {org.describe()}", org)})
    if org.org_id is None:
        return RequestContext(values)  # the destination is in no organization: no path
    if org.org_path is None:
        return RequestContext(values, {key: path_unknown(facts.dest_account_id)})
    values[key] = [org.org_path]
    return RequestContext(values)


def _by_the_caller(facts: CopyFacts) -> RequestContext:
    """A request by the caller on something of the source account, in the source Region."""
    rp = facts.recovery_point
    return request_context(
        region=rp.region,
        principal_account=rp.account_id,
        principal_org=facts.source_org,
        resource_account=rp.account_id,
        resource_org=facts.source_org,
    )


def start_copy_request(facts: CopyFacts) -> RequestContext:
    """StartCopyJob by the caller on the recovery point, in the source account and Region; its
    aws:ResourceTag/* are the recovery point's, which drconsole does not read for SCPs. AWS does
    not document that it sends the copy targets with StartCopyJob: they are not sent."""
    return _by_the_caller(facts).adding(unknown={"aws:ResourceTag/": RECOVERY_POINT_TAGS})


def pass_copy_role_request(facts: CopyFacts) -> RequestContext:
    """iam:PassRole of the copy role by the caller, passed to AWS Backup."""
    return _by_the_caller(facts).adding({"iam:PassedToService": "backup.amazonaws.com"})


def copy_from_request(facts: CopyFacts) -> RequestContext:
    """backup:CopyFromBackupVault by the copy role on the recovery point, in the source Region;
    its aws:ResourceTag/* are the recovery point's, which drconsole does not read."""
    rp = facts.recovery_point
    targets = copy_targets(facts)
    return (
        request_context(
            region=rp.region,
            principal_account=rp.account_id,
            principal_org=facts.source_org,
            resource_account=rp.account_id,
            resource_org=facts.source_org,
        )
        .adding(targets.values, targets.unknown)
        .adding(unknown={"aws:ResourceTag/": RECOVERY_POINT_TAGS})
    )


def copy_into_request(facts: CopyFacts) -> RequestContext:
    """backup:CopyIntoBackupVault by the copy role on the destination vault, in the destination
    Region, with the vault's tags (and the copy targets, as the source account's SCPs have
    always been judged with them)."""
    rp = facts.recovery_point
    targets = copy_targets(facts)
    context = request_context(
        region=facts.dest_region,
        principal_account=rp.account_id,
        principal_org=facts.source_org,
        resource_account=facts.dest_account_id,
        resource_org=facts.dest_org,
    ).adding(targets.values, targets.unknown)
    tags = facts.dest_vault_tags
    if isinstance(tags, Unreadable):
        why = UnknownKey(f"the destination vault's tags could not be read: {tags.describe()}", tags)
        return context.adding(unknown={"aws:ResourceTag/": why})
    return context.adding({f"aws:ResourceTag/{key}": value for key, value in tags})


def source_key_request(facts: CopyFacts, key: KeyFacts) -> RequestContext:
    """The destination's AWSServiceRoleForBackup using the source key, in the key's Region."""
    owner: OrgMembership | Unreadable | None = (
        facts.source_org if account_of(key.arn) == facts.recovery_point.account_id else None
    )
    rp = facts.recovery_point
    return key_use_request(facts, key, owner, rp.region, rp.account_id)


def key_use_request(
    facts: CopyFacts,
    key: KeyFacts,
    owner: OrgMembership | Unreadable | None,
    default_region: str,
    default_account: str,
) -> RequestContext:
    """The destination's AWS Backup using `key` (the source's, or the destination vault's), in
    the key's Region and account (`default_*` for an ARN without them). kms:CallerAccount is in
    every KMS request; key policies sharing a key with "Principal": "*" are usually conditioned
    on it."""
    return request_context(
        region=region_of(key.arn) or default_region,
        principal_account=facts.dest_account_id,
        principal_org=facts.dest_org,
        resource_account=account_of(key.arn) or default_account,
        resource_org=owner,
    ).adding(
        {"kms:CallerAccount": facts.dest_account_id},
        {"kms:ViaService": COPY_VIA_SERVICE},
    )
