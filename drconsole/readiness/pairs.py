"""The copy and restore check runs of one row: which pairs a recovery would use, and their
verdicts from the checks of `drconsole.checks` on facts read once (`SharedFacts`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from drconsole.aws.facts import COPY_GROUPS, base_copy_facts, gather_group, merge_groups
from drconsole.aws.reader import FATAL_CAUSES
from drconsole.aws.restore_facts import key_rcps_of
from drconsole.aws.restore_image_keys import point_keys, vault_image_keys
from drconsole.checks.arns import parse_recovery_point_arn, parse_vault_arn
from drconsole.checks.common import unknown_check
from drconsole.checks.copy import copy_verdicts
from drconsole.checks.facts import (
    CopyFacts,
    RecoveryPointFacts,
    RestoreFacts,
    Unreadable,
    VaultFacts,
    default_role_arn,
)
from drconsole.checks.image_keys import restore_checks_with_other_keys
from drconsole.checks.restore import check_restore_role
from drconsole.checks.restore_access import check_restore_key, key_uses
from drconsole.checks.restore_key_calls import EBS_TYPES
from drconsole.checks.restore_network import (
    NETWORKED_TYPES,
    check_restore_network,
    network_request,
)
from drconsole.checks.restore_rcps import check_restore_key_and_rcps
from drconsole.checks.runner import FIRST_HOP, CheckReport, copy_route, of_hop
from drconsole.errors import AwsError, UsageError
from drconsole.models import CauseCode, Check, CheckStatus, ProtectedResource
from drconsole.partitions import of_arn
from drconsole.readiness.copy_rules import copy_rule_check, copy_rule_remedy
from drconsole.readiness.facts import SharedFacts
from drconsole.readiness.model import CopyCheckRun, CopyRule, RestoreCheckRun

RECOVERY_POINT_CHECK = "readiness.recovery-point"
TWO_HOP_CHECK = "readiness.two-hop-route"


def copy_run(
    reader: SharedFacts,
    direction: str,
    resource_type: str,
    recovery_point_arn: str,
    source_vault_arn: str,
    destination_vault_arn: str,
    rule: CopyRule | None = None,
) -> CopyCheckRun:
    """Every copy check of one recovery point (in its known vault) into one vault; `rule`:
    the copy rule that sends its copies there (a DR copy AWS makes in one job)."""
    try:
        reader.locate(recovery_point_arn, source_vault_arn)
        base = base_copy_facts(
            reader,
            parse_recovery_point_arn(recovery_point_arn, "the recovery point AWS listed"),
            parse_vault_arn(destination_vault_arn, "the vault AWS listed"),
        )
    except (AwsError, UsageError) as exc:
        # Both ARNs come from AWS: one drconsole cannot read is this pair's UNKNOWN, never
        # the end of the report (nor an error blamed on a flag nobody gave).
        fatal = isinstance(exc, AwsError) and exc.cause in FATAL_CAUSES
        if fatal and isinstance(exc, AwsError) and not reader.failure_is_local(exc.cause):
            raise
        code = str(exc.cause) if isinstance(exc, AwsError) else "UNKNOWN"
        fact = Unreadable("backup:DescribeRecoveryPoint", code, str(exc))
        check = unknown_check(
            RECOVERY_POINT_CHECK, "Recovery point readable", fact, recovery_point_arn
        )
        return CopyCheckRun(
            direction,
            resource_type,
            recovery_point_arn,
            source_vault_arn,
            destination_vault_arn,
            (check,),
            None,
            0,
        )
    facts = merge_groups(base, {group: gather_group(reader, group, base) for group in COPY_GROUPS})
    checks = copy_verdicts(facts)
    route = copy_route(facts, checks)
    hop_checks: tuple[Check, ...] = ()
    intermediate = None
    hop_facts: tuple[tuple[str, CopyFacts], ...] = ()
    if direction == "copy-back" and route["hops"] == 2:
        # A database across account AND Region: AWS may refuse the single job, and drconsole
        # then copies in two hops. Both are judged as `drconsole copy` judges them before it
        # starts, so a blocked hop is this row's, not a surprise on the day.
        report = CheckReport(
            "copy", facts.recovery_point.arn, destination_vault_arn, tuple(checks), facts, route
        )
        hop_checks, intermediate, hop_facts = two_hop_checks(reader, report)
    elif rule is not None and route["hops"] == 2:
        # AWS runs a copy rule's copy in one job and never in two hops: whether it takes this
        # one is the rule's, and the two hops of its remedy are judged as a copy back's are.
        report = CheckReport(
            "copy", facts.recovery_point.arn, destination_vault_arn, tuple(checks), facts, route
        )
        hop_checks, intermediate, hop_facts = copy_rule_checks(reader, report, rule)
    return CopyCheckRun(
        direction,
        resource_type,
        recovery_point_arn,
        source_vault_arn,
        destination_vault_arn,
        (*checks, *hop_checks),
        facts,
        int(route["hops"]),
        intermediate,
        hop_facts,
        rule,
    )


def copy_rule_checks(
    reader: SharedFacts, report: CheckReport, rule: CopyRule
) -> tuple[tuple[Check, ...], str | None, tuple[tuple[str, CopyFacts], ...]]:
    """The copy rule's route check of `report`'s copy and, unless AWS is seen to make it in one
    job, the checks of the two hops its remedy takes (`two_hop_checks`)."""
    facts = report.facts
    assert isinstance(facts, CopyFacts) and report.destination is not None
    rp, destination = facts.recovery_point, report.destination
    judged = copy_rule_check(reader, rp, rule, destination, None)
    if judged.status is CheckStatus.PASS:
        return (judged,), None, ()
    hops, intermediate, hop_facts = two_hop_checks(reader, report)
    if judged.remediation and judged.status is not CheckStatus.UNKNOWN:
        # The remedy's first step names the intermediate vault the hops were judged through.
        remedy = copy_rule_remedy(rp, rule, destination, intermediate)
        judged = replace(judged, remediation=remedy)
    return (judged, *hops), intermediate, hop_facts


def two_hop_checks(
    reader: SharedFacts, report: CheckReport
) -> tuple[tuple[Check, ...], str | None, tuple[tuple[str, CopyFacts], ...]]:
    """The checks of both hops of the two-hop route of `report`'s copy (`hop1.<id>` into the
    intermediate vault, `hop2.<id>` on from it, as `check copy` names the second hop's), read
    through the evaluation's shared facts: what they add is read once per intermediate vault
    (its key, access policy, the role of its account, the vaults listed), not per recovery
    point. Returns them with the intermediate vault judged (None when there is no candidate:
    the route check, which counts against the row then, says which vault to create) and the
    facts each hop's checks judged (its fixes are planned on them)."""
    from drconsole.flows.hop_checks import route_hops

    try:
        hops = route_hops(reader.sessions, report, None, None, reader)
    except (AwsError, UsageError) as exc:
        fatal = isinstance(exc, AwsError) and exc.cause in FATAL_CAUSES
        if fatal and isinstance(exc, AwsError) and not reader.failure_is_local(exc.cause):
            raise
        code = str(exc.cause) if isinstance(exc, AwsError) else "UNKNOWN"
        fact = Unreadable("two-hop route", code, str(exc))
        what = f"the two-hop route to {report.destination}"
        return (unknown_check(TWO_HOP_CHECK, "Two-hop route judged", fact, what),), None, ()
    found: list[Check] = []
    intermediate = None
    facts: list[tuple[str, CopyFacts]] = []
    for step, hop in hops:
        if isinstance(hop.facts, CopyFacts):
            facts.append((step, hop.facts))
        if step == FIRST_HOP:
            intermediate = hop.destination
            found += [of_hop(check, FIRST_HOP) for check in hop.checks]
        else:
            found += hop.checks  # already `hop2.<id>`, "Hop 2: …"
    return tuple(found), intermediate, tuple(facts)


