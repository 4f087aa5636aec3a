"""An account's backup posture as the accounts screen shows it: counts, ages, readiness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from drconsole.models import AccountError, ProtectedResource, Vault
from drconsole.tui import formatting as fmt

if TYPE_CHECKING:
    from drconsole.readiness.model import ReadinessRow


@dataclass
class Posture:
    """What is known so far about one account's backups."""

    vaults: dict[str, Vault] = field(default_factory=dict)  # by ARN
    regions_loaded: set[str] = field(default_factory=set)
    errors: list[AccountError] = field(default_factory=list)
    newest: datetime | None = None
    # Regions whose vaults (so their counts) or protected resources could not be read.
    vaults_unread: set[str] = field(default_factory=set)
    newest_unread: set[str] = field(default_factory=set)
    role_checked: bool = False  # AWSServiceRoleForBackup looked up (a problem is in errors)

    @property
    def recovery_points(self) -> int:
        """Recovery points across the account's vaults."""
        return sum(vault.recovery_point_count for vault in self.vaults.values())


AGE_STYLE = {"fresh": "green", "aging": "yellow", "stale": "bold red"}
UNREAD = Text("?", style="bold red")  # a count or age that could not be read is never 0


def count_cell(count: int, unread: bool, loading: bool) -> str | Text:
    """A count; `?` when none could be read, `N+?` when some Regions could not be."""
    if unread:
        return UNREAD if not count else Text(f"{count:,}+?", style="bold red")
    return "…" if loading and not count else f"{count:,}"


def age_cell(moment: datetime | None, now: datetime) -> Text:
    """An age colored by staleness; a stale one is also marked with '!' for NO_COLOR."""
    if moment is None:
        return Text("-")
    delta = now - moment
    band = fmt.staleness(delta)
    marker = " !" if band == "stale" else ""
    return Text(fmt.human_age(delta) + marker, style=AGE_STYLE[band])


def verdict_cell(row: ReadinessRow) -> Text:
    """An account's readiness (its worst Region) with the cause that decided it: `NOT READY
    SERVICE_LINKED_ROLE_MISSING`, `+2` when more causes did."""
    from drconsole.tui.readiness_feed import VERDICT_STYLES

    text = row.verdict.value
    if row.causes:
        more = len(row.causes) - 1
        text += f" {row.causes[0].value}" + (f" +{more}" if more else "")
    return Text(text, style=VERDICT_STYLES[row.verdict.value])


def newest_backup(resources: list[ProtectedResource]) -> datetime | None:
    """The most recent backup among `resources`."""
    moments = [r.last_backup for r in resources if r.last_backup is not None]
    return max(moments) if moments else None
