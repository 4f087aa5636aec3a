"""The organization's accounts grouped by OU, with backup posture at a glance."""

from __future__ import annotations

import gc
from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import Worker, get_current_worker

from drconsole.aws.organization import OrganizationWalk, standalone_organization
from drconsole.aws.runner import run_tasks
from drconsole.models import Account, AccountError, CauseCode, Organization
from drconsole.partitions import account_root, of_region
from drconsole.tui import formatting as fmt
from drconsole.tui.collector import FullCollectionHold
from drconsole.tui.inbox import Inbox
from drconsole.tui.screens.ou_table import OuTableScreen
from drconsole.tui.screens.posture import (
    UNREAD,
    Posture,
    age_cell,
    count_cell,
    verdict_cell,
)
from drconsole.tui.screens.posture_scan import PostureMessages, PostureScan
from drconsole.tui.screens.table import TableRow

# Verdicts older than this are said to be so on the status line (a re-evaluation is `r`).
STALE_VERDICTS = timedelta(hours=1)


def judged_by_readiness(account: Account) -> bool:
    """An account readiness gives a verdict (a workload account)."""
    from drconsole.readiness.engine import WORKLOAD_ROLES  # loaded only once it is needed

    return account.role in WORKLOAD_ROLES


# From this width the status line also names the organization's id.
WIDE_STATUS = 100


