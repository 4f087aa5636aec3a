"""Restore forms: per resource type, the metadata fields a person reviews, their defaults and
their validation (one line per problem). Pure.

Defaults come from GetRecoveryPointRestoreMetadata; names that the restore creates (table, DB
instance or cluster, bucket, EFS creation token) default to a new name derived from the original
and the flow id, so that a restore never collides with the resource it replaces and a resumed
flow asks for the same name again. Metadata keys the form does not show are passed through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from drconsole.checks.arns import KMS_KEY_ARN
from drconsole.flows import restore_metadata_rules as rules
from drconsole.flows import restore_time
from drconsole.flows import s3_restore_rules as s3
from drconsole.resource_types import RESTORABLE_TYPES

BOOL = ("true", "false")
EBS_VOLUME_TYPES = ("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard")
# Per volume type, CreateVolume's valid sizes (GiB) and IOPS; IOPS are required for io1 and
# io2, optional for gp3 and refused for the others, and throughput is for gp3 only
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html).
EBS_SIZES = {
    "gp2": (1, 16384),
    "gp3": (1, 65536),
    "io1": (4, 16384),
    "io2": (4, 65536),
    "st1": (125, 16384),
    "sc1": (125, 16384),
    "standard": (1, 1024),
}
EBS_IOPS = {"gp3": (3000, 80000), "io1": (100, 64000), "io2": (100, 256000)}
EBS_THROUGHPUT_TYPES = ("gp3",)
# Ports RDS for Microsoft SQL Server refuses within 1150-65535
# (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).
SQLSERVER_REFUSED_PORTS = frozenset((1234, 1434, 3260, 3343, 3389, 47001, *range(49152, 49157)))
KMS_EXPECTATION = "a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID or alias/NAME)"
# An Availability Zone: its Region's name and a letter (eu-central-1a; eusc-de-east-1a in the
# European Sovereign Cloud, whose Region prefix has four letters), or a Local Zone's name
# (us-west-2-lax-1a: https://docs.aws.amazon.com/local-zones/latest/ug/how-local-zones-work.html).
_AZ = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}(-[a-z]+-\d{1,2})?[a-z]$")
_DB_ID = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# EC2 instance types: family, a dot and a size, which may end in a metal variant
# (m7i.metal-24xl): every value of EC2's InstanceType enum in botocore's model
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html).
INSTANCE_TYPE = r"^[a-z][a-z0-9-]*\.[a-z0-9]+(-[a-z0-9]+)?$"
# DB instance classes: db.<family>.<size>, the size possibly a metal variant
# (db.m7i.metal-24xl) and, for RDS for Oracle's preconfigured classes, followed by
# .tpc<threads>.mem<ratio> (db.r5b.4xlarge.tpc2.mem2x:
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Oracle.Concepts.InstanceClasses.html).
DB_INSTANCE_CLASS = r"^db\.[a-z0-9-]+\.[a-z0-9]+(-[a-z0-9]+)?(\.tpc\d+\.mem\d+x)?$"


@dataclass(frozen=True, slots=True)
class FormField:
    """One metadata field: its key, how to ask for it, and what a valid value is."""

    key: str
    label: str
    kind: str = "text"  # text | int | bool | choice | json-list
    required: bool = False
    choices: tuple[str, ...] = ()
    pattern: str = ""  # a regular expression the value must match
    expectation: str = ""  # said when the pattern does not match
    low: int = 0
    high: int = 0
    prefix: str = ""  # json-list items start with it (sg-...)
    new_name: bool = False  # the default is a new name for the restored resource


@dataclass(frozen=True, slots=True)
class RestoreForm:
    """The form for one recovery point: its fields, their default values, and the rest."""

    resource_type: str
    region: str
    fields: tuple[FormField, ...]
    defaults: dict[str, str]
    passthrough: dict[str, str] = field(default_factory=dict)
    # The Region the recovery point was copied from, when it is a copy from another Region.
    copied_from: str = ""
    # The point restored and its creation (a continuous one's RestoreTime window), when known.
    point_arn: str = ""
    point_created: datetime | None = None

    def field_for(self, key: str) -> FormField | None:
        """The field whose key matches (without regard to case)."""
        lowered = key.lower()
        return next((f for f in self.fields if f.key.lower() == lowered), None)


def _db_id(key: str, label: str) -> FormField:
    return FormField(
        key,
        label,
        required=True,
        pattern=_DB_ID.pattern,
        expectation="1-63 letters, digits or hyphens, starting with a letter, no '--', "
        "not ending with '-'",
        new_name=True,
    )


def _port() -> FormField:
    return FormField("Port", "Port", kind="int", low=1150, high=65535)


FIELDS: dict[str, tuple[FormField, ...]] = {
    "EBS": (
        FormField(
            "availabilityZone",
            "Availability Zone",
            required=True,
            pattern=_AZ.pattern,
            expectation="an Availability Zone such as eu-central-1a",
        ),
        FormField("volumeType", "Volume type", kind="choice", choices=EBS_VOLUME_TYPES),
        FormField("volumeSize", "Size (GiB)", kind="int", low=1, high=65536),
        FormField("iops", "IOPS", kind="int", low=100, high=256000),
        FormField("throughput", "Throughput (MiB/s)", kind="int", low=125, high=2000),
        FormField("encrypted", "Encrypted", kind="bool"),
        FormField(
            "kmsKeyId", "KMS key ARN", pattern=KMS_KEY_ARN.pattern, expectation=KMS_EXPECTATION
        ),
    ),
    "EC2": (
        FormField(
            "InstanceType",
            "Instance type",
            required=True,
            pattern=INSTANCE_TYPE,
            expectation="an instance type such as t3.micro",
        ),
        FormField("SubnetId", "Subnet", pattern=r"^subnet-[0-9a-f]+$", expectation="subnet-..."),
        FormField("SecurityGroupIds", "Security groups", kind="json-list", prefix="sg-"),
        FormField("RequireIMDSv2", "Require IMDSv2", kind="bool"),
    ),
    "RDS": (
        _db_id("DBInstanceIdentifier", "New DB instance identifier"),
        FormField(
            "DBInstanceClass",
            "Instance class",
            pattern=DB_INSTANCE_CLASS,
            expectation="a DB instance class such as db.t3.micro",
        ),
        _port(),
        FormField("MultiAZ", "Multi-AZ", kind="bool"),
        FormField(
            "AvailabilityZone",
            "Availability Zone",
            pattern=_AZ.pattern,
            expectation="an Availability Zone such as eu-central-1a",
        ),
        FormField("VpcSecurityGroupIds", "VPC security groups", kind="json-list", prefix="sg-"),
    ),
    "Aurora": (
        _db_id("DBClusterIdentifier", "New DB cluster identifier"),
        # RestoreDBClusterFromSnapshot requires Engine
        # (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html).
        FormField(
            "Engine",
            "Engine",
            kind="choice",
            choices=("aurora-mysql", "aurora-postgresql"),
            required=True,
        ),
        _port(),
        FormField("VpcSecurityGroupIds", "VPC security groups", kind="json-list", prefix="sg-"),
    ),
    "DynamoDB": (
        FormField(
            "targetTableName",
            "New table name",
            required=True,
            pattern=_TABLE.pattern,
            expectation="3-255 letters, digits, '_', '-' or '.'",
            new_name=True,
        ),
        FormField("encryptionType", "Encryption", kind="choice", choices=("Default", "KMS")),
        FormField(
            "kmsMasterKeyArn",
            "KMS key ARN",
            pattern=KMS_KEY_ARN.pattern,
            expectation=KMS_EXPECTATION,
        ),
    ),
    "EFS": (
        FormField("newFileSystem", "Restore to a new file system", kind="bool", required=True),
        # CreateFileSystem's CreationToken is 1-64 characters
        # (https://docs.aws.amazon.com/efs/latest/ug/API_CreateFileSystem.html).
        FormField(
            "CreationToken",
            "Creation token",
            pattern=r"^.{1,64}$",
            expectation="at most 64 characters",
            new_name=True,
        ),
        FormField(
            "PerformanceMode",
            "Performance mode",
            kind="choice",
            choices=("generalPurpose", "maxIO"),
        ),
        FormField("Encrypted", "Encrypted", kind="bool"),
        FormField(
            "KmsKeyId", "KMS key ARN", pattern=KMS_KEY_ARN.pattern, expectation=KMS_EXPECTATION
        ),
    ),
    "S3": (
        FormField(
            "DestinationBucketName",
            "Destination bucket",
            required=True,
            pattern=_BUCKET.pattern,
            expectation="a valid S3 bucket name (lower case, 3-63 characters)",
            new_name=True,
        ),
        # Only DestinationBucketName is mandatory ("Mandatory metadata: DestinationBucketName",
        # restoring-s3.html); the form still offers a new bucket by default.
        FormField("NewBucket", "Create the bucket", kind="bool"),
        FormField("EncryptionType", "Encryption", kind="choice", choices=s3.ENCRYPTION_TYPES),
        FormField(
            "KMSKey", "KMS key ARN", pattern=KMS_KEY_ARN.pattern, expectation=KMS_EXPECTATION
        ),
    ),
}


def _ebs_problems(lowered: Mapping[str, str], wrong: set[str]) -> list[str]:
    """What CreateVolume refuses in the size, IOPS and throughput for the chosen volume type
    (`wrong`: the keys already said to be wrong, not judged again)."""
    volume_type = lowered.get("volumetype", "").strip()
    if volume_type not in EBS_SIZES:
        return []  # no type (AWS keeps the snapshot's) or one the field already refuses
    problems: list[str] = []
    size = "" if "volumesize" in wrong else lowered.get("volumesize", "").strip()
    iops = lowered.get("iops", "").strip()
    low, high = EBS_SIZES[volume_type]
    if size and not low <= int(size) <= high:
        problems.append(
            f"volumeSize (Size (GiB)) must be from {low} to {high} for {volume_type}, not {size}"
        )
    if volume_type not in EBS_IOPS and iops:
        problems.append(
            f"iops (IOPS) must be empty for {volume_type} (CreateVolume takes IOPS for "
            f"{', '.join(EBS_IOPS)} only), not {iops}"
        )
    elif volume_type in ("io1", "io2") and not iops:
        problems.append(f"iops (IOPS) is required for {volume_type}")
    elif iops and "iops" not in wrong:
        low, high = EBS_IOPS[volume_type]
        if not low <= int(iops) <= high:
            problems.append(
                f"iops (IOPS) must be from {low} to {high} for {volume_type}, not {iops}"
            )
    throughput = lowered.get("throughput", "").strip()
    if throughput and volume_type not in EBS_THROUGHPUT_TYPES:
        problems.append(
            f"throughput (Throughput (MiB/s)) must be empty for {volume_type} (CreateVolume "
            f"takes it for gp3 only), not {throughput}"
        )
    return problems


def _rds_problems(lowered: Mapping[str, str], wrong: set[str]) -> list[str]:
    """What RestoreDBInstanceFromDBSnapshot refuses in a combination of values."""
    problems: list[str] = []
    # "You can't specify the AvailabilityZone parameter if the DB instance is a Multi-AZ
    # deployment" (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/
    # API_RestoreDBInstanceFromDBSnapshot.html).
    multi_az = lowered.get("multiaz", "").strip().lower() == "true"
    if multi_az and lowered.get("availabilityzone", "").strip():
        problems.append(
            "AvailabilityZone (Availability Zone) must be empty when MultiAZ is true "
            "(RDS places a Multi-AZ instance itself)"
        )
    port, engine = lowered.get("port", "").strip(), lowered.get("engine", "").strip().lower()
    sqlserver = engine.startswith("sqlserver")
    if sqlserver and port and "port" not in wrong and int(port) in SQLSERVER_REFUSED_PORTS:
        problems.append(
            f"Port (Port) must not be {port} for {engine}: RDS for SQL Server refuses "
            "1234, 1434, 3260, 3343, 3389, 47001 and 49152-49156"
        )
    return problems


def new_name(original: str, suffix: str, *, lower: bool = False, limit: int = 63) -> str:
    """`<original>-restored-<suffix>`, trimmed to `limit` characters and valid at both ends."""
    base = re.sub(r"[^A-Za-z0-9-]", "-", original or "restored").strip("-") or "restored"
    tail = f"-restored-{suffix}"
    name = base[: max(1, limit - len(tail))].rstrip("-") + tail
    name = re.sub(r"-{2,}", "-", name)
    if not name[0].isalpha():
        name = f"r{name}"[:limit]
    return name.lower() if lower else name


def build_form(
    resource_type: str,
    aws_metadata: Mapping[str, str],
    region: str,
    suffix: str,
    copied_from: str = "",
    point: tuple[str, datetime | None] = ("", None),
) -> RestoreForm:
    """The form for a recovery point, prefilled from AWS's restore metadata (`copied_from`:
    the Region it was copied from, when it is a copy from another Region)."""
    if resource_type not in FIELDS:
        raise ValueError(
            f"no restore form for resource type {resource_type!r} "
            f"(supported: {', '.join(RESTORABLE_TYPES)})"
        )
    fields = FIELDS[resource_type]
    by_lower = {k.lower(): (k, str(v)) for k, v in aws_metadata.items()}
    defaults: dict[str, str] = {}
    for form_field in fields:
        found = by_lower.pop(form_field.key.lower(), None)
        value = found[1] if found else ""
        if form_field.new_name:
            limit = 255 if resource_type == "DynamoDB" else 63
            original = value or str(by_lower.get("originaltablename", ("", ""))[1])
            value = new_name(original, suffix, lower=resource_type in ("S3", "EFS"), limit=limit)
        elif form_field.kind == "bool" and value:
            value = value.lower()
        defaults[form_field.key] = value
    # A volume type that takes no IOPS or throughput gets none by default: CreateVolume
    # would refuse them.
    if resource_type == "EBS" and defaults.get("volumeType") in EBS_SIZES:
        if defaults["volumeType"] not in EBS_IOPS:
            defaults["iops"] = ""
        if defaults["volumeType"] not in EBS_THROUGHPUT_TYPES:
            defaults["throughput"] = ""
    # RDS refuses an Availability Zone for a Multi-AZ instance, so a Multi-AZ source's zone is
    # not offered.
    if resource_type == "RDS" and defaults.get("MultiAZ") == "true":
        defaults["AvailabilityZone"] = ""
    # Nor a zone of another Region (a copy's metadata may carry its source's): RDS then picks
    # one of the Region restored in.
    zone = defaults.get("AvailabilityZone", "")
    if resource_type == "RDS" and zone and not rules.zone_in_region(zone, region):
        defaults["AvailabilityZone"] = ""
    if resource_type == "EFS" and not defaults.get("newFileSystem"):
        defaults["newFileSystem"] = "true"
    if resource_type == "S3" and not defaults.get("NewBucket"):
        defaults["NewBucket"] = "true"
    if resource_type == "S3":
        defaults["EncryptionType"] = s3.default_encryption(
            defaults.get("EncryptionType", ""), copied_from
        )
    passthrough = {key: value for key, value in by_lower.values()}
    return RestoreForm(resource_type, region, fields, defaults, passthrough, copied_from, *point)


def with_overrides(
    form: RestoreForm, overrides: Mapping[str, str], base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The form's values (`base`, else its defaults) with the user's `--metadata` (keys
    matched without regard to case)."""
    values = dict(form.defaults if base is None else base)
    for key, value in overrides.items():
        known = form.field_for(key)
        values[known.key if known else key] = value
    return values


