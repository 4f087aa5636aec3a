"""Runbook files: YAML validated into `runbook.Runbook`; the first mistake is one line naming
the file, its line:column and its path (e.g. `targets[1].restore_to.account`), exit 2."""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from drconsole import limits
from drconsole.bounded_read import TooLarge, read_bounded
from drconsole.checks.arns import is_vault_name
from drconsole.drills import runbook as rb
from drconsole.drills.runbook_checks import (
    refuse_compare_of_nothing,
    refuse_into_existing,
    refuse_shared_restore_names,
)
from drconsole.drills.yaml_nodes import Node, RunbookError, load
from drconsole.errors import UsageError
from drconsole.flows.ids import NAME
from drconsole.state_dir import DRILLS_FOLDER_ENTRIES

_ACCOUNT = re.compile(r"^\d{12}$", re.ASCII)
# As checks.arns: a four-letter prefix too (eusc-de-east-1, the European Sovereign Cloud).
_REGION = re.compile(r"^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$", re.ASCII)
_NAME = re.compile(NAME)  # the drill journal checks a runbook's name with the same pattern
# Fifteen digits a part at most: far past any limit (so "is too long" is said), while hundreds
# of digits would overflow the float they are summed into.
_DURATION = re.compile(
    r"^(?:(\d{1,15})d)?(?:(\d{1,15})h)?(?:(\d{1,15})m)?(?:(\d{1,15})s)?$", re.ASCII
)
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%?$")
# A runbook of a thousand targets is some 300 KB; more is another file given by mistake.
MAX_RUNBOOK_BYTES = 1024 * 1024
# A validation command that has not answered in a day will not; a longer wait would also be
# beyond what a subprocess timeout can hold (110000d overflows it after the restore is made).
MAX_COMMAND_TIMEOUT = 86400.0
# An objective over a year says nothing a drill can measure (readiness turns it into a timedelta).
MAX_OBJECTIVE = 365 * 86400.0
# IAM's longest ARN is 2048 characters; AWS Backup's ARNs are far shorter.
MAX_ARN = 2048
# EC2's Name tag (the ResourceName of EBS and EC2) is at most 256 characters, the longest name.
MAX_RESOURCE_NAME = 256
# In a command a line break or tab is the shell's layout; any other control character is a
# mistake (a NUL cannot be passed to a program; an escape sequence is never meant). Free texts
# (description, manual steps) keep theirs: they are shown with control characters escaped.
_COMMAND_LAYOUT = "\n\t"

TOP_KEYS = (
    "name",
    "description",
    "objectives",
    "cleanup",
    "manual_steps",
    "source",
    "restore_to",
    "allow_backup_account_restore",
    "copy_retention_days",
    "targets",
)
TARGET_KEYS = (
    "name",
    "resource",
    "source",
    "recovery_point",
    "restore_to",
    "metadata",
    "validate",
    "objectives",
    "restore_role",
    "copy_role",
    "allow_backup_account_restore",
    "copy_retention_days",
)


def parse_duration(text: str) -> float:
    """`24h`, `90m`, `1h30m`, `45s`, `2d` -> seconds; ValueError when malformed or zero."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(text)
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    total = float(days * 86400 + hours * 3600 + minutes * 60 + seconds)
    if total <= 0:
        raise ValueError(text)
    return total


def format_duration(seconds: float | None) -> str:
    """Seconds -> `1h02m03s` / `4m05s` / `12.3s` (`-` for None)."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h{minutes:02d}m"
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s"


def load_runbook(path: str | Path) -> rb.Runbook:
    """Read and validate a runbook file (RunbookError on the first mistake)."""
    file = Path(path)
    shown = str(path)
    try:
        data = read_bounded(file, MAX_RUNBOOK_BYTES)
    except OSError as exc:
        raise RunbookError(f"{shown}: cannot read the runbook: {exc.strerror or exc}") from None
    except TooLarge as exc:
        raise RunbookError(f"{shown}: {exc}; a runbook is a short YAML file") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RunbookError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    return parse_runbook(text, shown, hashlib.sha256(data).hexdigest())


