"""RPO objectives: the configured ones, the runbooks' (which only tighten them), and how
`[rpo_objectives]` entries name accounts and OUs."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from drconsole.models import Account, Organization, OrgUnit
from drconsole.readiness.objectives import ResourceObjective, RpoObjectives
from tests import forked_cli
from tests.demo_cli import demo_cli_env
from tests.demo_sessions import fast_demo

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


def test_root_case_and_unmatched_entries() -> None:
    units = (
        OrgUnit("ou-1", "Prod", "r-1", "Root/Prod", "o/r/ou-1/"),
        OrgUnit("ou-2", "Non-Prod", "r-1", "Root/Non-Prod", "o/r/ou-2/"),
        OrgUnit("ou-3", "QA", "ou-2", "Root/Non-Prod/QA", "o/r/ou-2/ou-3/"),
        OrgUnit("ou-4", "Empty", "r-1", "Root/Empty", "o/r/ou-4/"),
    )
    qa = Account("111111111111", "qa", ou_path="Root/Non-Prod/QA")
    dev = Account("222222222222", "dev", ou_path="Root/Non-Prod/Dev")
    top = Account("333333333333", "management", ou_path="Root")
    organization = Organization("o-1", top.id, "r-1", (PROD, qa, dev, top), units)
    objectives = RpoObjectives.from_config(
        "24h",
        (
            ("Root", "1h"),
            ("PROD", "2h"),
            ("root/non-prod/qa", "3d"),
            ("/Empty/", "4h"),  # an OU with no account yet: it names something
            ("Nope", "5m"),
            ("Root/Prod/Web", "6m"),
        ),
    )
    assert objectives.for_account(PROD) == timedelta(hours=2)
    assert objectives.for_account(qa) == timedelta(days=3)
    assert objectives.for_account(dev) == timedelta(hours=1)  # Root: the whole organization
    assert objectives.for_account(top) == timedelta(hours=1)
    assert objectives.unmatched(organization) == ("Nope", "Root/Prod/Web")


demo = pytest.fixture(scope="module", name="demo")(fast_demo)


def test_cli_objectives_by_root_any_case_and_a_warning(demo: Any, tmp_path: Path) -> None:
    sandbox, info = demo
    config = tmp_path / "config" / "drconsole"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        f'regions = ["{info.region}", "{info.dr_region}"]\n[rpo_objectives]\n'
        '"Root" = "1h"\n"PROD" = "2h"\n"root/non-prod/qa" = "3d"\n"Non-Prod/Nope" = "5m"\n'
    )
    done = forked_cli.run(
        [sys.executable, "-m", "drconsole", "readiness", "--json"],
        env=demo_cli_env(sandbox, info, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # the demo's faults
    document = json.loads(done.stdout)
    objective = {row["account_name"]: row["rpo_objective_seconds"] for row in document["rows"]}
    assert objective == {"prod": 2 * 3600, "qa": 3 * 86400, "dev": 3600}
    assert document["unmatched_objectives"] == ["Non-Prod/Nope"]
    assert (
        "drconsole: warning: [rpo_objectives] 'Non-Prod/Nope' names no account or OU of the "
        "organization: it applies to nothing\n"
    ) in done.stderr
