"""ARN syntax against every partition and Region botocore knows, for every recovery point kind."""

from __future__ import annotations

import json
from pathlib import Path

import botocore
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drconsole import limits
from drconsole.checks.arns import parse_recovery_point_arn, parse_vault_arn
from drconsole.errors import UsageError


def _partition_regions() -> list[tuple[str, str]]:
    table = Path(botocore.__file__).parent / "data" / "endpoints.json"
    partitions = json.loads(table.read_text(encoding="utf-8"))["partitions"]
    return [(p["partition"], region) for p in partitions for region in p["regions"]]


PARTITION_REGIONS = _partition_regions()
ACCOUNTS = st.from_regex(r"\A[0-9]{12}\Z")
HEX = st.text(alphabet="0123456789abcdef", min_size=8, max_size=17)


def test_botocore_knows_the_sovereign_and_isolated_partitions() -> None:
    partitions = {partition for partition, _ in PARTITION_REGIONS}
    assert {"aws", "aws-cn", "aws-us-gov", "aws-eusc"} <= partitions


@pytest.mark.parametrize(("partition", "region"), PARTITION_REGIONS)
@settings(max_examples=5, deadline=None, derandomize=True, database=None)
@given(account=ACCOUNTS, suffix=HEX)
def test_every_partition_and_region_parses(
    partition: str, region: str, account: str, suffix: str
) -> None:
    assert limits.region(region, "--region") == region
    vault = parse_vault_arn(f"arn:{partition}:backup:{region}:{account}:backup-vault:dr-vault")
    assert (vault.partition, vault.region, vault.account_id) == (partition, region, account)
    for arn, kind, owner in (
        (f"arn:{partition}:backup:{region}:{account}:recovery-point:{suffix}", "backup", account),
        (f"arn:{partition}:ec2:{region}::snapshot/snap-{suffix}", "ebs-snapshot", None),
        (f"arn:{partition}:ec2:{region}::image/ami-{suffix}", "ec2-image", None),
        (
            f"arn:{partition}:rds:{region}:{account}:snapshot:awsbackup:job-{suffix}",
            "rds-snapshot",
            account,
        ),
    ):
        parsed = parse_recovery_point_arn(arn)
        assert (parsed.kind, parsed.partition, parsed.region, parsed.account_id) == (
            kind,
            partition,
            region,
            owner,
        )


REGIONS_OF_EVERY_PARTITION = st.sampled_from(PARTITION_REGIONS)
FSX_BACKUP_IDS = st.from_regex(r"\Abackup-[0-9a-f]{8,17}\Z")
# Redshift cluster identifiers (lowercase letters, digits, hyphens) and the snapshot names AWS
# Backup and people give (AWS Backup's own may hold a colon, as RDS's awsbackup:job-... do).
REDSHIFT_CLUSTERS = st.from_regex(r"\A[a-z][a-z0-9-]{0,62}\Z")
REDSHIFT_SNAPSHOTS = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9:-]{0,60}\Z")


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(where=REGIONS_OF_EVERY_PARTITION, account=ACCOUNTS, backup_id=FSX_BACKUP_IDS)
def test_fsx_backups_are_recovery_points(
    where: tuple[str, str], account: str, backup_id: str
) -> None:
    partition, region = where
    parsed = parse_recovery_point_arn(f"arn:{partition}:fsx:{region}:{account}:backup/{backup_id}")
    assert (parsed.kind, parsed.partition, parsed.region, parsed.account_id) == (
        "fsx-backup",
        partition,
        region,
        account,
    )
    assert parsed.resource_type_hint == "FSx"


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    where=REGIONS_OF_EVERY_PARTITION,
    account=ACCOUNTS,
    cluster=REDSHIFT_CLUSTERS,
    snapshot=REDSHIFT_SNAPSHOTS,
)
def test_redshift_snapshots_are_recovery_points(
    where: tuple[str, str], account: str, cluster: str, snapshot: str
) -> None:
    partition, region = where
    arn = f"arn:{partition}:redshift:{region}:{account}:snapshot:{cluster}/{snapshot}"
    parsed = parse_recovery_point_arn(arn)
    assert (parsed.kind, parsed.partition, parsed.region, parsed.account_id) == (
        "redshift-snapshot",
        partition,
        region,
        account,
    )
    assert parsed.resource_type_hint == "Redshift"


@pytest.mark.parametrize(
    "arn",
    [
        # Aurora, DocumentDB and Neptune all back up to RDS cluster snapshots.
        "arn:aws:rds:eu-north-1:111122223333:cluster-snapshot:awsbackup:job-1a2b",
        # Storage Gateway volumes are backed up as EBS snapshots.
        "arn:aws:ec2:eu-central-1::snapshot/snap-0123456789abcdef0",
    ],
)
def test_forms_shared_by_several_resource_types_imply_none(arn: str) -> None:
    # DescribeRecoveryPoint's ResourceType says which; a guess would judge a Neptune snapshot
    # by Aurora's rules.
    assert parse_recovery_point_arn(arn).resource_type_hint is None


def _other_partition(region: str) -> str:
    partition = next(p for p, r in PARTITION_REGIONS if r == region)
    return "aws-cn" if partition != "aws-cn" else "aws"


