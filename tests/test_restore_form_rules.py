"""The restore form against AWS's own rules for the values its metadata carries. Pure."""

from __future__ import annotations

import botocore.session
import pytest

from drconsole.flows import restore_forms as forms
from drconsole.sandbox.restore_metadata import validate_metadata

EU = "eu-central-1"
BASE = {
    "EBS": {"availabilityZone": "eu-central-1a", "volumeType": "gp3", "volumeSize": "8"},
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
