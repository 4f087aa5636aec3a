"""The option-group verdict of an RDS DB snapshot copied into another Region.

AWS Backup "does not pass the option group when performing a cross-Region copy. Instead, AWS
Backup copies the default option group, even if you have configured a custom option group. If
your custom option group uses persistent options, the cross-Region copy job fails unless the
destination Region has the same option group as the source Region" with "The snapshot requires
a target option group with the following options: ...." (AWS Backup developer guide,
cross-region-backup.html). Persistent and permanent options are Oracle's TDE, Timezone and
OLS and SQL Server's TDE (RDS's DescribeOptionGroupOptions).
"""

from __future__ import annotations

from drconsole.checks.common import unknown_check
from drconsole.checks.facts import CopyFacts, SnapshotOptionGroup, Unreadable
from drconsole.models import CauseCode, Check, CheckStatus

CHECK = ("route.option-group", "RDS option group in the destination Region")
RDS_MESSAGE = "The snapshot requires a target option group with the following options: [{}]"


def check_option_group(facts: CopyFacts) -> Check:
    """An RDS DB snapshot copied into another Region: its option group's persistent or
    permanent options are in an option group of the same name there."""
    cid, title = CHECK
    rp = facts.recovery_point
    group = facts.snapshot_option_group
    if rp.resource_type != "RDS":
        return Check(cid, title, CheckStatus.PASS, f"{rp.resource_type}: no DB option group")
    if not facts.cross_region:
        return Check(
            cid, title, CheckStatus.PASS, "same-Region copy: the snapshot keeps its option group"
        )
    if isinstance(group, Unreadable):
        return unknown_check(cid, title, group, f"the option group of DB snapshot {_source(facts)}")
    if group is None:
        evidence = "the snapshot is no DB instance snapshot with an option group"
        return Check(cid, title, CheckStatus.PASS, evidence)
    if group.default:
        return Check(
            cid,
            title,
            CheckStatus.PASS,
            f"default option group {group.name}: the copy gets {facts.dest_region}'s own",
        )
    if isinstance(group.lasting_options, Unreadable):
        return unknown_check(cid, title, group.lasting_options, f"option group {group.name}")
    if not group.lasting_options:
        return _options_left_behind(facts, group)
    there = group.destination_options
    if isinstance(there, Unreadable):
        return unknown_check(
            cid,
            title,
            there,
            f"option group {group.name} of account {facts.dest_account_id} in {facts.dest_region}",
        )
    lasting = group.lasting_options
    missing = tuple(option for option in lasting if there is None or option not in there)
    if missing:
        return _copy_fails(facts, group, (lasting, missing), there is not None)
    # Prepared: the copy works. It carries the default option group all the same, so its
    # restore names the prepared one (the restore form's OptionGroupName).
    return Check(
        cid,
        title,
        CheckStatus.PASS,
        f"option group {group.name} holds persistent or permanent option(s) "
        f"{', '.join(lasting)}, and account {facts.dest_account_id} has an option group "
        f"{group.name} holding them in {facts.dest_region}; AWS Backup gives the copy the "
        f"default option group: restore it with OptionGroupName={group.name}",
    )


def _source(facts: CopyFacts) -> str:
    """The DB snapshot judged: the recovery point's own, or a foreseen copy's original."""
    rp = facts.recovery_point
    return rp.copied_from or rp.arn


def _source_place(facts: CopyFacts) -> tuple[str, str]:
    """The account and Region of the DB snapshot judged."""
    parts = _source(facts).split(":")
    return parts[4] or facts.recovery_point.account_id, parts[3]


def _copy_fails(
    facts: CopyFacts,
    group: SnapshotOptionGroup,
    options: tuple[tuple[str, ...], tuple[str, ...]],
    partial: bool,
) -> Check:
    """FAIL: the copy job would fail for the options (lasting, missing) the destination Region
    lacks."""
    cid, title = CHECK
    lasting, missing = options
    source_account, source_region = _source_place(facts)
    account, region = facts.dest_account_id, facts.dest_region
    where = (
        f"account {account}'s option group {group.name} in {region} lacks {', '.join(missing)}"
        if partial
        else f"account {account} has no option group {group.name} in {region}"
    )
    return Check(
        cid,
        title,
        CheckStatus.FAIL,
        f"DB snapshot {_source(facts)} carries option group {group.name} with persistent or "
        f"permanent option(s) {', '.join(lasting)}, and {where}: AWS Backup does "
        "not copy option groups across Regions, so the copy job would fail with "
        f"'{RDS_MESSAGE.format(', '.join(missing))}'",
        CauseCode.RDS_OPTION_GROUP,
        f"{_create_there(facts, group, missing, partial)}\nthen start the copy, and "
        f"restore the copy with --metadata OptionGroupName={group.name}. Or restore the "
        f"snapshot where it is (account {source_account}, Region {source_region}), or copy it with "
        f"RDS itself: aws rds copy-db-snapshot --source-db-snapshot-identifier {_source(facts)} "
        f"--target-db-snapshot-identifier <NAME> --option-group-name {group.name} "
        f"--source-region {source_region} --region {region} (in account {account}, "
        "with the option group made first).",
        details=(("option_group", group.name), ("missing_options", ",".join(missing))),
    )


def _create_there(
    facts: CopyFacts, group: SnapshotOptionGroup, missing: tuple[str, ...], partial: bool
) -> str:
    """The commands that make the option group (or add its missing options) in the destination
    account and Region, run there."""
    account, region = facts.dest_account_id, facts.dest_region
    source_account, source_region = _source_place(facts)
    partition = _source(facts).split(":")[1]
    adds = " ".join(f"OptionName={option}" for option in missing)
    add = (
        f"  aws rds add-option-to-option-group --option-group-name {group.name} --options "
        f"{adds} --apply-immediately --region {region}  (with the settings the source group's "
        f"options have: aws rds describe-option-groups --option-group-name {group.name} "
        f"--region {source_region} in account {source_account})"
    )
    if partial:
        return f"In account {account}, add the missing option(s) to {group.name}:\n{add}"
    if source_account == account:
        return (
            f"In account {account}, copy the option group into {region}:\n"
            f"  aws rds copy-option-group --source-option-group-identifier "
            f"arn:{partition}:rds:{source_region}:{source_account}:og:{group.name} "
            f"--target-option-group-identifier {group.name} --target-option-group-description "
            f"'DR copy of {group.name}' --region {region}"
        )
    return (
        f"In account {account}, create the option group in {region} (RDS does not copy an "
        "option group across accounts):\n"
        f"  aws rds create-option-group --option-group-name {group.name} --engine-name "
        f"{group.engine or '<ENGINE>'} --major-engine-version "
        f"{group.major_engine_version or '<VERSION>'} --option-group-description "
        f"'DR copy of {group.name}' --region {region}\n{add}"
    )


def _options_left_behind(facts: CopyFacts, group: SnapshotOptionGroup) -> Check:
    """WARN: the copy works, with the default option group instead of the custom one."""
    cid, title = CHECK
    held = ", ".join(group.other_options) or "no options"
    return Check(
        cid,
        title,
        CheckStatus.WARN,
        f"option group {group.name} ({held}; none persistent or permanent) is not copied "
        f"into {facts.dest_region}: AWS Backup gives the copy the default option group",
        CauseCode.RDS_OPTION_GROUP,
        f"The copy starts and completes. To restore it with the same options, create an option "
        f"group like {group.name} in account {facts.dest_account_id}, Region "
        f"{facts.dest_region} (aws rds create-option-group, aws rds add-option-to-option-group), "
        f"and restore with --metadata OptionGroupName={group.name}.",
    )