def representatives(
    resources: Iterable[ProtectedResource],
) -> dict[tuple[str, str], ProtectedResource]:
    """(vault ARN, resource type) -> the resource whose newest recovery point stands for the
    type in that vault: the first in the given order (callers put the most telling first)."""
    chosen: dict[tuple[str, str], ProtectedResource] = {}
    for resource in resources:
        if resource.last_vault_arn and resource.last_recovery_point_arn:
            chosen.setdefault((resource.last_vault_arn, resource.resource_type), resource)
    return chosen


def restore_run(
    reader: SharedFacts,
    account_id: str,
    destination_vault_arn: str,
    resource_types: Sequence[str],
    copy_back: Sequence[CopyCheckRun],
    dr_copy: Sequence[CopyCheckRun] = (),
    newest: tuple[Sequence[str], Sequence[str]] = ((), ()),
    key_in_place: bool = False,
) -> RestoreCheckRun:
    """The form-independent restore checks for a restore in `destination_vault_arn` after a
    copy back (else, when no copy comes back into it, of the account's own newest recovery
    point there, from the facts of its DR copy run): the default restore role (with S3's extra
    policy when S3 is protected), the key the restored data is encrypted with (the vault's, or
    in place the recovery point's own and each other key the account's own recovery points
    there are restored on: the other resource types' points', and of `newest`, the newest
    recovery points of the EC2 instances (their AMI snapshots') and EBS volumes protected
    there), and — when a networked type
    (EC2, a database) is protected — the default VPC with default subnets that a restore naming
    no network lands in. These are
    `check restore`'s own checks on the same facts, so both judge a restore alike. AWS Backup's
    service-linked role is not one of them: a restore runs as the restore role (AWS's
    AWSServiceRoleForBackup backs up and copies), and a copy back into the account is judged on
    it already (`dest.service-linked-role`). `key_in_place`: only `restore.key`, of the
    account's own recovery points there, whether or not a copy comes back into the vault."""
    run = None
    if not key_in_place:
        run = next(
            (r for r in copy_back if r.destination_vault_arn == destination_vault_arn and r.facts),
            None,
        )
    if run is None or run.facts is None:
        # No copy to bring back (none made, expired, deleted): the everyday restore of the
        # account's own recovery points needs the same role, key and service-linked role.
        own = next(
            (r for r in dr_copy if r.source_vault_arn == destination_vault_arn and r.facts),
            None,
        )
        if own is None or own.facts is None:
            return RestoreCheckRun(destination_vault_arn, (), in_place=True)
        rp, key, region = own.facts.recovery_point, own.facts.source_key, ""
        key_arn = rp.encryption_key_arn or ""
    else:
        rp, vault, region = run.facts.recovery_point, run.facts.dest_vault, run.facts.dest_region
        key = vault.key if isinstance(vault, VaultFacts) else vault
        key_arn = vault.encryption_key_arn if isinstance(vault, VaultFacts) else ""
    # S3 needs the most of the role: judge the role for it when S3 is protected here.
    kind = "S3" if "S3" in resource_types else (resource_types[0] if resource_types else "")
    point = replace(rp, resource_type=kind or rp.resource_type)
    partition = of_arn(destination_vault_arn)
    role_arn = default_role_arn(account_id, partition)
    # Who must be let use the key, judged on its policy (read with the key) and its grants
    # (listed once per key), as `check restore` judges them.
    uses = key_uses(key, role_arn, account_id, partition)
    membership = reader.membership(account_id)
    facts = RestoreFacts(
        recovery_point=point,
        restoring_account_id=account_id,
        role_arn=role_arn,
        role=reader.role(role_arn),
        metadata={},
        restore_key=key,
        restore_key_arn=key_arn,  # named in the remedy when the key could not be read
        key_access=tuple(reader.key_access(used, who, account_id) for used, who in uses),
        restoring_region=region or rp.region,
        after_copy_to=destination_vault_arn if region else "",
        # The organization keys a permissions boundary of the role may test.
        restoring_org=membership,
        # The RCPs that may deny AWS Backup the role's assumption (each level read once).
        role_rcps=reader.resource_control_policies(account_id, membership),
    )

    def judged(judged_facts: RestoreFacts) -> list[Check]:
        key_check = restore_key_check(reader, judged_facts, resource_types)
        return [key_check] if key_in_place else [check_restore_role(judged_facts), key_check]

    if run is None:
        # In place, each type's recovery points are restored on their own keys, and each
        # instance's volumes on its snapshots' keys.
        where = (account_id, membership)
        instances, volumes = newest
        mine = [
            (r.facts.recovery_point, r.facts.source_key)
            for r in dr_copy
            if r.source_vault_arn == destination_vault_arn and r.facts
        ]
        unread: tuple[Unreadable, RecoveryPointFacts] | None = None
        for arn in volumes:
            volume = replace(rp, arn=arn, resource_type="EBS")
            read = reader.snapshot_key(volume)
            if isinstance(read, Unreadable):
                unread = unread or (read, volume)
            elif read is not None:
                mine.append((replace(volume, encryption_key_arn=read[0] or None), read[1]))
        others = point_keys(reader, mine, key_arn, role_arn, where)
        points = [replace(rp, arn=arn, resource_type="EC2") for arn in instances]
        amis, named = vault_image_keys(reader, points, (key_arn, key), role_arn, where)
        if isinstance(amis, Unreadable) or unread is None:
            judged_keys = amis if isinstance(amis, Unreadable) else others + amis
        else:
            judged_keys, named = unread
        facts = replace(facts, other_keys=judged_keys)
        checks = restore_checks_with_other_keys(facts, judged, named)
    else:
        checks = judged(facts)
    networked = [t for t in resource_types if t in NETWORKED_TYPES]
    if networked and not key_in_place:
        checks.append(default_network_check(reader, facts, networked[0]))
    return RestoreCheckRun(destination_vault_arn, tuple(checks), facts, in_place=run is None)


