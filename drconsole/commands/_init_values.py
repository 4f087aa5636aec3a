"""The values `drconsole init` asks for, parsed and checked: one reason per bad value.

The same checks serve the flags of `init --yes` (a bad value: one line, exit 2) and the
interactive questions (a bad answer is asked again, with the reason shown under it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from drconsole import limits
from drconsole.errors import UsageError
from drconsole.models import Organization
from drconsole.output_files import foreign_link, not_regular
from drconsole.state_dir import refuse_inside
from drconsole.user_paths import expanded, path_refusals


def regions(text: str, enabled: Sequence[str], where: str) -> tuple[str, ...]:
    """`eu-central-1, eu-north-1` -> the Regions, each a Region name and, when the enabled
    Regions are known, one of them; duplicates dropped."""
    names = [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]
    for name in names:
        limits.region(name, where)
        if enabled and name not in enabled:
            raise UsageError(
                f"{where}: {name} is not a Region enabled for this account "
                f"(enabled: {', '.join(enabled)})"
            )
    return tuple(dict.fromkeys(names))


def dr_regions(
    text: str, enabled: Sequence[str], scanned: Sequence[str], where: str
) -> tuple[str, ...]:
    """DR Regions: Regions, each among the Regions drconsole scans."""
    found = regions(text, enabled, where)
    outside = [name for name in found if name not in scanned]
    if outside:
        raise UsageError(
            f"{where}: {', '.join(outside)} is not among the Regions to scan "
            f"({', '.join(scanned)}): add it there first"
        )
    return found


def account_id(text: str, organization: Organization | None, where: str) -> str:
    """A 12-digit account id, of the organization when it was read."""
    value = text.strip()
    if not (len(value) == 12 and value.isascii() and value.isdigit()):
        raise UsageError(f"{where}: {limits.shown(value)} is not a 12-digit account id")
    if organization is not None and value not in {a.id for a in organization.accounts}:
        raise UsageError(f"{where}: account {value} is not in organization {organization.id}")
    return value


def role_name(text: str, where: str) -> str:
    """An IAM role name (or path/name) in IAM's syntax."""
    value = text.strip()
    if not value:
        raise UsageError(f"{where}: give the role's name, e.g. OrganizationAccountAccessRole")
    return limits.role(value, where) or value


def runbooks_dir(text: str, where: str) -> str:
    """A folder for runbooks: no control characters, not an existing file."""
    value = text.strip()
    if not value or limits.has_controls(value):
        raise UsageError(f"{where}: {limits.shown(value)} is not a folder path")
    path = expanded(value, where)
    with path_refusals(where, value):
        clash = path.exists() and not path.is_dir()
    if clash:
        raise UsageError(f"{where}: {limits.shown_path(str(path))} exists and is not a folder")
    return value


def config_target(text: str, where: str = "--config") -> Path:
    """The config file to write: not a folder, not a path with control characters, not in
    drconsole's state dir, not through another user's symlink in a shared folder."""
    if not text or limits.has_controls(text):
        raise UsageError(f"{where}: {limits.shown(text)} is not a file path")
    path = expanded(text, where)
    if refusal := foreign_link(path):
        raise UsageError(f"{where}: {refusal}")
    refuse_inside(path, where)
    kind = not_regular(path)
    if kind is not None:
        raise UsageError(f"{where}: {limits.shown_path(str(path))} is {kind}, not a file")
    return path


def home_relative(path: Path) -> str:
    """`~/x` for a path under the home folder (portable between machines), else the path."""
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def endpoint(value: str | None) -> str | None:
    """The endpoint URL from AWS_ENDPOINT_URL or the old config, checked."""
    return limits.endpoint_url(value, "AWS_ENDPOINT_URL or endpoint_url") if value else None
