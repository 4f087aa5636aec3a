"""Resolve a runbook target to its recovery point and the time of the data it holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drconsole.aws.drill_reads import AWS_ERRORS, DrillReader, error_code
from drconsole.checks.arns import is_continuous
from drconsole.drills.runbook import Target
from drconsole.flows import restore_time
from drconsole.models import CauseCode, RecoveryPoint

# The resources a type and name may match, named in the one line that refuses them.
MAX_ARNS_SHOWN = 5

# Drill causes of a runbook that names what is not there: AWS answered, the runbook is wrong
# (the target fails, exit 1; never "AWS did not answer", exit 3).
SOURCE_NOT_FOUND = "SOURCE_NOT_FOUND"  # the source vault or Region does not exist
POINT_OF_ANOTHER_RESOURCE = "POINT_OF_ANOTHER_RESOURCE"  # a pinned point of another resource


class ResolveError(Exception):
    """A target whose recovery point cannot be found; `cause` is a cause code. `from_aws`:
    AWS failed to answer (an AWS error, exit 3), rather than answered with nothing to restore
    (the target fails, exit 1)."""

    def __init__(
        self, message: str, cause: str = CauseCode.UNKNOWN.value, from_aws: bool = False
    ) -> None:
        super().__init__(message)
        self.cause = cause
        self.from_aws = from_aws


@dataclass(frozen=True, slots=True)
class Resolved:
    """A target's recovery point and the age of its data."""

    point: RecoveryPoint
    data_time: datetime
    data_time_basis: str  # "backup" | "original-backup" | "copy-creation" | "restore-time"

    def to_json(self) -> dict[str, Any]:
        """The journal and report form."""
        point = self.point
        return {
            "recovery_point": point.arn,
            "account": point.account_id,
            "region": point.region,
            "vault": point.vault_name,
            "resource_type": point.resource_type,
            "resource_arn": point.resource_arn,
            "resource_name": point.resource_name,
            "created": point.created.isoformat(),
            "source_vault": point.source_vault_arn,
            "data_time": self.data_time.isoformat(),
            "data_time_basis": self.data_time_basis,
        }


def source_of(target: Target, settings: Any) -> tuple[str, str]:
    """The account and Region the recovery point comes from (runbook, else the configured
    backup account and its first DR Region)."""
    account = target.source.account or settings.backup_account_id
    if not account:
        raise ResolveError(
            "no source account: set source.account in the runbook, or backup_account_id in "
            "the config",
            CauseCode.UNKNOWN.value,
        )
    regions = tuple(getattr(settings, "dr_regions", ()) or ())
    region = target.source.region or (regions[0] if regions else None)
    if not region:
        raise ResolveError(
            "no source Region: set source.region in the runbook, or dr_regions in the config",
            CauseCode.UNKNOWN.value,
        )
    return account, region


def _matches(target: Target, point: RecoveryPoint) -> bool:
    resource = target.resource
    if resource.arn:
        return point.resource_arn == resource.arn
    if point.resource_type != resource.resource_type or point.resource_name != resource.name:
        return False
    parts = point.resource_arn.split(":")
    owner = parts[4] if len(parts) > 4 else ""
    return not owner or owner == resource.account


def resolve_target(sessions: Any, target: Target, not_after: datetime | None = None) -> Resolved:
    """The recovery point the target's choice names, with its data time (ResolveError when
    none fits or AWS refuses the reads). `not_after`: the drill's start, when it is known (a
    resumed drill): the newest point is the newest of that moment, as a drill that had not
    stopped would have chosen, not a backup made since (its RPO would be negative)."""
    from drconsole.diagnose import diagnose_exception

    reader = DrillReader(sessions)
    account, region = source_of(target, sessions.settings)
    try:
        vaults = (
            [target.source.vault] if target.source.vault else reader.vault_names(account, region)
        )
        point = _choose(reader, target, account, region, vaults, not_after)
        if not point.resource_type:  # AWS's answer is at fault, not the runbook
            raise ResolveError(
                f"recovery point {point.arn}: the answer from AWS has no ResourceType, and a "
                "restore cannot be planned without it",
                CauseCode.SERVICE_ERROR.value,
                from_aws=True,
            )
        data_time, basis = _restore_time_of(target, point) or _data_time(reader, point)
    except AWS_ERRORS as exc:
        _refuse_unknown_region(region)
        if error_code(exc) == "ResourceNotFoundException" and target.source.vault:
            # AWS answered that the runbook's vault is not there: a typo, or the vault is in
            # another account or Region than the one the recovery points are read in.
            raise ResolveError(
                f"source vault {target.source.vault} not found in account {account}, {region} "
                f"(AWS: {exc}); check source.vault, source.account and source.region",
                SOURCE_NOT_FOUND,
            ) from None
        cause = diagnose_exception(exc).cause.value
        raise ResolveError(
            f"reading the recovery points of account {account} in {region}: "
            f"{error_code(exc) or type(exc).__name__}: {exc}",
            cause,
            from_aws=True,
        ) from None
    return Resolved(point, data_time, basis)


