"""The runbook model: frozen dataclasses a parsed runbook file becomes (see `drills.parse`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from drconsole.partitions import backup_vault

CLEANUP_POLICIES = ("always", "on-success", "never")
MANUAL_WHEN = ("before", "after")
RESOURCE_TYPES = ("EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3")


@dataclass(frozen=True, slots=True)
class Objectives:
    """Recovery objectives in seconds (None: not stated)."""

    rpo_seconds: float | None = None
    rto_seconds: float | None = None

    def over(self, other: Objectives) -> Objectives:
        """These objectives, falling back to `other` where they are not stated."""
        return Objectives(
            self.rpo_seconds if self.rpo_seconds is not None else other.rpo_seconds,
            self.rto_seconds if self.rto_seconds is not None else other.rto_seconds,
        )


@dataclass(frozen=True, slots=True)
class ResourceSelector:
    """The protected resource: by ARN, or by account + type + name."""

    arn: str | None = None
    account: str | None = None
    resource_type: str | None = None
    name: str | None = None

    def describe(self) -> str:
        """A short human description."""
        if self.arn:
            return self.arn
        return f"{self.resource_type} {self.name} in {self.account}"


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """Where the recovery point comes from; None members take the defaults (the backup
    account, its DR Region, any of its vaults there)."""

    account: str | None = None
    region: str | None = None
    vault: str | None = None


@dataclass(frozen=True, slots=True)
class PointChoice:
    """Which recovery point: `newest`, `newest-before` a time, or one ARN."""

    kind: str  # "newest" | "newest-before" | "arn"
    before: datetime | None = None
    arn: str | None = None

    def describe(self) -> str:
        """As written in the runbook."""
        if self.kind == "newest-before" and self.before is not None:
            return f"newest-before {self.before.isoformat()}"
        return self.arn if self.kind == "arn" and self.arn else self.kind


@dataclass(frozen=True, slots=True)
class RestoreTarget:
    """Where the recovery point is copied to and restored."""

    account: str
    region: str
    vault: str

    @property
    def vault_arn(self) -> str:
        """The destination vault's ARN."""
        return backup_vault(self.region, self.account, self.vault)


@dataclass(frozen=True, slots=True)
class CommandValidation:
    """The team's own validation: a command run with the restored resource in its environment."""

    argv: tuple[str, ...]
    timeout_seconds: float = 300.0
    shell: bool = False  # True when written as one string (run by /bin/sh -c)


@dataclass(frozen=True, slots=True)
class Validation:
    """What proves the restore worked."""

    builtin: bool = True
    compare_with_source: bool = False
    tolerance_percent: float = 0.0
    command: CommandValidation | None = None


@dataclass(frozen=True, slots=True)
class ManualStep:
    """A step a person performs and confirms (`when` it stands in the drill)."""

    name: str
    text: str
    when: str = "before"
    required: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """One resource to restore in the drill."""

    name: str
    resource: ResourceSelector
    source: SourceSpec
    recovery_point: PointChoice
    restore_to: RestoreTarget
    metadata: tuple[tuple[str, str], ...] = ()
    validation: Validation = field(default_factory=Validation)
    objectives: Objectives = field(default_factory=Objectives)
    restore_role: str | None = None
    copy_role: str | None = None
    # Stated in the runbook: restoring into the central backup account is meant.
    allow_backup_account_restore: bool = False
    # The copies' DeleteAfterDays; None: drconsole's default (flows.plan.plan_flow).
    copy_retention_days: int | None = None


@dataclass(frozen=True, slots=True)
class Runbook:
    """A whole runbook: the drill's name, objectives, clean-up, manual steps and targets."""

    name: str
    path: str
    sha256: str
    description: str
    objectives: Objectives
    cleanup: str
    manual_steps: tuple[ManualStep, ...]
    targets: tuple[Target, ...]

    def objectives_of(self, target: Target) -> Objectives:
        """The target's objectives, the drill's where the target states none."""
        return target.objectives.over(self.objectives)
