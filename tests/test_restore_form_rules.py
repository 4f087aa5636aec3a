"""The restore form against AWS's own rules for the values its metadata carries. Pure."""

from __future__ import annotations

import botocore.session
import pytest

from drconsole.flows import restore_forms as forms
from drconsole.sandbox.restore_metadata import validate_metadata

EU = "eu-central-1"
BASE = {
    # A 1 GiB snapshot: no size of a type's range is below it.
    "EBS": {"availabilityZone": "eu-central-1a", "volumeType": "gp3", "volumeSize": "1"},
    "EC2": {"InstanceType": "t3.micro", "RequireIMDSv2": "false"},
    "RDS": {"DBInstanceIdentifier": "orders-db", "DBInstanceClass": "db.t3.micro", "Port": "5432"},
    "EFS": {"file-system-id": "fs-0123", "newFileSystem": "true", "CreationToken": "fs-0123-r"},
    "S3": {"DestinationBucketName": "assets", "NewBucket": "true"},
}


def _form(resource_type: str, **metadata: str) -> forms.RestoreForm:
    return forms.build_form(resource_type, {**BASE[resource_type], **metadata}, EU, "ab12cd")


def _problems(resource_type: str, **overrides: str) -> list[str]:
    form = _form(resource_type)
    return forms.validate(form, forms.with_overrides(form, overrides))


def test_every_ec2_instance_type_of_the_ec2_model_is_accepted() -> None:
    """EC2's InstanceType enum (botocore's model of the EC2 API) holds metal variants such as
    m7i.metal-24xl, which the form once refused."""
    model = botocore.session.get_session().get_service_model("ec2")
    types = model.shape_for("InstanceType").enum
    assert "m7i.metal-24xl" in types
    form = _form("EC2")
    refused = [t for t in types if forms.validate(form, {**form.defaults, "InstanceType": t})]
    assert refused == []
    values = forms.metadata_for(form, {**form.defaults, "InstanceType": "m7i.metal-24xl"})
    assert validate_metadata("EC2", values, EU) is None


@pytest.mark.parametrize(
    "instance_class",
    [
        # RDS for Oracle's classes
        # (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Oracle.Concepts.InstanceClasses.html)
        "db.r5b.4xlarge.tpc2.mem2x",
        "db.r5.2xlarge.tpc1.mem4x",
        "db.m7i.metal-24xl",
        "db.m6in.metal",
        "db.t3.micro",
    ],
)
def test_db_instance_classes_rds_offers_are_accepted(instance_class: str) -> None:
    assert _problems("RDS", DBInstanceClass=instance_class) == []
    form = _form("RDS", DBInstanceClass=instance_class)
    assert validate_metadata("RDS", forms.metadata_for(form, form.defaults), EU) is None


@pytest.mark.parametrize(
    "instance_class", ["t3.micro", "db.t3", "db.r5.large.mem2x", "DB.T3.MICRO"]
)
def test_db_instance_classes_that_are_not_classes_are_refused(instance_class: str) -> None:
    problems = _problems("RDS", DBInstanceClass=instance_class)
    assert len(problems) == 1 and problems[0].startswith("DBInstanceClass"), problems


# EC2 CreateVolume's rules per volume type (botocore's model of the EC2 API, and
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html): sizes
# gp2 1-16,384, gp3 1-65,536, io1 4-16,384, io2 4-65,536, st1/sc1 125-16,384, standard 1-1,024
# GiB; IOPS gp3 3,000-80,000, io1 100-64,000, io2 100-256,000, required for io1 and io2,
# omitted for the others; throughput for gp3 only.
@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"volumeType": "gp2", "volumeSize": "20000"}, "from 1 to 16384 for gp2"),
        ({"volumeType": "standard", "volumeSize": "2048"}, "from 1 to 1024 for standard"),
        ({"volumeType": "st1", "volumeSize": "100"}, "from 125 to 16384 for st1"),
        ({"volumeType": "sc1", "volumeSize": "8"}, "from 125 to 16384 for sc1"),
        ({"volumeType": "io1", "volumeSize": "2", "iops": "100"}, "from 4 to 16384 for io1"),
        ({"volumeType": "gp3", "iops": "1000"}, "from 3000 to 80000 for gp3"),
        ({"volumeType": "io1", "volumeSize": "2000", "iops": "100000"}, "100 to 64000 for io1"),
        ({"volumeType": "io2", "volumeSize": "100"}, "iops (IOPS) is required for io2"),
        ({"volumeType": "gp2", "iops": "300"}, "must be empty for gp2"),
        ({"volumeType": "st1", "volumeSize": "500", "throughput": "250"}, "gp3 only"),
    ],
)
def test_ebs_values_create_volume_refuses_for_the_volume_type(
    overrides: dict[str, str], words: str
) -> None:
    problems = _problems("EBS", **overrides)
    assert len(problems) == 1 and words in problems[0], problems
    assert problems[0].split()[0] in ("volumeSize", "iops", "throughput")


