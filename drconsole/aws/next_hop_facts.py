"""The facts of a two-hop route's second hop, read before the first hop has made the recovery
point that the second one copies."""

from __future__ import annotations

from dataclasses import replace

from drconsole.aws.facts import FactReader, copy_facts_of, tags_a_copy_carries
from drconsole.checks.arns import VaultArn
from drconsole.checks.facts import CopyFacts, RecoveryPointFacts, VaultFacts


def foreseen_copy(
    source: RecoveryPointFacts, intermediate: VaultFacts, delete_after_days: int | None
) -> RecoveryPointFacts:
    """The recovery point the first hop will make in `intermediate`, as far as it is known
    before it exists.

    AWS Backup encrypts a copy with the key of the vault it copies into ("AWS Backup
    re-encrypts your copy using the customer managed key of your destination vault",
    cross-region-backup.html), so the second hop's source key is the intermediate vault's key,
    not the source point's. A copy keeps its source's creation date and resource, and lives
    `delete_after_days` from it. Its ARN is the source's in the intermediate vault's Region and
    account (AWS names the copy only when it ends), so that policies naming ARN shapes
    (`snapshot:awsbackup:*`) are judged on the shape the copy will have."""
    parts = source.arn.split(":")
    if len(parts) > 5:
        parts[3] = intermediate.region
        if parts[4]:  # EBS and EC2 ARNs carry no account
            parts[4] = intermediate.account_id
    return RecoveryPointFacts(
        arn=":".join(parts),
        account_id=intermediate.account_id,
        region=intermediate.region,
        vault_name=intermediate.name,
        resource_type=source.resource_type,
        resource_arn=source.resource_arn,
        resource_name=source.resource_name,
        status="COMPLETED",  # the second hop starts only once the first has completed
        encryption_key_arn=intermediate.encryption_key_arn or None,
        delete_after_days=delete_after_days,
        storage_class="WARM",
        source_vault_arn=source.vault_arn,
        creation_date=source.creation_date,
        # The copy's DB snapshot is read where it comes from: RDS names no snapshot before the
        # first hop ends. A copy within one Region keeps its option group (what AWS Backup
        # does with it across accounts is not documented).
        copied_from=source.copied_from or source.arn,
    )


def second_hop_facts(
    reader: FactReader,
    first_hop: CopyFacts,
    intermediate: VaultFacts,
    dest: VaultArn,
    role_arn: str | None,
) -> CopyFacts:
    """The base facts of copying the first hop's foreseen copy from `intermediate` on to
    `dest` (every other fact NOT_GATHERED). Both hops send the same retention: the one the
    first hop's checks judged."""
    days = first_hop.lifecycle_delete_after_days
    source = first_hop.recovery_point
    copy = foreseen_copy(source, intermediate, days)
    # The copy carries its source's tags ("AWS Backup copies all tags of the original
    # backup"): the first hop's reading of them, else the source's, read once the second
    # hop's destination has a tag policy that needs them.
    tags = tags_a_copy_carries(reader, dest.account_id, first_hop.recovery_point_tags, source)
    return replace(copy_facts_of(reader, copy, dest, role_arn, days), recovery_point_tags=tags)
