"""The accounts an `--account ID|NAME` names: AWS Organizations lets accounts share a name,
so a name names every account that has it (in ls and readiness alike)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from drconsole.errors import UsageError
from drconsole.models import Account


def select_accounts(wanted: Sequence[str], accounts: Sequence[Account]) -> list[Account]:
    """The accounts named by --account (an id, or a name without regard to case: every
    account of that name), in the order given; an unknown one is a UsageError."""
    if not wanted:
        return list(accounts)
    chosen: dict[str, Account] = {}
    for value in wanted:
        match = [a for a in accounts if a.id == value or a.name.lower() == value.lower()]
        if not match:
            raise UsageError(f"--account {value!r}: no such account in the organization")
        for account in match:
            chosen[account.id] = account
    return list(chosen.values())


def account_labels(accounts: Sequence[Account]) -> dict[str, str]:
    """Each account's label for people: its name, with its id when another account of the
    organization has the same name (`prod (336580474362)`), its id when it has no name."""
    shared = Counter(a.name.lower() for a in accounts if a.name)
    labels: dict[str, str] = {}
    for account in accounts:
        if not account.name:
            labels[account.id] = account.id
        elif shared[account.name.lower()] > 1:
            labels[account.id] = f"{account.name} ({account.id})"
        else:
            labels[account.id] = account.name
    return labels