def _choose(
    reader: DrillReader,
    target: Target,
    account: str,
    region: str,
    vaults: list[str],
    not_after: datetime | None = None,
) -> RecoveryPoint:
    choice = target.recovery_point
    where = f"account {account} {region} ({', '.join(vaults) or 'no vaults'})"
    if choice.kind == "arn":
        assert choice.arn is not None
        for vault in vaults:
            try:
                return _pinned_of_target(target, reader.point(account, region, vault, choice.arn))
            except AWS_ERRORS as exc:
                if error_code(exc) in (
                    "ResourceNotFoundException",
                    "InvalidParameterValueException",
                ):
                    continue
                raise
        raise ResolveError(f"recovery point {choice.arn} is not in {where}{_skipped(reader)}")
    matched: list[RecoveryPoint] = []
    for vault in vaults:
        if target.resource.arn:
            found = reader.points(account, region, vault, resource_arn=target.resource.arn)
        else:
            found = reader.points(
                account, region, vault, resource_type=target.resource.resource_type
            )
        matched.extend(p for p in found if _matches(target, p))
    _refuse_two_resources(target, matched, where)
    candidates = [p for p in matched if p.status == "COMPLETED"]
    if choice.kind == "newest-before" and choice.before is not None:
        before = choice.before
        candidates = [p for p in candidates if p.created < before]
    if not_after is not None:
        candidates = [p for p in candidates if p.created <= not_after]
    # A drill copies the point it restores unless it is already in the vault restored from,
    # and AWS Backup does not copy a continuous backup: the newest point it can copy.
    dest = target.restore_to

    def copied(point: RecoveryPoint) -> bool:
        return (account, region, point.vault_name) != (dest.account, dest.region, dest.vault)

    continuous = [p for p in candidates if is_continuous(p.arn) and copied(p)]
    candidates = [p for p in candidates if not (is_continuous(p.arn) and copied(p))]
    if not candidates:
        extra = f" before {choice.before.isoformat()}" if choice.before else ""
        passed_over = (
            f" ({len(continuous)} continuous backup(s) passed over: AWS Backup does not copy them)"
            if continuous
            else ""
        )
        raise ResolveError(
            f"no COMPLETED recovery point of {target.resource.describe()}{extra} in {where}"
            f"{passed_over}{_skipped(reader)}"
        )
    return max(candidates, key=lambda p: p.created)


def _refuse_unknown_region(region: str) -> None:
    """ResolveError when the source Region, whose reads failed, is no AWS Region botocore
    knows (a misspelling): there is no endpoint to answer, which would otherwise read as the
    network failing. (Asked only once a read failed: a Region newer than botocore that
    answers is read as any.)"""
    from drconsole.checks.unreadable import known_regions

    if region not in known_regions():
        raise ResolveError(
            f"source Region {region} is not an AWS Region; check source.region in the runbook "
            "(or dr_regions in the config)",
            SOURCE_NOT_FOUND,
        )


def _pinned_of_target(target: Target, point: RecoveryPoint) -> RecoveryPoint:
    """The pinned recovery point, when it is a backup (or a copy of one) of the target's
    resource; ResolveError naming both when it is another resource's: restoring it would pass
    the target with another resource's data."""
    if _matches(target, point):
        return point
    of = f"{point.resource_type or 'a resource of unknown type'} {point.resource_arn or '?'}"
    raise ResolveError(
        f"recovery point {point.arn} is a backup of {of}, not of the target's resource "
        f"{target.resource.describe()}: pin a recovery point of that resource (drconsole ls "
        "recovery-points), or name the resource it is a backup of",
        POINT_OF_ANOTHER_RESOURCE,
    )


def _refuse_two_resources(target: Target, matched: list[RecoveryPoint], where: str) -> None:
    """ResolveError when a type and name match the recovery points of several resources: AWS
    calls ResourceName "the non-unique name of the resource" (an EBS volume's or EC2 instance's
    Name tag; a rebuilt instance and its predecessor), and the newest point of any of them is
    not a drill of the one meant."""
    arns = sorted({p.resource_arn for p in matched if p.resource_arn})
    if target.resource.arn or len(arns) < 2:
        return
    shown = ", ".join(arns[:MAX_ARNS_SHOWN])
    more = f" and {len(arns) - MAX_ARNS_SHOWN} more" if len(arns) > MAX_ARNS_SHOWN else ""
    raise ResolveError(
        f"{target.resource.describe()} names {len(arns)} resources backed up in {where}: "
        f"{shown}{more}; give the resource as an ARN (resource: ARN)"
    )


def _skipped(reader: DrillReader) -> str:
    """What was not searched: the records AWS sent without their name or ARN."""
    if not reader.skipped:
        return ""
    places = ", ".join(f"{n} of account {a} in {r}" for (a, r), n in sorted(reader.skipped.items()))
    return (
        f"; not searched, the answer from AWS lacked their name or ARN: {places} vault or "
        f"recovery point record(s) [{CauseCode.SERVICE_ERROR}]"
    )


def _restore_time_of(target: Target, point: RecoveryPoint) -> tuple[datetime, str] | None:
    """A continuous backup restored to the runbook's RestoreTime holds the data of that
    moment, not of when its continuous backup began."""
    if not is_continuous(point.arn):
        return None
    for value in restore_time.given(target.metadata)[:1]:
        try:
            return restore_time.parse(value), "restore-time"
        except ValueError:
            return None  # the restore's metadata check refuses it, with the reason
    return None


def _data_time(reader: DrillReader, point: RecoveryPoint) -> tuple[datetime, str]:
    """When the data was backed up: for a copy, the original backup's time."""
    if not point.source_vault_arn:
        return point.created, "backup"
    original = reader.original_backup(point)
    if original is not None:
        return original.created, "original-backup"
    return point.created, "copy-creation"
