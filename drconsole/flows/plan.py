"""Flow plans: the recovery point, the destination, the route, and the job requests.

A plan is what the operator confirms and what the journal stores first. Reading the recovery
point and choosing an intermediate vault (whose own checks must pass) happen here; the plan
itself is plain data (`to_json` / `from_json`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from drconsole.checks.arns import RecoveryPointArn
from drconsole.checks.facts import RecoveryPointFacts
from drconsole.checks.recovery_point import default_copy_retention
from drconsole.checks.runner import CheckReport
from drconsole.errors import AwsError, UsageError
from drconsole.flows.routes import (
    Route,
    VaultRef,
    direct_route,
    intermediate_candidates,
    needs_two_hops,
    two_hop_route,
)
from drconsole.job_request import PENDING_SOURCE, START_COPY, START_RESTORE, JobRequest
from drconsole.models import CauseCode
from drconsole.partitions import iam_role, of_arn

DEFAULT_COPY_ROLE = "service-role/AWSBackupDefaultServiceRole"
DEFAULT_RESTORE_ROLE = "service-role/AWSBackupDefaultServiceRole"
ROUTE_MODES = ("auto", "single", "two-hop")


@dataclass(frozen=True, slots=True)
class SourcePoint:
    """The recovery point a flow starts from."""

    arn: str
    account_id: str
    region: str
    vault_name: str
    resource_type: str
    resource_arn: str
    resource_name: str
    delete_after_days: int | None = None
    # The Region of the vault it was copied from, when it is a copy from another Region.
    copied_from_region: str = ""
    # Its CreationDate (ISO 8601, UTC): a copy's DeleteAfterDays counts from it.
    creation_date: str = ""

    @property
    def created(self) -> datetime | None:
        """The creation date as a datetime (None when not known)."""
        if not self.creation_date:
            return None
        created = datetime.fromisoformat(self.creation_date)
        return created if created.tzinfo else created.replace(tzinfo=UTC)

    @property
    def vault(self) -> VaultRef:
        """The vault holding it."""
        return VaultRef(self.account_id, self.region, self.vault_name, of_arn(self.arn))


@dataclass(frozen=True, slots=True)
class FlowPlan:
    """Everything a flow needs to run, as confirmed by the operator."""

    kind: str  # "copy" | "restore"
    source: SourcePoint
    destination: VaultRef | None
    route: Route
    restore: bool
    metadata: dict[str, str] = field(default_factory=dict)  # the user's --metadata
    copy_role: str = DEFAULT_COPY_ROLE
    restore_role: str = DEFAULT_RESTORE_ROLE
    delete_after_days: int | None = None
    cleanup_intermediate: bool = False
    route_mode: str = "auto"

    @property
    def partition(self) -> str:
        """The partition every ARN of the flow is in: the recovery point's (AWS copies within
        a partition only)."""
        return of_arn(self.source.arn)

    def to_json(self) -> dict[str, Any]:
        """The plan as the journal and `--json` hold it."""
        return {
            "kind": self.kind,
            "recovery_point": self.source.arn,
            "source": {
                "account": self.source.account_id,
                "region": self.source.region,
                "vault": self.source.vault_name,
                "resource_type": self.source.resource_type,
                "resource_arn": self.source.resource_arn,
                "resource_name": self.source.resource_name,
                "delete_after_days": self.source.delete_after_days,
                "copied_from_region": self.source.copied_from_region,
                "creation_date": self.source.creation_date,
            },
            "resource_type": self.source.resource_type,
            "destination": self.destination.arn if self.destination else None,
            "hops": hops_json(self.route),
            "route_reason": self.route.reason,
            "restore": self.restore,
            "metadata": dict(self.metadata),
            "copy_role": self.copy_role,
            "restore_role": self.restore_role,
            "delete_after_days": self.delete_after_days,
            "cleanup_intermediate": self.cleanup_intermediate,
            "route_mode": self.route_mode,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowPlan:
        """Rebuild a plan from its journal form."""
        src = data["source"]
        source = SourcePoint(
            arn=data["recovery_point"],
            account_id=src["account"],
            region=src["region"],
            vault_name=src["vault"],
            resource_type=src["resource_type"],
            resource_arn=src.get("resource_arn", ""),
            resource_name=src.get("resource_name", ""),
            delete_after_days=src.get("delete_after_days"),
            copied_from_region=src.get("copied_from_region") or "",
            creation_date=src.get("creation_date") or "",
        )
        destination = VaultRef.from_arn(data["destination"]) if data.get("destination") else None
        return cls(
            kind=data.get("kind", "copy"),
            source=source,
            destination=destination,
            route=route_from_json(data.get("hops") or [], data.get("route_reason", "")),
            restore=bool(data.get("restore")),
            metadata=dict(data.get("metadata") or {}),
            copy_role=data.get("copy_role", DEFAULT_COPY_ROLE),
            restore_role=data.get("restore_role", DEFAULT_RESTORE_ROLE),
            delete_after_days=data.get("delete_after_days"),
            cleanup_intermediate=bool(data.get("cleanup_intermediate")),
            route_mode=data.get("route_mode", "auto"),
        )

    @property
    def final_account(self) -> str:
        """The account where the restore runs."""
        return self.destination.account_id if self.destination else self.source.account_id

    @property
    def final_region(self) -> str:
        """The Region where the restore runs."""
        return self.destination.region if self.destination else self.source.region

    @property
    def restored_copied_from_region(self) -> str:
        """The Region the recovery point the restore runs on was copied from, when it is a copy
        from another Region ("" otherwise): the last hop's source Region when that hop crosses
        Regions, else, for a restore in place, the source's own."""
        if self.route.hops:
            last = self.route.hops[-1]
            return last.source.region if last.cross_region else ""
        return self.source.copied_from_region


