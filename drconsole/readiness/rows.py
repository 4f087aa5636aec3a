"""Evaluate one readiness row (a workload account and Region) from facts read once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drconsole.aws.answers import VAULT_IDENTITY, identified_vaults, skipped_line, text_of
from drconsole.aws.convert import protected_resource_from
from drconsole.aws.reader import FATAL_CAUSES, pages
from drconsole.checks.common import cause_of_code
from drconsole.checks.facts import RDS_FAMILY_TYPES, Unreadable
from drconsole.checks.unreadable import remedy
from drconsole.errors import AwsError, UsageError
from drconsole.models import Account, CauseCode, ProtectedResource
from drconsole.readiness.copy_rules import copy_rule_of, unread_copy_rule
from drconsole.readiness.facts import SharedFacts
from drconsole.readiness.model import (
    CopyCheckRun,
    CopyRule,
    DrCopy,
    DrillCoverage,
    ReadinessRow,
    ResourceReadiness,
    RestoreCheckRun,
    Verdict,
)
from drconsole.readiness.objectives import RpoObjectives
from drconsole.readiness.pairs import (
    copy_run,
    no_destination_check,
    representatives,
    restore_runs,
)
from drconsole.readiness.verdict import copy_over_objective, decide

Unread = tuple[str, CauseCode]  # (what could not be read and why, its cause)


@dataclass
class CopyIndex:
    """The backup account's newest copy of each resource, per Region it holds one in."""

    by_resource: dict[str, dict[str, ProtectedResource]] = field(default_factory=dict)
    unreadable: list[Unread] = field(default_factory=list)

    def copies_of(self, resource_arn: str) -> list[ProtectedResource]:
        """The newest copy of the resource in each Region of the backup account."""
        return [
            self.by_resource[resource_arn][r]
            for r in sorted(self.by_resource.get(resource_arn, {}))
        ]

    def newest(self, resource_arn: str, home_region: str) -> DrCopy | None:
        """The newest copy in any Region; of copies of one backup (same data time), the one
        in another Region than the resource (the disaster-recovery copy)."""
        copies = self.copies_of(resource_arn)
        if not copies:
            return None

        def order(copy: ProtectedResource) -> tuple[float, bool, str]:
            when = copy.last_backup.timestamp() if copy.last_backup else float("-inf")
            return (when, copy.region != home_region, copy.region)

        best = max(copies, key=order)
        return DrCopy(
            best.last_recovery_point_arn or "",
            best.last_vault_arn or "",
            best.region,
            best.last_backup,
        )


