"""Every prerequisite check reads in the account and Region of the thing it judges.

A copy check that read the destination vault's access policy in the source account, or a key
in the wrong Region, would give a PASS about something else. Over the demo scenario's recovery
points of every resource type, copied across account AND Region (and back), restored after the
copy, restored into another account, and along a two-hop route's second hop, each check group's
facts are read one group at a time and the sandbox's log says where each read went: the
caller's access key names the account, the signature the Region. Each operation must have gone
where that group may need it; and the evidence of each check names no account or Region the
route does not involve.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from drconsole.aws.facts import FactReader, base_copy_facts, gather_group
from drconsole.aws.next_hop_facts import second_hop_facts
from drconsole.checks.arns import parse_recovery_point_arn, parse_vault_arn
from drconsole.checks.copy import COPY_CHECK_GROUPS
from drconsole.checks.facts import CopyFacts, VaultFacts
from drconsole.checks.runner import run_copy_checks, run_restore_checks
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from drconsole.tui.checks_screen import ChecksScreen
from tests import forked_cli
from tests.demo_cli import demo_cli_env
from tests.demo_sessions import demo_sessions, fast_demo
from tests.read_places import ANY_REGION, Place, misplaced, places_named, reads_of

DRCONSOLE = (sys.executable, "-m", "drconsole")
TYPES = ("EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3")


@dataclass(frozen=True)
class Route:
    """A copy from `source` (account, Region of the recovery point) to `dest`."""

    rp_arn: str
    source: Place
    dest: Place
    dest_vault: str
    source_key: Place  # the recovery point's key: its own account, the point's Region


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, ScenarioInfo, Any]]:
    for sandbox, info in fast_demo():
        yield sandbox, info, demo_sessions(sandbox, info, tmp_path_factory.mktemp("state"))


def newest_of_each_type(sandbox: Sandbox, account: str, region: str, vault: str) -> dict[str, Any]:
    """One recovery point of each resource type in `vault`: type -> (ARN, key ARN)."""
    backup = sandbox.client("backup", account, region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    found: dict[str, Any] = {}
    for point in points:
        if point.get("Status") == "COMPLETED":
            found.setdefault(point["ResourceType"], point)
    return found


def routes(sandbox: Sandbox, info: ScenarioInfo) -> list[tuple[str, Route]]:
    """(name, route) of every resource type: a workload's point into the recovery account in
    the DR Region, and a copy in the backup account's DR vault back to the workload's Region."""
    eu, dr = info.region, info.dr_region
    prod, backup, recovery = (info.accounts[r] for r in ("prod", "backup", "recovery"))
    made: list[tuple[str, Route]] = []
    for label, (account, region, vault), (dest_account, dest_region, dest_vault) in (
        ("out", (prod, eu, "prod-vault"), (recovery, dr, "recovery-vault")),
        ("back", (backup, dr, f"dr-{dr}"), (prod, eu, "prod-vault")),
    ):
        points = newest_of_each_type(sandbox, account, region, vault)
        for kind in TYPES:
            if kind not in points:
                continue
            point = points[kind]
            key_account = point.get("EncryptionKeyArn", "").split(":")[4:5] or [account]
            made.append(
                (
                    f"{label}-{kind}",
                    Route(
                        point["RecoveryPointArn"],
                        Place(account, region),
                        Place(dest_account, dest_region),
                        f"arn:aws:backup:{dest_region}:{dest_account}:backup-vault:{dest_vault}",
                        Place(key_account[0] or account, region),
                    ),
                )
            )
    return made


def anywhere(account: str) -> Place:
    return Place(account, ANY_REGION)


def copy_places(route: Route, management: str) -> dict[str, dict[str, set[Place]]]:
    """Per check group (and the base facts), where each operation may read."""
    s, d, m = route.source, route.dest, management
    return {
        "base": {
            "backup:ListBackupVaults": {s},
            "backup:DescribeRecoveryPoint": {s},
            "organizations:DescribeOrganization": {anywhere(s.account), anywhere(d.account)},
            "organizations:ListParents": {anywhere(m)},
            "sts:GetCallerIdentity": {anywhere(m)},
        },
        "organization": {
            # The organization's setting, asked where the copy job starts.
            "backup:DescribeGlobalSettings": {Place(m, s.region)},
            # The destination vault's tags, and the tags the copy carries (the point's).
            "backup:ListTags": {d, s},
            "organizations:DescribeEffectivePolicy": {anywhere(m), anywhere(d.account)},
            "organizations:ListRoots": {anywhere(m)},
            "organizations:ListParents": {anywhere(m)},
            "organizations:ListPoliciesForTarget": {anywhere(m)},
            "organizations:DescribePolicy": {anywhere(m)},
        },
        "destination": {
            "backup:DescribeBackupVault": {d},
            "backup:GetBackupVaultAccessPolicy": {d},
            "backup:ListTags": {d},
            "kms:DescribeKey": {d},
            "kms:ListAliases": {d},
            "kms:GetKeyPolicy": {d},
            "iam:GetRole": {anywhere(d.account)},
        },
        "source": {
            "backup:GetBackupVaultAccessPolicy": {s},
            # An EC2 point's AMI and the keys of its snapshots (read once, with the route's).
            "ec2:DescribeImages": {s},
            "ec2:DescribeSnapshots": {s},
            "kms:DescribeKey": {route.source_key, s},
            "kms:ListAliases": {route.source_key},
            "kms:GetKeyPolicy": {route.source_key},
            "iam:GetRole": {anywhere(s.account)},
            "iam:ListAttachedRolePolicies": {anywhere(s.account)},
            "iam:ListRolePolicies": {anywhere(s.account)},
            "iam:SimulatePrincipalPolicy": {anywhere(s.account)},
            # The copy role's permissions boundary, and the destination vault's tags it may test.
            "iam:GetPolicy": {anywhere(s.account)},
            "iam:GetPolicyVersion": {anywhere(s.account)},
            "backup:ListTags": {d},
            "sts:GetCallerIdentity": {s},
            # The RCPs on the source account's OU path, which may deny AWS Backup the copy
            # role: from the management account (ListRoots says whether any apply).
            "organizations:ListRoots": {anywhere(m)},
            "organizations:ListParents": {anywhere(m)},
            "organizations:ListPoliciesForTarget": {anywhere(m)},
            "organizations:DescribePolicy": {anywhere(m)},
        },
        "route": {
            "backup:ListCopyJobs": {s},
            "ec2:DescribeImages": {s},
            "rds:DescribeDBSnapshots": {s},
            # The snapshot's option group, and the same-named one at the destination.
            "rds:DescribeOptionGroups": {s, d},
            # Intermediate vaults: the destination account in the source Region, or the
            # source account in the destination Region.
            "backup:ListBackupVaults": {
                Place(d.account, s.region),
                Place(s.account, d.region),
            },
        },
    }


def restore_places(
    source: Place, where: Place, key: Place, management: str
) -> dict[str, set[Place]]:
    """Where each read of the restore checks may go: the recovery point's reads in its own
    place, everything about the restore where it runs (`where`), the key in `key`."""
    return {
        "backup:ListBackupVaults": {source, where},
        "backup:DescribeRecoveryPoint": {source},
        "backup:GetRecoveryPointRestoreMetadata": {source},
        "backup:DescribeBackupVault": {where},
        "backup:GetBackupVaultAccessPolicy": {where},
        "kms:DescribeKey": {key},
        "kms:ListAliases": {key},
        "kms:GetKeyPolicy": {key},
        "kms:ListGrants": {key},
        "sts:GetCallerIdentity": {where, anywhere(management)},
        "organizations:DescribeOrganization": {anywhere(where.account), anywhere(source.account)},
        # restore.scps: the SCPs on the restoring account's OU path, from the management account.
        "organizations:ListParents": {anywhere(management)},
        "organizations:ListRoots": {anywhere(management)},
        "organizations:ListPoliciesForTarget": {anywhere(management)},
        "organizations:DescribePolicy": {anywhere(management)},
        **{
            name: {anywhere(where.account)}
            for name in (
                "iam:GetRole",
                "iam:GetPolicy",  # the restore role's permissions boundary
                "iam:GetPolicyVersion",
                "iam:ListAttachedRolePolicies",
                "iam:ListRolePolicies",
                "iam:SimulatePrincipalPolicy",
                "iam:GetInstanceProfile",
            )
        },
        **{
            name: {where}
            for name in (
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeVpcs",
                "ec2:DescribeKeyPairs",
                "rds:DescribeDBSubnetGroups",
                "rds:DescribeOptionGroups",
                "rds:DescribeDBEngineVersions",
                "rds:DescribeDBInstances",
                "rds:DescribeDBClusters",
                "dynamodb:DescribeTable",
                "efs:DescribeFileSystems",
                "s3:HeadBucket",
            )
        },
    }


def read_during(sandbox: Sandbox, action: Any) -> tuple[Any, list[Any]]:
    mark = sandbox.request_log.mark()
    result = action()
    return result, reads_of(sandbox.request_log.since(mark))


def evidence_strays(checks: Any, involved: set[str], regions: set[str]) -> list[str]:
    """The checks whose evidence names an account or Region the route does not involve."""
    strays = []
    for check in checks:
        accounts, named_regions = places_named(check.evidence)
        if accounts - involved or named_regions - regions:
            strays.append(f"{check.id}: {check.evidence[:300]}")
    return strays


def route_ids(demo: Any) -> list[str]:
    return [name for name, _ in routes(demo[0], demo[1])]


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("direction", ("out", "back"))
def test_each_copy_check_group_reads_where_its_facts_live(
    demo: tuple[Sandbox, ScenarioInfo, Any], direction: str, kind: str
) -> None:
    sandbox, info, sessions = demo
    found = dict(routes(sandbox, info)).get(f"{direction}-{kind}")
    if found is None:
        pytest.skip(f"the demo has no {kind} recovery point for the {direction} route")
    route = found
    assert route.source.account != route.dest.account
    assert route.source.region != route.dest.region
    management = info.accounts["management"]
    allowed = copy_places(route, management)
    reader = FactReader(sessions)
    base, reads = read_during(
        sandbox,
        lambda: base_copy_facts(
            reader,
            parse_recovery_point_arn(route.rp_arn),
            parse_vault_arn(route.dest_vault),
            account_hint=route.source.account,
        ),
    )
    wrong = {"base": misplaced(reads, allowed["base"])}
    involved = {route.source.account, route.dest.account, management, route.source_key.account}
    regions = {route.source.region, route.dest.region}
    strays: list[str] = []
    judged = {}
    for group, verdicts in COPY_CHECK_GROUPS.items():
        facts, reads = read_during(sandbox, lambda g=group: gather_group(reader, g, base))
        wrong[group] = misplaced(reads, allowed[group])
        assert reads or group == "organization", f"{group} read nothing"
        judged.update({check.id: check for check in (v(facts) for v in verdicts)})
    strays = evidence_strays(judged.values(), involved, regions)
    assert not any(wrong.values()), wrong
    assert not strays, strays
    # Checks whose evidence named no place say the one they read in.
    assert f"true in {route.source.region}" in judged["org.cross-account"].evidence
    assert f"account {route.source.account}" in judged["source.scps"].evidence
    assert f"vault {route.dest_vault.rsplit(':', 1)[1]}" in judged["dest.vault"].evidence


@pytest.mark.parametrize("kind", TYPES)
def test_a_restore_after_a_copy_reads_in_the_destination(
    demo: tuple[Sandbox, ScenarioInfo, Any], kind: str
) -> None:
    sandbox, info, sessions = demo
    route = dict(routes(sandbox, info))[f"out-{kind}"]
    management = info.accounts["management"]
    report, reads = read_during(
        sandbox,
        lambda: run_restore_checks(
            sessions,
            route.rp_arn,
            after_copy_to=route.dest_vault,
            account_hint=route.source.account,
        ),
    )
    # The copy is encrypted with the destination vault's key, in the destination.
    allowed = restore_places(route.source, route.dest, route.dest, management)
    assert not misplaced(reads, allowed)
    assert {r.name for r in reads if Place(r.account, r.region or "") == route.dest} >= {
        "backup:DescribeBackupVault",
        "kms:DescribeKey",
    }
    involved = {route.dest.account, route.source.account, management}
    assert not evidence_strays(report.checks, involved, {route.dest.region, route.source.region})


@pytest.mark.parametrize("kind", TYPES)
def test_a_restore_into_another_account_reads_there(
    demo: tuple[Sandbox, ScenarioInfo, Any], kind: str
) -> None:
    sandbox, info, sessions = demo
    route = dict(routes(sandbox, info))[f"out-{kind}"]
    management, recovery = info.accounts["management"], info.accounts["recovery"]
    report, reads = read_during(
        sandbox,
        lambda: run_restore_checks(
            sessions, route.rp_arn, restoring_account=recovery, account_hint=route.source.account
        ),
    )
    where = Place(recovery, route.source.region)
    allowed = restore_places(route.source, where, route.source_key, management)
    assert not misplaced(reads, allowed)
    involved = {recovery, route.source.account, management, route.source_key.account}
    assert not evidence_strays(report.checks, involved, {route.source.region})


@pytest.mark.parametrize("kind", ("RDS", "Aurora"))
def test_a_second_hop_reads_in_the_intermediate_vault_and_the_destination(
    demo: tuple[Sandbox, ScenarioInfo, Any], kind: str
) -> None:
    """The second hop of a two-hop route: its source is the intermediate vault (the recovery
    account in the source Region), its destination the recovery account's DR vault."""
    sandbox, info, sessions = demo
    route = dict(routes(sandbox, info))[f"out-{kind}"]
    management, recovery = info.accounts["management"], info.accounts["recovery"]
    hop_vault = f"arn:aws:backup:{route.source.region}:{recovery}:backup-vault:recovery-vault"
    first = run_copy_checks(sessions, route.rp_arn, hop_vault, account_hint=route.source.account)
    assert isinstance(first.facts, CopyFacts) and isinstance(first.facts.dest_vault, VaultFacts)
    intermediate = Place(recovery, route.source.region)
    hop2 = Route(
        first.facts.dest_vault.arn, intermediate, route.dest, route.dest_vault, intermediate
    )
    allowed = copy_places(hop2, management)
    # The copy's own facts known only where it comes from: its tags and its DB snapshot.
    allowed["organization"]["backup:ListTags"] |= {route.source}
    allowed["route"]["rds:DescribeDBSnapshots"] |= {route.source}
    allowed["route"]["rds:DescribeOptionGroups"] |= {route.source}
    reader = FactReader(sessions)
    role = f"arn:aws:iam::{recovery}:role/service-role/AWSBackupDefaultServiceRole"
    base, reads = read_during(
        sandbox,
        lambda: second_hop_facts(
            reader, first.facts, first.facts.dest_vault, parse_vault_arn(route.dest_vault), role
        ),
    )
    wrong = {"base": misplaced(reads, allowed["base"] | allowed["organization"])}
    for group in COPY_CHECK_GROUPS:
        _, reads = read_during(sandbox, lambda g=group: gather_group(reader, g, base))
        wrong[group] = misplaced(reads, allowed[group])
    assert not any(wrong.values()), wrong


