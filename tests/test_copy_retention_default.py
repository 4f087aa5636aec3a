"""A copy's retention, counted from its recovery point's creation date: the default a plan
fixes, and the verdicts on it, from facts alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from drconsole.checks import recovery_point as rp_checks
from drconsole.checks.copy_destination import check_vault_lock
from drconsole.checks.facts import VaultFacts
from drconsole.drills.planner import retention_days
from drconsole.flows import plan as pl
from drconsole.flows.routes import VaultRef
from drconsole.models import Check, CheckStatus
from tests.test_checks_copy import good_facts

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def source(days_old: float, retention: int | None = 35) -> pl.SourcePoint:
    created = datetime.now(UTC) - timedelta(days=days_old)
    return pl.SourcePoint(
        arn="arn:aws:backup:eu-central-1:111111111111:recovery-point:abc",
        account_id="111111111111",
        region="eu-central-1",
        vault_name="prod-vault",
        resource_type="EFS",
        resource_arn="arn:aws:elasticfilesystem:eu-central-1:111111111111:file-system/fs-1",
        resource_name="shares",
        delete_after_days=retention,
        creation_date=created.isoformat(),
    )


DEST = VaultRef.from_arn("arn:aws:backup:eu-north-1:222222222222:backup-vault:central")


def test_a_plan_gives_an_old_points_copy_a_week_and_journals_it() -> None:
    plan = pl.plan_flow(source(34.9), DEST, restore=False)
    assert pl.copy_retention_days(plan) == 42  # 35 days (rounded up) + 7
    again = pl.FlowPlan.from_json(plan.to_json())
    assert again == plan and pl.copy_request(again, 0, again.source.arn, "t").parameters[
        "Lifecycle"
    ] == {"DeleteAfterDays": 42}


def test_a_plan_keeps_the_sources_retention_when_it_leaves_a_week() -> None:
    assert pl.copy_retention_days(pl.plan_flow(source(3), DEST, restore=False)) == 35
    asked = pl.plan_flow(source(34.9), DEST, restore=False, delete_after_days=9)
    assert pl.copy_retention_days(asked) == 9
    assert pl.copy_retention_days(pl.plan_flow(source(50, None), DEST, restore=False)) is None


def test_a_drills_point_has_the_retention_its_delete_date_tells() -> None:
    created = NOW - timedelta(days=30)
    assert retention_days(created, created + timedelta(days=35)) == 35
    assert retention_days(created, None) is None


def aged(days_old: float, days: int | None, **vault: object) -> Check:
    facts = good_facts(lifecycle_delete_after_days=days)
    point = replace(facts.recovery_point, creation_date=NOW - timedelta(days=days_old))
    facts = replace(facts, recovery_point=point)
    if vault:
        assert isinstance(facts.dest_vault, VaultFacts)
        facts = replace(facts, dest_vault=replace(facts.dest_vault, **vault))
    return rp_checks.check_copy_retention(facts, now=NOW)


def test_retention_verdicts_count_from_the_creation_date() -> None:
    assert aged(30, 7).status is CheckStatus.FAIL
    assert aged(34.5, 35).status is CheckStatus.FAIL  # 12 hours left
    assert aged(33, 35).status is CheckStatus.WARN  # 2 days left
    assert aged(30, 35).status is CheckStatus.PASS
    assert aged(400, None).status is CheckStatus.PASS  # kept indefinitely
    locked = aged(40, 7, max_retention_days=30)
    assert "--delete-after-days 47" in locked.remediation
    assert "at most 30 days" in locked.remediation


def test_the_vault_lock_remedy_names_the_flag() -> None:
    facts = good_facts(lifecycle_delete_after_days=3)
    assert isinstance(facts.dest_vault, VaultFacts)
    facts = replace(facts, dest_vault=replace(facts.dest_vault, min_retention_days=7))
    verdict = check_vault_lock(facts)
    assert verdict.status is CheckStatus.FAIL
    assert "--delete-after-days 7" in verdict.remediation
    assert "start-copy-job" not in verdict.remediation
