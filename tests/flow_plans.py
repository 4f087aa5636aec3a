"""A valid flow plan for tests that write journals by hand."""

from __future__ import annotations

from typing import Any

from drconsole.flows.plan import SourcePoint, plan_flow
from drconsole.flows.routes import VaultRef

SOURCE = SourcePoint(
    arn="arn:aws:rds:eu-north-1:111111111111:snapshot:awsbackup:job-1",
    account_id="111111111111",
    region="eu-north-1",
    vault_name="dr",
    resource_type="RDS",
    resource_arn="arn:aws:rds:eu-north-1:111111111111:db:orders",
    resource_name="orders",
)
DEST = VaultRef("222222222222", "eu-central-1", "prod-vault", "aws")


def sample_plan(restore: bool = True) -> dict[str, Any]:
    """The journal form of a one-hop copy (and restore) of an RDS snapshot."""
    return plan_flow(SOURCE, DEST, restore=restore).to_json()
