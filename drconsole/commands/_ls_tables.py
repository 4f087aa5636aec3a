"""Rich tables for `drconsole ls` (people's output; scripts use --json)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from drconsole.models import Account, RecoveryPoint, RestoreJob, Vault


class DataTable(Table):
    """A table whose cells are data from AWS: shown as text, never as markup, with control
    characters escaped — a name holding `[bold]` or an escape sequence cannot restyle or drive
    the operator's terminal."""

    def add_row(self, *cells: Any, **options: Any) -> None:
        super().add_row(*(as_text(cell) for cell in cells), **options)


def as_text(cell: Any) -> Any:
    """A string cell as plain `Text` with its control characters written as escapes."""
    if not isinstance(cell, str):
        return cell
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in cell
    )
    return Text(escaped)


def when(moment: datetime | None) -> str:
    """`2026-11-23 08:34` in UTC, or a dash."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else "-"


def size(value: int | None) -> str:
    """Bytes in binary units (`1.5 GiB`)."""
    if value is None:
        return "-"
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} PiB"


def yes_no(value: bool | None) -> str:
    """yes / no / ? (could not be read)."""
    return "?" if value is None else ("yes" if value else "no")


def account_label(account_id: str, labels: dict[str, str]) -> str:
    """The account's label (account_choice.account_labels: its name, with its id when the
    name is shared), or its id."""
    return labels.get(account_id) or account_id


def short_arn(arn: str | None) -> str:
    """The resource part of an ARN (after the last ':' or '/')."""
    if not arn:
        return "-"
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def accounts_table(items: Sequence[Account]) -> Table:
    """Accounts grouped by OU path."""
    table = DataTable(title="Accounts")
    for column in ("OU", "Account", "Name", "Role", "Status"):
        table.add_column(column)
    for account in sorted(items, key=lambda a: (a.ou_path, a.name)):
        table.add_row(
            account.ou_path or "-", account.id, account.name, account.role, account.status
        )
    return table


def vaults_table(items: Sequence[Vault], names: dict[str, str]) -> Table:
    """Vaults with their key type, lock, access policy and recovery point count."""
    table = DataTable(title="Backup vaults")
    for column in ("Account", "Region", "Vault", "Key", "Locked", "Access policy"):
        table.add_column(column)
    table.add_column("Recovery points", justify="right")
    for vault in items:
        table.add_row(
            account_label(vault.account_id, names),
            vault.region,
            vault.name,
            str(vault.key_type),
            yes_no(vault.locked),
            yes_no(vault.has_access_policy),
            str(vault.recovery_point_count),
        )
    return table


def points_table(items: Sequence[RecoveryPoint], names: dict[str, str]) -> Table:
    """Recovery points, newest first."""
    table = DataTable(title=f"Recovery points ({len(items)})")
    # The times are UTC (as in --json, whose times end in Z): said in the heading.
    for column in ("Created (UTC)", "Account", "Region", "Vault", "Type", "Resource", "Status"):
        table.add_column(column)
    table.add_column("Size", justify="right")
    for column in ("Copied from", "Expires (UTC)"):
        table.add_column(column)
    for point in items:
        table.add_row(
            when(point.created),
            account_label(point.account_id, names),
            point.region,
            point.vault_name,
            point.resource_type,
            point.resource_name or short_arn(point.resource_arn),
            point.status,
            size(point.size_bytes),
            short_arn(point.source_vault_arn),
            when(point.expires),
        )
    return table


def jobs_table(items: Sequence[Any], names: dict[str, str]) -> Table:
    """Backup, copy and restore jobs, newest first, each failed one with its cause."""
    from drconsole.aws.job_history import job_kind, job_resource
    from drconsole.diagnose import job_diagnosis

    table = DataTable(title=f"Jobs ({len(items)})")
    for column in ("Created (UTC)", "Kind", "Account", "Region", "State", "Resource", "Cause"):
        table.add_column(column)
    table.add_column("Message")
    for job in items:
        state = job.state
        if isinstance(job, RestoreJob) and job.percent_done is not None and state == "RUNNING":
            state = f"{state} {job.percent_done:.0f}%"
        diagnosis = job_diagnosis(job)
        table.add_row(
            when(job.created),
            job_kind(job),
            account_label(job.account_id, names),
            job.region,
            state,
            job_resource(job)[0],
            str(diagnosis.cause) if diagnosis else "",
            job.status_message or "",
        )
    return table


def print_table(kind: str, items: Sequence[Any], names: dict[str, str], caption: str = "") -> None:
    """Print the table of `kind` to stdout."""
    import sys

    # Piped output keeps whole rows (for grep); a terminal gets rich's fitted layout.
    console = Console() if sys.stdout.isatty() else Console(width=400)
    if kind == "accounts":
        table = accounts_table(items)
    elif kind == "vaults":
        table = vaults_table(items, names)
    elif kind == "recovery-points":
        table = points_table(items, names)
    else:
        table = jobs_table(items, names)
    console.print(table)