class RowContext:
    """What every row of one evaluation shares: the facts, the DR copies, the drills."""

    def __init__(
        self,
        reader: SharedFacts,
        backup_account_id: str | None,
        regions: tuple[str, ...],
        objectives: RpoObjectives,
        drills: dict[str, DrillCoverage],
        now: datetime,
    ) -> None:
        self.reader = reader
        self.backup_account_id = backup_account_id
        self.regions = regions  # where the backup account's copies are looked for
        self.objectives = objectives
        self.drills = drills
        self.now = now
        # (account, Region) -> protected resources AWS listed without their ResourceArn: they
        # cannot be judged, so their row cannot be READY
        self.skipped: dict[tuple[str, str], int] = {}

    def protected(self, account_id: str, region: str) -> list[ProtectedResource] | Unreadable:
        """ListProtectedResources of an account and Region (every page), read once."""

        def read() -> list[ProtectedResource] | Unreadable:
            backup = self.reader.client("backup", account_id, region)
            items = self.reader.read(
                "backup:ListProtectedResources",
                lambda: list(pages(backup, "list_protected_resources", "Results")),
            )
            if not isinstance(items, list):
                return items or []
            known = [item for item in items if text_of(item, "ResourceArn")]
            if len(known) < len(items):
                self.skipped[account_id, region] = len(items) - len(known)
            return [protected_resource_from(item, account_id, region) for item in known]

        return self.reader.once(("protected", account_id, region), read)

    def copy_index(self) -> CopyIndex:
        """The backup account's protected resources in every Region: its copies."""
        return self.reader.once(("copy-index",), self._build_index)

    def _build_index(self) -> CopyIndex:
        index = CopyIndex()
        backup = self.backup_account_id
        if backup is None:
            index.unreadable.append(
                (
                    "the backup account is not known: set backup_account_id in the config",
                    CauseCode.UNKNOWN,
                )
            )
            return index
        for region in self.regions:
            listed = self.protected(backup, region)
            if isinstance(listed, Unreadable):
                index.unreadable.append(
                    (
                        f"copies in backup account {backup} ({region}): {listed.describe()}",
                        cause_of_code(listed.code),
                    )
                )
                continue
            skipped = self.skipped_note(backup, region)
            if skipped is not None:  # one of them may be the copy a row looks for
                index.unreadable.append(skipped)
            for copy in listed:
                index.by_resource.setdefault(copy.resource_arn, {})[region] = copy
        return index

    def skipped_note(self, account_id: str, region: str) -> tuple[str, CauseCode] | None:
        """What the protected resources AWS listed without their ResourceArn leave unknown."""
        skipped = self.skipped.get((account_id, region))
        if not skipped:
            return None
        what = f"protected resource(s) of {account_id} ({region})"
        return (
            skipped_line(skipped, what, "ResourceArn", "ListProtectedResources"),
            CauseCode.SERVICE_ERROR,
        )


def evaluate_row(ctx: RowContext, account: Account, region: str) -> ReadinessRow | None:
    """The row of an account and Region; None when it protects nothing (no row)."""
    objective = ctx.objectives.for_account(account)

    def row(**fields: Any) -> ReadinessRow:
        return ReadinessRow(
            account_id=account.id,
            account_name=account.name,
            ou_path=account.ou_path,
            region=region,
            rpo_objective=objective,
            evaluated_at=ctx.now,
            **fields,
        )

    listed = ctx.protected(account.id, region)
    if isinstance(listed, Unreadable):
        cause = cause_of_code(listed.code)
        what = f"the protected resources of account {account.id} in {region}"
        fix = " ".join(remedy(listed, cause, what).split())
        return row(
            verdict=Verdict.UNKNOWN,
            causes=(cause,),
            unreadable=(listed.describe(),),
            explanation=(
                f"{cause}: could not list the protected resources: {listed.describe()} ({fix})",
            ),
        )
    skipped = ctx.skipped_note(account.id, region)
    if not listed and skipped is None:
        return None
    index = ctx.copy_index()
    resources = tuple(
        _resource(ctx, account, r, index) for r in sorted(listed, key=lambda r: r.resource_arn)
    )
    # What the backup account could not answer matters to the rows it leaves a copy unknown.
    unknown_copies = any(not r.dr_copy_known for r in resources)
    unreadable: list[Unread] = list(index.unreadable) if unknown_copies else []
    if skipped is not None:
        unreadable.append(skipped)
    # Every protected instance's newest AMI and volume's newest snapshot, read in one batch for
    # the row: a restore in place uses each snapshot's key (the DR copy runs read them too).
    instances = _newest_points(listed, "EC2", ":image/")
    volumes = _newest_points(listed, "EBS", ":snapshot/")
    if instances or volumes:
        ctx.reader.read_images(account.id, region, _ids(instances), _ids(volumes))
    destinations = _vaults(ctx.reader, account.id, region, unreadable)
    copy_back = _copy_back(ctx, listed, index, destinations, account.id, region)
    dr_copy = _dr_copy(ctx, listed, index, region, unreadable)
    types = sorted({r.resource_type for r in listed})
    # Restores run from the copy-back destinations and from every vault that holds the
    # account's own newest recovery points: the Default vault too, where AWS Backup's default
    # plans put them (it is no copy-back destination: it is on aws/backup).
    restore_vaults = sorted({*destinations, *(run.source_vault_arn for run in dr_copy)})
    restore = [
        run
        for dest in restore_vaults
        for run in restore_runs(
            ctx.reader,
            account.id,
            dest,
            types,
            (copy_back, dr_copy),
            (instances.get(dest, ()), volumes.get(dest, ())),
        )
    ]
    runs: list[CopyCheckRun | RestoreCheckRun] = [*copy_back, *dr_copy, *restore]
    # A copy not found where the backup account could not be read is unknown (UNKNOWN says
    # so), not "none": each resource says whether its "no copy" is known.
    verdict, causes, lines = decide(resources, runs, unreadable)
    return row(
        verdict=verdict,
        causes=causes,
        resources=resources,
        copy_back=tuple(copy_back),
        dr_copy=tuple(dr_copy),
        restore=tuple(r for r in restore if r.checks),
        unreadable=tuple(message for message, _ in unreadable),
        explanation=lines,
    )


