"""`drconsole ls` in a subprocess against the sandbox, reached as the AWS CLI would reach it.

The CLI gets AWS_ENDPOINT_URL, AWS_REGION and the management account's keys in its
environment, nothing else.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from drconsole.commands._ls_output import iso, point_json
from drconsole.commands._ls_stream import finish, stream_points
from drconsole.models import RecoveryPoint
from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli

VAULT_FIELDS = {
    "arn",
    "name",
    "account_id",
    "account_name",
    "region",
    "encryption_key_arn",
    "key_type",
    "locked",
    "min_retention_days",
    "max_retention_days",
    "has_access_policy",
    "recovery_point_count",
    "created",
}
POINT_FIELDS = {
    "arn",
    "vault_name",
    "vault_arn",
    "account_id",
    "account_name",
    "region",
    "resource_arn",
    "resource_type",
    "resource_name",
    "created",
    "completed",
    "status",
    "size_bytes",
    "encryption_key_arn",
    "is_encrypted",
    "source_vault_arn",
    "expires",
    "iam_role_arn",
}
ERROR_FIELDS = {
    "account_id",
    "account_name",
    "region",
    "operation",
    "code",
    "cause",
    "message",
    "remedy",
}


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, ScenarioInfo]]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    yield sandbox, info
    sandbox.stop()
    sandbox.reset()


@pytest.fixture(scope="module")
def env(
    demo: tuple[Sandbox, ScenarioInfo], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    sandbox, info = demo
    home = tmp_path_factory.mktemp("home")
    creds = sandbox.credentials_for(info.accounts["management"])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **clean,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_ENDPOINT_URL": sandbox.endpoint_url,
        "AWS_REGION": info.region,
        "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
        "NO_COLOR": "1",
    }


def drconsole(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return forked_cli.run(
        [sys.executable, "-m", "drconsole", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ls_json(env: dict[str, str], *args: str, code: int = 0) -> dict[str, Any]:
    done = drconsole(env, "ls", *args, "--json")
    assert done.returncode == code, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    assert set(document) == {"items", "errors", "scope"}
    return document


def test_accounts_json(env: dict[str, str], demo: Any) -> None:
    _, info = demo
    items = ls_json(env, "accounts")["items"]
    by_id = {item["id"]: item for item in items}
    assert set(by_id) == set(info.accounts.values())
    qa = by_id[info.accounts["qa"]]
    assert qa["name"] == "qa"
    assert qa["ou_path"] == "Root/Non-Prod/QA"
    assert qa["org_path"].startswith(f"{info.org_id}/r-")
    assert qa["org_path"].endswith("/")
    assert by_id[info.accounts["management"]]["role"] == "management"


def test_vaults_json_across_regions(env: dict[str, str], demo: Any) -> None:
    _, info = demo
    document = ls_json(env, "vaults", "--region", f"{info.region},{info.dr_region}")
    items = {item["arn"]: item for item in document["items"]}
    assert document["errors"] == []
    assert all(set(item) == VAULT_FIELDS for item in items.values())
    assert items[info.faults["vault_aws_managed_key"]]["key_type"] == "aws-managed"
    assert items[info.faults["vault_without_access_policy"]]["has_access_policy"] is False
    regions = {item["region"] for item in items.values()}
    assert regions == {info.region, info.dr_region}


def test_table_for_people(env: dict[str, str], demo: Any) -> None:
    done = drconsole(env, "ls", "vaults", "--account", "qa")
    assert done.returncode == 0, done.stderr
    assert "qa-legacy-vault" in done.stdout
    assert "aws-managed" in done.stdout
    assert "prod-vault" not in done.stdout
    assert done.stderr.startswith("drconsole: scope: 1 of ")  # and nothing else
    assert len(done.stderr.splitlines()) == 1


def test_newest_prod_database_copy_in_the_dr_vault(env: dict[str, str], demo: Any) -> None:
    sandbox, info = demo
    document = ls_json(
        env,
        "recovery-points",
        "--account",
        "backup",
        "--region",
        info.dr_region,
        "--vault",
        "dr-eu-north-1",
        "--resource-type",
        "rds",
        "--since",
        "30d",
    )
    items = document["items"]
    assert items
    assert all(set(item) == POINT_FIELDS for item in items)
    assert all(item["resource_type"] == "RDS" for item in items)
    created = [item["created"] for item in items]
    assert created == sorted(created, reverse=True)
    newest = items[0]
    # The same data as the API gives.
    backup = sandbox.client("backup", info.accounts["backup"], info.dr_region)
    described = backup.describe_recovery_point(
        BackupVaultName="dr-eu-north-1", RecoveryPointArn=newest["arn"]
    )
    assert described["ResourceArn"] == newest["resource_arn"]
    assert described["BackupSizeInBytes"] == newest["size_bytes"]
    assert newest["source_vault_arn"]


def test_recovery_points_json_is_written_item_by_item(env: dict[str, str], demo: Any) -> None:
    """Across the organization the listing is streamed: `{"items": [` first, then one recovery
    point per line as pages arrive, then errors and scope; nothing is lost on the way, and an
    account that cannot be read is in `errors` while the others are listed."""
    sandbox, info = demo
    regions = (info.region, info.dr_region)
    qa = info.accounts["qa"]
    sandbox.options.access_denied_accounts = {qa}
    try:
        done = drconsole(env, "--region", ",".join(regions), "ls", "recovery-points", "--json")
    finally:
        sandbox.options.access_denied_accounts = set()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == '{"items": ['
    end = lines.index("],")
    items = [json.loads(line.rstrip(",")) for line in lines[1:end]]
    document = json.loads(done.stdout)
    assert document["items"] == items
    assert all(set(item) == POINT_FIELDS for item in items)
    assert {(e["account_id"], e["region"]) for e in document["errors"]} == {
        (qa, region) for region in regions
    }
    assert document["scope"]["regions"] == list(regions)
    others = [account for account in info.accounts.values() if account != qa]
    assert [item["arn"] for item in items if item["account_id"] != qa]
    assert {item["arn"] for item in items} == points_in_sandbox(sandbox, others, regions)


def points_in_sandbox(
    sandbox: Sandbox, accounts: Iterable[str], regions: Iterable[str]
) -> set[str]:
    """Every recovery point ARN of `accounts` in `regions`, read with plain boto3."""
    found = set()
    for account in accounts:
        for region in regions:
            backup = sandbox.client("backup", account, region)
            for vault in backup.list_backup_vaults()["BackupVaultList"]:
                pager = backup.get_paginator("list_recovery_points_by_backup_vault")
                for page in pager.paginate(BackupVaultName=vault["BackupVaultName"]):
                    found |= {p["RecoveryPointArn"] for p in page["RecoveryPoints"]}
    return found


def test_access_denied_account_listed_in_errors(env: dict[str, str], demo: Any) -> None:
    sandbox, info = demo
    qa = info.accounts["qa"]
    sandbox.options.access_denied_accounts = {qa}
    try:
        document = ls_json(env, "vaults", "--region", f"{info.region},{info.dr_region}")
        table = drconsole(env, "--region", f"{info.region},{info.dr_region}", "ls", "vaults")
    finally:
        sandbox.options.access_denied_accounts = set()
    errors = document["errors"]
    assert {(e["account_id"], e["region"]) for e in errors} == {
        (qa, info.region),
        (qa, info.dr_region),
    }
    assert all(set(e) == ERROR_FIELDS and e["cause"] == "ROLE_PERMISSIONS" for e in errors)
    assert {item["account_id"] for item in document["items"]} >= {info.accounts["prod"]}
    assert table.returncode == 0
    lines = sorted(table.stderr.strip().splitlines())
    assert lines.pop().startswith("drconsole: scope: all ")  # sorts after "account"
    assert len(lines) == 2
    for line, region in zip(lines, sorted([info.region, info.dr_region]), strict=True):
        assert line.startswith(f"drconsole: account {qa} (qa) {region}: ListBackupVaults")
        assert line.endswith("[ROLE_PERMISSIONS]")


def test_exit_3_when_every_account_failed(env: dict[str, str], demo: Any) -> None:
    sandbox, info = demo
    members = {info.accounts["qa"], info.accounts["dev"]}
    sandbox.options.access_denied_accounts = members
    try:
        document = ls_json(env, "vaults", "--account", "qa", "--account", "dev", code=3)
    finally:
        sandbox.options.access_denied_accounts = set()
    assert document["items"] == []
    assert {e["account_id"] for e in document["errors"]} == members


def test_jobs_json_lists_a_copy_job(env: dict[str, str], demo: Any) -> None:
    sandbox, info = demo
    prod = info.accounts["prod"]
    backup = sandbox.client("backup", prod, info.region)
    points = backup.list_recovery_points_by_backup_vault(
        BackupVaultName="prod-vault", ByResourceType="EFS"
    )["RecoveryPoints"]
    central = (
        f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:central-eu-central-1"
    )
    job_id = backup.start_copy_job(
        RecoveryPointArn=points[0]["RecoveryPointArn"],
        SourceBackupVaultName="prod-vault",
        DestinationBackupVaultArn=central,
        IamRoleArn=f"arn:aws:iam::{prod}:role/service-role/AWSBackupDefaultServiceRole",
    )["CopyJobId"]
    items = ls_json(env, "jobs", "--account", "prod", "--since", "1h")["items"]
    job = next(item for item in items if item["id"] == job_id)
    assert job["kind"] == "copy"
    assert job["account_id"] == prod
    assert job["destination_vault_arn"] == central
    assert job["recovery_point_arn"] == points[0]["RecoveryPointArn"]
    assert job["percent_done"] is None


# The demo's night: every failure with AWS's message, its kind, account and explained cause.
NIGHT_FAILURES = {
    ("backup", "qa", "qa-web-data", "ROLE_PERMISSIONS"),
    ("backup", "dev", "dev-assets", "ROLE_PERMISSIONS"),
    ("copy", "qa", "qa-analytics-data", "SOURCE_KEY_NOT_SHARED"),
    ("copy", "prod", "prod-legacy-data", "AWS_MANAGED_RESOURCE_KEY"),
    ("copy", "backup", "qa-orders-db", "VAULT_POLICY_DENIES_COPY"),
    ("restore", "qa", "qa-orders-db", "RESOURCE_ALREADY_EXISTS"),
}
JOB_FIELDS = {
    "kind",
    "id",
    "account_id",
    "account_name",
    "region",
    "state",
    "status_message",
    "cause",
    "explanation",
    "remediation",
    "also_possible",
    "resource_type",
    "resource_name",
    "resource_arn",
    "created",
    "completed",
    "iam_role_arn",
    "recovery_point_arn",
    "vault_arn",
    "source_vault_arn",
    "destination_vault_arn",
    "destination_recovery_point_arn",
    "size_bytes",
    "percent_done",
    "expected_minutes",
    "created_resource_arn",
}


def night_failures(items: list[dict[str, Any]]) -> set[tuple[str, str, str, str]]:
    return {
        (item["kind"], item["account_name"], item["resource_name"], item["cause"]) for item in items
    }


def test_what_failed_overnight_across_the_organization(env: dict[str, str], demo: Any) -> None:
    _, info = demo
    regions = f"{info.region},{info.dr_region}"
    document = ls_json(env, "jobs", "--state", "FAILED", "--since", "24h", "--regions", regions)
    items = document["items"]
    assert all(set(item) == JOB_FIELDS for item in items)
    assert night_failures(items) == NIGHT_FAILURES
    assert all(item["state"] == "FAILED" and item["status_message"] for item in items)
    assert all(item["explanation"] and item["remediation"] for item in items)
    # AWS's copy "Access Denied" is its answer for the vault's policy and the copy role's alike.
    also = {(item["resource_name"], item["cause"]): item["also_possible"] for item in items}
    assert also.pop(("qa-orders-db", "VAULT_POLICY_DENIES_COPY")) == ["ROLE_PERMISSIONS"]
    assert all(others == [] for others in also.values()), also
    created = [item["created"] for item in items]
    assert created == sorted(created, reverse=True)
    assert document["scope"]["listing"] == "organization-wide"
    assert document["scope"]["regions"] == [info.region, info.dr_region]
    assert set(document["scope"]["accounts"]) == set(info.accounts.values())
    assert document["scope"]["kinds"] == ["backup", "copy", "restore"]
    assert document["scope"]["states"] == ["FAILED"]
    table = drconsole(env, "ls", "jobs", "--state", "failed", "--since", "24h")
    assert table.returncode == 0, table.stderr
    assert "Insufficient privileges to perform this action." in table.stdout
    assert "SOURCE_KEY_NOT_SHARED" in table.stdout
    assert "backup/copy/restore jobs listed organization-wide" in table.stderr


def test_jobs_filtered_by_kind_and_account(env: dict[str, str], demo: Any) -> None:
    _, info = demo
    items = ls_json(env, "jobs", "--kind", "backup", "--account", "dev", "--since", "24h")["items"]
    assert items and {(i["kind"], i["account_id"]) for i in items} == {
        ("backup", info.accounts["dev"])
    }
    states = {i["state"] for i in items}
    assert states == {"COMPLETED", "FAILED"}
    completed = [i for i in items if i["state"] == "COMPLETED"]
    assert all(i["recovery_point_arn"] and i["cause"] is None for i in completed)
    copies = ls_json(env, "jobs", "--kind", "copy,restore", "--state", "FAILED")["items"]
    assert {i["kind"] for i in copies} == {"copy", "restore"}


def test_jobs_listed_account_by_account_without_organization_monitoring(
    env: dict[str, str], demo: Any
) -> None:
    sandbox, info = demo
    organizations = sandbox.client("organizations", info.accounts["management"], info.region)
    organizations.disable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
    try:
        document = ls_json(env, "jobs", "--state", "FAILED", "--since", "24h")
    finally:
        organizations.enable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
    assert document["scope"]["listing"] == "per-account"
    assert night_failures(document["items"]) == NIGHT_FAILURES


def test_job_states_are_botocores() -> None:
    import botocore.session

    from drconsole.aws.job_history import STATES

    model = botocore.session.get_session().get_service_model("backup")
    assert STATES["backup"] == tuple(model.shape_for("BackupJobState").enum)
    assert STATES["copy"] == tuple(model.shape_for("CopyJobState").enum)
    assert STATES["restore"] == tuple(model.shape_for("RestoreJobStatus").enum)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["jobs", "--state", "BROKEN"], "--state 'BROKEN': not a state of backup/copy/restore"),
        (["jobs", "--kind", "snapshot"], "--kind 'snapshot': expected backup, copy or restore"),
        (["jobs", "--kind", "copy", "--state", "EXPIRED"], "not a state of copy jobs"),
        (["vaults", "--state", "FAILED"], "ls vaults: --state and --kind apply to jobs"),
        (["recovery-points", "--since", "yesterday"], "--since 'yesterday': expected a duration"),
        (["vaults", "--account", "12345"], "--account '12345': an account id has 12 digits"),
        (["vaults", "--account", "nobody"], "--account 'nobody': no such account"),
        (["recovery-points", "--resource-type", "floppy"], "--resource-type 'floppy': unknown"),
        (["recovery-points", "--since", "2999-01-01"], "is in the future"),
        # A time of day without its zone is not guessed to be UTC (nor local).
        (["jobs", "--since", "2026-12-01T08:00"], "'2026-12-01T08:00': a time needs its zone"),
        (["recovery-points", "--since", "2026-12-01 08:00:00"], "a time needs its zone"),
        (["recovery-points", "--before", "2026-12-01T08:00"], "--before '2026-12-01T08:00': a"),
        (["jobs", "--before", "2h"], "ls jobs: --before applies to recovery-points"),
        (["recovery-points", "--since", "1h", "--before", "2h"], "no recovery point can be in"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    env: dict[str, str], args: list[str], expected: str
) -> None:
    done = drconsole(env, "ls", *args, "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_since_with_an_offset_is_the_same_moment_in_utc(env: dict[str, str]) -> None:
    """A time in Kolkata (+05:30) is that moment in UTC, whatever TZ this machine runs with."""
    moment = (datetime.now(UTC) - timedelta(hours=30)).replace(second=0, microsecond=0)
    kolkata = moment.astimezone(timezone(timedelta(hours=5, minutes=30)))
    in_st_johns = {**env, "TZ": "America/St_Johns"}
    given = ls_json(in_st_johns, "jobs", "--account", "prod", "--since", kolkata.isoformat())
    utc = ls_json(env, "jobs", "--account", "prod", "--since", f"{moment:%Y-%m-%dT%H:%M}Z")
    assert given["scope"]["since"] == utc["scope"]["since"] == f"{moment:%Y-%m-%dT%H:%M:%S}Z"
    assert given["items"] == utc["items"]


def test_before_gives_the_last_recovery_point_before_a_moment_first(env: dict[str, str]) -> None:
    """ "The last recovery point before the corruption at 14:32 (Kolkata)": strictly before,
    the moment given with its offset, newest first."""
    points = ls_json(env, "recovery-points", "--account", "prod", "--resource-type", "S3")["items"]
    newest, older = points[0], points[1]
    created = datetime.fromisoformat(newest["created"])
    at_corruption = created.astimezone(timezone(timedelta(hours=5, minutes=30)))
    in_st_johns = {**env, "TZ": "America/St_Johns"}
    args = ("recovery-points", "--account", "prod", "--resource-type", "S3", "--before")
    found = ls_json(in_st_johns, *args, at_corruption.isoformat())
    assert found["items"][0]["arn"] == older["arn"]  # the point made at that very second is not
    assert found["scope"]["created_before"] == newest["created"]
    a_second_later = (at_corruption + timedelta(seconds=1)).isoformat()
    assert ls_json(env, *args, a_second_later)["items"][0]["arn"] == newest["arn"]
    table = drconsole(env, "ls", *args, "2h")
    assert table.returncode == 0 and "; created before " in table.stderr


def test_expired_sso_login_is_named(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile ops]\nsso_session = corp\nsso_account_id = 111122223333\n"
        "sso_role_name = Admin\nregion = eu-central-1\n"
        "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\n"
        "sso_region = eu-central-1\n"
    )
    sso_env = {k: v for k, v in env.items() if not k.startswith("AWS_ACCESS_KEY_ID")}
    sso_env.pop("AWS_SECRET_ACCESS_KEY", None)
    sso_env.update({"AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "ops"})
    done = drconsole(sso_env, "ls", "accounts")
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "run `aws sso login --profile ops`" in lines[0]


def test_every_listing_says_its_scope(env: dict[str, str], demo: Any) -> None:
    _, info = demo
    # Without --region: the one Region of AWS_REGION, said aloud.
    done = drconsole(env, "ls", "vaults")
    assert done.returncode == 0, done.stderr
    assert (
        f"drconsole: scope: all {len(info.accounts)} accounts, Region {info.region} "
        "(from AWS_REGION; --region to change)"
    ) in done.stderr
    for kind in ("accounts", "recovery-points", "jobs"):
        done = drconsole(env, "ls", kind, "--account", "prod", "--region", info.dr_region)
        assert done.returncode == 0, done.stderr
        assert f"scope: 1 of {len(info.accounts)} accounts (prod), Region {info.dr_region} " in (
            done.stderr
        ), done.stderr
    scope = ls_json(env, "vaults", "--region", f"{info.region},{info.dr_region}")["scope"]
    assert scope == {
        "accounts": sorted(info.accounts.values(), key=list(scope["accounts"]).index),
        "account_names": scope["account_names"],
        "accounts_in_organization": len(info.accounts),
        "regions": [info.region, info.dr_region],
        "regions_from": "--region",
    }
    assert set(scope["accounts"]) == set(info.accounts.values())


def test_names_from_aws_cannot_restyle_or_drive_the_terminal(
    env: dict[str, str], demo: Any
) -> None:
    """An account name holding an escape sequence and rich markup is printed as text with the
    control character escaped. (Last in the module: it adds an account to the organization.)"""
    sandbox, info = demo
    hostile = "evil\x1b]0;owned\x07[bold red]x[/bold red]"
    organizations = sandbox.client("organizations", info.accounts["management"], info.region)
    organizations.create_account(Email="evil@example.com", AccountName=hostile)
    done = drconsole(env, "ls", "accounts")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert r"evil\x1b]0;owned\x07[bold red]x[/bold red]" in done.stdout


def test_ctrl_c_while_the_organization_is_read_ends_at_once(env: dict[str, str], demo: Any) -> None:
    """The walk runs beside the listing's preparation; Ctrl+C still stops it: only the calls
    already sent are waited for, and the command says nothing more than its exit code."""
    sandbox, _ = demo
    sandbox.fail_operation("organizations:ListOrganizationalUnitsForParent", "slow")
    sandbox.fail_operation("organizations:ListAccountsForParent", "slow")
    try:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "drconsole", "ls", "recovery-points", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # A suite started in the background by a shell without job control (`... &` in a
            # script) runs with SIGINT ignored, which Python then leaves ignored: the command
            # gets the terminal's default, as when a person runs it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        time.sleep(2.0)  # started, and inside the walk: each of its levels answers after 3 s
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        sandbox.clear_faults()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and stdout == ""
    # The whole walk takes three levels of 3 s; stopped, only the call in flight is waited for.
    assert elapsed < 2.0 + 3.0 + 2.5, elapsed


def test_accounts_are_listed_while_the_organization_is_still_walked(
    env: dict[str, str], demo: Any
) -> None:
    """Each account's recovery points are asked as soon as the walk lists the account: with the
    OUs below the first level answering after 3 s, the backup and prod accounts' points are
    out seconds before the walk (and so the document) ends; nothing is missing at the end."""
    sandbox, info = demo
    regions = (info.region, info.dr_region)
    # The root's OUs are listed at once; the OUs under them (QA, Dev) after 3 s.
    sandbox.fail_operation("organizations:ListOrganizationalUnitsForParent", "slow", after=1)
    try:
        started = time.monotonic()
        command = ["--region", ",".join(regions), "ls", "recovery-points", "--json"]
        process = subprocess.Popen(
            [sys.executable, "-m", "drconsole", *command],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        lines, first_point = [], None
        for line in process.stdout:
            lines.append(line)
            if first_point is None and '"arn"' in line:
                first_point = time.monotonic() - started
        ended = time.monotonic() - started
        stderr = process.stderr.read() if process.stderr else ""
        process.wait(timeout=60)
    finally:
        sandbox.clear_faults()
    assert process.returncode == 0, stderr
    assert first_point is not None
    # Before the change the first point came after the whole walk, a moment before the end.
    assert ended - first_point > 1.5, (first_point, ended)
    document = json.loads("".join(lines))
    assert document["errors"] == []
    # The organization as read without faults (the demo adds a recovery account on demand).
    names = {account["id"]: account["name"] for account in ls_json(env, "accounts")["items"]}
    assert set(names) >= set(info.accounts.values())
    assert document["scope"]["accounts_in_organization"] == len(names)
    assert sorted(document["scope"]["accounts"]) == sorted(names)
    arns = [item["arn"] for item in document["items"]]
    assert len(arns) == len(set(arns))
    assert set(arns) == points_in_sandbox(sandbox, names, regions)
    assert all(item["account_name"] == names[item["account_id"]] for item in document["items"])


def test_a_walk_that_fails_after_points_were_written_ends_the_document_with_it(
    env: dict[str, str], demo: Any
) -> None:
    """The OUs under the root cannot be listed: the accounts listed before (the root's and the
    first level's) are still listed; the document is closed with the failed call in `errors`,
    the organization's size unknown, and the command exits 3 with one line on stderr."""
    sandbox, info = demo
    regions = (info.region, info.dr_region)
    accounts = ls_json(env, "accounts")["items"]
    reached = {a["id"] for a in accounts if a["ou_path"].count("/") <= 1}  # Root, Root/Prod
    assert 0 < len(reached) < len(accounts)
    sandbox.fail_operation("organizations:ListOrganizationalUnitsForParent", "denied", after=1)
    try:
        done = drconsole(env, "--region", ",".join(regions), "ls", "recovery-points", "--json")
    finally:
        sandbox.clear_faults()
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "ListOrganizationalUnitsForParent" in done.stderr
    document = json.loads(done.stdout)
    [failure] = document["errors"]
    assert set(failure) == ERROR_FIELDS
    assert failure["operation"] == "ListOrganizationalUnitsForParent"
    assert failure["cause"] == "ROLE_PERMISSIONS"
    assert failure["account_id"] == info.accounts["management"]
    assert document["scope"]["accounts_in_organization"] is None
    assert set(document["scope"]["accounts"]) == reached
    arns = {item["arn"] for item in document["items"]}
    assert arns and arns == points_in_sandbox(sandbox, reached, regions)


def test_a_walk_that_fails_before_any_point_leaves_stdout_empty(
    env: dict[str, str], demo: Any
) -> None:
    sandbox, _ = demo
    sandbox.fail_operation("organizations:ListOrganizationalUnitsForParent", "denied")
    sandbox.fail_operation("organizations:ListAccountsForParent", "denied")
    try:
        done = drconsole(env, "ls", "recovery-points", "--json")
    finally:
        sandbox.clear_faults()
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))


