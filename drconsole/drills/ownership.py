"""Whether a restored resource is the drill's own to delete: a restore into an existing resource
creates nothing, and a resource that only bears the name of the drill's restore but was created
outside its restore job (another run's, an operator's) is someone else's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

# Restore metadata that makes a restore write into an existing resource instead of creating
# one, by resource type: the flag that says so when not "true", the key naming the existing
# resource, and what it is. (The other restorable types always create a new resource: table,
# DB instance or cluster, volume, instance.)
INTO_EXISTING = {
    "S3": ("NewBucket", "DestinationBucketName", "S3 bucket"),
    "EFS": ("newFileSystem", "file-system-id", "EFS file system"),
}

# Types whose ARN holds a name anyone may give again, so a later resource can bear the ARN of
# the drill's; the others hold an id AWS never gives twice (vol-, i-, fs-).
NAMED_TYPES = frozenset({"DynamoDB", "S3", "RDS", "Aurora"})

# Rounding between AWS's clocks: S3 reports a bucket's CreationDate in whole seconds.
CLOCK_SLACK = timedelta(seconds=2)


def drill_metadata(resource_type: str, metadata: Mapping[str, str]) -> dict[str, str]:
    """The runbook's restore metadata with "create a new resource" made explicit: a drill never
    takes a restore into an existing resource from the recovery point's own metadata (AWS's
    answer may name the source bucket or file system), whatever AWS proposes."""
    chosen = dict(metadata)
    if resource_type in INTO_EXISTING:
        flag = INTO_EXISTING[resource_type][0]
        if flag.lower() not in {key.lower() for key in chosen}:
            chosen[flag] = "true"
    return chosen


def into_existing(metadata: Mapping[str, Any]) -> tuple[str, str] | None:
    """(the flag key as given, "the existing S3 bucket NAME") when this restore metadata writes
    into an existing resource; None when the restore creates its resource."""
    lowered = {str(key).lower(): (str(key), str(value)) for key, value in metadata.items()}
    for flag, name_key, what in INTO_EXISTING.values():
        found = lowered.get(flag.lower())
        if found is None or found[1].strip().lower() == "true":
            continue
        name = lowered.get(name_key.lower(), ("", ""))[1]
        return found[0], f"the existing {what} {name}".rstrip()
    return None


def created_outside(created: datetime, started: datetime, ended: datetime) -> bool:
    """True when a resource created at `created` cannot be the one a restore job that ran from
    `started` to `ended` created."""
    return created < started - CLOCK_SLACK or created > ended + CLOCK_SLACK
