"""Run the copy and restore checks: gather facts group by group, then judge them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from drconsole.aws.partition_guard import refuse_other_partition
from drconsole.checks.arns import parse_recovery_point_arn, parse_vault_arn
from drconsole.checks.copy import COPY_CHECK_GROUPS
from drconsole.checks.facts import CopyFacts, RestoreFacts, VaultFacts
from drconsole.checks.restore import restore_verdicts
from drconsole.models import Check, CheckStatus

GroupCallback = Callable[[str, list[Check]], None]
BLOCKING = (CheckStatus.FAIL, CheckStatus.UNKNOWN)
FIRST_HOP = "hop1"
SECOND_HOP = "hop2"
# Of a second hop's checks, those judged only once the first hop has made its copy: the copy's
# status, and the copy jobs in flight when the second hop starts (hours after the first).
JUDGED_ONCE_COPIED = frozenset({"source.status", "jobs.concurrency"})


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The checks of one copy or restore, with the facts they judged."""

    kind: str  # "copy" | "restore"
    recovery_point_arn: str
    destination: str | None
    checks: tuple[Check, ...]
    facts: CopyFacts | RestoreFacts
    route: dict[str, Any]
    # `check copy` of a route that needs two hops: the second hop's checks (intermediate vault
    # to destination), judged on their own facts (a fix of theirs applies to their key).
    second_hop: CheckReport | None = None

    @property
    def ok(self) -> bool:
        """True when no check FAILed or stayed UNKNOWN (WARN does not block), the second hop's
        included."""
        mine = all(check.status not in BLOCKING for check in self.checks)
        return mine and (self.second_hop is None or self.second_hop.ok)

    @property
    def all_checks(self) -> tuple[Check, ...]:
        """Every check, the second hop's last."""
        return self.checks + (self.second_hop.checks if self.second_hop else ())

    @property
    def passed_ids(self) -> list[str]:
        """The ids of the checks that PASSed (what a flow may later rely on having held)."""
        return [check.id for check in self.checks if check.status is CheckStatus.PASS]

    def to_json(self) -> dict[str, Any]:
        """The stable `--json` form (README: `drconsole check`)."""
        return {
            "kind": self.kind,
            "recovery_point": self.recovery_point_arn,
            "destination": self.destination,
            "route": self.route,
            "checks": [check_to_json(check) for check in self.all_checks],
            "ok": self.ok,
        }


def check_to_json(check: Check) -> dict[str, Any]:
    """One check in the stable `--json` form."""
    return {
        "id": check.id,
        "title": check.title,
        "status": check.status.value,
        "cause": check.cause.value if check.cause else None,
        "evidence": check.evidence,
        "remediation": check.remediation,
        "fix": check.fix_id,
    }


def copy_route(facts: CopyFacts, checks: list[Check]) -> dict[str, Any]:
    """The planned route: accounts, Regions and hops (from the route check)."""
    rp = facts.recovery_point
    route_check = next((c for c in checks if c.id == "route"), None)
    details = dict(route_check.details) if route_check else {}
    return {
        "resource_type": rp.resource_type,
        "source_vault": rp.vault_arn,
        "source_account": rp.account_id,
        "source_region": rp.region,
        "destination_account": facts.dest_account_id,
        "destination_region": facts.dest_region,
        "cross_account": facts.cross_account,
        "cross_region": facts.cross_region,
        # 0: no route; 2: two hops through `intermediate` unless single-action copy works.
        "hops": int(details.get("hops", "1")),
        "intermediate": details.get("intermediate"),
        "single_action_may_work": details.get("single_action_may_work") == "true",
    }


def run_copy_checks(
    sessions: Any,
    recovery_point: str,
    destination: str,
    *,
    role_arn: str | None = None,
    delete_after_days: int | None = None,
    account_hint: str | None = None,
    on_group: GroupCallback | None = None,
    regions_down_unknown: bool = False,
    reader: Any = None,
) -> CheckReport:
    """Every copy check for one recovery point and destination vault ARN.

    Arguments are validated first (UsageError); the base facts are read, then each check
    group's facts concurrently; `on_group` hears each group's verdicts as they resolve.
    `regions_down_unknown`: a read whose Region cannot be reached while the caller's STS
    answers makes its checks UNKNOWN (NETWORK) instead of stopping them all (`check copy`).
    `reader`: the fact reader to read through (readiness's, which reads each fact once for a
    whole evaluation); a new one when None.
    """
    from drconsole.aws.facts import FactReader, base_copy_facts

    rp_arn = parse_recovery_point_arn(recovery_point)
    dest = parse_vault_arn(destination)
    refuse_other_partition(sessions, rp_arn.partition, "--recovery-point")
    refuse_other_partition(sessions, dest.partition, "--to")
    if reader is None:
        reader = FactReader(sessions)
        reader.network_failures_local = regions_down_unknown
    base = base_copy_facts(reader, rp_arn, dest, role_arn, delete_after_days, account_hint)
    facts, checks = _judged(reader, base, on_group)
    return CheckReport(
        "copy", rp_arn.arn, dest.arn, tuple(checks), facts, copy_route(facts, checks)
    )


