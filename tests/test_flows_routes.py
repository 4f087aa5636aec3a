"""Routes and restore forms: pure rules, no AWS."""

from __future__ import annotations

import pytest

from drconsole.flows import restore_forms as forms
from drconsole.flows.routes import (
    VaultRef,
    direct_route,
    intermediate_candidates,
    is_route_refusal,
    needs_two_hops,
    two_hop_route,
)

BACKUP, PROD = "111111111111", "222222222222"
EU, NORTH = "eu-central-1", "eu-north-1"
SOURCE = VaultRef(BACKUP, NORTH, "dr-eu-north-1", "aws")
DEST = VaultRef(PROD, EU, "prod-vault", "aws")


@pytest.mark.parametrize(
    ("resource_type", "source", "dest", "two"),
    [
        ("RDS", SOURCE, DEST, True),
        ("Aurora", SOURCE, DEST, True),
        ("DocumentDB", SOURCE, DEST, True),
        ("Neptune", SOURCE, DEST, True),
        ("EBS", SOURCE, DEST, False),
        ("RDS", SOURCE, VaultRef(BACKUP, EU, "central", "aws"), False),  # same account
        ("RDS", SOURCE, VaultRef(PROD, NORTH, "prod-vault", "aws"), False),  # same Region
    ],
)
def test_database_copies_across_account_and_region_may_need_two_hops(
    resource_type: str, source: VaultRef, dest: VaultRef, two: bool
) -> None:
    assert needs_two_hops(resource_type, source, dest) is two
    route = direct_route(resource_type, source, dest)
    assert len(route.hops) == 1
    assert route.hops[0].source == source and route.hops[0].destination == dest


def test_vault_arn_round_trip_and_refusal_text() -> None:
    assert VaultRef.from_arn(DEST.arn) == DEST
    with pytest.raises(ValueError):
        VaultRef.from_arn("arn:aws:s3:::bucket")
    message = (
        "Copy job from eu-north-1 to eu-central-1 cannot be initiated for RDS resources. "
        "Feature is not supported for provided resource type."
    )
    assert is_route_refusal(message)
    assert is_route_refusal(message.upper().replace(" ", "  "))
    assert not is_route_refusal("Access Denied trying to call AWS Backup service.")


def test_intermediate_prefers_the_destination_account_in_the_source_region() -> None:
    candidates = intermediate_candidates(
        SOURCE, DEST, ["Default", "other", "prod-vault"], ["central-eu-central-1", "Default"]
    )
    assert candidates == [
        VaultRef(PROD, NORTH, "prod-vault", "aws"),
        VaultRef(PROD, NORTH, "other", "aws"),
        VaultRef(BACKUP, EU, "central-eu-central-1", "aws"),
    ]
    route = two_hop_route(SOURCE, candidates[0], DEST)
    first, second = route.hops
    assert first.cross_account and not first.cross_region
    assert second.cross_region and not second.cross_account
    assert route.intermediate == candidates[0]


def test_an_intermediate_that_does_not_split_the_copy_is_refused() -> None:
    with pytest.raises(ValueError, match="does not split"):
        two_hop_route(SOURCE, VaultRef("333333333333", EU, "elsewhere", "aws"), DEST)


AWS_METADATA = {
    "EBS": {
        "volumeId": "vol-1",
        "availabilityZone": "eu-central-1a",
        "volumeType": "gp3",
        "volumeSize": "8",
        "encrypted": "true",
    },
    "EC2": {"InstanceType": "t3.micro", "ImageId": "ami-0123", "RequireIMDSv2": "false"},
    "RDS": {"DBInstanceIdentifier": "orders-db", "DBInstanceClass": "db.t3.micro", "Port": "5432"},
    "Aurora": {"DBClusterIdentifier": "payments", "Engine": "aurora-postgresql", "Port": "5432"},
    "DynamoDB": {
        "originalTableName": "sessions",
        "targetTableName": "sessions",
        "encryptionType": "Default",
    },
    "EFS": {
        "file-system-id": "fs-0123",
        "newFileSystem": "true",
        "CreationToken": "fs-0123-restore",
        "PerformanceMode": "generalPurpose",
    },
    "S3": {"DestinationBucketName": "Assets", "NewBucket": "true", "EncryptionType": "SSE-S3"},
}


@pytest.mark.parametrize("resource_type", forms.RESTORABLE_TYPES)
def test_every_type_has_a_valid_prefilled_form_that_keeps_unknown_keys(resource_type: str) -> None:
    form = forms.build_form(resource_type, AWS_METADATA[resource_type], EU, "ab12cd")
    assert forms.validate(form, form.defaults) == []
    metadata = forms.metadata_for(form, form.defaults)
    for key, value in AWS_METADATA[resource_type].items():
        field = form.field_for(key)
        if field is None:
            assert metadata[key] == value  # passed through untouched
        elif field.new_name:
            assert metadata[field.key] != value and "ab12cd" in metadata[field.key]


def test_new_names_never_collide_with_the_original_and_stay_valid() -> None:
    s3 = forms.build_form("S3", AWS_METADATA["S3"], EU, "ab12cd")
    assert s3.defaults["DestinationBucketName"] == "assets-restored-ab12cd"
    long = forms.new_name("x" * 80, "ab12cd")
    assert len(long) == 63 and long.endswith("-restored-ab12cd")
    assert forms.new_name("1db", "ab12cd")[0].isalpha()


