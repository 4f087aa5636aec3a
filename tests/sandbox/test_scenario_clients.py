"""The scenario builder's clients: one per service and Region, each call made as its account."""

from __future__ import annotations

from datetime import UTC, datetime

from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.scenarios.clients import ScenarioClients
from drconsole.sandbox.server import SandboxOptions

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_accounts_share_a_client_per_service_and_region_and_call_as_themselves() -> None:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0), now=NOW)
    try:
        clients = ScenarioClients(sandbox)
        members = [info.accounts[role] for role in ("prod", "qa", "dev")]
        for region in (info.region, info.dr_region):
            for account in members:
                identity = clients.client("sts", account, region).get_caller_identity()
                assert identity["Account"] == account
                pages = clients.client("backup", account, region).get_paginator(
                    "list_backup_vaults"
                )
                arns = [
                    v["BackupVaultArn"]
                    for page in pages.paginate()
                    for v in page["BackupVaultList"]
                ]
                assert all(f":{account}:backup-vault:" in arn for arn in arns), arns
            # One botocore client (its model, handlers and connections) serves every account.
            shared = {id(clients.client("backup", account, region).meta) for account in members}
            assert len(shared) == 1
        assert (
            len(
                {
                    id(clients.client("backup", members[0], r).meta)
                    for r in (info.region, info.dr_region)
                }
            )
            == 2
        )
        requests = sandbox.request_log.since(0)
        signed_as = {seen.access_key for seen in requests if seen.name == "sts:GetCallerIdentity"}
        assert len(signed_as) == len(members)
    finally:
        sandbox.stop()