def _judged(
    reader: Any, base: CopyFacts, on_group: GroupCallback | None = None
) -> tuple[CopyFacts, list[Check]]:
    """Every check group's facts read (concurrently) and judged."""
    from drconsole.aws.facts import merge_groups

    def one(group: str) -> tuple[str, CopyFacts, list[Check]]:
        facts, verdicts = copy_group_checks(reader, group, base)
        if on_group is not None:
            on_group(group, verdicts)
        return group, facts, verdicts

    with ThreadPoolExecutor(max_workers=len(COPY_CHECK_GROUPS)) as pool:
        results = list(pool.map(one, COPY_CHECK_GROUPS))
    facts = merge_groups(base, {group: gathered for group, gathered, _ in results})
    return facts, [check for _, _, verdicts in results for check in verdicts]


def of_hop(check: Check, hop: str) -> Check:
    """`check` as one of a two-hop route's hops (`hop` FIRST_HOP or SECOND_HOP): its id
    `hop2.<id>`, its title "Hop 2: ...", as `check copy`, the checks panel and readiness show it."""
    return replace(check, id=f"{hop}.{check.id}", title=f"Hop {hop[-1]}: {check.title}")


def run_second_hop_checks(
    sessions: Any,
    first_hop: CheckReport,
    destination: str,
    *,
    role_arn: str | None = None,
    reader: Any = None,
) -> CheckReport:
    """The checks of a two-hop route's second hop (the intermediate vault, the first hop's
    destination, on to `destination`), before the first hop has made the copy it sends.

    The same checks as any copy's, on the facts that are known beforehand: the intermediate
    vault's key (the copy's key) and access policy, the role of its account, the destination
    vault and its policy, the route. `role_arn` is the copy role in the intermediate vault's
    account. The copy's status and the copy jobs in flight then are judged once the first hop
    has made it. Ids read `hop2.<id>`, titles "Hop 2: ...". `reader`: as for `run_copy_checks`.
    """
    from drconsole.aws.facts import FactReader
    from drconsole.aws.next_hop_facts import second_hop_facts

    first = first_hop.facts
    assert isinstance(first, CopyFacts)
    intermediate = first.dest_vault
    if not isinstance(intermediate, VaultFacts):
        raise ValueError("the second hop is judged once the first hop's checks have passed")
    dest = parse_vault_arn(destination)
    reader = reader if reader is not None else FactReader(sessions)
    base = second_hop_facts(reader, first, intermediate, dest, role_arn)
    facts, checks = _judged(reader, base)
    foreseen = tuple(
        of_hop(check, SECOND_HOP) for check in checks if check.id not in JUDGED_ONCE_COPIED
    )
    return CheckReport(
        "copy",
        facts.recovery_point.arn,
        dest.arn,
        foreseen,
        facts,
        copy_route(facts, checks),
    )


def copy_group_checks(reader: Any, group: str, base: CopyFacts) -> tuple[CopyFacts, list[Check]]:
    """Read one group's facts and judge them (the TUI runs one worker per group)."""
    from drconsole.aws.facts import gather_group

    facts = gather_group(reader, group, base)
    return facts, [verdict(facts) for verdict in COPY_CHECK_GROUPS[group]]


def run_restore_checks(
    sessions: Any,
    recovery_point: str,
    *,
    restoring_account: str | None = None,
    role_arn: str | None = None,
    metadata: dict[str, str] | None = None,
    account_hint: str | None = None,
    after_copy_to: str | None = None,
    regions_down_unknown: bool = False,
) -> CheckReport:
    """Every restore check for one recovery point, read where the restore runs: its own
    account and Region, or after a copy into `after_copy_to` (a vault ARN), that vault's.
    `regions_down_unknown`: as for `run_copy_checks`."""
    from drconsole.aws.restore_facts import RestoreFactReader, gather_restore_facts

    rp_arn = parse_recovery_point_arn(recovery_point)
    dest = parse_vault_arn(after_copy_to, "--to") if after_copy_to else None
    refuse_other_partition(sessions, rp_arn.partition, "--recovery-point")
    if dest is not None:
        refuse_other_partition(sessions, dest.partition, "--to")
    reader = RestoreFactReader(sessions)
    reader.network_failures_local = regions_down_unknown
    facts = gather_restore_facts(
        reader, rp_arn, restoring_account, role_arn, metadata, account_hint, dest
    )
    checks = restore_verdicts(facts)
    rp = facts.recovery_point
    route = {
        "resource_type": rp.resource_type,
        "source_vault": rp.vault_arn,
        "restoring_account": facts.restoring_account_id,
        "region": facts.restoring_region or rp.region,
        "role_arn": facts.role_arn,
        "after_copy_to": facts.after_copy_to or None,
    }
    return CheckReport(
        "restore", rp_arn.arn, dest.arn if dest else None, tuple(checks), facts, route
    )