class AccountsScreen(OuTableScreen):
    """Accounts by OU: vaults, recovery points, newest backup's age, errors."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("account", "Account"),
        ("id", "Id"),
        ("vaults", "Vaults"),
        ("rps", "RPs"),
        ("newest", "Newest"),
        ("state", "State"),
    )
    # The worker that reads every account's posture.
    LOADING_GROUPS: ClassVar[tuple[str, ...]] = ("accounts",)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Vaults"),
        Binding("p", "protected", "Protected"),
        Binding("P", "protected_all", "Org-wide", tooltip="Protected resources of every account"),
        Binding("y", "copy_arn", "Copy ARN", show=False),
    ]
    SORT_KEYS: ClassVar[dict[str, str]] = {
        "A": "account",
        "I": "id",
        "V": "vaults",
        "R": "rps",
        "N": "newest",
        "S": "state",
    }

    class ResultsArrived(Message):
        """Workers' results wait in the screen's inbox (one such message at a time)."""

    class OrganizationLoaded(Message):
        """The organization (accounts and OUs) was read."""

        def __init__(self, organization: Organization, load: int) -> None:
            self.organization = organization
            self.load = load  # the number of the load that read it
            super().__init__()

    class VaultsLoaded(Message):
        """The vaults of one account and Region (a VaultBatch), or the error reading them."""

        def __init__(self, item: Any) -> None:
            self.item = item
            super().__init__()

    class RoleChecked(Message):
        """AWSServiceRoleForBackup of one account: None when it exists, else the problem."""

        def __init__(self, account_id: str, problem: AccountError | None) -> None:
            self.account_id = account_id
            self.problem = problem
            super().__init__()

    class NewestLoaded(Message):
        """The newest backup of one account and Region, or the error reading it."""

        def __init__(
            self,
            account_id: str,
            region: str,
            newest: datetime | None,
            error: AccountError | None,
        ) -> None:
            self.account_id = account_id
            self.region = region
            self.newest = newest
            self.error = error
            super().__init__()

    def __init__(self) -> None:
        super().__init__(("Organization",))
        self.organization: Organization | None = None
        self.postures: dict[str, Posture] = {}
        # Each account's row as last made: only accounts whose posture changed are made again.
        self._account_rows: dict[str, TableRow] = {}
        self._ou_rows: dict[str, TableRow] = {}
        self._rows_minute: datetime | None = None
        # Whether each account's row (as last made) shows an error: the status line's count,
        # without asking every account again at each rebuild.
        self._shows_error: dict[str, bool] = {}
        self._accounts_by_ou: tuple[Organization | None, list[Account]] = (None, [])
        # Results of the loading workers, handed to the UI thread in batches: hundreds arrive
        # within seconds, and posted one by one they would queue ahead of the filter's keys.
        # Each result with the number of the load that read it: `r` starts another load, and
        # what the one before had already handed over is then dropped, not merged in.
        self._inbox: Inbox[tuple[int, Message]] = Inbox(
            lambda: self.post_message(self.ResultsArrived())
        )
        self._load_number = 0
        self._collections = FullCollectionHold()

    # Loading -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.drapp.readiness.changed.subscribe(self, self.readiness_changed)

    def readiness_changed(self, keys: set[tuple[str, str]] | None) -> None:
        """Rows of readiness were decided: the State column shows the verdicts (the rows of
        the accounts concerned are made again; None: every account's)."""
        if keys is None:
            self._account_rows.clear()
        else:
            for account_id, _ in keys:
                self._account_rows.pop(account_id, None)
        self.schedule_rebuild()

    def action_refresh(self) -> None:
        again = self.organization is not None
        self.organization = None
        self.postures = {}
        self._account_rows.clear()
        self._shows_error.clear()
        self.rebuild()
        self.set_status("reading the organization…")
        self._load_number += 1
        self.load(self._load_number, again)

    @work(thread=True, exclusive=True, exit_on_error=False, group="accounts")
    def load(self, number: int, again: bool = False) -> None:
        """The organization, then every account's posture as each read answers (see
        posture_scan.py); then readiness (after the inventory, so that it never slows the
        first rows)."""
        worker = get_current_worker()
        sessions = self.drapp.sessions
        # Vault names and counts only: key types and access policies are read by the screens
        # that show them (a vault's list, its recovery points, the checks).
        messages = PostureMessages(self.VaultsLoaded, self.NewestLoaded, self.RoleChecked)
        scan = PostureScan(self.drapp.new_inventory(), self.drapp.regions(), messages)
        walk = (
            None
            if sessions.settings.member_profiles
            else OrganizationWalk(sessions, scan.account_tasks)
        )
        if walk is None or walk.not_in_use:
            organization = standalone_organization(sessions)
            self.post_message(self.OrganizationLoaded(organization, number))
            tasks = scan.account_tasks(organization.accounts)
        else:
            tasks = walk.tasks
        for item in run_tasks(tasks, self.loading_threads):
            if worker.is_cancelled:
                return
            if item is walk:
                organization = walk.result()  # raises WalkFailed: the load fails as it did
                self.post_message(self.OrganizationLoaded(organization, number))
            else:
                self._inbox.put((number, item))
        if self.drapp.readiness_after_inventory and len(organization.accounts) <= (
            self.drapp.settings.readiness_on_start_max_accounts
        ):
            self.app.call_from_thread(self.drapp.readiness.start, again)

    @property
    def loading_threads(self) -> int:
        """Threads reading the accounts' posture: 1.5x `max_workers`.

        Every call costs the console a few ms of Python, one thread at a time: at 1,000
        accounts, 48 threads finished no sooner than 24 and made keys wait longer (keystrokes
        p99 183-415 ms against 103 and 122 ms; 12 threads: 57.8 s instead of 38.0 s).
        """
        return max(1, self.drapp.settings.max_workers * 3 // 2)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Textual calls the base screen's handler too (its handlers run along the class
        # hierarchy): calling it here as well showed a failed load's error twice.
        if self._collections.held and not any(
            worker.group in self.LOADING_GROUPS and not worker.is_finished
            for worker in self.workers
        ):
            self._collections.release()

    def on_unmount(self) -> None:
        self._collections.release()

    def on_accounts_screen_results_arrived(self, _: ResultsArrived) -> None:
        for number, message in self._inbox.take():
            if number != self._load_number:
                continue  # read by a load that `r` replaced
            if isinstance(message, self.VaultsLoaded):
                self.on_accounts_screen_vaults_loaded(message)
            elif isinstance(message, self.NewestLoaded):
                self.on_accounts_screen_newest_loaded(message)
            elif isinstance(message, self.RoleChecked):
                self.on_accounts_screen_role_checked(message)

    def on_accounts_screen_role_checked(self, message: RoleChecked) -> None:
        posture = self.postures.setdefault(message.account_id, Posture())
        posture.role_checked = True
        if message.problem is not None:
            posture.errors.append(message.problem)
            self.drapp.account_errors.setdefault(message.account_id, []).append(message.problem)
        self.posture_changed(message.account_id)

    def on_accounts_screen_organization_loaded(self, message: OrganizationLoaded) -> None:
        if message.load != self._load_number:
            return  # read by a load that `r` replaced
        # What start-up made (modules, service models, sessions) lives as long as the console:
        # the collector need not walk it again; and no full collection while accounts load.
        gc.freeze()
        self._collections.hold()
        self.organization = message.organization
        self.drapp.organization_read(message.organization)
        # Accounts are read as the walk lists them: some answered before it ended.
        self.postures = {
            account.id: self.postures.get(account.id) or Posture()
            for account in message.organization.accounts
        }
        for skipped in message.organization.skipped:  # shown on the account that walked
            self.postures.setdefault(skipped.account_id, Posture()).errors.append(skipped)
            self.drapp.account_errors.setdefault(skipped.account_id, []).append(skipped)
        self._account_rows.clear()
        self.rebuild()

    def on_accounts_screen_vaults_loaded(self, message: VaultsLoaded) -> None:
        item = message.item
        posture = self.postures.setdefault(item.account_id, Posture())
        posture.regions_loaded.add(item.region)
        if isinstance(item, AccountError):
            posture.errors.append(item)
            posture.vaults_unread.add(item.region)
            self.drapp.account_errors.setdefault(item.account_id, []).append(item)
        else:
            cache = self.drapp.vaults_by_account.setdefault(item.account_id, {})
            for vault in item.vaults:
                posture.vaults[vault.arn] = vault
                cache[vault.arn] = vault
        self.posture_changed(item.account_id)

    def on_accounts_screen_newest_loaded(self, message: NewestLoaded) -> None:
        posture = self.postures.setdefault(message.account_id, Posture())
        if message.error is not None:
            posture.newest_unread.add(message.region)
            if not any(e.region == message.region for e in posture.errors):
                posture.errors.append(message.error)
        elif message.newest is not None:
            posture.newest = max(message.newest, posture.newest or message.newest)
        self.posture_changed(message.account_id)

    # Display -------------------------------------------------------------------------------

    def accounts_by_ou(self) -> list[Account]:
        """Accounts ordered by OU path, then name."""
        organization = self.organization
        if organization is None:
            return []
        if self._accounts_by_ou[0] is not organization:  # sorted once per organization read
            ordered = sorted(organization.accounts, key=lambda a: (a.ou_path, a.name.lower()))
            self._accounts_by_ou = (organization, ordered)
        return self._accounts_by_ou[1]

    def table_rows(self) -> list[TableRow]:
        rows: list[TableRow] = []
        now = self.drapp.now()
        if now.replace(second=0, microsecond=0) != self._rows_minute:
            # Ages are shown to the minute: every row is made again once a minute.
            self._rows_minute = now.replace(second=0, microsecond=0)
            self._account_rows.clear()
        current_ou: str | None = None
        for account in self.accounts_by_ou():
            if account.ou_path != current_ou:
                current_ou = account.ou_path
                rows.append(self.ou_row(current_ou))
            row = self._account_rows.get(account.id)
            if row is None:
                row = self._account_rows[account.id] = self.account_row(account, now)
            rows.append(row)
        return self.shorten_names(rows)

    def ou_row(self, ou_path: str) -> TableRow:
        """The header row of an OU's accounts (the same object at each rebuild: its cells'
        widths are measured once)."""
        row = self._ou_rows.get(ou_path)
        if row is None:
            label = Text(f"▾ {ou_path or 'Root'}", style="bold")
            row = self._ou_rows[ou_path] = TableRow(
                f"ou:{ou_path}", (label, "", "", "", "", ""), "", False
            )
        return row

    def account_row(self, account: Account, now: datetime) -> TableRow:
        """One account's row from what is known of its posture and readiness."""
        expected = len(self.drapp.regions())
        posture = self.postures.get(account.id, Posture())
        loading = len(posture.regions_loaded) < expected
        name = account.name + ("" if account.role == "member" else f" ({account.role})")
        verdict = self.drapp.readiness.account_verdict(account.id)
        errors = self.errors_shown(account.id, posture)
        self._shows_error[account.id] = bool(errors)
        if verdict is not None and not (errors and verdict.verdict.rank == 0):
            state = verdict_cell(verdict)
        elif errors:
            state = Text(f"⚠ {errors[0].cause}", style="bold red")
        elif loading or not posture.role_checked:
            state = Text("loading…", style="dim")
        elif self.drapp.readiness.state == "failed" and judged_by_readiness(account):
            # The posture is fine but readiness, which judges more, could not decide: a green
            # `ok` would stand for a verdict nobody reached (the status line says why).
            state = Text("ok, readiness ?", style="bold yellow")
        else:
            state = Text("ok", style="green")
        unread = bool(posture.vaults_unread)
        vaults = count_cell(len(posture.vaults), unread, loading)
        rps = count_cell(posture.recovery_points, unread, loading)
        newest: Text = age_cell(posture.newest, now)
        if posture.newest_unread:
            # A Region that could not be read may hold a newer backup: never guess.
            newest = UNREAD if posture.newest is None else newest + Text(" ?", "bold red")
        search = f"{account.name} {account.id} {account.ou_path} {account.role}".lower()
        cells = ("  " + name, account.id, vaults, rps, newest, state)
        fields = (account.name, account.id, account.ou_path, account.role)
        age = None if posture.newest is None else (now - posture.newest).total_seconds()
        values = (account.name, None, None, None, age, None)
        return TableRow(account.id, cells, search, True, fields, values)

    def errors_shown(self, account_id: str, posture: Posture) -> list[AccountError]:
        """The account's errors, less a missing service-linked role once readiness has found
        the role: it reads the role again (after a fix, too), so its verdict is fresher."""
        verdict = self.drapp.readiness.account_verdict(account_id)
        missing = CauseCode.SERVICE_LINKED_ROLE_MISSING
        if verdict is None or missing in verdict.causes:
            return posture.errors
        return [error for error in posture.errors if error.cause != missing]

    def posture_changed(self, account_id: str) -> None:
        """Make the account's row again at the next rebuild (the others are kept)."""
        self._account_rows.pop(account_id, None)
        self.schedule_rebuild()

    def on_resize(self, event: events.Resize) -> None:
        # (BrowseScreen's own handler runs too: Textual calls each class's handler.)
        self.schedule_rebuild()

    def update_status(self, shown: int, total: int) -> None:
        if self.organization is None:
            return
        accounts = len(self.organization.accounts)
        expected = len(self.drapp.regions())
        done = sum(
            1
            for p in self.postures.values()
            if len(p.regions_loaded) >= expected and p.role_checked
        )
        # (Every account's row was made by this rebuild's table_rows, or is still current.)
        failed = sum(self._shows_error.values())
        text = f"{accounts} accounts · {self.regions_label()}"
        # What matters most first: at 80 columns the line's end is cut.
        if failed:
            text += f"  {failed} with errors"
        if self.query_text:
            text += f"  filter {self.query_text!r}"
        if done < accounts:
            text += f"  loading {done}/{accounts}…"
        elif self.drapp.readiness.state == "running":
            text += "  readiness…"
        elif self.drapp.readiness.state == "failed":
            text += "  readiness failed (r retries)"
        elif self.drapp.readiness.state == "done":
            # The State column shows verdicts as decided: a console left open for days says
            # how old they are rather than pass them off as current.
            decided = self.drapp.readiness.decided_at()
            age = self.drapp.now() - decided if decided is not None else None
            if age is not None and age > STALE_VERDICTS:
                text += f"  verdicts {fmt.human_age(age)} old (r)"
        if self.size.width >= WIDE_STATUS:  # the organization's id, where there is room for it
            text = f"{self.organization.id}  {text}"
        self.set_status(text)

    # Actions -------------------------------------------------------------------------------

    def account(self, key: str | None) -> Account | None:
        """The account with id `key`."""
        if key is None or self.organization is None:
            return None
        return next((a for a in self.organization.accounts if a.id == key), None)

    def open_row(self, key: str) -> None:
        from drconsole.tui.screens.vaults import VaultsScreen

        account = self.account(key)
        if account is not None:
            posture = self.postures.get(account.id, Posture())
            self.app.push_screen(VaultsScreen(account, self.trail, errors=list(posture.errors)))

    def action_open(self) -> None:
        key = self.highlighted_key()
        if key is not None:
            self.open_row(key)

    def action_protected(self) -> None:
        from drconsole.tui.screens.protected import ProtectedResourcesScreen

        account = self.account(self.highlighted_key())
        if account is not None:
            self.app.push_screen(ProtectedResourcesScreen(account, self.trail))

    def action_protected_all(self) -> None:
        from drconsole.tui.screens.org_protected import OrgProtectedScreen

        self.app.push_screen(OrgProtectedScreen(self.trail))

    def action_copy_arn(self) -> None:
        account = self.account(self.highlighted_key())
        if account is not None:
            partition = of_region(self.drapp.settings.home_region)
            self.drapp.copy_arn(account_root(account.id, partition))
