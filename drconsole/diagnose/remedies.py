"""Plain-words explanations and exact fixes for each diagnosed cause, filled from the message."""

from __future__ import annotations

import re

from drconsole.diagnose import facts as f
from drconsole.diagnose.facts import Facts, command_word, fill, policy_json
from drconsole.models import CauseCode, Diagnosis
from drconsole.shell_words import shell_word


def _d(cause: CauseCode, explanation: str, remediation: str) -> Diagnosis:
    return Diagnosis(cause=cause, explanation=explanation, remediation=remediation)


def _group(match: re.Match[str] | None, name: str) -> str | None:
    value = match.groupdict().get(name) if match else None
    return value.strip() if value else None


def marketplace_ami(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    return _d(
        CauseCode.MARKETPLACE_AMI,
        "The EC2 instance was launched from an AWS Marketplace AMI (it carries billing product"
        " codes). EC2 does not allow such AMIs, or backups of instances made from them, to be"
        " copied to another account.",
        "Do not copy this instance across accounts. Either back up its data volumes (resource type"
        " EBS, which copy across accounts) and attach them to an instance launched in the"
        " destination account from the same Marketplace product (subscribe to it there first),"
        " or keep the copy in the same account and copy only across Regions.",
    )


# RDS's list of the options a DB snapshot needs where it is copied: "...options: [Timezone]".
NEEDED_OPTIONS = re.compile(r"following options:\s*\[([^\]]*)\]")


def rds_option_group(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    region = fill(facts.region(1) or facts.region(0), "DESTINATION_REGION")
    listed = NEEDED_OPTIONS.search(facts.text)
    needed = [name.strip() for name in listed.group(1).split(",") if name.strip()] if listed else []
    options = " ".join(f"OptionName={name}" for name in needed) or "OptionName=<OPTION>"
    return _d(
        CauseCode.RDS_OPTION_GROUP,
        "The DB snapshot uses a custom option group, and RDS option groups are not copied across"
        " Regions, so the copy (or a restore of it) cannot bring the option group along."
        + (
            f" Its persistent option(s) {', '.join(needed)} must be in an option group of the"
            " same name in the destination Region before the copy can succeed."
            if needed
            else ""
        ),
        f"Create an equivalent option group in the destination Region {region}, then name it when"
        " restoring:\n"
        "  aws rds create-option-group --option-group-name <NAME> --engine-name <ENGINE>"
        " --major-engine-version <VERSION> --option-group-description 'DR copy'"
        f" --region {region}\n"
        f"  aws rds add-option-to-option-group --option-group-name <NAME> --options {options}"
        f" --region {region}\n"
        "  drconsole restore --recovery-point <COPY_ARN> --metadata OptionGroupName=<NAME>",
    )


def cross_account_disabled(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    # The setting is kept per Region: the one the copy job runs in (the source's).
    region = fill(facts.region(), "SOURCE_REGION")
    return _d(
        CauseCode.CROSS_ACCOUNT_DISABLED,
        "Cross-account backup is turned off for the organization in this Region, so AWS Backup"
        " refuses every copy into another account. Only the organization's management account can"
        " turn it on, Region by Region.",
        f"In the organization's management account, Region {region} (the Region the copy job"
        " runs in):\n"
        "  aws backup update-global-settings --global-settings isCrossAccountBackupEnabled=true"
        f" --region {region}\n"
        "AWS Backup's trusted access in AWS Organizations must be on too:\n"
        "  aws organizations enable-aws-service-access --service-principal backup.amazonaws.com\n"
        f"Console: AWS Backup > Settings (in {region}) > Cross-account backup > Enable. Then start"
        " the copy again.",
    )


def not_same_org(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    other = fill(facts.other_account(), "ACCOUNT_ID")
    return _d(
        CauseCode.NOT_SAME_ORG,
        "Cross-account copies only work between accounts of the same AWS Organization, and the"
        " source and destination accounts are not both members of it.",
        "Copy into a vault of an account in the source account's organization, or bring the other"
        " account into it. From the management account:\n"
        f"  aws organizations describe-account --account-id {other}\n"
        f"  aws organizations invite-account-to-organization --target Id={other},Type=ACCOUNT\n"
        "and in the invited account: aws organizations accept-handshake --handshake-id <ID>",
    )


def dest_vault_aws_managed(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    vault = facts.vault_arn
    account = fill(f.arn_account(vault) if vault else None, "DESTINATION_ACCOUNT_ID")
    region = fill(f.arn_region(vault) if vault else facts.region(), "DESTINATION_REGION")
    return _d(
        CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
        "The vault is encrypted with the AWS managed key aws/backup (the Default vault always is)."
        " That key cannot be shared with other accounts, so recovery points of resource types not"
        " fully managed by AWS Backup (EBS, EC2, RDS, Aurora...) cannot be copied across accounts"
        " with it.",
        "Copy into a vault encrypted with a customer managed key instead (a vault's key cannot be"
        f" changed after it is created). In account {account}, Region {region}:\n"
        f"  aws kms create-key --description 'AWS Backup vault key' --region {region}\n"
        "  aws backup create-backup-vault --backup-vault-name <NEW_VAULT> --encryption-key-arn"
        f" <NEW_KEY_ARN> --region {region}\n"
        "then give the new vault an access policy allowing backup:CopyIntoBackupVault for the"
        " source account, and copy into it.",
    )


def cross_account_restore(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    point = fill(
        facts.arn_of("backup", "recovery-point") or facts.arn_of("ec2"), "RECOVERY_POINT_ARN"
    )
    return _d(
        CauseCode.CROSS_ACCOUNT_RESTORE,
        "AWS Backup cannot restore a recovery point into another account: it must first be copied"
        " into a vault of the account where the resource should come back, then restored there.",
        "Copy first, then restore in the destination account:\n"
        f"  drconsole copy --recovery-point {point} --to <VAULT_ARN_IN_TARGET_ACCOUNT> --restore\n"
        "With the AWS CLI: aws backup start-copy-job (in the account that owns the recovery point),"
        " then aws backup start-restore-job in the target account.",
    )


def vault_lock(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    name = fill(f.vault_name(facts.vault_arn), "VAULT_NAME")
    return _d(
        CauseCode.VAULT_LOCK_RETENTION,
        "The vault has AWS Backup Vault Lock: the copy's retention falls outside the vault's"
        " minimum/maximum retention, or a locked recovery point cannot be deleted or changed"
        " before its retention ends.",
        "Read the vault's limits and copy with a retention inside them:\n"
        f"  aws backup describe-backup-vault --backup-vault-name {name}"
        " --query '[Locked,MinRetentionDays,MaxRetentionDays]'\n"
        "  drconsole copy ... --delete-after-days <N>   (min <= N <= max)\n"
        "A copy's retention counts from the recovery point's creation date, not the copy's: N"
        " must also exceed the point's age in days, or the copy is deleted at once.\n"
        "Vault Lock in compliance mode cannot be relaxed once its grace time has passed.",
    )


def too_many_jobs(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    # Copy jobs run, and are listed, in the source account's Region.
    region = fill(facts.region(), "SOURCE_REGION")
    return _d(
        CauseCode.TOO_MANY_JOBS,
        "AWS Backup's limit on concurrent copy jobs was reached: at most 100 concurrent copy jobs"
        " per account per destination Region, and one copy at a time per resource.",
        "Wait for running copies to finish, then start this one again. In the source account"
        " <SOURCE_ACCOUNT_ID>, where copy jobs run:\n"
        f"  aws backup list-copy-jobs --by-state RUNNING --region {region}\n"
        f"  aws backup list-copy-jobs --by-state CREATED --region {region}\n"
        "(drconsole jobs --watch follows drconsole's own in-flight copies.)",
    )


def slr_missing(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    account = fill(
        next((f.arn_account(a) for a in facts.arns if "AWSServiceRoleForBackup" in a), None)
        or facts.other_account(),
        "ACCOUNT_ID",
    )
    return _d(
        CauseCode.SERVICE_LINKED_ROLE_MISSING,
        "AWS Backup's service-linked role AWSServiceRoleForBackup does not exist in the account."
        " AWS Backup performs copies with it (the destination account's role uses the source key),"
        " and AWS creates it only when the account first uses AWS Backup.",
        f"In account {account}:\n  {f.SLR_CREATE}\n"
        "(or start any on-demand backup there once). Then make sure the source key policy allows"
        f" {f.slr_arn(account, facts.partition)}.",
    )


def invalid_principal(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    return _d(
        CauseCode.PRINCIPAL_DOES_NOT_EXIST,
        "The policy names a principal that does not exist (yet), so AWS rejects the whole policy."
        " Typical case: another account's AWSServiceRoleForBackup was never created because AWS"
        " Backup was never used there; or a principal ARN has a typo (e.g. arn:aws:iam::: with an"
        " extra colon).",
        "Create the missing role first, in the account the principal belongs to:\n"
        f"  {f.SLR_CREATE}\n"
        "check every principal ARN in the policy for typos, then apply the policy again.",
    )


# AWS Backup answers a call on a vault that does not exist (deleted, misspelt, another Region)
# with AccessDenied and no message: hashicorp/terraform-provider-aws#11840, #26347, #8821.
BACKUP_VAULT_TEXT = re.compile(r"backup ?vault|recoverypointsbybackupvault", re.IGNORECASE)


def access_denied(facts: Facts) -> Diagnosis:
    """A denial whose message does not say which permission is missing."""
    explanation = "AWS denied the call and the message does not say which permission is missing."
    fix = (
        "See who you are and which call was denied, then grant that action to the role:\n"
        "  aws sts get-caller-identity\n"
        "  aws cloudtrail lookup-events --lookup-attributes"
        f" AttributeKey=EventName,AttributeValue={fill(facts.operation, 'OPERATION')}"
        " --max-results 5\n"
        "Look for errorCode AccessDenied in the event; also check SCPs and permission"
        " boundaries."
    )
    about = f"{facts.text} {facts.operation or ''}"
    if BACKUP_VAULT_TEXT.search(about) and not re.search(r"\bcreat", about, re.IGNORECASE):
        explanation += (
            " AWS Backup gives the same denial (often without a message) for a backup vault that"
            " does not exist in that account and Region (deleted, misspelt, or in another Region)."
        )
        fix = (
            "First check that the vault exists in the account and Region of the call:\n"
            "  aws backup list-backup-vaults --query 'BackupVaultList[].BackupVaultName'\n"
            f"If it does: {fix[0].lower()}{fix[1:]}"
        )
    return Diagnosis(CauseCode.ROLE_PERMISSIONS, explanation, fix)


def role_insufficient(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    role = _group(match, "role") or facts.role_arn
    return _d(
        CauseCode.ROLE_PERMISSIONS,
        f"The IAM role {fill(role, 'ROLE_ARN')} given to the job lacks permissions AWS Backup"
        " needs, does not trust backup.amazonaws.com, or does not exist yet (AWS reports a missing"
        " role the same way). The default role cannot back up or restore S3.",
        f.backup_role_fix(role, facts.partition),
    )


def insufficient_privileges(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """AWS Backup's "Insufficient privileges": a job's role in a job's message, the caller in
    an API call's answer (where a vault that does not exist reads the same: boto/boto3#2269)."""
    return access_denied(facts) if facts.operation else role_insufficient(match, facts)


def unshare_failed(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    return _d(
        CauseCode.ROLE_PERMISSIONS,
        "The copy job's IAM role was deleted (or lost permissions) during a cross-account copy, so"
        " AWS Backup could not unshare the source snapshot afterwards; the job is reported"
        " failed even if the data arrived.",
        f"{f.backup_role_fix(facts.role_arn, facts.partition)}\n"
        "Then remove the leftover share from the source snapshot:\n"
        "  aws ec2 modify-snapshot-attribute --snapshot-id <SNAPSHOT_ID> --attribute"
        " createVolumePermission --operation-type remove --user-ids <DESTINATION_ACCOUNT_ID>\n"
        "  (RDS: aws rds modify-db-snapshot-attribute --db-snapshot-identifier <SNAPSHOT>"
        " --attribute-name restore --values-to-remove <DESTINATION_ACCOUNT_ID>)",
    )


def role_not_assumable(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    role = facts.role_arn
    return _d(
        CauseCode.ROLE_PERMISSIONS,
        f"The IAM role {fill(role, 'ROLE_ARN')} cannot be used for the job: it does not exist in"
        " the account that runs the job, does not trust backup.amazonaws.com, a resource"
        " control policy (RCP) on its account's path denies backup.amazonaws.com"
        " sts:AssumeRole of it (RCPs apply to AWS services assuming a service role), or the"
        " caller may not pass it (iam:PassRole).",
        f"{f.backup_role_fix(role, facts.partition)}\n"
        "The caller also needs iam:PassRole on that role.\n"
        "If an RCP denies it, in the management account find the RCP with the Deny for"
        " sts:AssumeRole (aws organizations list-policies-for-target --target-id"
        f" {fill(f.arn_account(role) if role else None, 'ACCOUNT_ID')} --filter"
        " RESOURCE_CONTROL_POLICY, then its OUs and the root) and exempt AWS services in its"
        ' condition: "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}.',
    )


def not_authorized(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    principal = fill(facts.principal_arn, "PRINCIPAL_ARN")
    action = fill(facts.action, "ACTION")
    resource = _group(match, "resource") or "*"
    text = facts.text.lower()
    if "explicit deny" in text and "service control policy" in text:
        why = "A service control policy (SCP) of the organization explicitly denies it."
        fix = (
            "In the management account, find the SCP with the Deny for"
            f" {action} (aws organizations list-policies-for-target --target-id"
            f" {fill(f.arn_account(principal) if facts.principal_arn else None, 'ACCOUNT_ID')}"
            " --filter SERVICE_CONTROL_POLICY) and exempt this role or action."
        )
    elif "explicit deny in a resource-based policy" in text:
        why = f"The resource-based policy of {_clean(resource)} explicitly denies it."
        fix = (
            f"Read that policy and narrow the Deny statement that covers {action} for"
            f" {principal}:\n  {_read_resource_policy(_clean(resource))}"
        )
    elif "explicit deny" in text:
        why = (
            "A policy explicitly denies it (identity policy, permissions boundary or resource"
            " policy)."
        )
        fix = f"Find and narrow the Deny statement that covers {action} for {principal}."
    else:
        why = "No policy allows it."
        statement = {"Effect": "Allow", "Action": action, "Resource": _clean(resource)}
        role = f.role_of_session(principal) if facts.principal_arn else None
        fix = (
            f"Add to a policy of the role {fill(role, 'ROLE_ARN')}:\n{policy_json(statement)}\n"
            "  aws iam put-role-policy --role-name"
            f" {command_word(f.role_name(f.role_of_session(principal)), 'ROLE_NAME')}"
            " --policy-name drconsole-fix --policy-document file://policy.json"
        )
    return _d(
        CauseCode.ROLE_PERMISSIONS,
        f"{principal} is not allowed to call {action} on {_clean(resource)}. {why}",
        fix,
    )


def _read_resource_policy(resource: str) -> str:
    """The call that prints the resource-based policy of a vault, key or bucket."""
    region = fill(f.arn_region(resource), "RESOURCE_REGION")
    vault = re.match(r"arn:[\w-]+:backup:[\w-]+:[^:]*:backup-vault:(.+)$", resource)
    if vault:
        return (
            "aws backup get-backup-vault-access-policy --backup-vault-name "
            f"{shell_word(vault.group(1))}"
            f" --region {region}"
        )
    if ":kms:" in resource:
        return (
            f"aws kms get-key-policy --key-id {shell_word(resource)} --policy-name default"
            f" --region {region}"
        )
    bucket = re.match(r"arn:[\w-]+:s3:::([^/]+)", resource)
    if bucket:
        return f"aws s3api get-bucket-policy --bucket {shell_word(bucket.group(1))}"
    return f"(the resource policy of {resource})"


def _clean(value: str) -> str:
    return value.rstrip(".,;:)]'\"")