def hops_json(route: Route) -> list[dict[str, str]]:
    """The hops as vault ARN pairs."""
    return [{"source": h.source.arn, "destination": h.destination.arn} for h in route.hops]


def route_from_json(hops: list[dict[str, str]], reason: str = "") -> Route:
    """A Route from vault ARN pairs."""
    from drconsole.flows.routes import Hop

    return Route(
        tuple(
            Hop(VaultRef.from_arn(h["source"]), VaultRef.from_arn(h["destination"])) for h in hops
        ),
        reason,
    )


def role_arn(account_id: str, role: str, partition: str) -> str:
    """The ARN of a role given by name (or path/name, or a full ARN) in an account."""
    if role.startswith("arn:"):
        return role
    return iam_role(account_id, role.strip("/"), partition)


def copy_request(plan: FlowPlan, hop_index: int, recovery_point_arn: str, token: str) -> JobRequest:
    """The StartCopyJob request of one hop, in the account and Region holding its source."""
    hop = plan.route.hops[hop_index]
    parameters: dict[str, Any] = {
        "RecoveryPointArn": recovery_point_arn,
        "SourceBackupVaultName": hop.source.name,
        "DestinationBackupVaultArn": hop.destination.arn,
        "IamRoleArn": role_arn(hop.source.account_id, plan.copy_role, plan.partition),
        "IdempotencyToken": token,
    }
    days = copy_retention_days(plan)
    if days:
        parameters["Lifecycle"] = {"DeleteAfterDays": int(days)}
    return JobRequest.build(
        f"hop{hop_index + 1}", START_COPY, hop.source.account_id, hop.source.region, parameters
    )


def copy_retention_days(plan: FlowPlan) -> int | None:
    """The copies' retention: `--delete-after-days`, else the default `plan_flow` chose (a
    plan journaled before it did: the source recovery point's)."""
    return plan.delete_after_days or plan.source.delete_after_days


def restore_request(
    plan: FlowPlan, recovery_point_arn: str, metadata: dict[str, str], token: str
) -> JobRequest:
    """The StartRestoreJob request, in the account and Region where the restore runs."""
    parameters = {
        "RecoveryPointArn": recovery_point_arn,
        "Metadata": dict(metadata),
        "IamRoleArn": role_arn(plan.final_account, plan.restore_role, plan.partition),
        "ResourceType": plan.source.resource_type,
        "IdempotencyToken": token,
    }
    return JobRequest.build(
        "restore", START_RESTORE, plan.final_account, plan.final_region, parameters
    )


def planned_requests(
    plan: FlowPlan, token_for: Callable[[str], str], restore_metadata: dict[str, str] | None
) -> list[JobRequest]:
    """The requests the operator confirms up front, in order: every copy hop (a later hop's
    source is pending until the hop before it ends) and a restore in place when its metadata is
    final. A restore after a copy is not among them: it is built from the copy's own restore
    metadata once the copy exists, then shown and confirmed on its own."""
    out: list[JobRequest] = []
    arn = plan.source.arn
    for index in range(len(plan.route.hops)):
        step = f"hop{index + 1}"
        out.append(copy_request(plan, index, arn, token_for(step)))
        arn = PENDING_SOURCE.format(step=step)
    if plan.restore and not plan.route.hops and restore_metadata is not None:
        out.append(restore_request(plan, arn, restore_metadata, token_for("restore")))
    return out


# Reading AWS -------------------------------------------------------------------------------


def read_source(sessions: Any, parsed: RecoveryPointArn, account_hint: str | None) -> SourcePoint:
    """DescribeRecoveryPoint, finding the account and vault that hold it."""
    from drconsole.aws.facts import FactReader

    return source_of(FactReader(sessions).recovery_point(parsed, account_hint))


def source_of(facts: RecoveryPointFacts) -> SourcePoint:
    """The SourcePoint of a recovery point read with DescribeRecoveryPoint."""
    if not facts.resource_type:
        # Every request and the journal's plan need it: AWS's answer is at fault, not the
        # operator's input (it was "cannot be journaled", exit 2).
        raise AwsError(
            f"recovery point {facts.arn}: the answer from AWS (DescribeRecoveryPoint) has no "
            "ResourceType, and a copy or restore cannot be planned without it",
            cause=CauseCode.SERVICE_ERROR,
        )
    return SourcePoint(
        arn=facts.arn,
        account_id=facts.account_id,
        region=facts.region,
        vault_name=facts.vault_name,
        resource_type=facts.resource_type,
        resource_arn=facts.resource_arn,
        resource_name=facts.resource_name,
        delete_after_days=facts.delete_after_days,
        copied_from_region=facts.copied_from_region,
        creation_date=facts.creation_date.isoformat() if facts.creation_date else "",
    )


