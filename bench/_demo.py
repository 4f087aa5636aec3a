"""The demo sandbox as the benches that run checks in-process use it: settings of its
management account, and the newest recovery point of prod's vault of a kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drconsole.config import Credentials, Settings
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox


def management_settings(sandbox: Sandbox, info: ScenarioInfo, **more: Any) -> Settings:
    """Settings that reach `sandbox` as the demo's management account (`more`: other
    settings, such as `backup_account_id`)."""
    return Settings(
        regions=(info.region,),
        endpoint_url=sandbox.endpoint_url,
        static_credentials=Credentials.from_mapping(
            sandbox.credentials_for(info.accounts["management"])
        ),
        management_account_id=info.accounts["management"],
        **more,
    )


def newest_prod_point(
    sandbox: Sandbox, info: ScenarioInfo, kind: Callable[[dict[str, Any]], bool]
) -> str:
    """The ARN of the newest recovery point of prod-vault that `kind` takes."""
    backup = sandbox.client("backup", info.accounts["prod"], info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    newest = max((p for p in points["RecoveryPoints"] if kind(p)), key=lambda p: p["CreationDate"])
    return str(newest["RecoveryPointArn"])