@pytest.mark.parametrize(
    "overrides",
    [
        {"volumeType": "gp3", "volumeSize": "65536", "iops": "80000", "throughput": "2000"},
        {"volumeType": "gp3", "volumeSize": "8", "iops": "3000", "throughput": "125"},
        {"volumeType": "io2", "volumeSize": "65536", "iops": "256000"},
        {"volumeType": "io1", "volumeSize": "4", "iops": "100"},
        {"volumeType": "gp2", "volumeSize": "16384"},
        {"volumeType": "st1", "volumeSize": "125"},
        {"volumeType": "standard", "volumeSize": "1024"},
    ],
)
def test_ebs_values_create_volume_accepts(overrides: dict[str, str]) -> None:
    assert _problems("EBS", **overrides) == []


def test_a_wrong_ebs_value_is_said_once() -> None:
    problems = _problems("EBS", volumeType="io1", volumeSize="0", iops="50")
    assert [p.split()[0] for p in problems] == ["volumeSize", "iops"], problems


def test_an_ebs_form_offers_no_iops_or_throughput_its_volume_type_refuses() -> None:
    """A gp2 volume's metadata may carry its IOPS; CreateVolume refuses IOPS for gp2."""
    form = _form("EBS", volumeType="gp2", iops="100", throughput="125")
    assert form.defaults["iops"] == "" and form.defaults["throughput"] == ""
    assert forms.validate(form, form.defaults) == []
    metadata = forms.metadata_for(form, form.defaults)
    assert "iops" not in metadata and "throughput" not in metadata
    kept = _form("EBS", volumeType="gp3", iops="4000", throughput="250")
    assert (kept.defaults["iops"], kept.defaults["throughput"]) == ("4000", "250")


@pytest.mark.parametrize(
    ("resource_type", "key"),
    [("EBS", "encrypted"), ("EC2", "RequireIMDSv2"), ("RDS", "MultiAZ"), ("S3", "NewBucket")],
)
def test_booleans_are_sent_as_aws_writes_them(resource_type: str, key: str) -> None:
    """The form takes TRUE or False; the metadata carries "true"/"false", as AWS Backup's
    restore metadata examples write them
    (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html)."""
    form = _form(resource_type)
    for typed, sent in (("TRUE", "true"), (" False ", "false")):
        values = forms.with_overrides(form, {key.upper(): typed})
        assert forms.validate(form, values) == []
        assert forms.metadata_for(form, values)[key] == sent


def test_a_multi_az_db_instance_takes_no_availability_zone() -> None:
    """RestoreDBInstanceFromDBSnapshot: "You can't specify the AvailabilityZone parameter if
    the DB instance is a Multi-AZ deployment"
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html)."""
    problems = _problems("RDS", MultiAZ="TRUE", AvailabilityZone="eu-central-1a")
    assert problems == [
        "AvailabilityZone (Availability Zone) must be empty when MultiAZ is true "
        "(RDS places a Multi-AZ instance itself)"
    ]
    assert _problems("RDS", MultiAZ="false", AvailabilityZone="eu-central-1a") == []
    assert _problems("RDS", MultiAZ="true") == []
    # A Multi-AZ source's zone is not offered as the default.
    form = _form("RDS", MultiAZ="true", AvailabilityZone="eu-central-1b")
    assert form.defaults["AvailabilityZone"] == ""
    assert "AvailabilityZone" not in forms.metadata_for(form, form.defaults)
    assert forms.validate(form, form.defaults) == []


@pytest.mark.parametrize(
    "port", ["1234", "1434", "3260", "3343", "3389", "47001", "49152", "49156"]
)
def test_ports_rds_for_sql_server_refuses(port: str) -> None:
    """CreateDBInstance: "For RDS for Microsoft SQL Server, the value can't be 1234, 1434,
    3260, 3343, 3389, 47001, or 49152-49156"
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html)."""
    form = _form("RDS", Engine="sqlserver-se", Port="1433")
    assert forms.validate(form, form.defaults) == []
    problems = forms.validate(form, forms.with_overrides(form, {"Port": port}))
    assert len(problems) == 1 and problems[0].startswith(f"Port (Port) must not be {port}")
    postgres = _form("RDS", Engine="postgres")
    assert forms.validate(postgres, forms.with_overrides(postgres, {"Port": port})) == []


