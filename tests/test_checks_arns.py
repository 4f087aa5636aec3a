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
