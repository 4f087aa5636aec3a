"""Input of another AWS partition than the credentials in use: one line, before any call there.

Credentials belong to one partition (`aws`, `aws-cn`, `aws-us-gov`...): a China or GovCloud
endpoint refuses commercial credentials as "The security token included in the request is
invalid", which drconsole would otherwise blame on a member role or on an opt-in Region that no
commercial account can enable. The caller's partition is that of its identity ARN
(sts:GetCallerIdentity, asked in a Region of its own partition first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drconsole.errors import UsageError
from drconsole.partitions import known_partition

if TYPE_CHECKING:
    from drconsole.aws.caller_identity import CallerIdentity
    from drconsole.config import Settings


class OtherPartition(UsageError):
    """An ARN or a Region of another partition than the credentials in use."""


def credentials_in_use(sessions: CallerIdentity, account_id: str) -> str:
    """`profile 'ops', account 123...`: where the caller's credentials come from, for a line."""
    settings = sessions.settings
    if settings.break_glass is not None:
        source = f"break-glass credentials '{settings.break_glass}'"
    elif settings.static_credentials is not None:
        source = "the sandbox's credentials"
    elif settings.profile:
        source = f"profile '{settings.profile}'"
    elif sessions.credentials_from_environment():
        source = "AWS_ACCESS_KEY_ID from the environment"
    else:
        source = "the default profile"
    return f"{source}, account {account_id}"


def refuse_other_partition(sessions: CallerIdentity, partition: str, what: str) -> None:
    """OtherPartition when `partition` (of the ARN given as `what`) is not the caller's."""
    mine = sessions.partition()
    if partition != mine:
        described = credentials_in_use(sessions, sessions.caller_account_id())
        raise OtherPartition(
            f"{what}: partition {partition}, but the credentials in use ({described}) are in "
            f"partition {mine}: use credentials of partition {partition}"
        )


def other_partition_regions(settings: Settings, partition: str, described: str) -> str | None:
    """The line refusing the Regions scanned that are not in the caller's `partition` (None:
    they all are): every account would be asked there, each refusal shown as its row."""
    foreign = [r for r in settings.regions if known_partition(r) not in (None, partition)]
    if not foreign:
        return None
    where = ", ".join(f"{region} (partition {known_partition(region)})" for region in foreign)
    source = settings.regions_source or "the Regions scanned"
    them = "them" if len(foreign) > 1 else "it"
    return (
        f"{source}: {where}, but the credentials in use ({described}) are in partition "
        f"{partition}: scan {them} with credentials of that partition, or leave {them} out"
    )