MALFORMED_NEW_FORMS = st.one_of(
    # An FSx id that is not backup-<hex>: a file system, a volume, upper case, too short.
    st.sampled_from(
        ["fs-0123456789abcdef0", "fsvol-0123456789abcdef0", "backup-0123ABCD", "backup-0123"]
    ).map(lambda i: f"arn:aws:fsx:us-east-1:111122223333:backup/{i}"),
    # FSx and Redshift ARNs always name the account.
    st.just("arn:aws:fsx:us-east-1::backup/backup-0123456789abcdef0"),
    st.just("arn:aws:redshift:us-east-1::snapshot:prod-dw/nightly"),
    # A Redshift snapshot names its cluster: snapshot:CLUSTER/SNAPSHOT.
    st.sampled_from(
        ["snapshot:prod-dw", "snapshot:/nightly", "snapshot:prod-dw/", "cluster:dw"]
    ).map(lambda r: f"arn:aws:redshift:us-east-1:111122223333:{r}"),
    # The partition of another Region.
    REGIONS_OF_EVERY_PARTITION.map(
        lambda pr: f"arn:{_other_partition(pr[1])}:fsx:{pr[1]}:111122223333:backup/backup-0123abcd"
    ),
    REGIONS_OF_EVERY_PARTITION.map(
        lambda pr: f"arn:{_other_partition(pr[1])}:redshift:{pr[1]}:111122223333:snapshot:dw/s1"
    ),
)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(arn=MALFORMED_NEW_FORMS)
def test_malformed_fsx_and_redshift_arns_are_one_line_usage_errors(arn: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_recovery_point_arn(arn)
    message = str(error.value)
    assert message.startswith("--recovery-point: ") and "\n" not in message


# CreateBackupVault's BackupVaultName: "Pattern: ^[a-zA-Z0-9\-\_]{2,50}$"
# (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html, and
# botocore's model of AWS Backup): no dot, 2 to 50 characters.
def _vault_name_pattern() -> str:
    import botocore.session

    model = botocore.session.get_session().get_service_model("backup")
    return str(model.shape_for("BackupVaultName").metadata["pattern"])


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Default", True),
        ("prod-vault", True),
        ("dr_vault_2", True),
        ("ab", True),
        ("v" * 50, True),
        ("a", False),
        ("v" * 51, False),
        ("prod.vault", False),
        ("prod vault", False),
        ("aws/", False),
        ("efs/automatic-backup-vault", False),
    ],
)
def test_vault_names_follow_aws_backups_pattern(name: str, valid: bool) -> None:
    import re

    assert bool(re.fullmatch(_vault_name_pattern().strip("^$"), name)) is valid
    arn = f"arn:aws:backup:eu-central-1:111122223333:backup-vault:{name}"
    if valid:
        assert parse_vault_arn(arn).name == name
        return
    with pytest.raises(UsageError) as error:
        parse_vault_arn(arn)
    assert str(error.value).startswith("--to: ")


def test_aws_s_own_vault_parses_though_no_one_could_create_its_name() -> None:
    """EFS's automatic backup vault comes from AWS (ListBackupVaults, a recovery point's vault)
    with a name CreateBackupVault refuses: it parses, so no answer of AWS is judged a bad flag
    (the copy checks refuse a copy into it)."""
    import re

    name = "aws/efs/automatic-backup-vault"
    assert not re.fullmatch(_vault_name_pattern().strip("^$"), name)
    arn = f"arn:aws:backup:eu-central-1:111122223333:backup-vault:{name}"
    assert parse_vault_arn(arn).name == name


@pytest.mark.parametrize(
    "arn",
    [
        # The recovery point ARN formats of AWS Backup's access-control page
        # (https://docs.aws.amazon.com/aws-backup/latest/devguide/access-control.html), with
        # its example ids.
        "arn:aws:ec2:us-east-1::snapshot/snap-05f426fd8d0ab4224",
        "arn:aws:ec2:us-east-1::image/ami-1a2b3e4f5e6f7a890",
        "arn:aws:rds:us-east-1:111122223333:snapshot:awsbackup:job-be59cf2a-2343-4402-bd8b",
        "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:awsbackup:job-be59cf2a-2343-4402",
        "arn:aws:backup:us-east-1:012345678901:recovery-point:8a92c3f1-b475-4d9e-95e6-7c138f2d4b0a",
        "arn:aws:dynamodb:us-east-1:111122223333:table/MyDynamoDBTable/backup/01547087347000-c8b6",
        "arn:aws:fsx:us-east-1:111122223333:backup/backup-1a20e49137e31d9e0",
        "arn:aws:backup:us-east-1:111122223333:recovery-point:amzn-s3-demo-bucket-5ec207d0",
        "arn:aws:redshift:us-east-1:111122223333:snapshot:resource/awsbackup:job-ab12cd3e-4567",
        "arn:aws:redshift-serverless:us-east-1:111122223333:snapshot:resource/awsbackup:job-ab12",
        "arn:aws:redshift-serverless:us-east-1:111122223333:snapshot/a1b2c3d4-5678-90ab-cdef",
    ],
)
def test_every_documented_recovery_point_form_parses(arn: str) -> None:
    parsed = parse_recovery_point_arn(arn)
    assert (parsed.arn, parsed.region) == (arn, "us-east-1")
