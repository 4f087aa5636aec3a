"""The `<PLACEHOLDERS>` of the fixes: which a flow or a job fills, and filling them in."""

from __future__ import annotations

import re
from dataclasses import replace

from drconsole.diagnose.facts import arn_account, arn_region, vault_name
from drconsole.models import Diagnosis

# What a copy's or restore's own record knows, whatever the message says. A command run where
# the copy job runs (it is started in the source vault's account and Region, and listed there)
# says <SOURCE_REGION>; one run where the copy goes says <DESTINATION_REGION>: a bare <REGION>
# would leave the flow to guess which, and it guessed the destination.
FILLED_FROM_THE_JOB = frozenset(
    {
        "SOURCE_ACCOUNT_ID",  # the account the copy job runs in (the source vault's)
        "SOURCE_REGION",  # the Region the copy job runs in (the source vault's)
        "DESTINATION_ACCOUNT_ID",
        "DESTINATION_REGION",
        "DESTINATION_VAULT_ARN",
        "VAULT_ARN",  # the destination vault
        "VAULT_NAME",  # the destination vault's name
        "RESTORE_REGION",  # where the restore runs
        "RESTORE_ACCOUNT_ID",
        "RECOVERY_POINT_ARN",  # the recovery point the failed job was given
        "SNAPSHOT_ID",  # an EBS snapshot recovery point's id
        "SNAPSHOT",  # an RDS (cluster) snapshot recovery point's identifier
    }
)

# What neither the job's record nor (when it does not name it) AWS's message knows: a name the
# operator chooses, an id of something else, a value AWS's message carries when it says it.
LEFT_TO_THE_OPERATOR = frozenset(
    {
        "ACCOUNT_ID",  # the other account a message names (not a member, no service role)
        "ACTION",
        "AMI_ID",
        "ARN",
        "BUCKET",
        "COPY_ARN",
        "COPY_ROLE_ARN",
        "COPY_ROLE_NAME",
        "CURRENT_SUBNET_IDS",
        "CUSTOMER_MANAGED_KEY_ARN",
        "DB_INSTANCE_CLASS",
        "DB_SUBNET_GROUP",
        "DB_SUBNET_GROUP_IN_VPC",
        "DESTINATION_VAULT_KEY_ARN",  # RDS's "target KMS key [None]" names none
        "DECODED_RESOURCE",
        "DESTINATION_BUCKET",
        "ENCODED_MESSAGE",
        "ENDPOINT_URL",
        "ENGINE",
        "ENGINE_VERSION",
        "FILE_SYSTEM_ID",
        "FSX_BACKUP_ID",
        "GROUP",
        "ID",
        "INSTANCE_TYPE",
        "IOPS",
        "JOB_ROLE_ARN",
        "JOB_ROLE_NAME",
        "KEY",
        "KEY_ARN",
        "KEY_ACCOUNT_ID",  # the key's account, when the message names no key ARN
        "KEY_NAME",  # the key pair EC2's message names, when a wording leaves it out
        "KEY_REGION",  # the Region of a KMS alias a message names without its ARN
        "MIB_PER_S",
        "N",
        "NAME",
        "NEW_KEY_ARN",
        "NEW_NAME",
        "NEW_SNAPSHOT_NAME",
        "NEW_VAULT",
        "OFFERED_CLASS",
        "OFFERED_VERSION",
        "OPERATION",
        "OPTION",
        "OPTION_GROUP",
        "PRINCIPAL_ARN",
        "PROFILE",
        "PROFILE_NAME",
        "QUOTA_CODE",
        "REQUESTED_VERSION",
        "RESOURCE_ARN",  # the resource a message's job was of, when it does not name it
        "RESOURCE_REGION",  # a resource ARN without a Region
        "RESTORE_ROLE_ARN",
        "RESTORE_ROLE_NAME",
        "ROLE_ARN",
        "ROLE_NAME",
        "ROLE_TO_PASS_ARN",
        "SG_ID",
        "SG_ID_IN_THAT_VPC",
        "SNAPSHOT_VERSION",
        "SNS_TOPIC_ARN",
        "SOURCE_KEY_ARN",
        "SUBNET_ID",
        "SUBNET_IN_ANOTHER_ZONE",
        "TAG_KEY",  # the tag key a tag policy's refusal names, when a wording leaves it out
        "UNNEEDED_SNAPSHOT_ID",
        "VAULT",
        "VAULT_ARN_IN_TARGET_ACCOUNT",
        "VERSION",
        "VOLUME_TYPE",
        "VPC_ID",
        "ZONE",
        "ZONE_OF_THE_SUBNET",
    }
)

PLACEHOLDER_RE = re.compile(r"<([A-Z][A-Z0-9_]*)>")
_EBS_SNAPSHOT = re.compile(r"^arn:[\w-]+:ec2:[\w-]+:\d*:snapshot/(snap-[0-9a-f]+)$")
_RDS_SNAPSHOT = re.compile(r"^arn:[\w-]+:rds:[\w-]+:\d{12}:(?:cluster-)?snapshot:([\w:-]+)$")


def vault_parts(vault_arn: str) -> tuple[str, str, str]:
    """The Region, account and name of a backup vault ARN ('' for each it lacks)."""
    name = vault_name(vault_arn)
    if name is None:
        return "", "", ""
    return arn_region(vault_arn) or "", arn_account(vault_arn) or "", name


def point_values(point_arn: str) -> dict[str, str]:
    """The recovery point and the snapshot id (or RDS identifier) its ARN holds."""
    if not point_arn:
        return {}
    values = {"RECOVERY_POINT_ARN": point_arn}
    ebs, rds = _EBS_SNAPSHOT.match(point_arn), _RDS_SNAPSHOT.match(point_arn)
    if ebs:
        values["SNAPSHOT_ID"] = ebs.group(1)
    if rds:
        values["SNAPSHOT"] = rds.group(1)
    return values


def copy_values(point_arn: str, source_vault: str, destination_vault: str) -> dict[str, str]:
    """What a copy job's own record tells: where it runs (the source vault's account and
    Region), where it goes, and the recovery point it copies."""
    values = point_values(point_arn)
    source_region, source_account, _ = vault_parts(source_vault)
    region, account, name = vault_parts(destination_vault)
    values.update(SOURCE_REGION=source_region, SOURCE_ACCOUNT_ID=source_account)
    if name:
        values.update(
            DESTINATION_VAULT_ARN=destination_vault,
            VAULT_ARN=destination_vault,
            VAULT_NAME=name,
            DESTINATION_ACCOUNT_ID=account,
            DESTINATION_REGION=region,
        )
    return {placeholder: value for placeholder, value in values.items() if value}


def restore_values(point_arn: str, account: str, region: str) -> dict[str, str]:
    """What a restore job's own record tells: the point it restores, and where."""
    values = {**point_values(point_arn), "RESTORE_ACCOUNT_ID": account, "RESTORE_REGION": region}
    return {placeholder: value for placeholder, value in values.items() if value}


def filled_in(diagnosis: Diagnosis, known: dict[str, str]) -> Diagnosis:
    """The diagnosis with each placeholder a value is known for replaced by it."""

    def fill(text: str) -> str:
        for placeholder, value in known.items():
            if value:
                text = text.replace(f"<{placeholder}>", value)
        return text

    return replace(
        diagnosis, explanation=fill(diagnosis.explanation), remediation=fill(diagnosis.remediation)
    )
