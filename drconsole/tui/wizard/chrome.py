"""The wizard's two top lines: its steps, and the recovery point it works on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from drconsole.tui.formatting import short_time
from drconsole.tui.wizard import render

if TYPE_CHECKING:
    from drconsole.models import Organization, RecoveryPoint


class StepsBar(Widget):
    """One line: the wizard's steps, the current one highlighted (numbers when narrow)."""

    current: reactive[str] = reactive("")

    def __init__(self, current: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.current = current

    def render(self) -> Text:
        return render.steps_bar(self.current, self.size.width)


def account_label(account_id: str, organization: Organization | None) -> str:
    """`prod (336580474362)` when the organization is known, else the id."""
    if organization is not None:
        for account in organization.accounts:
            if account.id == account_id:
                return f"{account.name} ({account_id})"
    return account_id


def point_summary(point: RecoveryPoint, organization: Organization | None) -> Text:
    """Two lines that fit 80 columns: what, and where it is kept; then its id and date."""
    name = point.resource_name or point.resource_arn
    owner = account_label(point.account_id, organization)
    text = Text(f"{point.resource_type} {name}", style="bold")
    text.append(f"  in {owner} {point.region} {point.vault_name}")
    text.append(f"\nrecovery point {point.arn.rsplit(':', 1)[-1]}  {short_time(point.created)}")
    return text
