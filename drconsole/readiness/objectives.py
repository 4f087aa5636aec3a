"""RPO objectives: the config's `rpo_objective`, overridden per account or OU, and the
objectives of the runbooks that drill a resource."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from drconsole.config import DEFAULT_RPO_OBJECTIVE
from drconsole.limits import duration
from drconsole.models import Account, Organization


@dataclass(frozen=True, slots=True)
class RpoObjectives:
    """The default objective and overrides keyed by account id, account name or OU path.

    An OU path is written as the console shows it (`Root/Non-Prod` or `Non-Prod`) and covers
    the OUs below it; `Root` covers the whole organization. Names and paths match without
    regard to case, as `--account` does. The most specific match wins: account id or name,
    then the deepest OU, then `Root`, then the default.
    """

    default: timedelta = timedelta(hours=24)
    overrides: tuple[tuple[str, timedelta], ...] = ()
    # Runbooks' RPO objectives for the resources they drill: one stricter than the account's
    # objective tightens it for that resource; a looser one never loosens it.
    resources: tuple[ResourceObjective, ...] = ()

    @classmethod
    def from_config(
        cls, default: str | None, overrides: Iterable[tuple[str, str]] = ()
    ) -> RpoObjectives:
        """Parse the config's strings (UsageError on a malformed duration)."""
        return cls(
            duration(default or DEFAULT_RPO_OBJECTIVE, "rpo_objective"),
            tuple((key, duration(value, f"rpo_objectives.{key}")) for key, value in overrides),
        )

    def for_resource(
        self, account: Account, resource_arn: str, resource_type: str, name: str
    ) -> timedelta:
        """The objective of one resource: the strictest of its account's and of the runbooks
        that drill it (a runbook in the runbooks folder cannot relax the configured one)."""
        return self.deciding(account, resource_arn, resource_type, name)[0]

    def deciding(
        self, account: Account, resource_arn: str, resource_type: str, name: str
    ) -> tuple[timedelta, str | None]:
        """(the resource's objective, the runbook it comes from; None: its account's)."""
        chosen: tuple[timedelta, str | None] = (self.for_account(account), None)
        for drilled in self.resources:
            if drilled.objective < chosen[0] and drilled.names(
                account, resource_arn, resource_type, name
            ):
                chosen = (drilled.objective, drilled.runbook)
        return chosen

    def for_account(self, account: Account) -> timedelta:
        """The objective of an account's resources."""
        for by_id in (True, False):  # the account's id, then its name
            for key, value in self.overrides:
                if _names_account(key, account, by_id):
                    return value
        path = _normal(account.ou_path) or ""  # an account under the root has no OU below it
        best: tuple[int, timedelta] | None = None
        for key, value in self.overrides:
            ou = _normal(key)
            if _covers(ou, path):
                depth = ou.count("/") if ou else -1  # Root: the least specific OU
                if best is None or depth > best[0]:
                    best = (depth, value)
        return best[1] if best else self.default

    def unmatched(self, organization: Organization) -> tuple[str, ...]:
        """The override keys that name no account (id or name) and no OU of the organization:
        they apply to nothing (a typing error, an OU since renamed), which is worth saying."""
        paths = {_normal(unit.path) or "" for unit in organization.units}
        paths |= {_normal(account.ou_path) or "" for account in organization.accounts}
        return tuple(
            key
            for key, _ in self.overrides
            if not any(
                _names_account(key, a, by_id)
                for a in organization.accounts
                for by_id in (True, False)
            )
            and not any(_covers(_normal(key), path) for path in paths)
        )


def _names_account(key: str, account: Account, by_id: bool) -> bool:
    """True when an override key is the account's id (by_id), or its name whatever the case."""
    key = key.strip()
    return key == account.id if by_id else key.lower() == account.name.lower()


def _covers(ou: str | None, path: str) -> bool:
    """True when the OU (normalised; "" is the root) is the path's or one above it."""
    if ou is None:
        return False
    return ou == "" or path == ou or path.startswith(ou + "/")


def _normal(path: str) -> str | None:
    """An OU path in lower case without `Root/` and surrounding slashes ("" for the root
    itself; None for a key that is no path at all)."""
    path = path.strip().strip("/").lower()
    if not path:
        return None
    if path == "root":
        return ""
    return path[len("root/") :] if path.startswith("root/") else path


@dataclass(frozen=True, slots=True)
class ResourceObjective:
    """A runbook's RPO objective for a resource it drills (by ARN, or account, type, name)."""

    runbook: str
    objective: timedelta
    arn: str | None = None
    account: str | None = None
    resource_type: str | None = None
    name: str | None = None

    def names(self, account: Account, resource_arn: str, resource_type: str, name: str) -> bool:
        """True when this is the resource the runbook drills."""
        if self.arn:
            return self.arn == resource_arn
        return (
            self.account in (account.id, account.name)
            and self.resource_type == resource_type
            and self.name == name
        )


def runbook_objectives(folder: Path) -> tuple[ResourceObjective, ...]:
    """The RPO objective of each target of the folder's runbooks (the target's, else its
    runbook's). A runbook that does not parse gives none: `drill plan` says what is wrong."""
    from drconsole.drills.catalog import runbook_files
    from drconsole.drills.parse import load_runbook
    from drconsole.errors import DrConsoleError

    try:
        files = runbook_files(folder)
    except (OSError, ValueError):
        return ()
    found: list[ResourceObjective] = []
    for path in files:
        try:
            runbook = load_runbook(path)
        except (DrConsoleError, OSError, ValueError):
            continue
        for target in runbook.targets:
            seconds = runbook.objectives_of(target).rpo_seconds
            if seconds is None:
                continue
            selector = target.resource
            found.append(
                ResourceObjective(
                    runbook.name,
                    timedelta(seconds=seconds),
                    selector.arn,
                    selector.account,
                    selector.resource_type,
                    selector.name,
                )
            )
    return tuple(found)