def parse_runbook(text: str, file: str, sha256: str = "") -> rb.Runbook:
    """Validate runbook text (`file` names it in messages)."""
    root = load(text, file)
    top = root.mapping(TOP_KEYS)
    if "name" not in top:
        raise root.error("missing key name (the drill's name)")
    name = _name(top["name"])
    if name.lower() in DRILLS_FOLDER_ENTRIES:
        # The drill's evidence goes to <state dir>/drills/<name>/: a name of one of that
        # folder's own entries would put it on the drill journal or the locks folder.
        raise top["name"].error(
            f"{name!r} is the name of drconsole's own drill journal or locks folder; choose "
            "another drill name"
        )
    if "targets" not in top:
        raise root.error("missing key targets (the resources to restore)")
    objectives = _objectives(top["objectives"]) if "objectives" in top else rb.Objectives()
    cleanup = "on-success"
    if "cleanup" in top:
        cleanup = top["cleanup"].text("a clean-up policy")
        if cleanup not in rb.CLEANUP_POLICIES:
            raise top["cleanup"].error(
                f"expected one of {', '.join(rb.CLEANUP_POLICIES)}, got {cleanup!r}"
            )
    default_source = _source_fields(top["source"]) if "source" in top else {}
    default_restore = _restore_fields(top["restore_to"]) if "restore_to" in top else {}
    manual = (
        tuple(_manual(node) for node in top["manual_steps"].sequence())
        if ("manual_steps" in top)
        else ()
    )
    _unique(top.get("manual_steps"), [m.name for m in manual], "manual step")
    target_nodes = top["targets"].sequence()
    if not target_nodes:
        raise top["targets"].error("expected at least one target")
    defaults = TargetDefaults(
        default_source, default_restore, _allow_backup(top, False), _copy_retention(top, None)
    )
    targets = tuple(_target(node, defaults) for node in target_nodes)
    _unique(top["targets"], [t.name for t in targets], "target")
    refuse_shared_restore_names(target_nodes, targets)
    return rb.Runbook(
        name=name,
        path=file,
        sha256=sha256,
        description=top["description"].text("a description") if "description" in top else "",
        objectives=objectives,
        cleanup=cleanup,
        manual_steps=manual,
        targets=targets,
    )


def _unique(parent: Node | None, names: list[str], what: str) -> None:
    if parent is None:
        return
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            node = parent.sequence()[index]
            raise node.error(f"{what} name {name!r} is used twice; names must differ")
        seen.add(name)


