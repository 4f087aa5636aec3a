"""RPO objectives: the configured ones, the runbooks' (which only tighten them), and how
`[rpo_objectives]` entries name accounts and OUs."""

from __future__ import annotations

from datetime import timedelta

from drconsole.models import Account
from drconsole.readiness.objectives import ResourceObjective, RpoObjectives

PROD = Account("336580474362", "prod", ou_path="Root/Prod")
ARN = "arn:aws:ec2:eu-central-1:336580474362:volume/vol-1"


def test_a_looser_runbook_never_relaxes_the_configured_objective() -> None:
    objectives = RpoObjectives(
        timedelta(hours=24),
        (("336580474362", timedelta(hours=6)),),
        (
            ResourceObjective("weekly", timedelta(days=7), arn=ARN),
            ResourceObjective("hourly", timedelta(hours=1), arn=ARN + "-other"),
        ),
    )
    assert objectives.for_resource(PROD, ARN, "EBS", "prod-web-data") == timedelta(hours=6)
    assert objectives.deciding(PROD, ARN, "EBS", "prod-web-data") == (timedelta(hours=6), None)
    # A stricter one applies, and says where it comes from.
    other = ARN + "-other"
    assert objectives.deciding(PROD, other, "EBS", "x") == (timedelta(hours=1), "hourly")