def test_an_efs_creation_token_is_at_most_64_characters() -> None:
    """CreateFileSystem's CreationToken: 1-64 characters
    (https://docs.aws.amazon.com/efs/latest/ug/API_CreateFileSystem.html)."""
    assert _problems("EFS", CreationToken="t" * 64) == []
    problems = _problems("EFS", CreationToken="t" * 65)
    assert len(problems) == 1 and problems[0].startswith("CreationToken"), problems
    assert "at most 64 characters" in problems[0]


@pytest.mark.parametrize(
    ("resource_type", "key"), [("EC2", "SecurityGroupIds"), ("RDS", "VpcSecurityGroupIds")]
)
def test_security_groups_are_sent_as_a_json_list(resource_type: str, key: str) -> None:
    """AWS Backup's restore metadata carries a list as JSON text (ItemsToRestore's example,
    "[\\"/my.test\\"]", https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html);
    the form also takes the groups separated by commas."""
    form = _form(resource_type)
    typed = "sg-0123456789abcdef0, sg-0a1b2c3d"
    values = forms.with_overrides(form, {key: typed})
    assert forms.validate(form, values) == []
    sent = forms.metadata_for(form, values)[key]
    assert sent == '["sg-0123456789abcdef0", "sg-0a1b2c3d"]'
    assert validate_metadata(resource_type, forms.metadata_for(form, values), EU) is None
    as_json = forms.with_overrides(form, {key: '[" sg-0a1b2c3d"]'})
    assert forms.metadata_for(form, as_json)[key] == '["sg-0a1b2c3d"]'


@pytest.mark.parametrize("groups", ['["sg-"]', '["sg-XYZ"]', "sg-12 34", '["sg-0a1b;"]'])
def test_security_group_ids_are_sg_and_hexadecimal(groups: str) -> None:
    """A security group ID is sg- followed by hexadecimal digits (EC2's resource IDs,
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroup.html)."""
    problems = _problems("EC2", SecurityGroupIds=groups)
    assert len(problems) == 1 and problems[0].startswith("SecurityGroupIds"), problems


def test_a_db_cluster_restore_needs_its_engine() -> None:
    """RestoreDBClusterFromSnapshot requires Engine (Aurora, DocumentDB and Neptune alike:
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html)."""
    from drconsole.checks import restore as checks
    from drconsole.models import CheckStatus
    from tests.test_checks_restore import good_restore

    aurora = {"DBClusterIdentifier": "payments", "Engine": "aurora-postgresql", "Port": "5432"}
    form = forms.build_form("Aurora", aurora, EU, "ab12cd")
    assert forms.validate(form, form.defaults) == []
    problems = forms.validate(form, forms.with_overrides(form, {"engine": ""}))
    assert problems == ["Engine (Engine) is required"]
    facts = good_restore("Aurora", metadata={"DBClusterIdentifier": "payments-r"})
    verdict = checks.check_restore_metadata(facts)
    assert verdict.status is CheckStatus.FAIL and "--metadata Engine=VALUE" in verdict.remediation
    facts = good_restore(
        "Aurora", metadata={"dbclusteridentifier": "payments-r", "engine": "aurora-mysql"}
    )
    assert checks.check_restore_metadata(facts).status is CheckStatus.PASS
    # DocumentDB and Neptune have no restore form: drconsole does not restore them, and its
    # check says so (UNKNOWN) rather than judge their metadata complete.
    for resource_type in ("DocumentDB", "Neptune"):
        facts = good_restore(
            resource_type, metadata={"dbclusteridentifier": "payments-r", "engine": "docdb"}
        )
        assert checks.check_restore_metadata(facts).status is CheckStatus.UNKNOWN


def test_a_copy_from_another_region_is_never_offered_the_original_s3_encryption() -> None:
    """AWS: "The original encryption method cannot be used to restore a recovery point
    (backup) copied from another Region" (restoring-s3.html); "original" is otherwise one of
    AWS's three choices and the console's default."""
    aws = {**BASE["S3"], "EncryptionType": "original"}
    own = forms.build_form("S3", aws, EU, "ab12cd")
    assert own.defaults["EncryptionType"] == "original"
    assert forms.validate(own, own.defaults) == []
    copy = forms.build_form("S3", aws, EU, "ab12cd", copied_from="eu-north-1")
    assert copy.defaults["EncryptionType"] == "SSE-S3"
    assert forms.validate(copy, copy.defaults) == []
    assert (
        validate_metadata("S3", forms.metadata_for(copy, copy.defaults), EU, "eu-north-1") is None
    )
    (problem,) = forms.validate(copy, forms.with_overrides(copy, {"EncryptionType": "original"}))
    assert problem.startswith("EncryptionType (Encryption) must not be original")
    assert "copied from eu-north-1" in problem and problem.endswith("choose SSE-S3 or SSE-KMS")


