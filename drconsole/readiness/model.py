"""What readiness decides: one frozen `ReadinessRow` per workload account and Region.

A row holds everything its verdict was decided from (the protected resources with their
newest backup, DR copy and drill; every copy and restore check with the facts it judged), so
that a screen can show the failing checks with their fixes without reading AWS again:
`drconsole.checks.fixes.plan_fix(check.fix_id, run.facts)` plans a fix of a copy check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from drconsole.checks.facts import CopyFacts, RestoreFacts
from drconsole.models import Account, AccountError, CauseCode, Check, CheckStatus


class Verdict(StrEnum):
    """One row's answer to "could it recover right now?"; the value is the displayed text.

    Precedence (the worst wins): NOT READY (a check FAILs) > UNKNOWN (something could not be
    read, so READY cannot be said) > AT RISK (no DR copy, RPO objective exceeded by a newest
    backup or a newest DR copy, a check WARNs) > READY.
    """

    READY = "READY"
    AT_RISK = "AT RISK"
    NOT_READY = "NOT READY"
    UNKNOWN = "UNKNOWN"

    @property
    def rank(self) -> int:
        """Severity for sorting: NOT READY 3, UNKNOWN 2, AT RISK 1, READY 0."""
        return _RANKS[self]


_RANKS = {Verdict.READY: 0, Verdict.AT_RISK: 1, Verdict.UNKNOWN: 2, Verdict.NOT_READY: 3}


@dataclass(frozen=True, slots=True)
class DrCopy:
    """The newest copy of a resource in the backup account (any Region).

    `data_time` is the copy's creation date, which AWS sets to its source's: the age of the
    data a recovery from it would bring back, not the time the copy was made.
    """

    recovery_point_arn: str
    vault_arn: str
    region: str
    data_time: datetime | None


@dataclass(frozen=True, slots=True)
class DrillCoverage:
    """The newest passing drill that restored a resource (from the drill journal)."""

    run_id: str
    runbook: str
    finished: datetime


@dataclass(frozen=True, slots=True)
class ResourceReadiness:
    """One protected resource of the row: its current RPO, DR copy and last drill."""

    resource_arn: str
    resource_type: str
    resource_name: str
    last_backup: datetime | None  # None: the time could not be read
    last_recovery_point_arn: str | None
    last_vault_arn: str | None
    over_objective: bool  # the newest backup is older than the row's RPO objective
    dr_copy: DrCopy | None  # None: no copy found in the backup account
    drill: DrillCoverage | None = None  # None: no passing drill restored it
    # The objective it was judged against (its account's, or a stricter one of a runbook that
    # drills it); None when made without one.
    rpo_objective: timedelta | None = None
    # The runbook whose stricter objective applies (None: the account's objective applies).
    rpo_objective_runbook: str | None = None
    # The newest DR copy's data is older than that objective: a recovery from the backup
    # account would lose more than it allows. False without a copy (that is NO_DR_COPY).
    copy_over_objective: bool = False
    # False when a Region of the backup account could not be read and no copy was found, or
    # only one older than the objective: a newer copy may be there, so neither is known
    dr_copy_known: bool = True

    def backup_age(self, now: datetime) -> timedelta | None:
        """The current RPO: how old the newest backup is at `now`."""
        return None if self.last_backup is None else now - self.last_backup

    def copy_age(self, now: datetime) -> timedelta | None:
        """How old the data of the newest DR copy is at `now` (None: no copy or no date)."""
        if self.dr_copy is None or self.dr_copy.data_time is None:
            return None
        return now - self.dr_copy.data_time


@dataclass(frozen=True, slots=True)
class CopyRule:
    """A backup plan rule (in the recovery point's account and Region) and its copy actions'
    destination vaults."""

    plan_id: str
    plan_name: str
    rule_id: str
    rule_name: str
    destinations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CopyCheckRun:
    """Every copy check (the same as `drconsole check copy`, route included) of one
    representative recovery point into one vault.

    `direction` is "copy-back" (a backup account vault into this account's vault, the copy a
    recovery needs) or "dr-copy" (this account's vault into a backup account vault, the copy
    that keeps DR copies coming). `facts` is what the checks judged (None when the recovery
    point itself could not be read; `checks` then holds one UNKNOWN check saying why).
    """

    direction: str
    resource_type: str
    recovery_point_arn: str
    source_vault_arn: str
    destination_vault_arn: str
    checks: tuple[Check, ...]
    facts: CopyFacts | None = None
    hops: int = 1  # 2: a two-hop route through an intermediate vault; 0: no route
    # The intermediate vault whose hops were judged (`hop1.`/`hop2.` checks), for a copy back
    # that may take two hops; None otherwise, or when there is no candidate vault.
    intermediate: str | None = None
    # (hop, the facts its checks judged): ("hop1", …), ("hop2", …) of those hops. A hop's
    # check is fixed on its own facts (hop 2's key is the intermediate vault's, not the
    # recovery point's).
    hop_facts: tuple[tuple[str, CopyFacts], ...] = ()
    # A DR copy run into a destination of the copy rule that made its recovery point (AWS
    # makes those copies, in one job each); None for a destination no copy rule names.
    copy_rule: CopyRule | None = None

    @property
    def worst(self) -> CheckStatus:
        """The worst status among the checks."""
        return worst_status(self.checks)

    def facts_for(self, check: Check) -> CopyFacts | None:
        """The facts `check` judged: its hop's for a `hop1.`/`hop2.` check, else the run's."""
        hop = hop_of(check)
        if hop is None:
            return self.facts
        return next((facts for step, facts in self.hop_facts if step == hop), None)


def hop_of(check: Check) -> str | None:
    """ "hop1"/"hop2" for a check of one hop of a two-hop route, None for the copy in one job."""
    step = check.id.split(".", 1)[0]
    return step if step in ("hop1", "hop2") else None


@dataclass(frozen=True, slots=True)
class RestoreCheckRun:
    """The restore checks that do not depend on a restore form, for a restore in one of this
    account's vaults (after a copy back into it, else of its own recovery point there): role,
    key, service-linked role, network."""

    destination_vault_arn: str
    checks: tuple[Check, ...]
    facts: RestoreFacts | None = None
    # Of the account's own recovery point there (its everyday restore), not of a copy back.
    in_place: bool = False

    @property
    def direction(self) -> str:
        """How findings and reports name it: 'restore' (after a copy back) or 'restore in
        place'."""
        return "restore in place" if self.in_place else "restore"

    @property
    def worst(self) -> CheckStatus:
        """The worst status among the checks."""
        return worst_status(self.checks)


@dataclass(frozen=True, slots=True)
class ReadinessRow:
    """One workload account and Region with protected resources, and its verdict."""

    account_id: str
    account_name: str
    ou_path: str
    region: str
    verdict: Verdict
    causes: tuple[CauseCode, ...]  # the codes that decided the verdict, most frequent first
    rpo_objective: timedelta
    evaluated_at: datetime
    resources: tuple[ResourceReadiness, ...] = ()
    copy_back: tuple[CopyCheckRun, ...] = ()
    dr_copy: tuple[CopyCheckRun, ...] = ()
    restore: tuple[RestoreCheckRun, ...] = ()
    # Reads that failed for the whole row (e.g. ListProtectedResources: AccessDenied).
    unreadable: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()  # one line per deciding cause, for people

    @property
    def key(self) -> tuple[str, str]:
        """(account id, Region): the row's identity in a report."""
        return (self.account_id, self.region)

    @property
    def protected(self) -> int:
        """How many resources the row protects."""
        return len(self.resources)

    @property
    def over_objective(self) -> int:
        """How many resources have a newest backup older than the RPO objective."""
        return sum(1 for r in self.resources if r.over_objective)

    @property
    def without_copy(self) -> tuple[ResourceReadiness, ...]:
        """Resources known to have no copy at all in the backup account."""
        return tuple(r for r in self.resources if r.dr_copy is None and r.dr_copy_known)

    @property
    def copy_unknown(self) -> tuple[ResourceReadiness, ...]:
        """Resources whose newest copy is not known while a Region of the backup account was
        unreadable: none found, or only one older than the objective."""
        return tuple(r for r in self.resources if not r.dr_copy_known)

    @property
    def with_copy(self) -> int:
        """How many resources have a copy found in the backup account."""
        return sum(1 for r in self.resources if r.dr_copy is not None)

    @property
    def stale_copies(self) -> tuple[ResourceReadiness, ...]:
        """Resources whose newest DR copy holds data older than their RPO objective."""
        return tuple(r for r in self.resources if r.copy_over_objective)

    @property
    def drilled(self) -> int:
        """How many resources a passing drill restored."""
        return sum(1 for r in self.resources if r.drill is not None)

    def runs(self) -> tuple[CopyCheckRun | RestoreCheckRun, ...]:
        """Every check run of the row: copy-back, DR copy, restore."""
        return (*self.copy_back, *self.dr_copy, *self.restore)

    def problems(self) -> list[tuple[CopyCheckRun | RestoreCheckRun, Check]]:
        """The checks that count against the row (not PASS, and not a WARN drconsole handles
        itself), worst first, each with its run (for its facts)."""
        found = [
            (run, check)
            for run in self.runs()
            for check in run.checks
            if check.status is not CheckStatus.PASS and not handled_by_drconsole(check)
        ]
        return sorted(found, key=lambda item: -_STATUS_RANK[item[1].status])

    def findings(self) -> list[Finding]:
        """`problems()` grouped: one finding per check, cause and vault pair, with every
        resource type it was found for (a vault on aws/backup fails EBS, EC2, RDS... alike)."""
        groups: dict[tuple[str, ...], list[tuple[CopyCheckRun | RestoreCheckRun, Check]]] = {}
        for run, check in self.problems():
            if isinstance(run, CopyCheckRun):
                where = (run.direction, run.source_vault_arn, run.destination_vault_arn)
            else:
                where = (run.direction, "", run.destination_vault_arn)
            key = (*where, check.id, check.status.value, str(check.cause or ""))
            groups.setdefault(key, []).append((run, check))
        findings = []
        for (direction, source, destination, *_), items in groups.items():
            types = tuple(
                dict.fromkeys(r.resource_type for r, _ in items if isinstance(r, CopyCheckRun))
            )
            findings.append(
                Finding(
                    items[0][1],
                    direction,
                    source,
                    destination,
                    tuple(t for t in types if t),
                    tuple(r for r, _ in items),
                )
            )
        return findings


def restore_where(direction: str, vault: str) -> str:
    """How a restore finding names where it is: 'restore in VAULT' after a copy back into it,
    'restore in place from VAULT' of the account's own recovery point there."""
    return (
        f"restore in place from {vault}"
        if direction == "restore in place"
        else f"restore in {vault}"
    )


@dataclass(frozen=True, slots=True)
class Finding:
    """One check that counts against a row, as found for one or more resource types.

    `check` is the first occurrence (its evidence names that type); `runs` hold the facts a
    fix is planned from: `plan_fix(check.fix_id, runs[0].facts)` for a copy run.
    """

    check: Check
    direction: str  # "copy-back" | "dr-copy" | "restore" | "restore in place"
    source_vault_arn: str
    destination_vault_arn: str
    resource_types: tuple[str, ...]
    runs: tuple[CopyCheckRun | RestoreCheckRun, ...]

    @property
    def apply_command(self) -> str | None:
        """The command that applies drconsole's own fix of a copy check, with confirmation
        (None when drconsole has no fix for it)."""
        run = self.runs[0]
        if not self.check.fix_id or not isinstance(run, CopyCheckRun):
            return None
        # `check copy` shows (and fixes) the second hop with the copy; the first hop is a copy
        # into the intermediate vault of its own.
        to = run.destination_vault_arn
        if hop_of(self.check) == "hop1" and run.intermediate:
            to = run.intermediate
        return f"drconsole check copy --recovery-point {run.recovery_point_arn} --to {to} --fix"

    @property
    def intermediate(self) -> str | None:
        """The intermediate vault of the hop this finding's check is of (None: one job)."""
        run = self.runs[0] if self.runs else None
        if hop_of(self.check) is None or not isinstance(run, CopyCheckRun):
            return None
        return run.intermediate


def handled_by_drconsole(check: Check) -> bool:
    """True for a WARN that drconsole's own copy handles: a two-hop route through an existing
    vault, which `drconsole copy` falls back to by itself."""
    details = dict(check.details)
    return (
        check.id == "route"
        and check.status is CheckStatus.WARN
        and details.get("hops") == "2"
        and str(details.get("intermediate", "")).startswith("arn:")
    )


_STATUS_RANK = {
    CheckStatus.PASS: 0,
    CheckStatus.WARN: 1,
    CheckStatus.UNKNOWN: 2,
    CheckStatus.FAIL: 3,
}


def worst_status(checks: tuple[Check, ...]) -> CheckStatus:
    """FAIL over UNKNOWN over WARN over PASS."""
    return max((c.status for c in checks), key=_STATUS_RANK.__getitem__, default=CheckStatus.PASS)


@dataclass(frozen=True, slots=True)
class ReadinessScope:
    """What was evaluated: the accounts asked for (None: every workload account), the Regions,
    and the backup account holding the DR copies."""

    regions: tuple[str, ...]
    accounts: tuple[str, ...] | None = None
    backup_account_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    """Every row, when and how it was evaluated, and what it cost."""

    rows: tuple[ReadinessRow, ...]
    generated_at: datetime
    scope: ReadinessScope
    calls: int  # AWS requests sent (retries included)
    seconds: float
    # OUs and accounts the organization's answers held without an id: not evaluated
    skipped: tuple[AccountError, ...] = ()
    # `[rpo_objectives]` keys that name no account or OU of the organization: applied to none
    unmatched_objectives: tuple[str, ...] = ()
    # Accounts evaluated that protect nothing in any Region evaluated (they have no row): the
    # trace an account whose recovery points were all deleted leaves
    unprotected: tuple[Account, ...] = ()
    # The accounts evaluated, of how many in the organization (for the scope line)
    evaluated: tuple[Account, ...] = ()
    organization_accounts: int | None = None

    @property
    def named_unprotected(self) -> tuple[Account, ...]:
        """The accounts named with --account that protect nothing: the operator asked about
        them, so "nothing to judge" is not an answer of READY."""
        named = set(self.scope.accounts or ())
        return tuple(a for a in self.unprotected if a.id in named)

    @property
    def ready(self) -> bool:
        """True when every row is READY, no account was left out and none named protects
        nothing (the CLI's exit 0)."""
        return (
            not self.skipped
            and not self.named_unprotected
            and all(row.verdict is Verdict.READY for row in self.rows)
        )

    def counts(self) -> dict[Verdict, int]:
        """How many rows have each verdict."""
        counts = dict.fromkeys(Verdict, 0)
        for row in self.rows:
            counts[row.verdict] += 1
        return counts
