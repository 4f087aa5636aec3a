"""What a drill reads from AWS: recovery points of a vault, the original backup behind a copy,
and the state of a restored resource read with its own service's plain API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.answers import IncompleteAnswer, first, identified_vaults, required, text_of
from drconsole.aws.convert import recovery_point_from
from drconsole.models import RecoveryPoint

AWS_ERRORS = (ClientError, BotoCoreError)
NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "DBClusterNotFoundFault",
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
        "NoSuchBucket",
        "404",
        "NotFound",
        "FileSystemNotFound",
        "InvalidVolume.NotFound",
        "InvalidInstanceID.NotFound",
        "InvalidInstanceID.Malformed",
    }
)


@dataclass(frozen=True, slots=True)
class ResourceState:
    """A restored (or source) resource as its service reports it."""

    arn: str
    resource_type: str
    exists: bool
    status: str = ""
    available: bool = False
    measures: dict[str, float] = field(default_factory=dict)  # size_gib, item_count, objects...
    endpoint: str = ""
    identifier: str = ""


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError ('' otherwise)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def last_part(arn: str) -> str:
    """`...:table/x` -> x; `...:cluster:x` -> x; `arn:PARTITION:s3:::b` -> b."""
    if ":s3:::" in arn:
        return arn.split(":::", 1)[1]
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def arn_region(arn: str) -> str:
    """The Region field of an ARN ('' for S3 buckets)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def bucket_pages(s3: Any, bucket: str) -> Iterator[list[dict[str, Any]]]:
    """The objects of a bucket, one list per ListObjectsV2 page."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    try:
        for page in pages:
            yield list(page.get("Contents", []))
    except KeyError as exc:
        # botocore URL-decodes every listed object's Key itself (it asks for encoded keys):
        # an answer without one fails in there, before drconsole sees it
        field = str(exc.args[0]) if exc.args else "Key"
        raise IncompleteAnswer(operation="ListObjectsV2", field=field) from None


def version_pages(s3: Any, bucket: str) -> Iterator[list[dict[str, str]]]:
    """Every object version and delete marker of a bucket as DeleteObjects takes them (Key
    and VersionId), one list per ListObjectVersions page."""
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
    try:
        for page in pages:
            listed = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            yield [{"Key": item["Key"], "VersionId": item["VersionId"]} for item in listed]
    except KeyError as exc:
        field = str(exc.args[0]) if exc.args else "Key"
        raise IncompleteAnswer(operation="ListObjectVersions", field=field) from None


class DrillReader:
    """Read-only calls a drill makes, through the shared sessions."""

    def __init__(self, sessions: Any, quick: bool = False) -> None:
        self.sessions = sessions
        self._quick = quick  # each call tries twice (asking whether a Region answers)
        # (account, Region) -> how many records of its vaults and recovery points AWS sent
        # without what identifies them (left out; a target not found says so).
        self.skipped: dict[tuple[str, str], int] = {}

    def _client(self, service: str, account: str, region: str) -> Any:
        if self._quick:
            return self.sessions.quick_client(service, account, region)
        return self.sessions.client(service, account_id=account, region=region)

    def vault_names(self, account: str, region: str) -> list[str]:
        """Every vault of an account in a Region."""
        backup = self._client("backup", account, region)
        names: list[str] = []
        for page in backup.get_paginator("list_backup_vaults").paginate():
            vaults, skipped = identified_vaults(page.get("BackupVaultList", []))
            names.extend(v["BackupVaultName"] for v in vaults)
            self._skip(account, region, skipped)
        return names

    def _skip(self, account: str, region: str, skipped: int) -> None:
        if skipped:
            self.skipped[account, region] = self.skipped.get((account, region), 0) + skipped

    def points(
        self,
        account: str,
        region: str,
        vault: str,
        *,
        resource_arn: str | None = None,
        resource_type: str | None = None,
    ) -> list[RecoveryPoint]:
        """A vault's recovery points (optionally of one resource or type), newest first."""
        params: dict[str, Any] = {"BackupVaultName": vault}
        if resource_arn:
            params["ByResourceArn"] = resource_arn
        if resource_type:
            params["ByResourceType"] = resource_type
        backup = self._client("backup", account, region)
        found: list[RecoveryPoint] = []
        for page in backup.get_paginator("list_recovery_points_by_backup_vault").paginate(**params):
            for item in page.get("RecoveryPoints", []):
                if not text_of(item, "RecoveryPointArn"):
                    self._skip(account, region, 1)
                    continue
                found.append(recovery_point_from(item, account, region, vault))
        found.sort(key=lambda p: p.created, reverse=True)
        return found

    def point(self, account: str, region: str, vault: str, arn: str) -> RecoveryPoint:
        """DescribeRecoveryPoint."""
        item = self._client("backup", account, region).describe_recovery_point(
            BackupVaultName=vault, RecoveryPointArn=arn
        )
        # The ARN asked about, should the answer leave it out.
        return recovery_point_from({"RecoveryPointArn": arn, **item}, account, region, vault)

    def original_backup(self, copy: RecoveryPoint) -> RecoveryPoint | None:
        """The backup a copy was made from: the newest recovery point of the same resource in
        the copy's source vault created no later than the copy (None when unreadable)."""
        if not copy.source_vault_arn:
            return None
        parts = copy.source_vault_arn.split(":")
        if len(parts) < 7:
            return None
        region, account, vault = parts[3], parts[4], parts[6]
        try:
            candidates = self.points(account, region, vault, resource_arn=copy.resource_arn)
        except AWS_ERRORS:
            return None
        earlier = [p for p in candidates if p.created <= copy.created]
        return earlier[0] if earlier else None

    # Restored resources ------------------------------------------------------------------------

    def resource_state(
        self, account: str, region: str, resource_type: str, arn: str
    ) -> ResourceState:
        """The resource as its service reports it (AWS failures other than not-found raise)."""
        reader = {
            "Aurora": self._aurora,
            "RDS": self._rds,
            "DynamoDB": self._dynamodb,
            "S3": self._s3,
            "EBS": self._ebs,
            "EFS": self._efs,
            "EC2": self._ec2,
        }.get(resource_type)
        if reader is None:
            return ResourceState(arn, resource_type, exists=False, status="unsupported type")
        region = arn_region(arn) or region
        try:
            return reader(account, region, arn)
        except AWS_ERRORS as exc:
            if error_code(exc) in NOT_FOUND_CODES:
                return ResourceState(arn, resource_type, exists=False, status="not found")
            raise

    def ask(self, account: str, region: str, resource_type: str, arn: str) -> None:
        """Ask the resource's service in its Region for the resource, with the first call
        `resource_state` makes (a describe; no scan, no listing): raises what AWS failures
        that raises, except not-found. For telling whether that Region answers."""
        calls: dict[str, tuple[str, str, dict[str, Any]]] = {
            "Aurora": ("rds", "describe_db_clusters", {"DBClusterIdentifier": last_part(arn)}),
            "RDS": ("rds", "describe_db_instances", {"DBInstanceIdentifier": last_part(arn)}),
            "DynamoDB": ("dynamodb", "describe_table", {"TableName": last_part(arn)}),
            "S3": ("s3", "head_bucket", {"Bucket": last_part(arn)}),
            "EBS": ("ec2", "describe_volumes", {"VolumeIds": [last_part(arn)]}),
            "EFS": ("efs", "describe_file_systems", {"FileSystemId": last_part(arn)}),
            "EC2": ("ec2", "describe_instances", {"InstanceIds": [last_part(arn)]}),
        }
        first_call = calls.get(resource_type)
        if first_call is None:
            return
        service, operation, params = first_call
        client = self._client(service, account, arn_region(arn) or region)
        try:
            getattr(client, operation)(**params)
        except AWS_ERRORS as exc:
            if error_code(exc) not in NOT_FOUND_CODES:
                raise

    def _aurora(self, account: str, region: str, arn: str) -> ResourceState:
        name = last_part(arn)
        rds = self._client("rds", account, region)
        cluster = first(
            rds.describe_db_clusters(DBClusterIdentifier=name), "DBClusters", "DescribeDBClusters"
        )
        status = str(cluster.get("Status", ""))
        return ResourceState(
            arn,
            "Aurora",
            True,
            status,
            status == "available",
            {"allocated_gib": float(cluster.get("AllocatedStorage") or 0)},
            str(cluster.get("Endpoint") or ""),
            name,
        )

    def _rds(self, account: str, region: str, arn: str) -> ResourceState:
        name = last_part(arn)
        rds = self._client("rds", account, region)
        db = first(
            rds.describe_db_instances(DBInstanceIdentifier=name),
            "DBInstances",
            "DescribeDBInstances",
        )
        status = str(db.get("DBInstanceStatus", ""))
        endpoint = db.get("Endpoint") or {}
        return ResourceState(
            arn,
            "RDS",
            True,
            status,
            status == "available",
            {"allocated_gib": float(db.get("AllocatedStorage") or 0)},
            f"{endpoint.get('Address', '')}:{endpoint.get('Port', '')}" if endpoint else "",
            name,
        )

    def _dynamodb(self, account: str, region: str, arn: str) -> ResourceState:
        name = last_part(arn)
        ddb = self._client("dynamodb", account, region)
        table = required(ddb.describe_table(TableName=name), "Table", "DescribeTable")
        status = str(table.get("TableStatus", ""))
        items = 0
        for page in ddb.get_paginator("scan").paginate(TableName=name, Select="COUNT"):
            items += int(page.get("Count", 0))
        return ResourceState(
            arn,
            "DynamoDB",
            True,
            status,
            status == "ACTIVE",
            {"item_count": float(items)},
            "",
            name,
        )

    def _s3(self, account: str, region: str, arn: str) -> ResourceState:
        bucket = last_part(arn)
        s3 = self._client("s3", account, region)
        s3.head_bucket(Bucket=bucket)
        count, size = 0, 0
        for objects in bucket_pages(s3, bucket):
            for item in objects:
                count += 1
                size += int(item.get("Size", 0))
        return ResourceState(
            arn,
            "S3",
            True,
            "exists",
            True,
            {"object_count": float(count), "total_bytes": float(size)},
            f"s3://{bucket}",
            bucket,
        )

    def _ebs(self, account: str, region: str, arn: str) -> ResourceState:
        volume_id = last_part(arn)
        ec2 = self._client("ec2", account, region)
        volume = first(ec2.describe_volumes(VolumeIds=[volume_id]), "Volumes", "DescribeVolumes")
        status = str(volume.get("State", ""))
        return ResourceState(
            arn,
            "EBS",
            True,
            status,
            status in ("available", "in-use"),
            {"size_gib": float(volume.get("Size") or 0)},
            "",
            volume_id,
        )

    def _efs(self, account: str, region: str, arn: str) -> ResourceState:
        fs_id = last_part(arn)
        efs = self._client("efs", account, region)
        fs = first(
            efs.describe_file_systems(FileSystemId=fs_id), "FileSystems", "DescribeFileSystems"
        )
        status = str(fs.get("LifeCycleState", ""))
        size = float((fs.get("SizeInBytes") or {}).get("Value") or 0)
        return ResourceState(
            arn, "EFS", True, status, status == "available", {"size_bytes": size}, "", fs_id
        )

    def _ec2(self, account: str, region: str, arn: str) -> ResourceState:
        instance_id = last_part(arn)
        ec2 = self._client("ec2", account, region)
        reservations = required(
            ec2.describe_instances(InstanceIds=[instance_id]), "Reservations", "DescribeInstances"
        )
        if not reservations or not required(reservations[0], "Instances", "DescribeInstances"):
            return ResourceState(arn, "EC2", False, "not found")
        instance = reservations[0]["Instances"][0]
        status = str((instance.get("State") or {}).get("Name", ""))
        return ResourceState(
            arn,
            "EC2",
            True,
            status,
            status == "running",
            {},
            str(instance.get("PrivateIpAddress") or ""),
            instance_id,
        )


def when(point: RecoveryPoint | None) -> datetime | None:
    """A recovery point's creation time (None for None)."""
    return point.created if point is not None else None
