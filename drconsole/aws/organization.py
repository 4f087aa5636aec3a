"""The AWS Organization: accounts, OUs and their paths, read from the management account.

The tree is walked level by level, every parent's OUs and accounts fetched concurrently. OU
paths are given twice: for people (`Root/Non-Prod/QA`) and in the form of the
`aws:PrincipalOrgPaths` condition key (`o-xxx/r-xxx/ou-xxx/ou-yyy/`), which vault and key
policies use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.answers import first, required, required_text, skipped_records, text_of
from drconsole.aws.errors import account_error, error_code
from drconsole.aws.org_reads_account import organization_account
from drconsole.aws.runner import Step, Task, run_tasks
from drconsole.aws.session import AwsSessions
from drconsole.errors import AwsError
from drconsole.models import Account, AccountError, CauseCode, Organization, OrgUnit

ROOT_DISPLAY_NAME = "Root"
# The walk's tasks go before any other task sharing their pool (those of priority 0 or more).
WALK_PRIORITY = -1.0


@dataclass(frozen=True)
class _Parent:
    id: str
    path: str
    org_path: str


def _pages(call: Callable[..., dict[str, Any]], key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a NextToken-paged Organizations listing."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        answer = call(**params, **({"NextToken": token} if token else {}))
        items.extend(answer.get(key, []))
        token = answer.get("NextToken")
        if not token:
            return items


def account_role(account_id: str, name: str, management_id: str, backup_id: str | None) -> str:
    """`management`, `backup` or `member`.

    The backup account is the configured `backup_account_id`; without one, an account whose
    name contains "backup" is taken as the backup account.
    """
    if account_id == management_id:
        return "management"
    if backup_id is not None:
        return "backup" if account_id == backup_id else "member"
    return "backup" if "backup" in name.lower() else "member"


def load_organization(
    sessions: AwsSessions,
    max_workers: int,
    on_accounts: Callable[[Sequence[Account]], None] | None = None,
) -> Organization:
    """The organization as the management (or delegated-admin) account sees it.

    `on_accounts`, when given, is called with each OU's accounts as soon as they are listed
    (from the walk's thread), before the walk has ended.
    """

    def listed(accounts: Sequence[Account]) -> list[Task]:
        if on_accounts is not None:
            on_accounts(accounts)
        return []

    walk = OrganizationWalk(sessions, listed)
    if walk.not_in_use:
        return standalone_organization(sessions)
    for _ in run_tasks(walk.tasks, max_workers):
        pass
    return walk.result()


class OrganizationWalk:
    """The organization's tree walked level by level, as tasks for `runner.run_tasks`.

    Made, it has asked DescribeOrganization and ListRoots (one round trip; their failure is
    raised as AwsError). Its `tasks` list every parent's OUs and accounts, ahead of any task
    of priority 0 or more that shares their pool; `on_accounts` is given each OU's accounts as
    they are listed, and the tasks it returns are scheduled with the walk's. The walk's last
    task emits the walk itself; `result` then gives the organization or raises WalkFailed.
    """

    def __init__(
        self,
        sessions: AwsSessions,
        on_accounts: Callable[[Sequence[Account]], list[Task]],
    ) -> None:
        self.sessions = sessions
        self._on_accounts = on_accounts
        self.not_in_use = False
        self.tasks: list[Task] = []
        self._org_id = self._root_id = self._management_id = ""
        self._units: list[OrgUnit] = []
        self._accounts: list[Account] = []
        self._failures: list[tuple[str, BaseException]] = []
        # (operation, parent's path) of each OU or account listed without its id (left out)
        self._skipped: list[tuple[str, str]] = []
        self._pending = 0  # the walk's tasks not yet answered
        account = organization_account(sessions)
        self._account = account
        self._client = client = sessions.client("organizations", account)
        self._where = f"account {account or sessions.caller_account_id()}"
        try:
            # Neither needs the other: one round trip instead of two before the walk starts.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="drconsole-aws") as pool:
                roots = pool.submit(client.list_roots)
                described = required(
                    client.describe_organization(), "Organization", "DescribeOrganization"
                )
                self._org_id = required_text(described, "Id", "DescribeOrganization")
                root_id = required_text(
                    first(roots.result(), "Roots", "ListRoots"), "Id", "ListRoots"
                )
        except ClientError as exc:
            if error_code(exc) == "AWSOrganizationsNotInUseException":
                self.not_in_use = True
                return
            raise _organization_error(sessions, exc, self._where) from None
        except BotoCoreError as exc:
            raise sessions.error_for(exc, "cannot read the organization") from None
        self._root_id = root_id
        self._management_id = text_of(described, "MasterAccountId")
        self.tasks = self._children(
            _Parent(root_id, ROOT_DISPLAY_NAME, f"{self._org_id}/{root_id}/")
        )

    def _children(self, parent: _Parent) -> list[Task]:
        client = self._client

        def list_units() -> Any:
            try:
                return _pages(
                    client.list_organizational_units_for_parent,
                    "OrganizationalUnits",
                    ParentId=parent.id,
                )
            except (ClientError, BotoCoreError) as exc:
                return exc

        def list_accounts() -> Any:
            try:
                return _pages(client.list_accounts_for_parent, "Accounts", ParentId=parent.id)
            except (ClientError, BotoCoreError) as exc:
                return exc

        self._pending += 2
        # Units first: they lead to deeper levels, accounts are leaves.
        return [
            Task(WALK_PRIORITY - 1, list_units, self._answered(parent, self._units_listed)),
            Task(WALK_PRIORITY, list_accounts, self._answered(parent, self._accounts_listed)),
        ]

    def _answered(
        self, parent: _Parent, listed: Callable[[_Parent, Any], Step]
    ) -> Callable[[Any], Step]:
        def then(answer: Any) -> Step:
            self._pending -= 1
            step = listed(parent, answer)
            if self._pending == 0:
                step.emit.append(self)
            return step

        return then

    def _units_listed(self, parent: _Parent, answer: Any) -> Step:
        if isinstance(answer, BaseException):
            self._failures.append(("ListOrganizationalUnitsForParent", answer))
            return Step()
        step = Step()
        for item in answer:
            unit_id = text_of(item, "Id")
            if not unit_id:  # nothing under it can be listed
                self._skipped.append(("ListOrganizationalUnitsForParent", parent.path))
                continue
            name = text_of(item, "Name") or unit_id
            unit = OrgUnit(
                id=unit_id,
                name=name,
                parent_id=parent.id,
                path=f"{parent.path}/{name}",
                org_path=f"{parent.org_path}{unit_id}/",
            )
            self._units.append(unit)
            step.tasks.extend(self._children(_Parent(unit.id, unit.path, unit.org_path)))
        return step

    def _accounts_listed(self, parent: _Parent, answer: Any) -> Step:
        if isinstance(answer, BaseException):
            self._failures.append(("ListAccountsForParent", answer))
            return Step()
        listed = len(self._accounts)
        for item in answer:
            account_id = text_of(item, "Id")
            if not account_id:  # no call can be made into it
                self._skipped.append(("ListAccountsForParent", parent.path))
                continue
            name = text_of(item, "Name") or account_id
            self._accounts.append(
                Account(
                    id=account_id,
                    name=name,
                    email=item.get("Email") or "",
                    status=item.get("State") or item.get("Status") or "ACTIVE",
                    ou_id=parent.id,
                    ou_path=parent.path,
                    org_path=parent.org_path,
                    role=account_role(
                        account_id,
                        name,
                        self._management_id,
                        self.sessions.settings.backup_account_id,
                    ),
                )
            )
        return Step(tasks=self._on_accounts(self._accounts[listed:]))

    def result(self) -> Organization:
        """The organization walked (once every task was answered); WalkFailed if a listing
        failed."""
        sessions, client = self.sessions, self._client
        walker = self._account or sessions.caller_account_id()
        if self._failures:
            operation, failure = self._failures[0]
            failed_call = account_error(walker, client.meta.region_name, operation, failure)
            raise WalkFailed(_organization_error(sessions, failure, self._where), failed_call)
        return Organization(
            id=self._org_id,
            management_account_id=self._management_id,
            root_id=self._root_id,
            accounts=tuple(sorted(self._accounts, key=lambda acc: (acc.ou_path, acc.name))),
            units=tuple(sorted(self._units, key=lambda unit: unit.path)),
            skipped=_skipped_reports(walker, client.meta.region_name, self._skipped),
        )


def _skipped_reports(
    walker: str, region: str, skipped: list[tuple[str, str]]
) -> tuple[AccountError, ...]:
    """One report per listing and OU whose answer held OUs or accounts without an id."""
    counts = Counter(skipped)
    return tuple(
        skipped_records(
            walker,
            region,
            operation,
            count,
            "OU(s)" if operation == "ListOrganizationalUnitsForParent" else "account(s)",
            f"Id (under {path})",
        )
        for (operation, path), count in sorted(counts.items())
    )


class WalkFailed(AwsError):
    """The walk failed part-way (the accounts listed before were handed to `on_accounts`);
    `failed_call` is the call that failed, where, as a listing reports a failure."""

    def __init__(self, error: AwsError, failed_call: AccountError) -> None:
        super().__init__(str(error), error.cause, error.fix_command)
        self.failed_call = failed_call


def _organization_error(sessions: AwsSessions, exc: BaseException, where: str) -> AwsError:
    if isinstance(exc, ClientError) and sessions.error_for(exc).cause == CauseCode.ROLE_PERMISSIONS:
        return AwsError(
            f"cannot list the organization's accounts from {where} ({error_code(exc)} on "
            f"organizations:{exc.operation_name}): run from the management or a delegated "
            "administrator account, set management_account_id, or list member_profiles "
            "in the config",
            cause=CauseCode.ROLE_PERMISSIONS,
        )
    return sessions.error_for(exc, "cannot read the organization")


def standalone_organization(sessions: AwsSessions) -> Organization:
    """A synthetic organization: the caller's account, plus one account per member profile."""
    caller = sessions.caller_account_id()
    settings = sessions.settings
    accounts = [
        Account(
            id=caller,
            name=settings.profile or caller,
            role="backup" if caller == settings.backup_account_id else "member",
            profile=settings.profile,
        )
    ]
    for account_id, profile in sorted(sessions.member_profile_accounts().items()):
        if account_id != caller:
            role = "backup" if account_id == settings.backup_account_id else "member"
            accounts.append(Account(id=account_id, name=profile, role=role, profile=profile))
    return Organization(
        id="",
        management_account_id="",
        root_id="",
        accounts=tuple(accounts),
        units=(),
    )