def _newest_points(
    listed: list[ProtectedResource], resource_type: str, shape: str
) -> dict[str, list[str]]:
    """vault ARN -> the newest recovery points of the resources of `resource_type` protected
    there (AMIs of EC2 instances, snapshots of EBS volumes: ARNs holding `shape`)."""
    found: dict[str, list[str]] = {}
    for resource in listed:
        point = resource.last_recovery_point_arn or ""
        if resource.resource_type == resource_type and resource.last_vault_arn and shape in point:
            found.setdefault(resource.last_vault_arn, []).append(point)
    return found


def _ids(points: dict[str, list[str]]) -> list[str]:
    """The AMI or snapshot ids of recovery point ARNs (their last part)."""
    return [arn.rsplit("/", 1)[-1] for arns in points.values() for arn in arns]


def _resource(
    ctx: RowContext, account: Account, listed: ProtectedResource, index: CopyIndex
) -> ResourceReadiness:
    """One protected resource judged against its objective, with its DR copy and drill."""
    objective, runbook = ctx.objectives.deciding(
        account, listed.resource_arn, listed.resource_type, listed.resource_name
    )
    dr_copy = index.newest(listed.resource_arn, listed.region)
    stale = copy_over_objective(dr_copy, ctx.now, objective)
    # The copies that were read are kept. While a Region of the backup account could not be
    # read, the newest copy may be there: none found, or only one older than the objective,
    # says nothing certain (a fresh copy found there is certain enough).
    known = not index.unreadable or (dr_copy is not None and not stale)
    return ResourceReadiness(
        resource_arn=listed.resource_arn,
        resource_type=listed.resource_type,
        resource_name=listed.resource_name,
        last_backup=listed.last_backup,
        last_recovery_point_arn=listed.last_recovery_point_arn,
        last_vault_arn=listed.last_vault_arn,
        over_objective=listed.last_backup is None or ctx.now - listed.last_backup > objective,
        dr_copy=dr_copy,
        drill=ctx.drills.get(listed.resource_arn),
        rpo_objective=objective,
        rpo_objective_runbook=runbook,
        copy_over_objective=stale and known,
        dr_copy_known=known,
    )


def _vaults(
    reader: SharedFacts, account_id: str, region: str, unreadable: list[Unread]
) -> list[str]:
    listed = reader.vaults_listed(account_id, region)
    if isinstance(listed, Unreadable):
        unreadable.append(
            (f"vaults of {account_id} ({region}): {listed.describe()}", cause_of_code(listed.code))
        )
        return []
    skipped = identified_vaults(listed)[1]
    if skipped:  # a vault a restore could use may be among them
        what = f"vault(s) of {account_id} ({region})"
        line = skipped_line(skipped, what, VAULT_IDENTITY, "ListBackupVaults")
        unreadable.append((line, CauseCode.SERVICE_ERROR))
    return sorted(reader.vault_arns(account_id, region))


