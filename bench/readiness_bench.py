"""Readiness of the `large` scenario: calls and time beside the inventory's, and the formula.

Run: .venv/bin/python bench/readiness_bench.py [--accounts 100] [--recovery-points 300000]
     [--latency-ms 50] [--workers 16] [--sequential-accounts 5] [--no-inventory]

The scenario is `large` with DR copies (each member resource's newest backup copied to the
backup account's `central-<Region>` vault), served from a child process with the latency on
every call. Readiness (`evaluate_readiness`, the path of `drconsole readiness` and of the
console's Readiness screen) reads each fact once, so its calls follow the organization's shape,
never the number of recovery points:

    calls = O                        the organization, as the inventory reads it
          + (M+1)                    sts:AssumeRole into each member and the backup account
          + 2 (M+1) R                ListProtectedResources and ListBackupVaults per account
                                     and Region
          + sum ceil(C_r/1000) - R   the further pages of the backup account's protected
                                     resources: C_r resources copied into Region r
          + 2 (M+1) R                ListCopyJobs (CREATED, RUNNING) where copies start
          + 3 (M+1) R                a key per account and Region: DescribeKey, ListAliases,
                                     GetKeyPolicy
          + 3 (M+1) R V              each vault: DescribeBackupVault, ListTags, its access policy
          + 4 (M+1)                  the default service role (GetRole, its policies) and
                                     AWSServiceRoleForBackup (GetRole) of each account
          + 2 P                      the documents of the P managed policies those roles
                                     hold (GetPolicy, GetPolicyVersion), once per run: AWS's
                                     are the same in every account (`large`: AWS Backup's
                                     four, P = 4; each inline policy would add a
                                     GetRolePolicy per role)
          + 3 (M+1)                  whether the caller may pass each account's copy role
                                     (GetCallerIdentity, GetRole, SimulatePrincipalPolicy)
          + R + 1                    the cross-account setting per Region; ListRoots (SCPs)
          + (M+1)                    the effective tag policy of each account a copy goes
                                     into (DescribeEffectivePolicy; a recovery point's tags
                                     are read only where a tag policy enforces a rule)
          + M R T (V+1)              DescribeRecoveryPoint: a recovery point per resource type
                                     in each member vault (DR copy) and in the backup vault
                                     holding the row's copies (copy-back)
          + 2 M R                    ec2:DescribeImages of EC2 recovery points (Marketplace
                                     codes, snapshot keys): one for every protected
                                     instance's newest of a member account and Region
                                     (filtered by id, 199 a call), one for the copy back's
                                     (the newest copy standing for EC2 in the backup vault)
          + M R                      ec2:DescribeSnapshots of every protected EBS volume's
                                     newest recovery point (and the AMIs' snapshots) of a
                                     member account and Region, 199 a call: the keys a
                                     restore in place uses
          + 2 M R                    the default VPC and its default subnets (DescribeVpcs,
                                     DescribeSubnets) where EC2 or databases are restored

(`large` copies each backup within its Region, so no copy back takes two hops: where one may,
a database's copy in another Region, readiness also judges both hops and reads each candidate
intermediate vault, its key and the copy jobs where it lies once, not per recovery point.
A database's recovery point made by a backup plan (its CreatedBy) adds GetBackupPlan once per
plan, and where the plan's rule copies it into another account AND Region, ListCopyJobs once
per resource standing for its type and destination, that destination's DR copy run and the two
hops of its remedy; `large`'s recovery points name no plan, so its formula is unchanged.
A restore's customer managed key whose policy does not itself let the restore role or
AWSServiceRoleForBackup create grants (`restore.key`) adds kms:ListGrants once per such key;
`large`'s keys let their account's root use them, so its formula is unchanged. The AMIs
found share that ec2:DescribeSnapshots (199 snapshots a call) and add the keys of their
snapshots; `large`'s seeded EC2 recovery points have no AMI.)

with M workload accounts, R Regions, V vaults per account and Region, T resource types per
vault (7 when each vault holds at least 7 resources), and fewer than 1,000 protected resources
per member account and Region (one page each). `tests/test_readiness_large.py` checks the
formula against the sandbox's request log on a small `large`.

Beside it: the inventory scan of the same scenario (`bench/inventory_bench.py`), a sequential
readiness (1 worker, first N accounts, extrapolated by calls), and the calls the same checks
would make without sharing facts (`drconsole check copy` once per pair, measured on a sample).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sandbox import ChildSandbox, load_average
from inventory_bench import scan

from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.readiness import ReadinessReport, evaluate_readiness

TYPES = 7  # resource types of the large scenario
PAGE = 1000  # ListProtectedResources answers at most 1,000 resources per page


@dataclass(frozen=True)
class Shape:
    """The organization's shape that the call count follows."""

    workload_accounts: int  # M
    regions: int  # R
    vaults: int  # V, per account and Region
    types: int  # T, per vault
    organization_calls: int  # O
    copied: tuple[int, ...] = ()  # C_r: resources with a copy in the backup account, per Region
    # P: the managed policies the default service roles hold (AWS Backup's four in `large`).
    role_policies: int = 4


