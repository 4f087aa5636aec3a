"""Explanations and exact fixes for restore failures, filled with the ids the message names."""

from __future__ import annotations

import re

from drconsole.diagnose import facts as f
from drconsole.diagnose.facts import Facts, command_word, fill, policy_json
from drconsole.diagnose.network_remedies import QUOTED_RE, RESTORE_CMD, region_of
from drconsole.models import CauseCode, Diagnosis
from drconsole.partitions import managed_policy


def _d(cause: CauseCode, explanation: str, remediation: str) -> Diagnosis:
    return Diagnosis(cause=cause, explanation=explanation, remediation=remediation)


def _group(match: re.Match[str] | None, name: str) -> str | None:
    """A named group of the match; alternatives repeat a name with a digit (asked, asked2...)."""
    groups = match.groupdict() if match else {}
    for key in (name, f"{name}2", f"{name}3"):
        if groups.get(key):
            return str(groups[key]).strip().rstrip(".")
    return None


TARGET_NAME_KEYS = (
    ("table", "DynamoDB", "targetTableName", "aws dynamodb describe-table --table-name {name}"),
    ("db instance", "RDS", "DBInstanceIdentifier", "aws rds describe-db-instances"
     " --db-instance-identifier {name}"),
    ("cluster", "Aurora", "DBClusterIdentifier", "aws rds describe-db-clusters"
     " --db-cluster-identifier {name}"),
    ("file system", "EFS", "CreationToken", "aws efs describe-file-systems"
     " --creation-token {name}"),
    ("bucket", "S3", "DestinationBucketName", "aws s3api head-bucket --bucket {name}"),
)  # fmt: skip


def _taken_name(facts: Facts) -> str | None:
    """The taken name when the message says it (DynamoDB and EFS do; RDS and S3 do not)."""
    table = re.search(r"table already exists:?\s*'?([\w.-]+)", facts.text, re.IGNORECASE)
    if table:
        return table.group(1).rstrip(".")
    token = re.search(r"creation token '?([^'\s]+?)'?\.?$", facts.text, re.IGNORECASE)
    if token:
        return token.group(1)
    quoted = QUOTED_RE.search(facts.text)
    return quoted.group(1) if quoted else None