def union(*tables: dict[str, set[Place]]) -> dict[str, set[Place]]:
    """Per operation, every place any of `tables` allows it."""
    merged: dict[str, set[Place]] = {}
    for table in tables:
        for name, places in table.items():
            merged.setdefault(name, set()).update(places)
    return merged


def without(table: dict[str, set[Place]], account: str) -> dict[str, set[Place]]:
    """`table` with no place in `account`."""
    return {name: {p for p in places if p.account != account} for name, places in table.items()}


def test_check_copy_with_restore_on_the_command_line_reads_in_the_right_places(
    demo: tuple[Sandbox, ScenarioInfo, Any], tmp_path: Path
) -> None:
    """`check copy --restore` of an RDS snapshot across account and Region (its second hop
    through an intermediate vault too), as a real process: no read about the destination went
    to the source account or Region, none about the source to the destination's."""
    sandbox, info, _ = demo
    route = dict(routes(sandbox, info))["out-RDS"]
    management = info.accounts["management"]
    s, d = route.source, route.dest
    # The two hops' middle: the destination account in the source Region, or the source
    # account in the destination Region (`drconsole copy` chooses as `check copy` does).
    middles = (Place(d.account, s.region), Place(s.account, d.region))
    tables = [copy_places(route, management)[g] for g in ("base", *COPY_CHECK_GROUPS)]
    for middle in middles:
        hop = Route(route.rp_arn, middle, d, route.dest_vault, middle)
        tables += [copy_places(hop, management)[g] for g in ("base", *COPY_CHECK_GROUPS)]
        first = Route(route.rp_arn, s, middle, "", route.source_key)
        tables += [copy_places(first, management)[g] for g in ("base", *COPY_CHECK_GROUPS)]
    tables.append(restore_places(s, d, d, management))
    allowed = union(*tables)
    env = demo_cli_env(sandbox, info, tmp_path)
    mark = sandbox.request_log.mark()
    done = forked_cli.run(
        [
            *DRCONSOLE,
            "check",
            "copy",
            "--recovery-point",
            route.rp_arn,
            "--to",
            route.dest_vault,
            "--restore",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr[-800:]
    report = json.loads(done.stdout)
    ids = {c["id"] for c in report["checks"]}
    assert "hop2.dest.vault" in ids
    assert "restore.key" in {c["id"] for c in report["restore"]["checks"]}
    reads = reads_of(sandbox.request_log.since(mark))
    assert not misplaced(reads, allowed)
    # Operation by operation: the destination vault's policy, its key, its account's roles
    # are read in the destination account and Region, and only the source's there.
    signed = {(r.name, r.account, r.region) for r in reads}
    assert ("backup:GetBackupVaultAccessPolicy", d.account, d.region) in signed
    assert ("kms:GetKeyPolicy", d.account, d.region) in signed
    assert ("backup:DescribeRecoveryPoint", s.account, s.region) in signed
    assert ("backup:DescribeBackupVault", s.account, s.region) not in signed
    assert not {r for r in signed if r[0].startswith("kms:") and r[2] not in (s.region, d.region)}


def test_check_restore_into_another_account_on_the_command_line_reads_there(
    demo: tuple[Sandbox, ScenarioInfo, Any], tmp_path: Path
) -> None:
    sandbox, info, _ = demo
    route = dict(routes(sandbox, info))["out-EFS"]
    management, recovery = info.accounts["management"], info.accounts["recovery"]
    where = Place(recovery, route.source.region)
    env = demo_cli_env(sandbox, info, tmp_path)
    mark = sandbox.request_log.mark()
    done = forked_cli.run(
        [
            *DRCONSOLE,
            "check",
            "restore",
            "--recovery-point",
            route.rp_arn,
            "--account",
            recovery,
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr[-800:]  # restore.account: not across accounts
    reads = reads_of(sandbox.request_log.since(mark))
    allowed = restore_places(route.source, where, route.source_key, management)
    assert not misplaced(reads, allowed)
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    assert recovery in checks["restore.role"]["evidence"]
    assert route.source.account not in checks["restore.role"]["evidence"]


async def test_the_checks_panel_reads_in_the_destination_the_operator_picks(
    demo: tuple[Sandbox, ScenarioInfo, Any], tmp_path: Path
) -> None:
    """The panel opens on a backup-account copy with its default destination, the prod vault
    it came from; the operator picks the recovery account's vault in the DR Region instead.
    From then on every read is in the source's place or the picked one, none in prod."""
    from textual.widgets import Select

    from drconsole.aws.session import AwsSessions
    from tests.test_checks_screen import Host, recovery_point, settings_for, settle

    sandbox, info, _ = demo
    eu, dr = info.region, info.dr_region
    prod, backup, recovery = (info.accounts[r] for r in ("prod", "backup", "recovery"))
    management = info.accounts["management"]
    central = sandbox.client("backup", backup, eu).list_recovery_points_by_backup_vault(
        BackupVaultName="central-eu-central-1"
    )["RecoveryPoints"]
    copied = next(
        p
        for p in central
        if p["ResourceType"] == "EBS"
        and (p.get("SourceBackupVaultArn") or "").split(":")[4:5] == [prod]
    )
    rp = recovery_point(sandbox, info, copied["RecoveryPointArn"])
    settings = replace(settings_for(sandbox, info, tmp_path), regions=(eu, dr))
    picked = f"arn:aws:backup:{dr}:{recovery}:backup-vault:recovery-vault"
    screen = ChecksScreen(rp, settings, AwsSessions(settings))
    async with Host(screen).run_test(size=(140, 40)) as pilot:
        await settle(screen, pilot)
        assert screen.destination == copied["SourceBackupVaultArn"]  # the default: prod's
        choice = screen.query_one("#destination-choice", Select)
        for _ in range(200):
            await pilot.pause()
            if any(value == picked for _, value in choice._options):
                break
            await asyncio.sleep(0.05)
        mark = sandbox.request_log.mark()
        choice.value = picked
        await pilot.pause()
        await settle(screen, pilot)
        reads = reads_of(sandbox.request_log.since(mark))
        assert screen.destination == picked
        source, dest = Place(backup, eu), Place(recovery, dr)
        route = Route(rp.arn, source, dest, picked, source)
        allowed = union(
            *copy_places(route, management).values(),
            restore_places(source, dest, dest, management),
        )
        assert not misplaced(reads, without(allowed, prod))
        assert not [r for r in reads if r.account == prod]
        signed = {(r.name, r.account, r.region) for r in reads}
        assert ("backup:GetBackupVaultAccessPolicy", recovery, dr) in signed
        rows = {c.id: c for checks in screen.rows.values() for c in checks}
        assert f"account {recovery} ({dr})" in rows["restore.account"].evidence
        assert "recovery-vault" in rows["dest.vault"].evidence
        strays = evidence_strays(rows.values(), {backup, recovery, management}, {eu, dr})
        assert not strays


NAMED_IN_METADATA = {
    "EC2": {
        "SubnetId": "subnet-0a1b2c3d4e5f60718",
        "SecurityGroupIds": '["sg-0a1b2c3d4e5f60718"]',
        "KeyName": "dr-web-key",
        "IamInstanceProfileName": "dr-web-profile",
    },
    "RDS": {
        "DBSubnetGroupName": "dr-db-subnets",
        "VpcSecurityGroupIds": '["sg-0a1b2c3d4e5f60718"]',
        "OptionGroupName": "dr-options",
        "DBInstanceIdentifier": "dr-orders-db",
        "KmsKeyId": "alias/recovery-data",
    },
}
# Where each metadata name above must be looked up: the restore's own account and Region.
LOOKED_UP = {
    "EC2": ("ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeKeyPairs"),
    "RDS": (
        "rds:DescribeDBSubnetGroups",
        "rds:DescribeOptionGroups",
        "rds:DescribeDBInstances",
        "kms:DescribeKey",
    ),
}


@pytest.mark.parametrize("kind", sorted(NAMED_IN_METADATA))
def test_names_given_for_a_restore_after_a_copy_are_looked_up_in_the_destination(
    demo: tuple[Sandbox, ScenarioInfo, Any], kind: str
) -> None:
    """A subnet, security group, key pair, instance profile, DB subnet group, option group, DB
    name or key alias given for the restore names the destination's: looked up there."""
    sandbox, info, sessions = demo
    route = dict(routes(sandbox, info))[f"out-{kind}"]
    management = info.accounts["management"]
    _, reads = read_during(
        sandbox,
        lambda: run_restore_checks(
            sessions,
            route.rp_arn,
            metadata=NAMED_IN_METADATA[kind],
            after_copy_to=route.dest_vault,
            account_hint=route.source.account,
        ),
    )
    assert not misplaced(reads, restore_places(route.source, route.dest, route.dest, management))
    signed = {(r.name, r.account, r.region) for r in reads}
    for name in LOOKED_UP[kind]:
        assert (name, route.dest.account, route.dest.region) in signed, name
    if kind == "EC2":
        assert ("iam:GetInstanceProfile", route.dest.account) in {(n, a) for n, a, _ in signed}