@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.one_of(st.none(), st.just(UTC), st.builds(timezone, OFFSETS)),
    )
)
@example(moment=datetime.min.replace(tzinfo=UTC))
@example(moment=datetime(2026, 12, 4, 9, 30, 1, 500, tzinfo=timezone(timedelta(hours=2))))
def test_streamed_times_are_written_as_the_document_writes_them(moment: datetime) -> None:
    """The streamed listing lets msgspec write each time (`point_json` hands it UTC datetimes);
    the result is the same text as `iso` gives every other `ls --json` document, whatever the
    time zone."""
    point = RecoveryPoint(
        arn="arn:aws:backup:eu-central-1:123456789012:recovery-point:1",
        vault_name="v",
        account_id="123456789012",
        region="eu-central-1",
        resource_arn="arn:aws:ec2:eu-central-1:123456789012:volume/vol-1",
        resource_type="EBS",
        resource_name="",
        created=moment,
        status="COMPLETED",
        size_bytes=1,
        encryption_key_arn="",
        is_encrypted=False,
        source_vault_arn=None,
        expires=moment,
        completion_date=None,
    )
    try:
        expected = iso(moment)
    except OverflowError:  # a naive time at the edge of the calendar in the local zone
        return
    item = json.loads(msgspec.json.encode(point_json(point, {})))
    assert (item["created"], item["expires"], item["completed"]) == (expected, expected, None)


TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


@given(
    pages=st.lists(
        st.lists(st.tuples(TEXT, TEXT, TEXT, st.none() | TEXT), min_size=1, max_size=4),
        max_size=3,
    ),
    account_name=TEXT,
)
def test_streamed_items_are_one_a_line_whatever_their_text(
    pages: list[list[tuple[str, str, str, str | None]]], account_name: str
) -> None:
    """The streamed document holds one item per line, each the point's JSON, whatever its
    text holds: newlines and control characters are escaped in JSON text, so the separator
    between items is the only newline (U+2028 and U+0085 need no escape: they do not end a
    line for a reader of lines)."""
    created = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    account = "123456789012"
    stream_pages = [
        [
            RecoveryPoint(
                f"arn:aws:backup:eu-central-1:{account}:recovery-point:{arn}",
                vault,
                account,
                "eu-central-1",
                "arn:aws:ec2:eu-central-1:123456789012:volume/vol-1",
                "EBS",
                name,
                created,
                "COMPLETED",
                None,
                "",
                False,
                source,
                None,
            )
            for arn, vault, name, source in page
        ]
        for page in pages
    ]
    out = io.StringIO()
    result = stream_points(iter(stream_pages), {account: account_name}, out)
    finish(result, [], {}, out)
    lines = out.getvalue().split("\n")  # what a reader of lines splits on (not U+2028, U+0085)
    expected = [
        json.loads(msgspec.json.encode(point_json(point, {account: account_name})))
        for page in stream_pages
        for point in page
    ]
    assert json.loads(out.getvalue())["items"] == expected
    assert result.items == len(expected)
    assert lines[0] == '{"items": ['
    assert [json.loads(line.rstrip(",")) for line in lines[1 : 1 + len(expected)]] == expected
    assert lines[1 + len(expected)] == "],"