def resource_exists(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The name the restore would create is taken."""
    text = facts.text.lower()
    kinds = [k for k in TARGET_NAME_KEYS if k[0] in text or k[2].lower() in text]
    if "bucketalready" in text or "bucket name" in text or "already own it" in text:
        kinds = [TARGET_NAME_KEYS[4]]
    kinds = kinds[:1] or list(TARGET_NAME_KEYS)
    name = _taken_name(facts)
    region = region_of(facts)
    anywhere = " (S3 bucket names are global: taken by any account)" if kinds[0][1] == "S3" else ""
    what = kinds[0][0] if len(kinds) == 1 else "resource"
    what = f"{what} {name}" if name and len(kinds) == 1 else what
    lines = ["Restore under a new name (or delete the existing resource first):"]
    for _, label, key, look in kinds:
        new = f"{name}-restored" if name else "<NEW_NAME>"
        lines.append(f"  {label + ':':<10}{RESTORE_CMD} --metadata {key}={new}")
        if name and len(kinds) == 1:
            lines.append(f"  see it:    {look.format(name=name)} --region {region}")
    return _d(
        CauseCode.RESOURCE_ALREADY_EXISTS,
        f"The restore would create a {what} whose name is already taken in the restoring"
        f" account and Region{anywhere}; AWS Backup never overwrites an existing resource.",
        "\n".join(lines),
    )


def _engine(facts: Facts, fallback: str | None) -> str:
    named = re.search(
        r"\b(aurora-postgresql|aurora-mysql|aurora|postgres(?:ql)?|mysql|mariadb|oracle-\w+"
        r"|sqlserver-\w+|docdb|neptune)\b",
        facts.text,
        re.IGNORECASE,
    )
    return named.group(1).lower() if named else fill(fallback, "ENGINE")


def _version_key(version: str) -> tuple[int, ...]:
    """Numeric parts of an engine version, for ordering (8.0.mysql_aurora.3.08.2 -> 8,0,3,8,2)."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


def engine_version(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The engine version asked for is older than the snapshot's, or not offered."""
    region = region_of(facts)
    asked, snapshot = _group(match, "asked"), _group(match, "snapshot")
    engine = _engine(facts, _group(match, "engine"))
    versions = (
        f"  aws rds describe-db-engine-versions --engine {engine} --region {region}"
        " --query 'DBEngineVersions[].EngineVersion'"
    )
    if _group(match, "klass"):
        return _class_for_version(match, facts, region)
    if _group(match, "missing"):
        missing = _group(match, "missing")
        why = (
            f"RDS does not offer {engine} version {missing} in {region} (never, or no longer):"
            " the restore asks for a version that cannot be created there."
        )
        fix = [
            "List the versions offered, then ask for one that is not older than the snapshot's"
            " (or leave EngineVersion out to keep the snapshot's):",
            versions,
            f"  {RESTORE_CMD} --metadata EngineVersion=<OFFERED_VERSION>",
        ]
    else:
        asked_text = asked or "<REQUESTED_VERSION>"
        newer = snapshot or "<SNAPSHOT_VERSION>"
        if asked and snapshot and _version_key(asked) > _version_key(snapshot):
            why = (
                f"RDS has no direct upgrade path from the snapshot's {engine} {newer} to"
                f" {asked_text} (a major version jump, or a version that is not an upgrade"
                " target of it), so it cannot restore at that version."
            )
        else:
            why = (
                f"The restore asks for {engine} {asked_text}, older than the snapshot's {newer}:"
                " RDS restores a snapshot at its own version or a newer one, never an older one."
            )
        targets = (
            f"  aws rds describe-db-engine-versions --engine {engine} --engine-version {newer}"
            f" --region {region} --query 'DBEngineVersions[].ValidUpgradeTarget[].EngineVersion'"
        )
        fix = [
            f"Restore at the snapshot's version {newer} (or one of its upgrade targets), then"
            " upgrade the restored database if you need a later major version:",
            f"  {RESTORE_CMD} --metadata EngineVersion={newer}",
            targets,
        ]
    return _d(CauseCode.ENGINE_VERSION, why, "\n".join(fix))


def _class_for_version(match: re.Match[str] | None, facts: Facts, region: str) -> Diagnosis:
    """The DB instance class asked for is not offered with the snapshot's engine version."""
    klass = _group(match, "klass") or "<DB_INSTANCE_CLASS>"
    engine = (_group(match, "combo_engine") or _engine(facts, None)).lower()
    version = _group(match, "combo_version") or "<ENGINE_VERSION>"
    return _d(
        CauseCode.ENGINE_VERSION,
        f"RDS does not offer DB instance class {klass} with {engine} {version} in {region}: the"
        " class is too old (or too new) for that engine version, so the restore cannot create"
        " the instance.",
        "List the classes offered with that engine version, then restore with one of them (or"
        " restore at a version the class supports):\n"
        f"  aws rds describe-orderable-db-instance-options --engine {engine}"
        f" --engine-version {version} --region {region}"
        " --query 'OrderableDBInstanceOptions[].DBInstanceClass'\n"
        f"  {RESTORE_CMD} --metadata DBInstanceClass=<OFFERED_CLASS>",
    )


def _pass_role(resource: str) -> dict[str, str]:
    return {"Effect": "Allow", "Action": "iam:PassRole", "Resource": resource}


def pass_role_denied(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """A role may not be passed (iam:PassRole): by the job's role, or by who starts the job."""
    principal = facts.principal_arn or ""
    resource = _group(match, "resource")
    passed = resource.rstrip(".,;") if resource else "<ROLE_TO_PASS_ARN>"
    statement = policy_json(_pass_role(passed))
    if ":assumed-role/" in principal and "/AWSBackup" in principal:
        role = f.role_of_session(principal)
        why = (
            f"The job's role {fill(role, 'ROLE_ARN')} may not pass the role {passed}"
            " (iam:PassRole): a restore that attaches a role to what it creates (an EC2 instance"
            " profile, an RDS monitoring role) needs iam:PassRole on that role."
        )
    else:
        role = f.role_of_session(principal)
        why = (
            f"{fill(principal, 'The caller')} may not pass the role {passed} (iam:PassRole):"
            " whoever starts a restore or copy job must be allowed to pass the job's IAM role"
            " to AWS Backup."
        )
    if role:
        apply = (
            f"  aws iam put-role-policy --role-name {command_word(f.role_name(role), 'ROLE_NAME')}"
            " --policy-name drconsole-pass-role --policy-document file://policy.json"
        )
    elif ":user/" in principal:
        user = principal.rsplit("/", 1)[-1]
        apply = (
            f"  aws iam put-user-policy --user-name {user} --policy-name drconsole-pass-role"
            " --policy-document file://policy.json"
        )
    else:
        account = f.arn_account(principal) or "<ACCOUNT_ID>"
        return _d(
            CauseCode.ROLE_PERMISSIONS,
            why,
            "IAM policies do not limit an account's root user: a service control policy denies"
            " iam:PassRole. In the management account:\n"
            f"  aws organizations list-policies-for-target --target-id {account}"
            " --filter SERVICE_CONTROL_POLICY\nand exempt this role from its Deny statement.",
        )
    who = fill(role or principal or None, "the caller")
    return _d(CauseCode.ROLE_PERMISSIONS, why, f"Add to a policy of {who}:\n{statement}\n{apply}")


def cross_account_pass_role(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The job was given a role of another account: AWS never passes a role across accounts."""
    role = next((arn for arn in facts.arns if ":iam::" in arn and ":role/" in arn), None)
    account = f.arn_account(role) if role else None
    whose = f" (it belongs to account {account})" if account else ""
    return _d(
        CauseCode.ROLE_PERMISSIONS,
        f"The job was given the IAM role {fill(role, 'ROLE_ARN')}{whose}, of another account than"
        " the one that starts it: a role can only be passed within its own account, whatever"
        " iam:PassRole allows.",
        "Start the job in the account that owns the role, or give it a role of the caller's"
        " account that trusts backup.amazonaws.com:\n"
        "  aws sts get-caller-identity --query Account\n"
        '  aws iam list-roles --query "Roles[?contains(to_string(AssumeRolePolicyDocument),'
        " 'backup.amazonaws.com')].Arn\"",
    )


def encoded_authorization(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """AWS denied a call of the job's role and encoded the details."""
    encoded = re.search(r"encoded authorization failure message:?\s*([\w-]{8,})", facts.text, re.I)
    blob = encoded.group(1) if encoded else "<ENCODED_MESSAGE>"
    return _d(
        CauseCode.ROLE_PERMISSIONS,
        "The IAM role the job ran with was denied a call; AWS encoded which action and resource."
        " For EC2 restores it is most often iam:PassRole on the instance profile's role.",
        "Decode it (needs sts:DecodeAuthorizationMessage) and allow the action it names on its"
        " resource to the role in 'principal':\n"
        f"  aws sts decode-authorization-message --encoded-message {blob}"
        " --query DecodedMessage --output text\n"
        "For iam:PassRole add to the job role's policy:\n"
        + policy_json(_pass_role("<DECODED_RESOURCE>")),
    )


def backup_role_not_authorized(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """AWS Backup's own wording for a job role that lacks a permission."""
    if re.search(r"encoded authorization failure message", facts.text, re.IGNORECASE):
        return encoded_authorization(match, facts)
    return _d(
        CauseCode.ROLE_PERMISSIONS,
        "The IAM role of the job lacks a permission the restore needs; AWS Backup does not say"
        " which. For EC2 restores it is most often iam:PassRole on the instance profile's role.",
        "Give the job role AWS Backup's restore policy and iam:PassRole on the roles the"
        " restored resource uses:\n"
        "  aws iam attach-role-policy --role-name <RESTORE_ROLE_NAME> --policy-arn"
        f" {managed_policy(f.RESTORE_POLICY, facts.partition)}\n"
        + policy_json(_pass_role("<ROLE_TO_PASS_ARN>"))
        + "\nThe job's CloudTrail events (errorCode AccessDenied) name the denied action.",
    )


def restore_target_missing(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """An EFS file system or S3 bucket named by the metadata does not exist."""
    return _d(
        CauseCode.UNKNOWN,
        "No cause code covers this, but the message is clear: the restore metadata names a file"
        " system or bucket that does not exist in the account and Region of the restore.",
        "Give identifiers that exist where you restore (see drconsole check restore"
        " --recovery-point <ARN>), e.g. --metadata newFileSystem=true for EFS or an existing"
        " --metadata DestinationBucketName=<BUCKET>, or create the missing resource first.",
    )


def service_fatal(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """A service's own fatal or internal error that asks to contact AWS Support."""
    return _d(
        CauseCode.SERVICE_ERROR,
        "The service behind the job reported a fatal internal error; it is not caused by your"
        " configuration.",
        "Retry the job once; if it fails the same way, open an AWS Support case with the job id"
        f" and this message. Region status: https://health.aws.amazon.com/health/status"
        f" ({region_of(facts)}).",
    )


def volume_smaller_than_snapshot(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """EC2 refuses a volume smaller than the snapshot it is made from."""
    needed = _group(match, "needed") or "<SNAPSHOT SIZE>"
    return _d(
        CauseCode.UNKNOWN,
        "No cause code covers this, but the message is clear: the restore metadata asks for a"
        f" volume smaller than its snapshot, and EC2 only makes volumes of {needed} GiB or more"
        " from it.",
        f"Restore with a size of at least {needed} GiB: --metadata volumeSize={needed} (EBS), or"
        " leave the size out so the snapshot's own size is used; for an EC2 instance, give the"
        " block device mapping's VolumeSize of at least that size.",
    )


# CreateVolume's IOPS range per volume type that takes IOPS, and the types that take a
# throughput (as the restore form checks them; diagnosis modules import nothing from flows).
EBS_IOPS = {"gp3": (3000, 80000), "io1": (100, 64000), "io2": (100, 256000)}
EBS_THROUGHPUT_TYPES = ("gp3",)


def ebs_volume_settings(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """CreateVolume refuses the IOPS or throughput the restore metadata gives for its type."""
    named = _group(match, "type")
    volume_type = named.lower() if named else "<VOLUME_TYPE>"
    parameter = (_group(match, "param") or "iops").lower()
    iops_types = ", ".join(EBS_IOPS)
    gp3_low, gp3_high = EBS_IOPS["gp3"]
    if parameter == "throughput":
        why = (
            f"the restore gives a throughput with"
            f" {f'volume type {volume_type}' if named else 'a volume type that takes none'},"
            f" and CreateVolume takes a throughput for {', '.join(EBS_THROUGHPUT_TYPES)} only"
        )
        fix = [
            "Leave the throughput out, or restore as gp3 (throughput 125-2000 MiB/s):",
            f"  {RESTORE_CMD} --metadata throughput=",
            f"  {RESTORE_CMD} --metadata volumeType=gp3 --metadata throughput=<MIB_PER_S>",
        ]
    elif re.search(r"must be specified|is required", facts.text, re.IGNORECASE):
        low, high = EBS_IOPS.get(volume_type, (100, 256000))
        why = (
            f"the restore asks for volume type {volume_type} without IOPS, and CreateVolume needs"
            f" them for {volume_type}"
        )
        fix = [
            f"Give the IOPS ({low}-{high} for {volume_type}), or restore as gp3:",
            f"  {RESTORE_CMD} --metadata iops=<IOPS>",
            f"  {RESTORE_CMD} --metadata volumeType=gp3 --metadata iops=",
        ]
    else:
        why = (
            f"the restore gives IOPS with volume type {volume_type}, and CreateVolume takes IOPS"
            f" for {iops_types} only"
        )
        fix = [
            f"Leave the IOPS out, or restore as gp3 (IOPS {gp3_low}-{gp3_high}):",
            f"  {RESTORE_CMD} --metadata iops=",
            f"  {RESTORE_CMD} --metadata volumeType=gp3 --metadata iops=<IOPS>",
        ]
    return _d(
        CauseCode.UNKNOWN,
        f"No cause code covers this, but the message is clear: {why}. The restore's volumeType,"
        " iops and throughput metadata must fit together.",
        "\n".join(fix),
    )


def instance_profile_missing(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The EC2 restore names an instance profile that the restoring account does not have."""
    name = _group(match, "profile")
    named = f" {name}" if name else ""
    return _d(
        CauseCode.UNKNOWN,
        "No cause code covers this, but the message is clear: the EC2 restore's"
        f" IamInstanceProfileName names an instance profile{named} that does not exist in the"
        " account of the restore (a copy restored in another account does not bring the"
        " original's IAM roles along), or was created moments ago and IAM has not spread it yet.",
        "Leave the instance profile out of the restore (an empty value drops the key; attach a"
        " profile to the instance later), or create it in the restoring account first and let the"
        " restore role pass its role (iam:PassRole):\n"
        f"  {RESTORE_CMD} --metadata IamInstanceProfileName=\n"
        "  aws iam get-instance-profile --instance-profile-name"
        f" {command_word(name, 'PROFILE_NAME')}",
    )


def key_pair_missing(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """The EC2 restore names a key pair that the restoring account and Region do not have."""
    name = command_word(_group(match, "key_pair"), "KEY_NAME")
    region = region_of(facts)
    return _d(
        CauseCode.UNKNOWN,
        "No cause code covers this, but the message is clear: the EC2 restore's KeyName names a"
        " key pair that the account and Region of the restore do not have. EC2 key pairs belong"
        " to one account and one Region, and a recovery point copied into another account or"
        " Region keeps the backed-up instance's key pair name.",
        "Import the key pair's public key under that name where the restore runs, then restore"
        " again (read the public key in the account and Region the instance was backed up in,"
        " or use the public key file you keep):\n"
        f"  aws ec2 describe-key-pairs --key-names {name} --include-public-key --query"
        f" 'KeyPairs[0].PublicKey' --output text --region <SOURCE_REGION> > {name}.pub\n"
        f"  aws ec2 import-key-pair --key-name {name} --public-key-material fileb://{name}.pub"
        f" --region {region}",
    )


def new_instance_profile_refused(match: re.Match[str] | None, facts: Facts) -> Diagnosis:
    """AWS Backup refuses an EC2 restore naming another instance profile than the backed-up one."""
    return _d(
        CauseCode.UNKNOWN,
        "No cause code covers this, but the message is clear: the EC2 restore's"
        " IamInstanceProfileName names another instance profile than the one the instance had"
        " when it was backed up, and AWS Backup restores an instance only with its backed-up"
        " profile or with none.",
        "Restore with the backed-up profile (AWS's value UseBackedUpValue, or leave the key as"
        " the recovery point's restore metadata gives it; after a copy into another account,"
        " create a profile of that name there first), or without one (an empty value drops the"
        " key; attach a profile to the instance later):\n"
        f"  {RESTORE_CMD} --metadata IamInstanceProfileName=UseBackedUpValue\n"
        f"  {RESTORE_CMD} --metadata IamInstanceProfileName=\n"
        "  aws backup get-recovery-point-restore-metadata --backup-vault-name <VAULT>"
        " --recovery-point-arn <RECOVERY_POINT_ARN>"
        " --query RestoreMetadata.IamInstanceProfileName",
    )
