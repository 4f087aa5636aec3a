"""The inventory path of `ls recovery-points`, in-process: wall, CPU, calls, the lower bound.

Run: .venv/bin/python bench/inventory_bench.py [--accounts 100] [--recovery-points 300000]
     [--latency-ms 50] [--workers 16] [--sequential-accounts 10]

The sandbox runs in a child process (as AWS would: its CPU is not ours). The scan calls what
`drconsole ls recovery-points` calls: the organization, then every account and Region's vaults
(`Inventory.iter_vaults`) and every recovery point (`Inventory.iter_all_recovery_points`). Run
in-process, it shows drconsole's own CPU, which `bench/ls_bench.py` (the CLI in a subprocess,
beside plain boto3 scripts) cannot.

The lower bound is computed from the call graph actually made:
- critical path: the longest chain of calls that depend on each other (caller identity,
  DescribeOrganization, ListRoots, one ListOrganizationalUnitsForParent per OU level,
  ListAccountsForParent, AssumeRole, ListBackupVaults, then the pages of the vault's
  recovery points one after the other), times the latency;
- work: total calls / workers, times the latency.
The bound is the larger of the two. Budget (DESIGN.md section 7): within 1.5x of it.

drconsole's own CPU time is printed beside it, but it is no floor: it is the cost being
measured, so a ratio to it would always look fine. The sequential baseline (max_workers=1) is
measured on the first N accounts and extrapolated to the whole scenario by the number of calls;
the output says so.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from _sandbox import ChildSandbox

from drconsole.aws.inventory import Inventory
from drconsole.aws.session import AwsSessions
from drconsole.config import Credentials, Settings
from drconsole.models import Account, AccountError, Organization, Vault, VaultBatch

BUDGET_RATIO = 1.5
PAGE = 1000


# The scan -----------------------------------------------------------------------------------


@dataclass
class Scan:
    """What one inventory run did."""

    wall: float
    organization_wall: float
    cpu: float
    calls: Counter[str]
    organization: Organization
    vaults: list[Vault]
    recovery_points: int
    errors: int


def scan(info: dict[str, Any], workers: int, accounts: int | None = None) -> Scan:
    """The full inventory with `workers` threads (optionally the first `accounts` only)."""
    settings = Settings(
        regions=(info["region"], info["dr_region"]),
        endpoint_url=info["endpoint_url"],
        static_credentials=Credentials.from_mapping(info["credentials"]),
        read_only=True,
        max_workers=workers,
    )
    sessions = AwsSessions(settings)
    inventory = Inventory(sessions, max_workers=workers)
    started, cpu = time.perf_counter(), time.process_time()
    org = inventory.organization()
    organization_wall = time.perf_counter() - started
    chosen: Sequence[Account] = org.accounts if accounts is None else org.accounts[:accounts]
    vaults: list[Vault] = []
    points = errors = 0
    for batch in inventory.iter_vaults(chosen, settings.regions):
        if isinstance(batch, VaultBatch):
            vaults.extend(batch.vaults)
        else:
            errors += 1
    for item in inventory.iter_all_recovery_points(vaults):
        if isinstance(item, AccountError):
            errors += 1
        else:
            points += len(item)
    return Scan(
        wall=time.perf_counter() - started,
        organization_wall=organization_wall,
        cpu=time.process_time() - cpu,
        calls=Counter(sessions.requests_sent),
        organization=org,
        vaults=vaults,
        recovery_points=points,
        errors=errors,
    )


def critical_path_calls(result: Scan, regions: Sequence[str]) -> int:
    """The longest chain of dependent calls in the scan's call graph."""
    org = result.organization
    by_unit: dict[tuple[str, str], list[Vault]] = {}
    for vault in result.vaults:
        by_unit.setdefault((vault.account_id, vault.region), []).append(vault)
    longest = 0
    for account in org.accounts:
        depth = account.ou_path.count("/")  # Root/Non-Prod/QA -> 2 OU levels
        # GetCallerIdentity, DescribeOrganization, ListRoots, one ListOUs per level, the
        # ListAccountsForParent that names the account.
        discovery = 3 + depth + 1
        assume = 0 if account.id == org.management_account_id else 1
        for region in regions:
            vaults = by_unit.get((account.id, region), [])
            after_listing = max(
                [1] + [max(1, math.ceil(v.recovery_point_count / PAGE)) for v in vaults]
            )
            chain = discovery + assume + 1 + (after_listing if vaults else 0)
            longest = max(longest, chain)
    return longest


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--recovery-points", type=int, default=300_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--sequential-accounts", type=int, default=10)
    args = parser.parse_args(argv)

    params = {"accounts": args.accounts, "recovery_points": args.recovery_points}
    print(f"building the large scenario ({args.accounts} accounts, {args.recovery_points:,} RPs)")
    sandbox = ChildSandbox(params, args.latency_ms)
    info = sandbox.info
    latency = args.latency_ms / 1000
    try:
        print(f"  built in {info['build_seconds']:.1f} s")
        server_before = sandbox.cpu_seconds()
        full = scan(info, args.workers)
        server_cpu = sandbox.cpu_seconds() - server_before
        sequential = scan(info, 1, accounts=args.sequential_accounts)
    finally:
        sandbox.stop()

    regions = (info["region"], info["dr_region"])
    total_calls = sum(full.calls.values())
    chain = critical_path_calls(full, regions)
    path_bound = chain * latency
    work_bound = total_calls / args.workers * latency
    bound = max(path_bound, work_bound)
    sequential_calls = sum(sequential.calls.values())
    sequential_estimate = sequential.wall * total_calls / sequential_calls

    print(f"inventory, {args.workers} workers, {args.latency_ms} ms latency per call")
    print(f"  accounts x Regions     {len(full.organization.accounts)} x {len(regions)}")
    print(f"  vaults                 {len(full.vaults)}")
    print(f"  recovery points        {full.recovery_points:,}")
    print(f"  account errors         {full.errors}")
    print(f"  API calls              {total_calls}")
    for name, count in sorted(full.calls.items()):
        print(f"    {name:45s} {count}")
    print(
        f"  wall time              {full.wall:.2f} s (organization {full.organization_wall:.2f} s)"
    )
    print(f"  client CPU             {full.cpu:.2f} s (drconsole's own cost, not a floor)")
    if not math.isnan(server_cpu):
        print(f"  sandbox CPU            {server_cpu:.2f} s (separate process)")
    print(
        f"  load average           {os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores"
    )
    print(f"  critical path          {chain} calls = {path_bound:.2f} s")
    print(f"  calls / workers        {total_calls} / {args.workers} = {work_bound:.2f} s")
    print(f"  lower bound            {bound:.2f} s")
    ratio = full.wall / bound
    verdict = "within" if ratio <= BUDGET_RATIO else "over"
    print(f"  wall / lower bound     {ratio:.2f}x ({verdict} the {BUDGET_RATIO}x budget)")
    print(
        f"  sequential (1 worker)  {sequential.wall:.2f} s for {args.sequential_accounts} "
        f"accounts, {sequential_calls} calls; extrapolated by calls to the whole scan: "
        f"{sequential_estimate:.1f} s ({sequential_estimate / full.wall:.1f}x the parallel scan)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
