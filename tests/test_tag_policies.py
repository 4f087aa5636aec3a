"""AWS Organizations tag policies of the destination account against the recovery point's tags:
`dest.tag-policy` in `drconsole check copy` and `drconsole copy` (CLI in a subprocess), and the
sandbox's copy job, which a tag policy enforced for `backup:recovery-point` refuses."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from drconsole.checks.facts import Unreadable
from drconsole.checks.tag_policy import check_tag_policy
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from tests.demo_cli import demo_cli_env
from tests.test_cli_check import Env, as_json, drconsole

CENTRAL = "central-eu-central-1"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    env = demo_cli_env(sandbox, info, home)
    try:
        yield Env(sandbox, info, env, home / "state")
    finally:
        sandbox.stop()
        sandbox.reset()


def cost_center(values: list[str], enforced_for: list[str], key: str = "CostCenter") -> str:
    return json.dumps(
        {
            "tags": {
                key.lower(): {
                    "tag_key": {"@@assign": key},
                    "tag_value": {"@@assign": values},
                    "enforced_for": {"@@assign": enforced_for},
                }
            }
        }
    )


@contextmanager
def tag_policies(demo: Env, *attached: tuple[str, str]) -> Iterator[None]:
    """Tag policies enabled at the root, each (target, content) attached; all undone after."""
    orgs = demo.sandbox.client("organizations", demo.info.accounts["management"], demo.info.region)
    root = orgs.list_roots()["Roots"][0]["Id"]
    orgs.enable_policy_type(RootId=root, PolicyType="TAG_POLICY")
    made: list[tuple[str, str]] = []
    try:
        for n, (target, content) in enumerate(attached):
            policy = orgs.create_policy(
                Name=f"tags-{n}", Description="", Type="TAG_POLICY", Content=content
            )["Policy"]["PolicySummary"]["Id"]
            orgs.attach_policy(PolicyId=policy, TargetId=root if target == "root" else target)
            made.append((policy, root if target == "root" else target))
        yield
    finally:
        for policy, target in made:
            orgs.detach_policy(PolicyId=policy, TargetId=target)
            orgs.delete_policy(PolicyId=policy)
        orgs.disable_policy_type(RootId=root, PolicyType="TAG_POLICY")


@contextmanager
def tagged(demo: Env, rp: str, tags: dict[str, str]) -> Iterator[str]:
    backup = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    backup.tag_resource(ResourceArn=rp, Tags=tags)
    try:
        yield rp
    finally:
        backup.untag_resource(ResourceArn=rp, TagKeyList=list(tags))


def prod_point(demo: Env, resource_type: str, name: str | None = None) -> str:
    backup = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    return str(
        next(
            p["RecoveryPointArn"]
            for p in points["RecoveryPoints"]
            if p["ResourceType"] == resource_type and name in (None, p.get("ResourceName"))
        )
    )


def ebs_point(demo: Env) -> str:
    return prod_point(demo, "EBS", "prod-web-data")


def check(demo: Env, rp: str, *extra: str) -> tuple[int, dict[str, dict[str, Any]]]:
    dest = demo.vault("backup", CENTRAL)
    result = drconsole(
        demo, "check", "copy", "--recovery-point", rp, "--to", dest,
        "--delete-after-days", "30", "--json", *extra,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode, {c["id"]: c for c in as_json(result)["checks"]}


def copy_jobs(demo: Env, rp: str) -> list[dict[str, Any]]:
    backup = demo.sandbox.client("backup", demo.info.accounts["prod"], demo.info.region)
    jobs: list[dict[str, Any]] = backup.list_copy_jobs()["CopyJobs"]
    return [j for j in jobs if j["SourceRecoveryPointArn"] == rp]


def test_an_enforced_value_the_tag_breaks_fails_before_the_copy_starts(demo: Env) -> None:
    backup_account = demo.info.accounts["backup"]
    policy = cost_center(["100", "200*"], ["backup:recovery-point"])
    with (
        tag_policies(demo, ("root", policy)),
        tagged(demo, ebs_point(demo), {"CostCenter": "999"}) as rp,
    ):
        code, checks = check(demo, rp)
        verdict = checks["dest.tag-policy"]
        assert code == 1
        assert verdict["status"] == "FAIL", verdict
        assert verdict["cause"] == "ROLE_PERMISSIONS"
        assert "CostCenter=999" in verdict["evidence"]
        assert "100, 200*" in verdict["evidence"]
        assert backup_account in verdict["evidence"]
        assert "backup:recovery-point" in verdict["evidence"]
        snapshot = rp.rsplit("/", 1)[-1]
        assert (
            f"aws ec2 create-tags --region {demo.info.region} --resources {snapshot} "
            "--tags Key=CostCenter,Value=100" in verdict["remediation"]
        )
        # Every other check passes: the tag policy alone stops the copy.
        assert {c["status"] for k, c in checks.items() if k != "dest.tag-policy"} == {"PASS"}
        before = len(copy_jobs(demo, rp))
        copied = drconsole(
            demo, "copy", "--recovery-point", rp, "--to", demo.vault("backup", CENTRAL),
            "--delete-after-days", "30", "--yes", "--json", "--poll-interval", "0.2",
        )  # fmt: skip
        assert copied.returncode == 1, copied.stdout + copied.stderr
        assert "dest.tag-policy" in copied.stdout + copied.stderr
        assert len(copy_jobs(demo, rp)) == before  # nothing was started


def test_a_compliant_tag_and_an_untagged_point_pass(demo: Env) -> None:
    policy = cost_center(["100", "200*"], ["backup:*"])
    with tag_policies(demo, ("root", policy)):
        with tagged(demo, ebs_point(demo), {"CostCenter": "2001", "Team": "web"}) as rp:
            code, checks = check(demo, rp)
            verdict = checks["dest.tag-policy"]
            assert verdict["status"] == "PASS", verdict
            assert "comply" in verdict["evidence"] and "backup:*" in verdict["evidence"]
            assert code == 0, checks
        # "Enforcement has no effect on resources that are created without tags"
        code, checks = check(demo, ebs_point(demo))
        assert checks["dest.tag-policy"]["status"] == "PASS", checks["dest.tag-policy"]


def test_a_policy_not_enforced_for_recovery_points_passes(demo: Env) -> None:
    unenforced = json.dumps(
        {
            "tags": {
                "costcenter": {
                    "tag_key": {"@@assign": "CostCenter"},
                    "tag_value": {"@@assign": ["100"]},
                }
            }
        }
    )
    others = cost_center(["100"], ["secretsmanager:*", "ec2:instance"], key="Owner")
    with (
        tag_policies(demo, ("root", unenforced), ("root", others)),
        tagged(demo, ebs_point(demo), {"CostCenter": "999", "Owner": "nobody"}) as rp,
    ):
        code, checks = check(demo, rp)
        verdict = checks["dest.tag-policy"]
        assert verdict["status"] == "PASS", verdict
        assert "enforces no tag for backup:recovery-point or ec2:snapshot" in verdict["evidence"]
        assert code == 0


def test_tag_policies_disabled_pass(demo: Env) -> None:
    with tagged(demo, ebs_point(demo), {"CostCenter": "999"}) as rp:
        _code, checks = check(demo, rp)
    verdict = checks["dest.tag-policy"]
    assert verdict["status"] == "PASS", verdict
    assert "no tag policy applies" in verdict["evidence"]


def test_a_tag_key_in_another_case_fails(demo: Env) -> None:
    policy = cost_center(["100"], ["backup:recovery-point"])
    with (
        tag_policies(demo, ("root", policy)),
        tagged(demo, ebs_point(demo), {"costcenter": "100"}) as rp,
    ):
        code, checks = check(demo, rp)
        verdict = checks["dest.tag-policy"]
        assert (code, verdict["status"]) == (1, "FAIL"), verdict
        assert "costcenter=100" in verdict["evidence"] and "case CostCenter" in verdict["evidence"]
        remedy = verdict["remediation"]
        assert "delete-tags" in remedy and "Key=costcenter" in remedy
        assert "Key=CostCenter,Value=100" in remedy


def test_the_effective_policy_merges_the_root_and_the_account(demo: Env) -> None:
    """The root locks the key's case and lists 100; the destination account's own policy
    appends 300: a 300 passes into the backup account, a 999 does not."""
    root = json.dumps(
        {
            "tags": {
                "costcenter": {
                    "tag_key": {
                        "@@assign": "CostCenter",
                        "@@operators_allowed_for_child_policies": ["@@none"],
                    },
                    "tag_value": {"@@assign": ["100"]},
                    "enforced_for": {"@@assign": ["backup:recovery-point"]},
                }
            }
        }
    )
    account = json.dumps(
        {
            "tags": {
                "CostCenter": {
                    "tag_key": {"@@assign": "costCENTER"},  # refused by the root's control
                    "tag_value": {"@@append": ["300"]},
                }
            }
        }
    )
    with tag_policies(demo, ("root", root), (demo.info.accounts["backup"], account)):
        with tagged(demo, ebs_point(demo), {"CostCenter": "300"}) as rp:
            assert check(demo, rp)[1]["dest.tag-policy"]["status"] == "PASS"
        with tagged(demo, ebs_point(demo), {"CostCenter": "999"}) as rp:
            verdict = check(demo, rp)[1]["dest.tag-policy"]
            assert verdict["status"] == "FAIL" and "100, 300" in verdict["evidence"], verdict


def test_an_unreadable_effective_policy_is_unknown_never_pass(demo: Env) -> None:
    policy = cost_center(["100"], ["backup:recovery-point"])
    with (
        tag_policies(demo, ("root", policy)),
        tagged(demo, ebs_point(demo), {"CostCenter": "100"}) as rp,
    ):
        demo.sandbox.fail_operation("organizations:DescribeEffectivePolicy", "denied")
        try:
            code, checks = check(demo, rp)
        finally:
            demo.sandbox.clear_faults()
    verdict = checks["dest.tag-policy"]
    assert (code, verdict["status"]) == (1, "UNKNOWN"), verdict
    assert "DescribeEffectivePolicy" in verdict["evidence"]
    assert demo.info.accounts["backup"] in verdict["evidence"]


def wait_for(backup: Any, job_id: str) -> dict[str, Any]:
    for _ in range(200):
        job: dict[str, Any] = backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
        if job["State"] in ("COMPLETED", "FAILED", "PARTIAL"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"copy job {job_id} did not end")


def test_the_sandbox_copy_job_fails_on_an_enforced_tag_policy(demo: Env) -> None:
    """Forced with boto3 past the checks, the copy job FAILS with the tag policy's message;
    with a compliant tag it completes and the copy keeps the tags."""
    prod, backup_account, region = (
        demo.info.accounts["prod"],
        demo.info.accounts["backup"],
        demo.info.region,
    )
    backup = demo.sandbox.client("backup", prod, region)
    role = f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole"
    dest = demo.vault("backup", CENTRAL)
    policy = cost_center(["100"], ["backup:recovery-point"])
    rp = ebs_point(demo)
    with tag_policies(demo, ("root", policy)):
        own = demo.sandbox.client("organizations", backup_account, region)
        effective = own.describe_effective_policy(PolicyType="TAG_POLICY")["EffectivePolicy"]
        assert json.loads(effective["PolicyContent"]) == {
            "tags": {
                "costcenter": {
                    "tag_key": "CostCenter",
                    "tag_value": ["100"],
                    "enforced_for": ["backup:recovery-point"],
                }
            }
        }
        for tags, state in (
            ({"CostCenter": "999"}, "FAILED"),
            ({"CostCenter": "100"}, "COMPLETED"),
        ):
            with tagged(demo, rp, tags):
                started = backup.start_copy_job(
                    RecoveryPointArn=rp,
                    SourceBackupVaultName="prod-vault",
                    DestinationBackupVaultArn=dest,
                    IamRoleArn=role,
                    Lifecycle={"DeleteAfterDays": 30},
                )
                job = wait_for(backup, started["CopyJobId"])
            assert job["State"] == state, job
        failed = [j for j in copy_jobs(demo, rp) if j["State"] == "FAILED"]
        assert failed[-1]["StatusMessage"] == (
            "The tag policy does not allow the specified value for the following tag key: "
            "'CostCenter'."
        )
    explained = drconsole(demo, "explain", failed[-1]["StatusMessage"], "--json")
    assert json.loads(explained.stdout)["cause"] == "ROLE_PERMISSIONS", explained.stdout
    made = job["DestinationRecoveryPointArn"]
    central = demo.sandbox.client("backup", backup_account, region)
    assert central.list_tags(ResourceArn=made)["Tags"] == {"CostCenter": "100"}
    with pytest.raises(central.exceptions.ClientError, match="EffectivePolicyNotFoundException"):
        demo.sandbox.client("organizations", backup_account, region).describe_effective_policy(
            PolicyType="TAG_POLICY"
        )


def test_a_two_hop_routes_second_hop_judges_the_final_accounts_tag_policy(demo: Env) -> None:
    """backup eu-north-1 -> backup eu-central-1 -> qa: qa's tag policy refuses the tag the
    copies carry, so the second hop (whose recovery point, not made yet, will carry its
    source's tags) FAILs as the copy does; the backup account's hop is free of it."""
    backup_account, dr = demo.info.accounts["backup"], demo.info.dr_region
    source = demo.sandbox.client("backup", backup_account, dr)
    points = source.list_recovery_points_by_backup_vault(BackupVaultName="dr-eu-north-1")
    rds = sorted(
        (p for p in points["RecoveryPoints"] if p["ResourceType"] == "RDS"),
        key=lambda p: p["CreationDate"],
    )
    rp = rds[-1]["RecoveryPointArn"]
    policy = cost_center(["100"], ["backup:recovery-point"])
    source.tag_resource(ResourceArn=rp, Tags={"CostCenter": "999"})
    try:
        with tag_policies(demo, (demo.info.accounts["qa"], policy)):
            result = drconsole(
                demo, "check", "copy", "--recovery-point", rp, "--to",
                demo.vault("qa", "qa-vault"), "--json",
            )  # fmt: skip
    finally:
        source.untag_resource(ResourceArn=rp, TagKeyList=["CostCenter"])
    document = as_json(result)
    assert document["route"]["hops"] == 2, document["route"]
    checks = {c["id"]: c for c in document["checks"]}
    assert checks["dest.tag-policy"]["status"] == "FAIL", checks["dest.tag-policy"]
    second = checks["hop2.dest.tag-policy"]
    assert second["status"] == "FAIL", second
    assert "CostCenter=999" in second["evidence"] and demo.info.accounts["qa"] in second["evidence"]
    assert result.returncode == 1


def test_drill_plan_names_the_tag_policy_that_stops_a_target(demo: Env, tmp_path: Any) -> None:
    backup_account, prod, dr = (
        demo.info.accounts["backup"],
        demo.info.accounts["prod"],
        demo.info.dr_region,
    )
    source = demo.sandbox.client("backup", backup_account, dr)
    points = [
        p["RecoveryPointArn"]
        for p in source.list_recovery_points_by_backup_vault(BackupVaultName="dr-eu-north-1")[
            "RecoveryPoints"
        ]
        if p.get("ResourceName") == "prod-payments-cluster"
    ]
    assert points
    runbook = tmp_path / "tags.yaml"
    runbook.write_text(
        "name: tags\n"
        "objectives: {rpo: 36h, rto: 2h}\n"
        f'source: {{account: "{backup_account}", region: {dr}}}\n'
        f'restore_to: {{account: "{prod}", region: {demo.info.region}, vault: prod-vault}}\n'
        "targets:\n"
        f'  - name: db\n    resource: {{account: "{prod}", type: Aurora, '
        "name: prod-payments-cluster}\n"
    )
    for point in points:
        source.tag_resource(ResourceArn=point, Tags={"CostCenter": "999"})
    try:
        with tag_policies(demo, (prod, cost_center(["100"], ["backup:*"]))):
            planned = drconsole(demo, "drill", "plan", str(runbook))
    finally:
        for point in points:
            source.untag_resource(ResourceArn=point, TagKeyList=["CostCenter"])
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert "dest.tag-policy" in planned.stdout, planned.stdout


def judged(policy: str | Unreadable | None, tags: Any, point: str | None = None) -> Any:
    from dataclasses import replace

    from tests.test_checks_copy import good_facts

    facts = good_facts(dest_tag_policy=policy, recovery_point_tags=tags)
    if point is not None:
        facts = replace(facts, recovery_point=replace(facts.recovery_point, arn=point))
    return check_tag_policy(facts)


def effective(values: list[str] | None, enforced_for: list[str], key: str = "CostCenter") -> str:
    rule: dict[str, Any] = {"tag_key": key, "enforced_for": enforced_for}
    if values is not None:
        rule["tag_value"] = values
    return json.dumps({"tags": {key.lower(): rule}})


@pytest.mark.parametrize(
    ("values", "enforced_for", "tags", "status"),
    [
        (["*@example.com"], ["backup:recovery-point"], {"CostCenter": "ops@example.com"}, "PASS"),
        (["*@example.com"], ["backup:recovery-point"], {"CostCenter": "ops@example.org"}, "FAIL"),
        (["100"], ["backup:ALL_SUPPORTED"], {"CostCenter": "200"}, "FAIL"),
        (["100"], ["backup:backup-vault"], {"CostCenter": "200"}, "PASS"),
        (None, ["backup:*"], {"CostCenter": "anything"}, "PASS"),
        (None, ["backup:*"], {"COSTCENTER": "anything"}, "FAIL"),
        (["100"], ["backup:*"], {"Owner": "x"}, "PASS"),
    ],
)
def test_the_verdict_follows_aws_tag_policy_syntax(
    values: list[str] | None, enforced_for: list[str], tags: dict[str, str], status: str
) -> None:
    verdict = judged(effective(values, enforced_for), tuple(tags.items()))
    assert verdict.status.value == status, verdict


def test_an_ebs_copy_is_judged_as_an_ec2_snapshot_too() -> None:
    point = "arn:aws:ec2:eu-central-1::snapshot/snap-0123456789abcdef0"
    policy = effective(["100"], ["ec2:snapshot"])
    assert judged(policy, (("CostCenter", "200"),), point).status.value == "FAIL"
    managed = "arn:aws:backup:eu-central-1:111111111111:recovery-point:abc"
    assert judged(policy, (("CostCenter", "200"),), managed).status.value == "PASS"


def test_what_cannot_be_read_is_unknown_never_pass() -> None:
    refused = Unreadable("backup:ListTags", "AccessDeniedException", "no")
    policy = effective(["100"], ["backup:recovery-point"])
    assert judged(policy, refused).status.value == "UNKNOWN"
    assert judged("{not json", ()).status.value == "UNKNOWN"
    assert judged(json.dumps({"plans": {}}), ()).status.value == "UNKNOWN"
    # No rule enforced for the copy: the tags are not needed.
    assert judged(effective(["100"], ["ec2:instance"]), refused).status.value == "PASS"


@pytest.mark.parametrize(
    "point",
    [
        "arn:aws:backup:eu-central-1:111111111111:recovery-point:abc",
        "arn:aws:ec2:eu-central-1::snapshot/snap-0123456789abcdef0",
        "arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup:job-abc",
    ],
)
def test_the_retag_commands_keep_a_key_with_spaces_one_argument(point: str) -> None:
    """Tag keys and values may hold spaces (`Cost Center`): each command's tag argument stays
    one shell word, for each service's command."""
    from tests.test_remedy_shell_words import shell_words

    policy = effective(["100"], ["backup:recovery-point", "ec2:snapshot", "rds:snapshot"])
    policy = policy.replace("CostCenter", "Cost Center")
    verdict = judged(policy, (("cost center", "2 00"),), point)
    assert verdict.status.value == "FAIL", verdict
    commands = [line for line in verdict.remediation.splitlines() if line.startswith("aws ")]
    assert len(commands) == 2, verdict.remediation  # the key's case: drop, then tag again
    for command in commands:
        words = shell_words(command)
        assert not {";", "|", ">", "<", "&"} & set(words), words
        tag_arguments = [w for w in words if "ost" in w.lower() and "center" in w.lower()]
        assert len(tag_arguments) == 1, words
