"""A member account's role credentials judge their expiry by a UTC clock, at every call.

botocore asks the credentials of each call whether they are near expiry, twice a call; its
default clock is the local zone's through dateutil's tzlocal (a reading and the check 13 µs),
ours the UTC one (1.3 µs). The role is still assumed once, its hour read the same.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC

import pytest

from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions())
    yield sandbox, info
    sandbox.stop()
    sandbox.reset()


def test_member_credentials_read_their_expiry_on_a_utc_clock_and_are_assumed_once(
    demo: tuple[Sandbox, ScenarioInfo],
) -> None:
    sandbox, info = demo
    settings = Settings(
        regions=(info.region,),
        endpoint_url=sandbox.endpoint_url,
        static_credentials=Credentials.from_mapping(
            sandbox.credentials_for(info.accounts["management"])
        ),
        read_only=True,
    )
    sessions = AwsSessions(settings)
    member = info.accounts["prod"]
    backup = sessions.client("backup", member, info.region)
    backup.list_backup_vaults()  # the role assumed, the client made

    credentials = sessions._credentials_of(member)  # what botocore signs this account with
    now = credentials._time_fetcher()  # botocore's clock for their expiry
    assert now.tzinfo is UTC
    assert abs(now.timestamp() - time.time()) < 5
    assert 3000 < credentials._seconds_remaining() <= 3600  # AssumeRole's hour, read in UTC
    mark = sandbox.middleware.log.mark()
    for _ in range(3):
        assert "BackupVaultList" in backup.list_backup_vaults()
    sent = [seen.name for seen in sandbox.middleware.log.since(mark)]
    assert sent == ["backup:ListBackupVaults"] * 3  # no AssumeRole again: still fresh