def predicted_calls(shape: Shape) -> dict[str, int]:
    """The formula of the module docstring, term by term."""
    m, r, v, t = shape.workload_accounts, shape.regions, shape.vaults, shape.types
    accounts = m + 1  # the members and the backup account
    return {
        "organization (as the inventory reads it)": shape.organization_calls,
        "AssumeRole per account": accounts,
        "protected resources, vaults per account-Region": 2 * accounts * r,
        "further pages of the backup account's copies": sum(
            max(0, math.ceil(c / PAGE) - 1) for c in shape.copied
        ),
        "copy jobs in flight per account-Region": 2 * accounts * r,
        "key per account-Region": 3 * accounts * r,
        "vault (description, tags, access policy)": 3 * accounts * r * v,
        "roles per account": 4 * accounts,
        "the roles' managed policy documents, once per run": 2 * shape.role_policies,
        "caller may pass the copy role, per account": 3 * accounts,
        "cross-account setting per Region, roots": r + 1,
        "effective tag policy per account": accounts,
        "recovery point per vault and type": m * r * t * (v + 1),
        "EC2 recovery points' AMIs, per account-Region and copy back": 2 * m * r,
        "EBS recovery points' snapshots, per account-Region": m * r,
        "default VPC and its default subnets per account-Region": 2 * m * r,
    }


def organization_calls(info: dict[str, Any]) -> int:
    """What reading the organization costs (caller identity included), measured alone."""
    from drconsole.aws.inventory import Inventory

    sessions = sessions_for(info, 16)
    Inventory(sessions, 16).organization()
    return sum(sessions.requests_sent.values())


def sessions_for(info: dict[str, Any], workers: int) -> AwsSessions:
    """Read-only sessions on the scenario's management account."""
    return AwsSessions(
        Settings(
            regions=(info["region"], info["dr_region"]),
            endpoint_url=info["endpoint_url"],
            static_credentials=Credentials.from_mapping(info["credentials"]),
            read_only=True,
            max_workers=workers,
        )
    )


@dataclass
class Run:
    """One readiness evaluation."""

    report: ReadinessReport
    wall: float
    cpu: float
    calls: Counter[str]


def readiness(info: dict[str, Any], workers: int, accounts: int | None = None) -> Run:
    """Every row (or the first `accounts` workload accounts' rows) with `workers` threads."""
    sessions = sessions_for(info, workers)
    chosen = None
    if accounts is not None:
        from drconsole.aws.inventory import Inventory
        from drconsole.readiness.engine import workload_accounts

        organization = Inventory(sessions, workers).organization()
        chosen = [a.id for a in workload_accounts(organization)[:accounts]]
    started, cpu = time.perf_counter(), time.process_time()
    report = evaluate_readiness(sessions, accounts=chosen)
    return Run(
        report,
        time.perf_counter() - started,
        time.process_time() - cpu,
        Counter(sessions.requests_sent),
    )