@pytest.mark.parametrize(
    ("resource_type", "key", "value", "words"),
    [
        ("EBS", "availabilityZone", "us-east-1a", "Availability Zone of eu-central-1"),
        ("EBS", "volumeSize", "0", "whole number from 1 to 65536"),
        ("EBS", "volumeType", "fast", "one of gp2"),
        ("EC2", "InstanceType", "big", "instance type"),
        ("EC2", "SecurityGroupIds", '["vpc-1"]', "sg-..."),
        ("RDS", "DBInstanceIdentifier", "bad--name", "letters, digits or hyphens"),
        ("Aurora", "Port", "80", "1150 to 65535"),
        ("DynamoDB", "targetTableName", "", "is required"),
        ("EFS", "newFileSystem", "maybe", "true or false"),
        ("S3", "DestinationBucketName", "Upper_Case", "valid S3 bucket name"),
    ],
)
def test_bad_values_give_one_line_naming_the_key(
    resource_type: str, key: str, value: str, words: str
) -> None:
    form = forms.build_form(resource_type, AWS_METADATA[resource_type], EU, "ab12cd")
    problems = forms.validate(form, forms.with_overrides(form, {key.lower(): value}))
    assert len(problems) == 1
    assert problems[0].startswith(key) and words in problems[0] and "\n" not in problems[0]


def test_kms_encryption_needs_a_key() -> None:
    form = forms.build_form("DynamoDB", AWS_METADATA["DynamoDB"], EU, "ab12cd")
    problems = forms.validate(form, forms.with_overrides(form, {"encryptionType": "KMS"}))
    assert problems == ["kmsMasterKeyArn (KMS key ARN) is required when encryptionType is KMS"]


def test_unsupported_type_has_no_form() -> None:
    with pytest.raises(ValueError, match="supported"):
        forms.build_form("Neptune", {}, EU, "ab12cd")


@pytest.mark.parametrize(
    "bucket",
    [
        # S3's general purpose bucket naming rules
        # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
        "192.168.5.4",
        "xn--assets-restored",
        "sthree-assets",
        "sthree-configurator-assets",
        "amzn-s3-demo-bucket",
        "assets-s3alias",
        "assets--ol-s3",
        "assets.mrap",
        "assets--x-s3",
        "assets--table-s3",
    ],
)
def test_bucket_names_s3_refuses(bucket: str) -> None:
    form = forms.build_form("S3", AWS_METADATA["S3"], EU, "ab12cd")
    problems = forms.validate(form, forms.with_overrides(form, {"DestinationBucketName": bucket}))
    assert len(problems) == 1 and problems[0].startswith("DestinationBucketName"), problems
    from drconsole.sandbox.restore_metadata import validate_metadata

    values = forms.metadata_for(form, forms.with_overrides(form, {"DestinationBucketName": bucket}))
    assert validate_metadata("S3", values, EU) is not None


def test_bucket_names_s3_accepts() -> None:
    form = forms.build_form("S3", AWS_METADATA["S3"], EU, "ab12cd")
    for bucket in ("docexamplebucket1", "log-delivery-march-2020", "my-hosted-content", "a.b.c"):
        values = forms.with_overrides(form, {"DestinationBucketName": bucket})
        assert forms.validate(form, values) == [], bucket


@pytest.mark.parametrize(
    ("resource_type", "key", "flag"),
    [("EFS", "KmsKeyId", "Encrypted"), ("EBS", "kmsKeyId", "encrypted")],
)
def test_a_restore_key_needs_encryption_on(resource_type: str, key: str, flag: str) -> None:
    """EFS: "If KmsKeyId is specified, Encrypted must be set to true" (StartRestoreJob,
    https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html); EBS:
    "If KmsKeyId is specified, the encrypted state must be true" (EC2 CreateVolume)."""
    form = forms.build_form(resource_type, AWS_METADATA[resource_type], EU, "ab12cd")
    arn = f"arn:aws:kms:{EU}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    problems = forms.validate(form, forms.with_overrides(form, {key: arn, flag: "false"}))
    assert problems == [f"{flag} (Encrypted) must be true when {key} is given"]
    assert forms.validate(form, forms.with_overrides(form, {key: arn, flag: "TRUE"})) == []


@pytest.mark.parametrize(
    ("region", "zone"),
    [
        ("eusc-de-east-1", "eusc-de-east-1a"),  # the European Sovereign Cloud (aws-eusc)
        ("us-west-2", "us-west-2-lax-1a"),  # a Local Zone of us-west-2 (Los Angeles)
        ("us-gov-west-1", "us-gov-west-1a"),
    ],
)
def test_availability_zones_of_every_partition_and_local_zones(region: str, zone: str) -> None:
    """An Availability Zone is its Region's name and a letter, in every partition (the
    European Sovereign Cloud's Regions start with four letters), or a Local Zone's name
    (https://docs.aws.amazon.com/local-zones/latest/ug/how-local-zones-work.html)."""
    form = forms.build_form("EBS", {**AWS_METADATA["EBS"], "availabilityZone": zone}, region, "a1")
    assert forms.validate(form, form.defaults) == []
    from drconsole.sandbox import resources
    from drconsole.sandbox.restore_metadata import validate_metadata

    # The sandbox judges a Region its EC2 knows by that EC2's zones (it offers no Local Zone,
    # as an account that has not opted in to one), any other by the zone's form.
    if not resources.availability_zones(region):
        assert validate_metadata("EBS", forms.metadata_for(form, form.defaults), region) is None