def field_problem(form_field: FormField, value: str, region: str) -> str | None:
    """What is wrong with one value, in a few words, or None."""
    text = value.strip()
    if not text:
        return "is required" if form_field.required else None
    if form_field.kind == "bool" and text.lower() not in BOOL:
        return f"must be true or false, not {text!r}"
    if form_field.kind == "int" and not (
        text.isascii() and text.isdigit() and form_field.low <= int(text) <= form_field.high
    ):
        return f"must be a whole number from {form_field.low} to {form_field.high}, not {text!r}"
    if form_field.kind == "choice" and text not in form_field.choices:
        return f"must be one of {', '.join(form_field.choices)}, not {text!r}"
    if form_field.kind == "json-list":
        try:
            items = rules.typed_list(text)
        except ValueError:
            return f'must be a JSON list such as ["{form_field.prefix}0123"], not {text!r}'
        # A security group ID is sg- and hexadecimal digits (sg-0123456789abcdef0).
        item = re.compile(rf"{re.escape(form_field.prefix)}[0-9a-f]+")
        if not isinstance(items, list) or not all(
            isinstance(i, str) and item.fullmatch(i.strip()) for i in items
        ):
            return f"must list {form_field.prefix}... identifiers, not {text!r}"
    if form_field.pattern and not re.search(form_field.pattern, text):
        return f"must be {form_field.expectation or 'valid'}, not {text!r}"
    if form_field.pattern == _BUCKET.pattern:
        return s3.bucket_name_problem(text)
    if form_field.key.lower() == "availabilityzone" and not rules.zone_in_region(text, region):
        return f"must be an Availability Zone of {region}, not {text!r}"
    return None