def test_a_vault_arn_in_a_region_not_scanned_says_so_and_how_to_add_it(
    env: dict[str, str], demo: Any
) -> None:
    _, info = demo
    dr_vaults = ls_json(env, "vaults", "--account", "backup", "--region", info.dr_region)["items"]
    arn = dr_vaults[0]["arn"]
    for kind in ("vaults", "recovery-points"):
        done = drconsole(env, "ls", kind, "--vault", arn, "--region", info.region, "--json")
        assert done.returncode == 2, done.stderr
        assert done.stdout == ""
        assert done.stderr.splitlines() == [
            f"drconsole: --vault {arn}: its Region {info.dr_region} is not scanned (Regions: "
            f"{info.region}, from --region); add --region {info.dr_region}"
        ]
    listed = ls_json(env, "recovery-points", "--vault", arn, "--region", info.dr_region)
    assert listed["items"] and {item["vault_arn"] for item in listed["items"]} == {arn}


def test_a_vault_arn_of_an_account_left_out_names_the_account(
    env: dict[str, str], demo: Any
) -> None:
    arn = demo[1].faults["vault_aws_managed_key"]  # a vault of qa
    qa = arn.split(":")[4]
    done = drconsole(env, "ls", "vaults", "--vault", arn, "--account", "prod")
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"drconsole: --vault {arn}: account {qa} is not among the accounts listed (not in the "
        "organization, or left out by --account)"
    ]
    gone = arn.replace("qa-legacy-vault", "no-such-vault")
    done = drconsole(env, "ls", "vaults", "--vault", gone)
    assert (done.returncode, done.stderr) == (2, f"drconsole: --vault {gone}: no such vault\n")


def test_a_malformed_vault_arn_is_refused_before_anything_is_asked(env: dict[str, str]) -> None:
    done = drconsole(env, "ls", "vaults", "--vault", "arn:aws:backup:eu-central-1:12:vault:x")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("drconsole: --vault: ")
    assert len(done.stderr.splitlines()) == 1