def restore_runs(
    reader: SharedFacts,
    account_id: str,
    destination_vault_arn: str,
    resource_types: Sequence[str],
    runs: tuple[Sequence[CopyCheckRun], Sequence[CopyCheckRun]],
    newest: tuple[Sequence[str], Sequence[str]],
) -> list[RestoreCheckRun]:
    """The restore run of a vault (`restore_run`); where it is the restore after a copy back,
    also the key of the restore in place of the account's own recovery points there (the
    everyday restore), when that key differs: an EBS snapshot or an RDS snapshot keeps its
    resource's key, an EC2 instance its snapshots' keys, where the copy back's are the vault's.
    Its role and network are the copy back's (the same role and the same default VPC).
    `runs`: the row's copy-back and DR copy runs; `newest`: see `restore_run`."""
    args = (reader, account_id, destination_vault_arn, resource_types, *runs)
    judged = restore_run(*args, newest)
    if judged.in_place or judged.facts is None:
        return [judged]
    own = restore_run(*args, newest, key_in_place=True)
    if own.facts is None:
        return [judged]
    others = own.facts.other_keys
    if own.facts.restore_key_arn == judged.facts.restore_key_arn and others == ():
        return [judged]  # the same key, judged the same
    return [judged, own]


def restore_key_check(
    reader: SharedFacts, facts: RestoreFacts, resource_types: Sequence[str]
) -> Check:
    """`restore.key`: the key's state and its use by the restore role and AWS Backup's
    service-linked role (`facts.key_access`: key policy, else grants); when an EBS volume or
    EC2 instance is protected here and the key is customer managed, judged as `check
    restore` judges such a restore: with the resource control policies of the key's account
    against the restore role's KMS calls on it (an RCP denying them fails every such restore,
    whatever the key policy says)."""
    ebs = next((kind for kind in resource_types if kind in EBS_TYPES), None)
    membership = facts.restoring_org
    if ebs is None or membership is None:
        return check_restore_key(facts)
    point = replace(facts.recovery_point, resource_type=ebs)
    account = facts.restoring_account_id
    rcps = key_rcps_of(reader, ebs, facts.restore_key, membership, account)
    return check_restore_key_and_rcps(replace(facts, recovery_point=point, key_rcps=rcps))


