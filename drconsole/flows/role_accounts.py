"""A role given as an ARN belongs to the account whose job passes it, or the flow is refused.

AWS Backup assumes a copy job's role in the account that starts the job (each hop's source
account) and a restore job's role in the restoring account; a role of another account is
refused by AWS only once the job is sent, and a journaled request cannot change afterwards, so
the flow could never be resumed. drconsole refuses such a role before anything is sent or
journaled. A two-hop copy across accounts starts its hops in two accounts (or may, when AWS
refuses the single job): one role ARN cannot fit both, a role name can (each account's role of
that name).
"""

from __future__ import annotations

from dataclasses import dataclass

from drconsole.aws.convert import arn_account
from drconsole.checks.arns import RecoveryPointArn, VaultArn
from drconsole.errors import UsageError
from drconsole.flows.routes import DB_FAMILY


def role_account_of(role: str | None) -> str | None:
    """The account of a role given as an ARN; None for a role given by name."""
    return (arn_account(role) or None) if role and role.startswith("arn:") else None


@dataclass(frozen=True)
class RoleUse:
    """Where the flow's jobs run: enough to tell which account each role must be in."""

    source_account: str | None  # None while unknown (an EBS/EC2 ARN that omits it)
    source_region: str
    resource_type: str | None  # None while unknown
    destination: tuple[str, str] | None  # (account, Region) of the copy's vault
    restore: bool
    route_mode: str = "auto"
    partition: str = ""  # the recovery point's partition; "" while unknown

    @classmethod
    def of(
        cls,
        recovery_point: RecoveryPointArn,
        account_hint: str | None,
        destination: VaultArn | None,
        *,
        restore: bool,
        route_mode: str = "auto",
    ) -> RoleUse:
        """What the ARNs given tell before any AWS call."""
        return cls(
            recovery_point.account_id or account_hint,
            recovery_point.region,
            recovery_point.resource_type_hint,
            (destination.account_id, destination.region) if destination is not None else None,
            restore,
            route_mode,
            recovery_point.partition,
        )


def refuse_foreign_roles(
    use: RoleUse,
    copy_role: str | None,
    restore_role: str | None,
    flags: tuple[str, str] = ("--copy-role", "--restore-role"),
) -> None:
    """UsageError naming the flag, the role's account and the job's account when a role ARN
    is not in the account (or the partition) whose job passes it."""
    copy_flag, restore_flag = flags
    _refuse_other_partition(use, copy_role, copy_flag)
    _refuse_other_partition(use, restore_role, restore_flag)
    role_account = role_account_of(copy_role)
    if role_account and use.destination is not None and use.source_account:
        if role_account != use.source_account:
            raise UsageError(
                f"{copy_flag} names a role of account {role_account}; hop 1 starts in account "
                f"{use.source_account}, whose own role it must pass: give the role by name "
                f"({copy_flag} {_name(copy_role)}) or an ARN in {use.source_account}"
            )
        dest_account, dest_region = use.destination
        two_hops = (
            use.resource_type in DB_FAMILY
            and dest_account != use.source_account
            and dest_region != use.source_region
            and use.route_mode != "single"
        )
        if two_hops:
            raise UsageError(
                f"{copy_flag} names a role of account {role_account}; a two-hop copy of this "
                f"{use.resource_type} may start hop 2 in account {dest_account}: give the role "
                f"by name ({copy_flag} {_name(copy_role)}) so that each hop uses its own "
                "account's role of that name, or --route single"
            )
    role_account = role_account_of(restore_role)
    restoring = use.destination[0] if use.destination is not None else use.source_account
    if role_account and use.restore and restoring and role_account != restoring:
        raise UsageError(
            f"{restore_flag} names a role of account {role_account}; the restore runs in "
            f"account {restoring}, whose own role it must pass: give the role by name "
            f"({restore_flag} {_name(restore_role)}) or an ARN in {restoring}"
        )


def _refuse_other_partition(use: RoleUse, role: str | None, flag: str) -> None:
    """UsageError when a role ARN is of another partition than the recovery point: IAM answers
    GetRole by name in the caller's own partition, so a check would judge another role."""
    if not (role and role.startswith("arn:") and use.partition):
        return
    partition = role.split(":")[1]
    if partition != use.partition:
        raise UsageError(
            f"{flag} names a role of partition {partition}; the recovery point is in "
            f"partition {use.partition}: give the role by name ({flag} {_name(role)}) or an "
            f"ARN in {use.partition}"
        )


def _name(role: str | None) -> str:
    """path/name of a role ARN (arn:aws:iam::ACCOUNT:role/path/name)."""
    return (role or "").split(":role/", 1)[-1]