NORTH = "eu-north-1"
# Aurora's restore metadata as AWS Backup documents it, for a cluster of eu-central-1: a copy of
# it in another Region may carry these zones.
AURORA_OF_EU = {
    "DBClusterIdentifier": "payments",
    "Engine": "aurora-postgresql",
    "Port": "5432",
    "AvailabilityZones": '["eu-central-1a", "eu-central-1b", "eu-central-1c"]',
}


def test_a_db_clusters_zones_of_another_region_are_not_sent() -> None:
    """RestoreDBClusterFromSnapshot's AvailabilityZones are where the cluster's instances may
    be made, zones of the Region restored in; the key is optional. Restored in eu-north-1,
    the source's eu-central-1 zones are left out, with a note, and the request is one the
    service takes."""
    form = forms.build_form("Aurora", AURORA_OF_EU, NORTH, "ab12cd")
    assert forms.validate(form, form.defaults) == []
    sent = forms.metadata_for(form, form.defaults)
    assert "AvailabilityZones" not in sent
    (note,) = forms.dropped_notes(form, form.defaults)
    assert note.startswith("AvailabilityZones of the recovery point is not sent: it names ")
    assert "eu-central-1a, eu-central-1b, eu-central-1c, not zones of eu-north-1" in note
    assert validate_metadata("Aurora", sent, NORTH) is None
    # Sent as they were, the service refuses them.
    assert validate_metadata("Aurora", {**sent, **AURORA_OF_EU}, NORTH) is not None
    # Restored in its own Region, they are sent unchanged.
    own = forms.build_form("Aurora", AURORA_OF_EU, EU, "ab12cd")
    assert forms.dropped_notes(own, own.defaults) == []
    assert (
        forms.metadata_for(own, own.defaults)["AvailabilityZones"]
        == (AURORA_OF_EU["AvailabilityZones"])
    )


@pytest.mark.parametrize(
    "zones", ['["eu-central-1a"]', "eu-north-1a,eu-central-1b", '["eu-north-10a"]', '["x"]']
)
def test_db_cluster_zones_given_for_another_region_are_refused(zones: str) -> None:
    form = forms.build_form("Aurora", AURORA_OF_EU, NORTH, "ab12cd")
    given = {"AvailabilityZones": zones}
    (problem,) = forms.problems_of_given(form, forms.with_overrides(form, given), given)
    assert problem.startswith("AvailabilityZones must list Availability Zones of eu-north-1, not")
    ok = {"AvailabilityZones": '["eu-north-1a", "eu-north-1b"]'}
    assert forms.problems_of_given(form, forms.with_overrides(form, ok), ok) == []
    assert (
        forms.metadata_for(form, forms.with_overrides(form, ok))["AvailabilityZones"]
        == (ok["AvailabilityZones"])
    )


def test_a_db_instances_zone_of_another_region_is_not_offered() -> None:
    """An RDS copy's metadata naming its source's zone: the form offers none (RDS picks one
    in the Region restored in), and a zone typed must be of that Region."""
    rds = {**BASE["RDS"], "AvailabilityZone": "eu-central-1b", "MultiAZ": "false"}
    form = forms.build_form("RDS", rds, NORTH, "ab12cd")
    assert form.defaults["AvailabilityZone"] == ""
    assert forms.validate(form, form.defaults) == []
    assert "AvailabilityZone" not in forms.metadata_for(form, form.defaults)
    for zone, refused in (("eu-central-1b", True), ("eu-north-1b", False), ("eu-north-1", True)):
        problems = _problems_in(form, AvailabilityZone=zone)
        assert bool(problems) is refused, (zone, problems)
    assert forms.build_form("RDS", rds, EU, "ab12cd").defaults["AvailabilityZone"] == (
        "eu-central-1b"
    )


def _problems_in(form: forms.RestoreForm, **overrides: str) -> list[str]:
    return forms.validate(form, forms.with_overrides(form, overrides))


@pytest.mark.parametrize(
    ("zone", "region", "inside"),
    [
        ("eu-north-1a", "eu-north-1", True),
        ("us-west-2-lax-1a", "us-west-2", True),  # a Local Zone
        ("us-east-1-wl1-bos-wlz-1", "us-east-1", True),  # a Wavelength Zone
        ("eu-north-1", "eu-north-1", False),
        ("eu-north-1ab", "eu-north-1", False),
        ("eu-central-1a", "eu-north-1", False),
        ("us-east-11a", "us-east-1", False),
        ("eu-north-1A", "eu-north-1", False),
    ],
)
def test_a_zone_is_of_its_region(zone: str, region: str, inside: bool) -> None:
    from drconsole.flows.restore_metadata_rules import zone_in_region

    assert zone_in_region(zone, region) is inside