def default_network_check(reader: SharedFacts, facts: RestoreFacts, resource_type: str) -> Check:
    """`restore.network` for a restore form that names no network: the default VPC and its
    default subnets in the restoring account and Region (read once for all its vaults)."""
    account, region = facts.restoring_account_id, facts.restoring_region or ""
    request = network_request(resource_type, {})
    assert request is not None  # a networked type always has a network request
    network = reader.once(
        ("default-network", account, region),
        lambda: reader.restore_network(account, region, request),
    )
    return check_restore_network(replace(facts, network=network))


def no_destination_check(account_id: str, region: str) -> Check:
    """FAIL: the account has no vault in the Region to copy a recovery point back into.

    Its cause is the one `check copy` and `explain` give a copy into the Default vault: that
    vault is always on the AWS managed key aws/backup, which no other account can use. No
    vault access policy is involved, so VAULT_POLICY_DENIES_COPY would send people to the
    wrong fix."""
    return Check(
        "readiness.copy-back-vault",
        "A vault to copy back into",
        CheckStatus.FAIL,
        f"account {account_id} has no backup vault in {region} besides the default vault, "
        "which is encrypted with the AWS managed key aws/backup and cannot receive copies from "
        "another account",
        CauseCode.DEST_VAULT_AWS_MANAGED_KEY,
        f"In account {account_id}, create a vault in {region} encrypted with a customer managed "
        "key, with an access policy allowing backup:CopyIntoBackupVault to the backup account.",
    )