def vault_names(sessions: Any, account_id: str, region: str, reader: Any = None) -> list[str]:
    """The names of an account's vaults in a Region (empty when they cannot be listed), read
    through `reader` when given (readiness's, which lists them once)."""
    from drconsole.aws.facts import FactReader

    arns = (reader if reader is not None else FactReader(sessions)).vault_arns(account_id, region)
    return [arn.rsplit(":", 1)[-1] for arn in arns]


CheckRunner = Callable[[str, VaultRef, str | None], CheckReport]
# The checks of a second hop (intermediate vault -> destination), given the first hop's report.
SecondHopRunner = Callable[[CheckReport], CheckReport]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An intermediate vault tried, and the reports of its hops (a second hop is judged only
    when the first passes)."""

    vault: VaultRef
    first_hop: CheckReport
    second_hop: CheckReport | None = None

    @property
    def ok(self) -> bool:
        """True when both hops' checks pass."""
        return self.first_hop.ok and self.second_hop is not None and self.second_hop.ok

    @property
    def reports(self) -> list[tuple[str, CheckReport]]:
        """The reports by step (hop1, then hop2 when judged)."""
        steps = [("hop1", self.first_hop)]
        return steps + ([("hop2", self.second_hop)] if self.second_hop is not None else [])


def choose_intermediate(
    sessions: Any,
    source: SourcePoint,
    destination: VaultRef,
    run_checks: CheckRunner,
    run_second_hop: SecondHopRunner,
    reader: Any = None,
) -> tuple[VaultRef | None, list[Candidate]]:
    """The first candidate intermediate vault through which both hops' checks pass: hop 1 into
    it, then hop 2 from it to `destination` (its key and access policy, foreseen before hop 1
    makes the copy), so that a route whose second hop would fail is never started.

    Returns the chosen vault (None when none passes) and every candidate tried. `reader`
    lists the candidate vaults (a new fact reader when None).
    """
    candidates = intermediate_candidates(
        source.vault,
        destination,
        vault_names(sessions, destination.account_id, source.region, reader),
        vault_names(sessions, source.account_id, destination.region, reader),
    )
    tried: list[Candidate] = []
    for vault in candidates:
        first = run_checks(source.arn, vault, source.account_id)
        candidate = Candidate(vault, first, run_second_hop(first) if first.ok else None)
        tried.append(candidate)
        if candidate.ok:
            return vault, tried
    return None, tried


def why_no_intermediate(tried: list[Candidate]) -> list[tuple[str, CheckReport]]:
    """The reports that say why no candidate was chosen: those of the first one whose first hop
    passed (its second hop is what failed), else the first one's."""
    furthest = next((c for c in tried if c.second_hop is not None), tried[0] if tried else None)
    return furthest.reports if furthest is not None else []


def plan_flow(
    source: SourcePoint,
    destination: VaultRef | None,
    *,
    restore: bool,
    metadata: dict[str, str] | None = None,
    route_mode: str = "auto",
    intermediate: VaultRef | None = None,
    copy_role: str | None = None,
    restore_role: str | None = None,
    delete_after_days: int | None = None,
    cleanup_intermediate: bool = False,
) -> FlowPlan:
    """The plan of a copy (and restore) or of a restore alone (`destination` None).

    A copy without `delete_after_days` gets drconsole's default retention, fixed here so that
    the checks, every hop and a resumed flow send the same one."""
    if route_mode not in ROUTE_MODES:
        raise UsageError(f"--route {route_mode!r}: expected one of {', '.join(ROUTE_MODES)}")
    if destination is None:
        route = Route((), "restore in place: no copy")
        kind = "restore"
    elif intermediate is not None:
        route = two_hop_route(source.vault, intermediate, destination)
        kind = "copy"
    else:
        route = direct_route(source.resource_type, source.vault, destination)
        kind = "copy"
    if destination is not None and delete_after_days is None:
        delete_after_days = default_copy_retention(source.delete_after_days, source.created)
    return FlowPlan(
        kind=kind,
        source=source,
        destination=destination,
        route=route,
        restore=restore,
        metadata=dict(metadata or {}),
        copy_role=copy_role or DEFAULT_COPY_ROLE,
        restore_role=restore_role or DEFAULT_RESTORE_ROLE,
        delete_after_days=delete_after_days,
        cleanup_intermediate=cleanup_intermediate,
        route_mode=route_mode,
    )


def wants_two_hops(plan: FlowPlan) -> bool:
    """True when the plan asks for two hops up front (`--route two-hop` on a database copy)."""
    return (
        plan.destination is not None
        and plan.route_mode == "two-hop"
        and needs_two_hops(plan.source.resource_type, plan.source.vault, plan.destination)
    )


def with_route(plan: FlowPlan, route: Route) -> FlowPlan:
    """The plan with another route (the fall-back to two hops)."""
    return replace(plan, route=route)
