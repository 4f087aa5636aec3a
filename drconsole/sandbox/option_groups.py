"""RDS option groups in the sandbox: what an RDS DB snapshot carries, what a copy of it into
another Region needs there, and DescribeDBSnapshots of AWS Backup's RDS recovery points.

AWS Backup "does not pass the option group when performing a cross-Region copy. Instead, AWS
Backup copies the default option group [...]. If your custom option group uses persistent
options, the cross-Region copy job fails unless the destination Region has the same option
group as the source Region" (AWS Backup developer guide, cross-region-backup.html).
"""

from __future__ import annotations

from typing import Any

from drconsole.sandbox import resources, store
from drconsole.sandbox.point_records import RecoveryPoint

# RDS's answer to a DB snapshot copied into a Region without the option group it needs
# (CopyDBSnapshot's InvalidParameterValue, quoted by AWS Backup's guide for its copy jobs); the
# list is RDS's own, e.g. "[Timezone]" (cloud-custodian issue 4955).
MSG_TARGET_OPTION_GROUP = (
    "The snapshot requires a target option group with the following options: [{options}]"
)


def _rds(account_id: str, region: str) -> Any:
    from moto.rds.models import rds_backends

    return rds_backends[account_id][region]


def _db_identifier(resource_arn: str) -> str:
    return resource_arn.split(":db:", 1)[1] if ":db:" in resource_arn else ""


def _instance_of(resource_arn: str) -> Any | None:
    """The moto DB instance an RDS resource ARN names, in its own account and Region."""
    parts = resource_arn.split(":")
    if len(parts) < 7:
        return None
    return resources.find_db_instance(parts[4], parts[3], _db_identifier(resource_arn))


def snapshot_option_group(region: str, resource_arn: str) -> str | None:
    """The option group of a DB snapshot of the DB instance `resource_arn` held in `region`:
    the instance's in its own Region, the engine's default one in another (a copy: AWS Backup
    passes no option group across Regions). None: not a DB instance of the sandbox."""
    if resource_arn.split(":")[3:4] == [region]:
        database = _instance_of(resource_arn)
        return str(database.option_group_name) if database is not None else None
    return _default_group(resource_arn)


def copied_option_group(source: RecoveryPoint, dest_region: str) -> str | None:
    """The option group of a copy of `source` made in `dest_region`: its own within the Region,
    the engine's default one across Regions."""
    if source.option_group is None or source.region == dest_region:
        return source.option_group
    return _default_group(source.resource_arn)


def _default_group(resource_arn: str) -> str | None:
    """The engine's default option group of the DB instance `resource_arn` (None: unknown)."""
    database = _instance_of(resource_arn)
    if database is None:
        return None
    semantic = str(database.engine_version).split(".")
    return f"default:{database.engine}-{'-'.join(semantic[:2])}"


def _options(account_id: str, region: str, name: str) -> tuple[Any, tuple[str, ...]] | None:
    group = _rds(account_id, region).option_groups.get(name)
    if group is None:
        return None
    return group, tuple(option["OptionName"] for option in group.options)


def missing_lasting_options(
    source: RecoveryPoint, dest_account: str, dest_region: str
) -> tuple[str, ...]:
    """The persistent or permanent options of `source`'s option group that no option group of
    the same name holds in the destination account and Region: a copy there fails for them."""
    name = source.option_group
    if not name or name.startswith("default:") or source.region == dest_region:
        return ()
    found = _options(source.account_id, source.region, name)
    if found is None:
        return ()
    group, names = found
    from moto.rds.models import RDSBackend

    try:
        catalog = RDSBackend.describe_option_group_options(
            group.engine_name, group.major_engine_version
        )
    except Exception:  # an engine moto has no catalog of: it has no persistent options known
        return ()
    lasting = {o["Name"] for o in catalog if o.get("Persistent") or o.get("Permanent")}
    there = _options(dest_account, dest_region, name)
    held = there[1] if there is not None else ()
    return tuple(option for option in names if option in lasting and option not in held)


def _describe_db_snapshots(self: Any) -> Any:
    """DescribeDBSnapshots, answering for AWS Backup's RDS recovery points too (moto keeps no
    DB snapshot for them)."""
    from moto.core.responses import ActionResult

    identifier = self.params.get("DBSnapshotIdentifier") or ""
    arn = f"arn:aws:rds:{self.region}:{self.current_account}:snapshot:{identifier}"
    point = store.find_point(self.current_account, self.region, arn) if identifier else None
    if point is None:
        return ORIGINAL(self)
    return ActionResult({"DBSnapshots": [_snapshot_record(point, identifier)]})


def _snapshot_record(point: RecoveryPoint, identifier: str) -> dict[str, Any]:
    database = _instance_of(point.resource_arn)
    record: dict[str, Any] = {
        "DBSnapshotIdentifier": identifier,
        "DBInstanceIdentifier": _db_identifier(point.resource_arn),
        "SnapshotType": "awsbackup",
        "Status": "available",
        "DBSnapshotArn": point.arn,
        "Encrypted": bool(point.encryption_key_arn),
    }
    if point.encryption_key_arn:
        record["KmsKeyId"] = point.encryption_key_arn
    if database is not None:
        record["Engine"] = database.engine
        record["EngineVersion"] = database.engine_version
    if point.option_group:
        record["OptionGroupName"] = point.option_group
    return record


ORIGINAL: Any = None


def install() -> None:
    """Teach moto's RDS to describe the DB snapshots of AWS Backup's RDS recovery points."""
    global ORIGINAL
    from moto.rds.responses import RDSResponse

    if ORIGINAL is None:
        ORIGINAL = RDSResponse.describe_db_snapshots
        RDSResponse.describe_db_snapshots = _describe_db_snapshots  # type: ignore[method-assign]
