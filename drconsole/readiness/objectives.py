"""RPO objectives: the config's `rpo_objective`, overridden per account or OU."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from drconsole.config import DEFAULT_RPO_OBJECTIVE
from drconsole.limits import duration
from drconsole.models import Account


@dataclass(frozen=True, slots=True)
class RpoObjectives:
    """The default objective and overrides keyed by account id, account name or OU path.

    An OU path is written as the console shows it (`Root/Non-Prod` or `Non-Prod`) and covers
    the OUs below it; the most specific match wins: account id or name, then the deepest OU.
    """

    default: timedelta = timedelta(hours=24)
    overrides: tuple[tuple[str, timedelta], ...] = ()

    @classmethod
    def from_config(
        cls, default: str | None, overrides: Iterable[tuple[str, str]] = ()
    ) -> RpoObjectives:
        """Parse the config's strings (UsageError on a malformed duration)."""
        return cls(
            duration(default or DEFAULT_RPO_OBJECTIVE, "rpo_objective"),
            tuple((key, duration(value, f"rpo_objectives.{key}")) for key, value in overrides),
        )

    def for_account(self, account: Account) -> timedelta:
        """The objective of an account's resources."""
        table = dict(self.overrides)
        for key in (account.id, account.name):
            if key in table:
                return table[key]
        path = _normal(account.ou_path)
        best: tuple[int, timedelta] | None = None
        for key, value in self.overrides:
            ou = _normal(key)
            if ou and (path == ou or path.startswith(ou + "/")):
                depth = ou.count("/")
                if best is None or depth > best[0]:
                    best = (depth, value)
        return best[1] if best else self.default


def _normal(path: str) -> str:
    """An OU path without `Root/` and surrounding slashes."""
    path = path.strip().strip("/")
    return path[len("Root/") :] if path.startswith("Root/") else ("" if path == "Root" else path)
