"""Every account's posture read on one pool: each account's role assumed, then its reads.

The accounts screen needs, per account, AssumeRole, then ListBackupVaults and
ListProtectedResources in each Region and one GetRole. Read by three pools of their own, the
smallest pool sat idle once its share was done, and threads of all three queued behind the same
account's AssumeRole (botocore assumes a role under a lock at its first call). Here one task
per account assumes the role, and its continuation schedules that account's reads ahead of the
next accounts' roles: no thread waits on another's AssumeRole, every thread has work until the
last read, and accounts complete one after the other. The organization's walk shares the
pool: each OU's accounts are started as soon as they are listed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drconsole.aws.inventory import Inventory
from drconsole.aws.posture import service_linked_role_problem
from drconsole.aws.runner import Step, Task
from drconsole.models import Account, AccountError
from drconsole.tui.screens.base import error_on_account
from drconsole.tui.screens.posture import newest_backup


@dataclass(frozen=True)
class PostureMessages:
    """How the screen wants each result: a vault listing's item, a Region's newest backup (or
    the error reading it), an account's service-linked role problem (None: it exists)."""

    vaults: Callable[[Any], Any]
    newest: Callable[[str, str, datetime | None, AccountError | None], Any]
    role: Callable[[str, AccountError | None], Any]


class PostureScan:
    """Makes the tasks that read accounts' posture, numbered in the order the accounts come
    (an account's tasks go before those of the accounts after it; every priority is 0 or
    more, behind the organization's walk when they share its pool)."""

    def __init__(
        self, inventory: Inventory, regions: Sequence[str], messages: PostureMessages
    ) -> None:
        self.inventory = inventory
        self.regions = regions
        self.messages = messages
        self._order = itertools.count()

    def account_tasks(self, accounts: Sequence[Account]) -> list[Task]:
        """One task per account, for `runner.run_tasks` (called from its caller's thread)."""
        return [
            _account_task(
                self.inventory, account.id, self.regions, self.messages, float(next(self._order))
            )
            for account in accounts
        ]


def _account_task(
    inventory: Inventory,
    account_id: str,
    regions: Sequence[str],
    messages: PostureMessages,
    priority: float,
) -> Task:
    def reads() -> list[Task]:
        # The account's own priority: its reads go before the roles of the accounts after it.
        tasks = [_role_task(inventory, account_id, messages, priority)]
        for region in regions:
            listing = inventory.vault_listing(account_id, region)
            tasks.append(Task(priority, listing.work, _wrapped(listing.then, messages.vaults)))
            tasks.append(_newest_task(inventory, account_id, region, messages, priority))
        return tasks

    return inventory.assumed_first(account_id, priority, reads)


def _wrapped(then: Callable[[Any], Step], message: Callable[[Any], Any]) -> Callable[[Any], Step]:
    def wrapped(answer: Any) -> Step:
        step = then(answer)
        return Step(emit=[message(item) for item in step.emit], tasks=step.tasks)

    return wrapped


def _newest_task(
    inventory: Inventory,
    account_id: str,
    region: str,
    messages: PostureMessages,
    priority: float,
) -> Task:
    # Protected resources listed without their ARN, reported after the newest backup.
    skipped: list[AccountError] = []

    def work() -> datetime | AccountError | None:
        try:
            return newest_backup(inventory.protected_resources(account_id, region, skipped))
        except Exception as exc:  # recorded on that account, the others go on
            return error_on_account(account_id, region, "ListProtectedResources", exc)

    def then(answer: datetime | AccountError | None) -> Step:
        if isinstance(answer, AccountError):
            return Step(emit=[messages.newest(account_id, region, None, answer)])
        # a skipped resource may hold the newest backup: the age is not sure
        emit = [messages.newest(account_id, region, answer, None)]
        emit.extend(messages.newest(account_id, region, None, report) for report in skipped)
        return Step(emit=emit)

    return Task(priority, work, then)


def _role_task(
    inventory: Inventory, account_id: str, messages: PostureMessages, priority: float
) -> Task:
    def work() -> AccountError | None:
        return service_linked_role_problem(inventory.sessions, account_id)

    def then(problem: AccountError | None) -> Step:
        return Step(emit=[messages.role(account_id, problem)])

    return Task(priority, work, then)
