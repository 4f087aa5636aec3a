"""What a completed restore still lacks before anyone can use it, where AWS Backup stops short."""

from __future__ import annotations

from typing import Any

# Database clusters AWS Backup restores without an instance: "AWS Backup restores your Aurora
# cluster; it does not create or attach an Amazon RDS instance to your cluster"
# (https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-aur.html); DocumentDB and
# Neptune clusters are restored the same way, through RDS's cluster restore.
CLUSTERS_WITHOUT_INSTANCE = {"Aurora": "rds", "DocumentDB": "docdb", "Neptune": "neptune"}


def next_step(resource_type: str, created_arn: str | None, request: dict[str, Any] | None) -> str:
    """The command that makes a restored cluster usable ('' when the restore is complete as
    AWS Backup leaves it)."""
    service = CLUSTERS_WITHOUT_INSTANCE.get(resource_type)
    if service is None or not created_arn or ":cluster:" not in created_arn:
        return ""
    region = created_arn.split(":")[3]
    cluster = created_arn.rsplit(":", 1)[-1]
    metadata = (request or {}).get("Metadata") or {}
    engine = metadata.get("Engine") or metadata.get("engine") or "ENGINE"
    return (
        f"AWS Backup restores the {resource_type} cluster without a DB instance: add one before "
        f"anything can connect: aws {service} create-db-instance --db-instance-identifier "
        f"{cluster}-1 --db-cluster-identifier {cluster} --engine {engine} --db-instance-class "
        f"CLASS --region {region}"
    )
