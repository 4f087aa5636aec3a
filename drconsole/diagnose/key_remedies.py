"""Explanations and exact fixes for KMS causes: unshared, AWS managed, unusable or denied keys."""

from __future__ import annotations

import re

from drconsole.diagnose import facts as f
from drconsole.diagnose.facts import Facts, fill, policy_json
from drconsole.models import CauseCode, Diagnosis


def _d(cause: CauseCode, explanation: str, remediation: str) -> Diagnosis:
    return Diagnosis(cause=cause, explanation=explanation, remediation=remediation)


def aws_managed_resource_key(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    key = fill(facts.key_arn, "CUSTOMER_MANAGED_KEY_ARN")
    # The snapshot is re-encrypted where it is: the source account and Region, where the copy
    # job runs (not where the copy was going).
    region = fill(facts.region(), "SOURCE_REGION")
    return _d(
        CauseCode.AWS_MANAGED_RESOURCE_KEY,
        "The recovery point is encrypted with an AWS managed key (aws/ebs, aws/rds...). AWS"
        " managed keys cannot be shared with other accounts, so it can never be copied across"
        " accounts as it is.",
        "Re-encrypt with a customer managed key inside the source account <SOURCE_ACCOUNT_ID>,"
        f" Region {region}, then back up or copy the re-encrypted snapshot:\n"
        f"  EBS: aws ec2 copy-snapshot --source-region {region} --source-snapshot-id <SNAPSHOT_ID>"
        f" --encrypted --kms-key-id {key} --region {region}\n"
        "  RDS: aws rds copy-db-snapshot --source-db-snapshot-identifier <SNAPSHOT>"
        f" --target-db-snapshot-identifier <NEW_SNAPSHOT_NAME> --kms-key-id {key}"
        f" --region {region}\n"
        "Going forward, encrypt the resource itself with a customer managed key whose policy lets"
        " the destination account's AWSServiceRoleForBackup create grants.",
    )


def source_key_not_shared(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    key = facts.key_arn
    key_account = f.arn_account(key) if key else None
    dest = facts.principal_account
    if dest is None or dest == key_account:
        dest = facts.other_account(key_account)
    dest_text = fill(dest, "DESTINATION_ACCOUNT_ID")
    statements = f.key_grant_statements(dest_text, facts.partition)
    owner = f" {key_account}" if key_account else ""
    return _d(
        CauseCode.SOURCE_KEY_NOT_SHARED,
        "The recovery point is encrypted with the customer managed key"
        f" {fill(key, 'SOURCE_KEY_ARN')}, which the destination account's AWS Backup"
        " service-linked role cannot use. During a"
        " cross-account copy that role must create a grant on the source key, and the key policy"
        " does not allow it (less often: the key is disabled or scheduled for deletion). If the"
        " snapshot is encrypted with an AWS managed key (aws/ebs, aws/rds), no key policy can fix"
        " it: see AWS_MANAGED_RESOURCE_KEY.",
        f"In the key's account{owner}, add to the key policy:\n"
        f"{policy_json(*statements)}\n"
        f"{f.key_policy_commands(fill(key, 'SOURCE_KEY_ARN'))}\n"
        "Check the key is enabled: aws kms describe-key --key-id"
        f" {fill(key, 'SOURCE_KEY_ARN')} --query KeyMetadata.KeyState",
    )


def rds_source_snapshot_key(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """RDS's words for a source key the destination cannot use: an unshared customer managed
    key, or an AWS managed aws/rds key, which no key policy can share (AWS's text is the same:
    awslabs/aurora-snapshot-tool#26)."""
    shared = source_key_not_shared(match, facts)
    key = fill(facts.key_arn, "SOURCE_KEY_ARN")
    region = fill(facts.region(), "SOURCE_REGION")
    return Diagnosis(
        cause=shared.cause,
        explanation=f"The recovery point is encrypted with the key {key}, which the destination"
        " account's AWS Backup service-linked role cannot use. RDS says so in the same words for"
        " a customer managed key whose policy does not let that role create a grant (during a"
        " cross-account copy it must; less often the key is disabled or scheduled for deletion)"
        " and for an AWS managed key (aws/rds), which no key policy can share: see"
        " AWS_MANAGED_RESOURCE_KEY.",
        remediation=f"{shared.remediation}\n"
        "If the key is AWS managed (aws/rds: describe-key says KeyManager AWS), no key policy"
        " can share it: in the source account, copy the snapshot with a customer managed key"
        " and back up or copy that one:\n"
        f"  aws kms describe-key --key-id {key} --query KeyMetadata.KeyManager\n"
        "  aws rds copy-db-snapshot --source-db-snapshot-identifier <SNAPSHOT>"
        " --target-db-snapshot-identifier <NEW_SNAPSHOT_NAME> --kms-key-id"
        f" <CUSTOMER_MANAGED_KEY_ARN> --region {region}",
        also=(CauseCode.AWS_MANAGED_RESOURCE_KEY,),
    )


def kms_alias_missing(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """KMS found no key under the alias it was given."""
    alias = facts.key_arn or (match.group("alias") if match is not None else None)
    named = fill(alias, "KEY_ARN")
    in_arn = f.arn_region(alias) if alias and alias.startswith("arn:") else None
    region = fill(in_arn, "KEY_REGION")
    return Diagnosis(
        cause=CauseCode.KMS_KEY_UNUSABLE,
        explanation=f"KMS has no alias {named} where it was asked: the alias was deleted or"
        " misspelt, or it is in another account or Region (aliases, like keys, are per Region;"
        " another account's key must be named by its key ARN, not by an alias). No key could be"
        " used.",
        remediation="List the aliases where the key should be and use the key's ARN (or an"
        " alias that exists):\n"
        f"  aws kms list-aliases --region {region} --query"
        " 'Aliases[].[AliasName,TargetKeyId]' --output table\n"
        "Then give that key ARN where the alias was named (the vault's encryption key, the"
        " restore's KmsKeyId metadata, or the tool's key setting).",
    )


def kms_key_state(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    key = fill(facts.key_arn, "KEY_ARN")
    owner = f.arn_account(facts.key_arn) if facts.key_arn else None
    text = facts.text.lower()
    check = f"  aws kms describe-key --key-id {key} --query KeyMetadata.KeyState"
    enable = f"  Disabled:        aws kms enable-key --key-id {key}"
    cancel = (
        f"  PendingDeletion: aws kms cancel-key-deletion --key-id {key}"
        f" && aws kms enable-key --key-id {key}"
    )
    lines = [f"In the key's account{' ' + owner if owner else ''}, read the key state:", check]
    if "pending" in text and "deletion" in text:
        lines += [cancel, enable]
    else:
        lines += [enable, cancel]
    lines.append(
        "  Deleted: data encrypted with it cannot be recovered; use a recovery point encrypted"
        " with another key."
    )
    denied = "denied" in text or "access" in text
    if denied:
        grants, _ = f.key_grant_statements("<DESTINATION_ACCOUNT_ID>", facts.partition)
        lines.append(
            "If the key is Enabled, access is what is missing: for a cross-account copy the key"
            " policy must let the destination account's AWSServiceRoleForBackup create grants:\n"
            f"{policy_json(grants)}\n{f.key_policy_commands(key)}\n"
            "For a restore of an EBS volume or EC2 instance the restore role itself uses the key"
            " through EC2: its IAM policies (or the key policy) must allow it kms:CreateGrant,"
            " kms:Decrypt, kms:DescribeKey, kms:GenerateDataKeyWithoutPlaintext and"
            " kms:ReEncrypt* on the key (AWSBackupServiceRolePolicyForRestores allows them with"
            " kms:ViaService ec2.*.amazonaws.com), and no policy on its path may deny them."
        )
    return Diagnosis(
        cause=CauseCode.KMS_KEY_UNUSABLE,
        explanation=f"The KMS key {key} cannot be used: it is disabled, pending deletion,"
        " unavailable or missing, or the principal AWS Backup acts as may not use it, so AWS"
        " cannot decrypt or encrypt with it.",
        remediation="\n".join(lines),
        # "access to KMS key is denied" does not say whose: a restore role's own permissions
        # (restore.key's ROLE_PERMISSIONS) read the same.
        also=(CauseCode.ROLE_PERMISSIONS,) if denied else (),
    )


def kms_not_authorized(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    key = facts.key_arn
    key_account = f.arn_account(key) if key else None
    principal = facts.principal_arn
    if "resource control policy" in facts.text.lower():
        return _rcp_denies_key(facts, key, key_account)
    caller_account = facts.principal_account
    is_slr = principal is not None and "awsserviceroleforbackup" in principal.lower()
    if key is None and not is_slr:
        return kms_key_access(None, facts)  # a KMS denial is about the key, whatever names it
    if (caller_account and key_account and caller_account != key_account) or is_slr:
        return source_key_not_shared(match, facts)
    statement = {
        "Sid": "AllowUseOfTheKey",
        "Effect": "Allow",
        "Principal": {"AWS": fill(principal, "PRINCIPAL_ARN")},
        "Action": [fill(facts.action, "kms:ACTION"), "kms:DescribeKey"],
        "Resource": "*",
    }
    return _d(
        CauseCode.KMS_KEY_UNUSABLE,
        f"{fill(principal, 'The caller')} may not use the KMS key {fill(key, 'KEY_ARN')}"
        f" ({fill(facts.action, 'kms action')}): neither the key policy nor the caller's IAM"
        " policies allow it.",
        "Add to the key policy (or an IAM policy of the role) a statement such as:\n"
        f"{policy_json(statement)}\n{f.key_policy_commands(fill(key, 'KEY_ARN'))}",
    )


def _rcp_denies_key(facts: Facts, key: str | None, key_account: str | None) -> Diagnosis:
    """A resource control policy on the key account's OU path denies the call: IAM names the
    policy type that denied ("... with an explicit deny in a resource control policy")."""
    principal = fill(facts.principal_arn, "PRINCIPAL_ARN")
    action = fill(facts.action, "kms:ACTION")
    return _d(
        CauseCode.KMS_KEY_UNUSABLE,
        f"A resource control policy (RCP) of the organization denies {principal} {action} on the"
        f" KMS key {fill(key, 'KEY_ARN')}: RCPs limit what any principal may do with the"
        " resources of member accounts, whatever the key policy allows.",
        "In the management account, find the RCP with the Deny for"
        f" {action} (aws organizations list-policies-for-target --target-id"
        f" {fill(key_account, 'KEY_ACCOUNT_ID')} --filter RESOURCE_CONTROL_POLICY, and the same"
        " for each OU above the account and the root) and exempt this principal or its account.",
    )


def kms_key_access(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """KMS refused the key without naming it: missing, other Region, disabled, or not allowed."""
    principal = facts.principal_arn
    if principal and facts.key_arn:
        return kms_not_authorized(match, facts)
    is_slr = principal is not None and "awsserviceroleforbackup" in principal.lower()
    if is_slr and facts.principal_account:
        return source_key_not_shared(match, facts)
    role = f.role_of_session(principal) if principal else None
    action = fill(facts.action, "kms:Decrypt")
    statement = {
        "Sid": "AllowUseOfTheKey",
        "Effect": "Allow",
        "Principal": {"AWS": fill(role, "JOB_ROLE_ARN")},
        "Action": [action, "kms:DescribeKey", "kms:CreateGrant"],
        "Resource": "*",
    }
    return _d(
        CauseCode.KMS_KEY_UNUSABLE,
        f"KMS refused {action} for {fill(role, 'the role the job ran with')}: the key that"
        " encrypted the data does not exist in this Region, is disabled or pending deletion, or"
        " its key policy (and the role's IAM policy) do not let that role use it. The message"
        " does not name the key.",
        "Find the key of the recovery point and read its state:\n"
        "  aws backup describe-recovery-point --backup-vault-name <VAULT> --recovery-point-arn"
        " <RECOVERY_POINT_ARN> --query EncryptionKeyArn\n"
        "  aws kms describe-key --key-id <KEY_ARN> --query KeyMetadata.KeyState\n"
        "Enable it if Disabled (aws kms enable-key --key-id <KEY_ARN>), cancel its deletion if"
        " PendingDeletion, and add to its key policy:\n"
        f"{policy_json(statement)}\n{f.key_policy_commands('<KEY_ARN>')}",
    )


def rds_target_key(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """RDS refused the key it encrypts the copied snapshot with: in an AWS Backup copy, the
    destination vault's key, not the recovery point's."""
    key = fill(facts.key_arn, "DESTINATION_VAULT_KEY_ARN")
    owner = f.arn_account(facts.key_arn) if facts.key_arn else None
    region = fill(
        f.arn_region(facts.key_arn) if facts.key_arn else facts.region(), "DESTINATION_REGION"
    )
    statements = f.key_grant_statements(fill(owner, "DESTINATION_ACCOUNT_ID"), facts.partition)
    return _d(
        CauseCode.KMS_KEY_UNUSABLE,
        f"RDS could not use the target key {key}: the key the copied snapshot is encrypted"
        " with, which in an AWS Backup copy is the destination vault's key (AWS Backup"
        " re-encrypts the copy with it), not the recovery point's. It does not exist in the"
        " destination Region, is not enabled, or its key policy does not let the destination"
        " account's AWS Backup use it.",
        "In the destination account, read the vault's key and its state:\n"
        f"  aws backup describe-backup-vault --backup-vault-name <VAULT_NAME> --region"
        f" {region} --query EncryptionKeyArn\n"
        f"  aws kms describe-key --key-id {key} --query KeyMetadata.KeyState\n"
        f"Enable it if Disabled (aws kms enable-key --key-id {key}), and make sure its key"
        " policy lets the account's AWSServiceRoleForBackup use it:\n"
        f"{policy_json(*statements)}\n{f.key_policy_commands(key)}",
    )
