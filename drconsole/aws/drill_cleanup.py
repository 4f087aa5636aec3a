"""Deleting what a drill restored: one plain delete per resource type, each in the audit log.

Only ARNs the drill's journal records as created by its own restore jobs reach these calls
(`drills.cleanup` decides, with the creation time read here); this module only knows how to
read when one resource was created and how to delete one resource of each type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from drconsole.aws.answers import IncompleteAnswer, first, required, text_of
from drconsole.aws.audit import AuditLog, audited_call
from drconsole.aws.drill_reads import arn_region, last_part, version_pages


class ResourceDeleter:
    """Delete restored resources through the shared sessions, auditing every call."""

    def __init__(self, sessions: Any, audit: AuditLog | None) -> None:
        self.sessions = sessions
        self.audit = audit

    def _caller(self) -> str:
        try:
            return str(self.sessions.caller_identity_arn())
        except Exception:  # the audit entry is written even when STS cannot answer
            return "unknown"

    def _call(self, service: str, account: str, region: str, operation: str, **params: Any) -> Any:
        client = self.sessions.client(service, account_id=account, region=region)
        name = "".join(part.capitalize() for part in operation.split("_"))
        return audited_call(
            self.audit,
            lambda: getattr(client, operation)(**params),
            caller_arn=self._caller(),
            account_id=account,
            region=region,
            operation=f"{service}:{name}",
            parameters=params,
        )

    def created_at(self, account: str, region: str, resource_type: str, arn: str) -> datetime:
        """When the resource that bears this ARN now was created, as its service says (a
        table, bucket, DB instance or cluster; raises the AWS error, NoSuchBucket when gone)."""
        region = arn_region(arn) or region
        name = last_part(arn)
        if resource_type == "DynamoDB":
            client = self.sessions.client("dynamodb", account_id=account, region=region)
            table = required(client.describe_table(TableName=name), "Table", "DescribeTable")
            return _when(table, "CreationDateTime", "DescribeTable")
        if resource_type == "RDS":
            client = self.sessions.client("rds", account_id=account, region=region)
            answer = client.describe_db_instances(DBInstanceIdentifier=name)
            instance = first(answer, "DBInstances", "DescribeDBInstances")
            return _when(instance, "InstanceCreateTime", "DescribeDBInstances")
        if resource_type == "Aurora":
            client = self.sessions.client("rds", account_id=account, region=region)
            answer = client.describe_db_clusters(DBClusterIdentifier=name)
            cluster = first(answer, "DBClusters", "DescribeDBClusters")
            return _when(cluster, "ClusterCreateTime", "DescribeDBClusters")
        if resource_type == "S3":
            # ListBuckets is the only call that tells a bucket's CreationDate; asked by prefix.
            client = self.sessions.client("s3", account_id=account, region=region)
            pages = client.get_paginator("list_buckets").paginate(Prefix=name)
            for page in pages:
                for bucket in page.get("Buckets", []):
                    if text_of(bucket, "Name") == name:
                        return _when(bucket, "CreationDate", "ListBuckets")
            raise _no_such_bucket(name)
        raise ValueError(f"drconsole does not read when {resource_type} resources were created")

    def delete(self, account: str, region: str, resource_type: str, arn: str) -> None:
        """Delete one restored resource (raises the AWS error when it cannot be)."""
        region = arn_region(arn) or region
        name = last_part(arn)
        if resource_type == "Aurora":
            self._call(
                "rds",
                account,
                region,
                "delete_db_cluster",
                DBClusterIdentifier=name,
                SkipFinalSnapshot=True,
            )
        elif resource_type == "RDS":
            self._call(
                "rds",
                account,
                region,
                "delete_db_instance",
                DBInstanceIdentifier=name,
                SkipFinalSnapshot=True,
            )
        elif resource_type == "DynamoDB":
            self._call("dynamodb", account, region, "delete_table", TableName=name)
        elif resource_type == "S3":
            self._empty_bucket(account, region, name)
            self._call("s3", account, region, "delete_bucket", Bucket=name)
        elif resource_type == "EBS":
            self._call("ec2", account, region, "delete_volume", VolumeId=name)
        elif resource_type == "EFS":
            self._call("efs", account, region, "delete_file_system", FileSystemId=name)
        elif resource_type == "EC2":
            self._call("ec2", account, region, "terminate_instances", InstanceIds=[name])
        else:
            raise ValueError(f"drconsole does not delete {resource_type} resources")

    def _empty_bucket(self, account: str, region: str, bucket: str) -> None:
        """A bucket must be empty before DeleteBucket: delete every version of every object and
        every delete marker (audited per page). A restored bucket is versioned, where deleting
        a key without its VersionId only adds a delete marker and DeleteBucket then answers
        BucketNotEmpty; an unversioned bucket lists each object once, with VersionId "null"."""
        s3 = self.sessions.client("s3", account_id=account, region=region)
        for versions in version_pages(s3, bucket):
            if not versions:
                continue
            answer = self._call(
                "s3",
                account,
                region,
                "delete_objects",
                Bucket=bucket,
                Delete={"Objects": versions, "Quiet": True},
            )
            # DeleteObjects answers 200 with the keys it could not delete: the first one's
            # error is the clean-up's cause (DeleteBucket would only say BucketNotEmpty).
            errors = answer.get("Errors") if isinstance(answer, dict) else None
            if errors:
                raise _object_error(errors[0])


def _when(record: Any, field: str, operation: str) -> datetime:
    """`record[field]` as the datetime botocore reads, or IncompleteAnswer."""
    value = record.get(field) if isinstance(record, dict) else None
    if not isinstance(value, datetime):
        raise IncompleteAnswer(operation=operation, field=field)
    return value


def _object_error(error: Any) -> Exception:
    """One object DeleteObjects could not delete, as the error S3 gave for it."""
    code = text_of(error, "Code") or "InternalError"
    message = f"{text_of(error, 'Key')}: {text_of(error, 'Message') or code}"
    return ClientError({"Error": {"Code": code, "Message": message}}, "DeleteObjects")


def _no_such_bucket(name: str) -> Exception:
    """The error S3 answers for a bucket that is not there, as ListBuckets cannot."""
    return ClientError(
        {
            "Error": {
                "Code": "NoSuchBucket",
                "Message": f"The specified bucket {name} does not exist",
            }
        },
        "ListBuckets",
    )