def validate(form: RestoreForm, values: Mapping[str, str]) -> list[str]:
    """One line per problem, naming the metadata key (empty: valid)."""
    problems: list[str] = []
    wrong: set[str] = set()
    for form_field in form.fields:
        problem = field_problem(form_field, str(values.get(form_field.key, "")), form.region)
        if problem is not None:
            problems.append(f"{form_field.key} ({form_field.label}) {problem}")
            wrong.add(form_field.key.lower())
    lowered = {k.lower(): str(v) for k, v in values.items()}
    dynamodb_kms = form.resource_type == "DynamoDB" and lowered.get("encryptiontype") == "KMS"
    if dynamodb_kms and not lowered.get("kmsmasterkeyarn"):
        problems.append("kmsMasterKeyArn (KMS key ARN) is required when encryptionType is KMS")
    # "If KmsKeyId is specified, Encrypted must be set to true" (StartRestoreJob's EFS
    # metadata, https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html);
    # EBS likewise: "If KmsKeyId is specified, the encrypted state must be true"
    # (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html).
    key_flag = {"EFS": ("KmsKeyId", "Encrypted"), "EBS": ("kmsKeyId", "encrypted")}
    if form.resource_type in key_flag:
        key_name, flag = key_flag[form.resource_type]
        given = lowered.get(key_name.lower(), "").strip()
        if given and lowered.get(flag.lower(), "").strip().lower() != "true":
            problems.append(f"{flag} (Encrypted) must be true when {key_name} is given")
    if form.resource_type == "EBS":
        problems.extend(_ebs_problems(lowered, wrong))
    if form.resource_type == "RDS":
        # The engine is not a form field: AWS's metadata carries it, passed through.
        passed = {key.lower(): value for key, value in form.passthrough.items()}
        problems.extend(_rds_problems({**passed, **lowered}, wrong))
    if form.resource_type == "S3":
        problems.extend(s3.problems(lowered, form.copied_from, form.region))
    problems.extend(restore_time.problems(values, form.point_arn, form.point_created))
    # A key already said to be wrong is not judged again.
    wrong |= {problem.split(" ", 1)[0].lower() for problem in problems}
    problems.extend(rules.problems(form.resource_type, form.defaults, values, wrong, form.region))
    return problems