def _copy_back(
    ctx: RowContext,
    listed: list[ProtectedResource],
    index: CopyIndex,
    destinations: list[str],
    account_id: str,
    region: str,
) -> list[CopyCheckRun]:
    """Each backup vault holding a newest copy x each resource type there x each of this
    account's vaults in the Region: the copies a recovery of this row would make."""
    copies = sorted(
        (copy for r in listed for copy in index.copies_of(r.resource_arn)),
        key=lambda c: (c.last_vault_arn or "", c.resource_type, c.resource_arn),
    )
    chosen = representatives(copies)
    if (
        chosen
        and not destinations
        and not isinstance(ctx.reader.vaults_listed(account_id, region), Unreadable)
    ):
        source = sorted(chosen)[0][0]
        return [
            CopyCheckRun(
                "copy-back",
                "",
                "",
                source,
                "",
                (no_destination_check(account_id, region),),
                None,
                0,
            )
        ]
    return [
        copy_run(ctx.reader, "copy-back", kind, copy.last_recovery_point_arn or "", vault, dest)
        for (vault, kind), copy in sorted(chosen.items())
        for dest in destinations
    ]


def _dr_copy(
    ctx: RowContext,
    listed: list[ProtectedResource],
    index: CopyIndex,
    region: str,
    unreadable: list[Unread],
) -> list[CopyCheckRun]:
    """Each of this row's vaults x each resource type there, into the backup account's vaults
    in the Region (else in every Region): the copy that keeps DR copies coming. The resource
    standing for a type is one without a copy if any, else the one with the oldest copy."""
    backup = ctx.backup_account_id
    if backup is None:
        return []

    def telling_first(resource: ProtectedResource) -> tuple[int, float, str]:
        copy = index.newest(resource.resource_arn, region)
        when = copy.data_time.timestamp() if copy and copy.data_time else float("-inf")
        return (0 if copy is None else 1, when, resource.resource_arn)

    chosen = representatives(sorted(listed, key=telling_first))
    if not chosen:
        return []
    targets = _vaults(ctx.reader, backup, region, unreadable)
    if not targets:
        targets = sorted(
            arn
            for other in ctx.regions
            if other != region
            for arn in ctx.reader.vault_arns(backup, other)
        )
    runs = []
    for (vault, kind), resource in sorted(chosen.items()):
        point = resource.last_recovery_point_arn or ""
        found = _copy_rule(ctx.reader, point, vault, kind)
        if isinstance(found, Unreadable):
            # Where the rule sends the copies is not known: never taken as nowhere.
            runs.append(unread_copy_rule(kind, point, vault, found))
        rule = found if isinstance(found, CopyRule) else None
        # The copy rule's own destinations are where AWS sends the copies: each is judged
        # (a database's into another account AND Region is one AWS may not make in one job).
        ruled = () if rule is None else rule.destinations
        for dest in dict.fromkeys((*targets, *ruled)):
            chosen_rule = rule if dest in ruled else None
            runs.append(copy_run(ctx.reader, "dr-copy", kind, point, vault, dest, chosen_rule))
    return runs


def _copy_rule(
    reader: SharedFacts, point: str, vault: str, kind: str
) -> CopyRule | Unreadable | None:
    """The copy rule that made a database's recovery point, when it has one; Unreadable when
    its plan cannot be read (a point that cannot be read: its run's own checks say so)."""
    if kind not in RDS_FAMILY_TYPES or not point:
        return None
    try:
        rule = copy_rule_of(reader, reader.recovery_point_at(point, vault))
    except (AwsError, UsageError) as exc:
        fatal = isinstance(exc, AwsError) and exc.cause in FATAL_CAUSES
        if fatal and isinstance(exc, AwsError) and not reader.failure_is_local(exc.cause):
            raise
        return None
    return rule