def unshared_calls(info: dict[str, Any], report: ReadinessReport, sample: int = 6) -> float:
    """The calls of every copy-back and DR copy check run if each read its own facts, as
    `drconsole check copy` does once per pair: measured on `sample` pairs, scaled up."""
    from drconsole.checks.runner import run_copy_checks

    runs = [run for row in report.rows for run in (*row.copy_back, *row.dr_copy)]
    if not runs:
        return 0.0
    step = max(1, len(runs) // sample)
    picked = runs[::step][:sample]
    sessions = sessions_for(info, 4)
    run_copy_checks(sessions, picked[0].recovery_point_arn, picked[0].destination_vault_arn)
    before = sum(sessions.requests_sent.values())  # clients and roles now made
    for run in picked:
        run_copy_checks(sessions, run.recovery_point_arn, run.destination_vault_arn)
    per_run = (sum(sessions.requests_sent.values()) - before) / len(picked)
    return per_run * len(runs)


def main(argv: Sequence[str] | None = None) -> int:
    """Build, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--recovery-points", type=int, default=300_000)
    parser.add_argument("--vaults", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--sequential-accounts", type=int, default=5)
    parser.add_argument("--no-inventory", action="store_true", help="skip the inventory scan")
    args = parser.parse_args(argv)

    params = {
        "accounts": args.accounts,
        "recovery_points": args.recovery_points,
        "vaults_per_account": args.vaults,
        "dr_copies": True,
    }
    print(f"building the large scenario ({args.accounts} accounts, {args.recovery_points:,} RPs)")
    sandbox = ChildSandbox(params, args.latency_ms)
    info = sandbox.info
    try:
        print(f"  built in {info['build_seconds']:.1f} s, {info['recovery_points']:,} RPs")
        org_calls = organization_calls(info)
        server_before = sandbox.cpu_seconds()
        full = readiness(info, args.workers)
        server_cpu = sandbox.cpu_seconds() - server_before
        sequential = readiness(info, 1, accounts=args.sequential_accounts)
        unshared = unshared_calls(info, full.report)
        inventory = None if args.no_inventory else scan(info, args.workers)
    finally:
        sandbox.stop()

    report = full.report
    regions = len(report.scope.regions)
    members = len({row.account_id for row in report.rows})
    copied = Counter(
        r.dr_copy.region for row in report.rows for r in row.resources if r.dr_copy is not None
    )
    shape = Shape(members, regions, args.vaults, TYPES, org_calls, tuple(copied.values()))
    terms = predicted_calls(shape)
    total = sum(full.calls.values())
    latency = args.latency_ms / 1000
    print(f"readiness, {args.workers} workers, {args.latency_ms} ms latency per call")
    print(f"  rows                   {len(report.rows)} ({members} workload accounts x {regions})")
    print("  verdicts               " + ", ".join(f"{n} {v}" for v, n in report.counts().items()))
    runs = sum(len(r.copy_back) + len(r.dr_copy) + len(r.restore) for r in report.rows)
    print(f"  check runs             {runs} (copy-back, DR copy, restore)")
    print(f"  API calls              {total}")
    for name, count in sorted(full.calls.items()):
        print(f"    {name:45s} {count}")
    print(f"  formula (M={members}, R={regions}, V={args.vaults}, T={TYPES}, O={org_calls}):")
    for term, count in terms.items():
        print(f"    {term:66s} {count}")
    predicted = sum(terms.values())
    print(f"    {'predicted':66s} {predicted} ({'equal' if predicted == total else 'DIFFERS'})")
    print(f"  wall time              {full.wall:.2f} s")
    print(f"  client CPU             {full.cpu:.2f} s")
    print(f"  sandbox CPU            {server_cpu:.2f} s (separate process)")
    bound = total / args.workers * latency
    print(f"  calls / workers        {total} / {args.workers} = {bound:.2f} s")
    print(f"  load average           {load_average():.1f}")
    seq_calls = sum(sequential.calls.values())
    estimate = sequential.wall * total / max(1, seq_calls)
    print(
        f"  sequential (1 worker)  {sequential.wall:.2f} s for {args.sequential_accounts} "
        f"accounts, {seq_calls} calls; extrapolated by calls: {estimate:.1f} s"
    )
    print(
        f"  without shared facts   about {unshared:,.0f} calls (`check copy` once per pair, "
        f"{unshared / max(1, total):.0f}x)"
    )
    if inventory is not None:
        calls = sum(inventory.calls.values())
        print(
            f"inventory (same scenario) {calls} calls, {inventory.wall:.2f} s wall, "
            f"{inventory.cpu:.2f} s client CPU, {inventory.recovery_points:,} recovery points"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