def problems_of_given(
    form: RestoreForm, values: Mapping[str, str], given: Mapping[str, str]
) -> list[str]:
    """The problems `validate` finds in the keys the user gave (AWS's own values, and the
    names drconsole makes up, are not the user's to correct)."""
    keys = {key.lower() for key in given}
    return [p for p in validate(form, values) if p.split(" ", 1)[0].lower() in keys]


def _json_list(text: str) -> str:
    """A list typed as JSON or with commas, as the JSON text AWS Backup's metadata carries."""
    try:
        items = rules.typed_list(text)
    except ValueError:
        return text  # not a list: sent as typed, validate has said so
    if not isinstance(items, list):
        return text
    return json.dumps([str(i).strip() for i in items if str(i).strip()])


def dropped_notes(form: RestoreForm, values: Mapping[str, str]) -> list[str]:
    """One line per key of AWS's metadata that `metadata_for` leaves out for these values."""
    return rules.dropped_notes(
        form.resource_type, form.passthrough, form.defaults, values, form.region
    )


def emptied(overrides: Mapping[str, str]) -> dict[str, str]:
    """The keys the user's `--metadata` empties, as empty values: the request drops them
    (metadata_for), and the checks, which lay the metadata sent over AWS's, must not take
    AWS's value back in their place (an instance profile left out, a subnet not named)."""
    return {key: "" for key, value in overrides.items() if not str(value).strip()}


def metadata_for(form: RestoreForm, values: Mapping[str, str]) -> dict[str, str]:
    """The StartRestoreJob Metadata: passed-through keys (but those the values rule out, see
    `dropped_notes`) plus every non-empty form value."""
    dropped = rules.dropped_keys(
        form.resource_type, form.passthrough, form.defaults, values, form.region
    )
    metadata = {k: v for k, v in form.passthrough.items() if k not in dropped}
    for key, value in values.items():
        text = str(value).strip()
        known = form.field_for(key)
        if known is not None and known.kind == "bool":
            # The form accepts TRUE or False; AWS documents its booleans as "true"/"false".
            text = text.lower()
        if known is not None and known.kind == "json-list" and text:
            text = _json_list(text)
        if key.lower() == restore_time.KEY.lower() and text:
            text = restore_time.sent_as(text)
        if text:
            metadata[key] = text
        else:
            metadata.pop(key, None)
    return metadata
