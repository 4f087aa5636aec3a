"""The streamed `ls recovery-points --json` writes each point as `point_json` alone would.

`page_json` finds a page's shared members once and the stream writes msgspec's bytes straight
to stdout's bytes: the text must be the one the per-point writer gave, for any page (mixed
partitions, vaults, accounts, time zones), any stream encoding, and the seeded sandbox's
every recovery point as the CLI lists it.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drconsole.aws.inventory import Inventory
from drconsole.aws.session import AwsSessions
from drconsole.commands._ls_output import page_json, point_json
from drconsole.commands._ls_stream import finish, stream_points
from drconsole.config import Credentials, Settings
from drconsole.models import RecoveryPoint, VaultBatch
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli

OFFSETS = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
ZONES = st.one_of(st.just(UTC), st.builds(timezone, OFFSETS))
TIMES = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2100, 1, 1), timezones=ZONES
)
# ARNs of several partitions, of none, and texts that only look like one.
ARNS = st.sampled_from(
    [
        "arn:aws:ec2:eu-central-1:111111111111:snapshot/snap-1",
        "arn:aws:ec2:eu-central-1:111111111111:snapshot/snap-2",
        "arn:aws-cn:ec2:cn-north-1:111111111111:snapshot/snap-1",
        "arn:aws-us-gov:rds:us-gov-west-1:111111111111:snapshot:s",
        "arn:aws",
        "arn:aws-cn",
        "arn::ec2:x",
        "not-an-arn",
        "",
    ]
)
POINTS = st.builds(
    RecoveryPoint,
    arn=ARNS,
    vault_name=st.sampled_from(["v1", "v2"]),
    account_id=st.sampled_from(["111111111111", "222222222222"]),
    region=st.sampled_from(["eu-central-1", "cn-north-1", "us-gov-west-1"]),
    resource_arn=st.just("arn:aws:ec2:eu-central-1:111111111111:volume/vol-1"),
    resource_type=st.sampled_from(["EBS", "RDS"]),
    resource_name=st.text(max_size=5),
    created=TIMES,
    status=st.just("COMPLETED"),
    size_bytes=st.none() | st.integers(min_value=0, max_value=2**60),
    encryption_key_arn=st.just(""),
    is_encrypted=st.booleans(),
    source_vault_arn=st.none() | st.just("arn:aws:backup:eu-north-1:1:backup-vault:x"),
    expires=st.none() | TIMES,
    iam_role_arn=st.none() | st.just("arn:aws:iam::111111111111:role/r"),
    completion_date=st.none() | TIMES,
)


# No deadline: a loaded 2-core machine makes a pass slow, not wrong.
@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(page=st.lists(POINTS, max_size=8), named=st.booleans())
def test_a_page_is_written_as_each_point_alone(page: list[RecoveryPoint], named: bool) -> None:
    """Whatever the page mixes (partitions, vaults, accounts, zones), `page_json` gives the
    text `point_json` gives point by point."""
    names = {"111111111111": "one"} if named else {}
    alone = msgspec.json.encode([point_json(point, names) for point in page])
    assert msgspec.json.encode(page_json(page, names)) == alone


def stream_text(pages: list[list[RecoveryPoint]], out: Any) -> None:
    result = stream_points(iter(pages), {"111111111111": "one"}, out)
    finish(result, [], {"regions": ["eu-central-1"]}, out)


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "utf-16", "latin-1"])
@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(pages=st.lists(st.lists(POINTS, min_size=1, max_size=3), max_size=3))
def test_the_stream_holds_the_text_whatever_its_encoding(
    encoding: str, pages: list[list[RecoveryPoint]]
) -> None:
    """Written to a stream's bytes (UTF-8, as msgspec writes) or through its text layer (any
    other encoding), the document is the text a StringIO receives, in the stream's encoding."""
    pages = [[replace_name(p) for p in page] for page in pages]
    expected = io.StringIO()
    stream_text(pages, expected)
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding=encoding, newline="")
    out.write("")  # a text layer in use, as sys.stdout is
    stream_text(pages, out)
    out.flush()
    assert raw.getvalue().decode(encoding) == expected.getvalue()


def replace_name(point: RecoveryPoint) -> RecoveryPoint:
    """The point with a name that latin-1 can write (é), to tell the encodings apart."""
    return msgspec.structs.replace(point, resource_name=f"é{len(point.resource_name)}")


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    yield sandbox, info
    sandbox.stop()
    sandbox.reset()


def test_the_listing_is_each_point_as_the_per_point_writer_gives_it(
    seeded: tuple[Sandbox, ScenarioInfo], tmp_path: Any
) -> None:
    """On the seeded sandbox, every line the CLI streams is the text `point_json` gives of that
    recovery point as the inventory reads it in this process: the document is unchanged."""
    sandbox, info = seeded
    regions = (info.region, info.dr_region)
    creds = sandbox.credentials_for(info.accounts["management"])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        "AWS_ENDPOINT_URL": sandbox.endpoint_url,
        "AWS_REGION": info.region,
        "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
    }
    listing = ("ls", "recovery-points", "--json")
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "--region", ",".join(regions), *listing],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split(b"\n")
    end = lines.index(b"],")
    written = sorted(line.removesuffix(b",") for line in lines[1:end])
    assert written

    settings = Settings(
        regions=regions,
        endpoint_url=sandbox.endpoint_url,
        static_credentials=Credentials.from_mapping(creds),
        read_only=True,
    )
    inventory = Inventory(AwsSessions(settings), max_workers=4)
    organization = inventory.organization()
    names = {account.id: account.name for account in organization.accounts}
    vaults = [
        vault
        for batch in inventory.iter_vaults(organization.accounts, regions, details=False)
        if isinstance(batch, VaultBatch)
        for vault in batch.vaults
    ]
    alone = [
        msgspec.json.encode(point_json(point, names))
        for vault in vaults
        for page in inventory.iter_recovery_points(vault)
        for point in page
    ]
    assert written == sorted(alone)
    assert json.loads(done.stdout)["errors"] == []
