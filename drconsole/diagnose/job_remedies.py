"""Fixes for AWS Backup's own job messages: a job of the same resource running, a vault that
does not exist, a job role that may not read the resource's tags, tags a tag policy refuses,
and an AMI whose snapshots the copying account may not read."""

from __future__ import annotations

import re

from drconsole.diagnose import facts as f
from drconsole.diagnose.facts import Facts, command_word, fill
from drconsole.models import CauseCode, Diagnosis


def running_job_same_resource(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """AWS Backup ended a job because another job of the same resource was running."""
    # Copy jobs run, and are listed, in the source vault's account and Region.
    region = fill(facts.region(), "SOURCE_REGION")
    resource = fill(next((a for a in facts.arns if ":backup:" not in a), None), "RESOURCE_ARN")
    return Diagnosis(
        CauseCode.TOO_MANY_JOBS,
        "Another backup or copy job of the same resource was running, and AWS Backup runs a"
        " limited number of them per resource at a time (its quota 'Concurrent backup and copy"
        " jobs per resource'): this job waited and then ended (EXPIRED or FAILED). Nothing is"
        " misconfigured.",
        "Let the running job finish, then start this one again (or move the schedules of the"
        " backup plans and copy rules that meet on this resource apart):\n"
        f"  aws backup list-backup-jobs --by-resource-arn {resource} --by-state RUNNING"
        f" --region {region}\n"
        f"  aws backup list-copy-jobs --by-resource-arn {resource} --by-state RUNNING"
        f" --region {region}",
    )


def vault_does_not_exist(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The job names a backup vault that its account and Region do not have."""
    vault = facts.vault_arn
    name = fill(f.vault_name(vault), "VAULT_NAME")
    account = f.arn_account(vault) if vault else None
    region = fill(f.arn_region(vault) if vault else facts.region(), "DESTINATION_REGION")
    where = f"account {account}, Region {region}" if account else f"Region {region}"
    return Diagnosis(
        CauseCode.UNKNOWN,
        "No cause code covers this, but the message is clear: the job names the backup vault"
        f" {name}, which does not exist in {where} (deleted, or a backup plan or copy rule still"
        " names it, or it is spelled differently: vault names are case-sensitive).",
        f"Create the vault again, or point the plan's rule at a vault that exists ({where}):\n"
        f"  aws backup list-backup-vaults --region {region}"
        " --query 'BackupVaultList[].BackupVaultName'\n"
        f"  aws backup create-backup-vault --backup-vault-name {name} --region {region}"
        " --encryption-key-arn <CUSTOMER_MANAGED_KEY_ARN>\n"
        "A vault that receives copies from other accounts also needs its access policy again"
        " (drconsole check copy ... --fix).",
    )


def list_tags_denied(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The job's role may not read the resource's tags, which AWS Backup copies with it."""
    role = facts.role_arn
    return Diagnosis(
        CauseCode.ROLE_PERMISSIONS,
        "AWS Backup reads the resource's tags to carry them to the recovery point and its"
        f" copies, and the role the job ran with ({fill(role, 'the job role')}) may not read"
        " them. For EC2 and EBS that is ec2:DescribeTags; for other types the service's own"
        " tag listing (rds:ListTagsForResource, elasticfilesystem:DescribeTags,"
        " dynamodb:ListTagsOfResource, backup:ListTags).",
        "Give the job role the tag read of the resource's service, for example (EC2):\n"
        "  aws iam put-role-policy --role-name"
        f" {command_word(f.role_name(role), 'JOB_ROLE_NAME')} --policy-name ReadResourceTags"
        ' --policy-document \'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'
        ' "Action": ["ec2:DescribeTags", "backup:ListTags"], "Resource": "*"}]}\'\n'
        "or attach AWS's managed policy that carries them"
        " (AWSBackupServiceRolePolicyForBackup for backups and copies), then start the job"
        " again.",
    )


def tag_policy_refused(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """An enforced tag policy of the destination account refused the copy's tags."""
    key = fill(match.group("key") if match is not None else None, "TAG_KEY")
    return Diagnosis(
        CauseCode.ROLE_PERMISSIONS,
        "A copy carries its recovery point's tags into the destination account, and an AWS"
        " Organizations tag policy there, enforced for backup:recovery-point (or backup:*),"
        f" does not allow the tag {key} as the recovery point has it (its value, or the case"
        " of its key).",
        "Read the destination account's effective tag policy (from the management account):\n"
        "  aws organizations describe-effective-policy --policy-type TAG_POLICY"
        " --target-id <DESTINATION_ACCOUNT_ID>\n"
        f"then retag the recovery point in the source account with an allowed {key} value"
        " and key case (aws backup tag-resource, or aws ec2 create-tags for an EBS or EC2"
        " backup), or allow the value in the tag policy, and copy again."
        " drconsole check copy judges it beforehand (dest.tag-policy).",
    )


AMI_ID_RE = re.compile(r"\bami-[0-9a-f]{8,17}\b", re.IGNORECASE)


def ami_storage_not_shared(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """EC2 refused to copy an AMI whose snapshots the copying account may not read."""
    ami = AMI_ID_RE.search(facts.text)
    image = ami.group(0).lower() if ami else "<AMI_ID>"
    return Diagnosis(
        CauseCode.UNKNOWN,
        f"No cause code covers this, but EC2's message is clear: the image {image} may be"
        " launched by the copying account, but the EBS snapshots behind it are not shared with"
        " that account, so EC2 cannot read them to copy (sharing an AMI does not share its"
        " snapshots). It is not the IAM policy of the caller: granting it more permissions does"
        " not help.",
        "In the account that owns the image, share each of its snapshots with the copying"
        " account:\n"
        f"  aws ec2 describe-images --image-ids {image}"
        " --query 'Images[].BlockDeviceMappings[].Ebs.SnapshotId'\n"
        "  aws ec2 modify-snapshot-attribute --snapshot-id <SNAPSHOT_ID> --attribute"
        " createVolumePermission --operation-type add --user-ids <DESTINATION_ACCOUNT_ID>\n"
        "If the snapshots are encrypted, the key policy of their customer managed key must let"
        " that account use it too (an AWS managed key such as aws/ebs cannot be shared: see"
        " AWS_MANAGED_RESOURCE_KEY). Then copy the image again.",
    )