def _name(node: Node) -> str:
    value = node.text("a name")
    if not _NAME.match(value):
        raise node.error(
            f"{value!r} is not a name: 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def _duration(node: Node, longest: float, what: str) -> float:
    value = node.text("a duration such as 24h or 90m")
    try:
        seconds = parse_duration(value)
    except ValueError:
        raise node.error(
            f"{limits.shown(value, 60)} is not a duration: use d, h, m and s, e.g. 24h, 90m, 1h30m"
        ) from None
    if seconds > longest:
        most = f"{longest / 86400:g}d"
        raise node.error(f"{value!r} is too long: at most {most} ({what})")
    return seconds


def _objectives(node: Node) -> rb.Objectives:
    fields = node.mapping(("rpo", "rto"))
    return rb.Objectives(
        _duration(fields["rpo"], MAX_OBJECTIVE, "an objective") if "rpo" in fields else None,
        _duration(fields["rto"], MAX_OBJECTIVE, "an objective") if "rto" in fields else None,
    )


def _plain(node: Node, value: str, allowed: str = "") -> str:
    """`value` when it holds no control character but those `allowed`, else a RunbookError."""
    if limits.has_controls("".join(c for c in value if c not in allowed)):
        raise node.error(f"{limits.shown(value, 60)} holds control characters")
    return value


def _checked(node: Node, check: Callable[..., object], *args: str) -> None:
    """Run one of `limits`' checks, its UsageError becoming this node's one line."""
    try:
        check(*args)
    except UsageError as exc:
        raise node.error(str(exc).strip()) from None


def _account(node: Node) -> str:
    value = node.text("a 12-digit account id")
    if not _ACCOUNT.match(value):
        raise node.error(f"expected a 12-digit account id (quote it), got {value!r}")
    return value


def _region(node: Node) -> str:
    value = node.text("a Region")
    if not _REGION.match(value):
        raise node.error(f"expected a Region such as eu-central-1, got {value!r}")
    return value


def _vault(node: Node) -> str:
    value = node.text("a vault name")
    # AWS's own vaults too: an EFS target's automatic backups are in one.
    if not is_vault_name(value):
        raise node.error(f"expected a vault name (2-50 letters, digits, '_', '-'), got {value!r}")
    return value


def _source_fields(node: Node) -> dict[str, str]:
    fields = node.mapping(("account", "region", "vault"))
    out: dict[str, str] = {}
    if "account" in fields:
        out["account"] = _account(fields["account"])
    if "region" in fields:
        out["region"] = _region(fields["region"])
    if "vault" in fields:
        out["vault"] = _vault(fields["vault"])
    return out


def _restore_fields(node: Node) -> dict[str, str]:
    return _source_fields(node)


def _resource(node: Node) -> rb.ResourceSelector:
    if node.kind == "scalar":
        return rb.ResourceSelector(arn=_arn(node))
    fields = node.mapping(("arn", "account", "type", "name"))
    if "arn" in fields:
        if len(fields) > 1:
            raise node.error("give the resource by arn alone, or by account, type and name")
        return rb.ResourceSelector(arn=_arn(fields["arn"]))
    for key in ("account", "type", "name"):
        if key not in fields:
            raise node.error(f"missing key {key} (or give the resource's arn)")
    rtype = fields["type"].text("a resource type")
    if rtype not in rb.RESOURCE_TYPES:
        raise fields["type"].error(f"expected one of {', '.join(rb.RESOURCE_TYPES)}, got {rtype!r}")
    name_node = fields["name"]
    name = _plain(name_node, name_node.text("the resource's name"))
    if len(name) > MAX_RESOURCE_NAME:
        raise name_node.error(
            f"a resource name is at most {MAX_RESOURCE_NAME} characters, got {len(name)}"
        )
    return rb.ResourceSelector(account=_account(fields["account"]), resource_type=rtype, name=name)


def _arn(node: Node) -> str:
    value = node.text("an ARN")
    if not _ARN.match(value) or limits.has_controls(value) or len(value) > MAX_ARN:
        raise node.error(f"expected an ARN (arn:aws:...), got {limits.shown(value, 80)}")
    return value


def _time(node: Node, text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise node.error(
            f"expected an ISO 8601 time such as 2026-12-01T06:00:00Z, got {text!r}"
        ) from None
    if when.tzinfo is None:
        raise node.error(f"the time {text!r} needs a time zone (e.g. Z or +01:00)")
    return when


def _point(node: Node) -> rb.PointChoice:
    if node.kind == "mapping":
        fields = node.mapping(("newest-before", "arn"))
        if len(fields) != 1:
            raise node.error("give exactly one of newest-before or arn")
        if "arn" in fields:
            return rb.PointChoice("arn", arn=_arn(fields["arn"]))
        child = fields["newest-before"]
        return rb.PointChoice("newest-before", before=_time(child, child.text("a time")))
    value = node.text("newest, newest-before TIME, or a recovery point ARN")
    if value == "newest":
        return rb.PointChoice("newest")
    if value.startswith("newest-before"):
        rest = value[len("newest-before") :].strip()
        if not rest:
            raise node.error("newest-before needs a time, e.g. newest-before 2026-12-01T06:00Z")
        return rb.PointChoice("newest-before", before=_time(node, rest))
    if value.startswith("arn:"):
        return rb.PointChoice("arn", arn=_arn(node))
    raise node.error(f"expected newest, newest-before TIME or a recovery point ARN, got {value!r}")


def _validation(node: Node) -> rb.Validation:
    fields = node.mapping(("builtin", "compare_with_source", "tolerance", "command", "timeout"))
    tolerance = 0.0
    if "tolerance" in fields:
        text = fields["tolerance"].text("a tolerance such as 5%")
        match = _PERCENT.match(text)
        if match is None or float(match.group(1)) > 100:
            raise fields["tolerance"].error(f"expected a percentage from 0% to 100%, got {text!r}")
        tolerance = float(match.group(1))
    command = None
    if "command" in fields:
        command = _command(fields["command"], fields.get("timeout"))
    elif "timeout" in fields:
        raise fields["timeout"].error("timeout applies to a command: add command")
    builtin = fields["builtin"].flag() if "builtin" in fields else True
    compare = fields["compare_with_source"].flag() if "compare_with_source" in fields else False
    if compare and not builtin:
        raise fields["compare_with_source"].error("compare_with_source needs builtin: true")
    if "tolerance" in fields and not compare:
        # Nothing would be compared, yet the runbook reads as if the restore were measured.
        raise fields["tolerance"].error(
            "tolerance applies to compare_with_source: add compare_with_source: true"
        )
    if not builtin and command is None:
        # Nothing would check the restored resource, yet the target would pass and count as
        # readiness's drill evidence: a drill that validates nothing proves nothing.
        raise fields["builtin"].error(
            "builtin: false leaves nothing to validate the restore: give a command, or keep "
            "the built-in validation"
        )
    return rb.Validation(builtin, compare, tolerance, command)


def _command(node: Node, timeout_node: Node | None) -> rb.CommandValidation:
    timeout = 300.0
    if timeout_node is not None:
        timeout = _duration(timeout_node, MAX_COMMAND_TIMEOUT, "a command's timeout")
    if node.kind == "list":
        argv = tuple(
            _plain(child, child.text("a command word"), _COMMAND_LAYOUT)
            for child in node.sequence()
        )
        if not argv:
            raise node.error("expected a command, got an empty list")
        return rb.CommandValidation(argv, timeout, shell=False)
    text = _plain(node, node.text("a command"), _COMMAND_LAYOUT)
    try:
        shlex.split(text)
    except ValueError as exc:
        raise node.error(f"the command does not parse as shell words: {exc}") from None
    return rb.CommandValidation((text,), timeout, shell=True)


def _manual(node: Node) -> rb.ManualStep:
    fields = node.mapping(("name", "text", "when", "required"))
    for key in ("name", "text"):
        if key not in fields:
            raise node.error(f"missing key {key}")
    when = "before"
    if "when" in fields:
        when = fields["when"].text("when the step stands")
        if when not in rb.MANUAL_WHEN:
            raise fields["when"].error(f"expected one of {', '.join(rb.MANUAL_WHEN)}, got {when!r}")
    return rb.ManualStep(
        name=_name(fields["name"]),
        text=fields["text"].text("the step's instructions"),
        when=when,
        required=fields["required"].flag() if "required" in fields else False,
    )


def _allow_backup(fields: dict[str, Node], default: bool) -> bool:
    """`allow_backup_account_restore`: true or false, else the default."""
    key = "allow_backup_account_restore"
    return fields[key].flag() if key in fields else default


def _copy_retention(fields: dict[str, Node], default: int | None) -> int | None:
    """`copy_retention_days`: the copies' DeleteAfterDays, whole days within AWS Backup's
    range; else the default (none: drconsole's, the source's retention or at least a week)."""
    key = "copy_retention_days"
    if key not in fields:
        return default
    node = fields[key]
    text = node.text("a number of days")
    try:
        return limits.delete_after_days_text(text, key)
    except UsageError as exc:
        raise node.error(str(exc)) from None


@dataclass(frozen=True, slots=True)
class TargetDefaults:
    """What the runbook's top level gives every target that does not say otherwise."""

    source: dict[str, str]
    restore_to: dict[str, str]
    allow_backup_account_restore: bool
    copy_retention_days: int | None


def _target(node: Node, defaults: TargetDefaults) -> rb.Target:
    fields = node.mapping(TARGET_KEYS)
    for key in ("name", "resource"):
        if key not in fields:
            raise node.error(f"missing key {key}")
    source = {
        **defaults.source,
        **(_source_fields(fields["source"]) if "source" in fields else {}),
    }
    restore = {
        **defaults.restore_to,
        **(_restore_fields(fields["restore_to"]) if "restore_to" in fields else {}),
    }
    for key in ("account", "region", "vault"):
        if key not in restore:
            where = fields.get("restore_to", node)
            raise where.error(
                f"missing restore_to.{key} (here or in the runbook's top-level restore_to)"
            )
    metadata: list[tuple[str, str]] = []
    if "metadata" in fields:
        values = dict(fields["metadata"].items())
        for key, value in values.items():
            if value.kind != "scalar" or value.is_null():
                raise value.error(f"expected a text value, got {value.shown()}")
            text = str(value.node.value)
            _checked(value, limits.metadata_pair, key, text, "")
            metadata.append((key, text))
        refuse_into_existing(values, dict(metadata))
    target = rb.Target(
        name=_name(fields["name"]),
        resource=_resource(fields["resource"]),
        source=rb.SourceSpec(source.get("account"), source.get("region"), source.get("vault")),
        recovery_point=_point(fields["recovery_point"])
        if "recovery_point" in fields
        else rb.PointChoice("newest"),
        restore_to=rb.RestoreTarget(restore["account"], restore["region"], restore["vault"]),
        metadata=tuple(metadata),
        validation=_validation(fields["validate"]) if "validate" in fields else rb.Validation(),
        objectives=_objectives(fields["objectives"]) if "objectives" in fields else rb.Objectives(),
        restore_role=_role(fields["restore_role"]) if "restore_role" in fields else None,
        copy_role=_role(fields["copy_role"]) if "copy_role" in fields else None,
        allow_backup_account_restore=_allow_backup(fields, defaults.allow_backup_account_restore),
        copy_retention_days=_copy_retention(fields, defaults.copy_retention_days),
    )
    if "validate" in fields:
        refuse_compare_of_nothing(fields["validate"], target)
    return target


def _role(node: Node) -> str:
    """A role name, path/name or role ARN, in IAM's syntax (as `--restore-role`'s)."""
    value = node.text("a role name")
    _checked(node, limits.role, value, "")
    return value
