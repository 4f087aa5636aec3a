"""Read-only mode, whatever chose it, against every mutating command, counted at the sandbox.

Every way a profile (and so its `[profiles.NAME] read_only = true`) can be chosen — `--profile`,
`AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, the config's `profile`, botocore's `default` profile — the
`--read-only` flag, and a top-level `read_only = true` under a profile that says `false`, by
copy, restore, each `check copy --fix` and `jobs --resume`, each run as a real process against
an in-process sandbox. What counts is what arrived: the sandbox's own
log of requests, named by operation from the wire, must hold no mutating request. A control run
without read-only shows that the same commands do send mutating requests that the log sees.
Print the matrix with `pytest -s tests/test_readonly_matrix.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from drconsole.sandbox.scenarios import ScenarioInfo, start_sandbox
from drconsole.sandbox.scenarios.iam_roles import BACKUP_TRUST, SERVICE_ROLE_POLICIES
from drconsole.sandbox.server import Sandbox, SandboxOptions
from tests import forked_cli

ROOT = Path(__file__).resolve().parent.parent
RESTORE_ROLE = "matrix-restore-role"

# The test's own idea of a read, written apart from drconsole's allow-list: a request is
# mutating unless its operation reads by name, and credential-issuing calls never read.
READ_VERBS = ("Describe", "Get", "List", "Head")
CREDENTIAL_ISSUING = {
    "sts:GetSessionToken",
    "sts:GetFederationToken",
    "sts:GetDelegatedAccessToken",
    "sts:GetScopedCredentials",
    "sts:GetWebIdentityToken",
}
# Reaching member accounts (the documented exception), knowing who we are, and asking IAM
# whether we may pass the restore role (a simulation evaluates policies, changes nothing).
NAMED_READS = {"sts:AssumeRole", "sts:GetCallerIdentity", "iam:SimulatePrincipalPolicy"}


def is_mutating(name: str) -> bool:
    """True for a `service:Operation` that is not a read (by the test's own rule)."""
    operation = name.split(":", 1)[1]
    if name in CREDENTIAL_ISSUING:
        return True
    return name not in NAMED_READS and not operation.startswith(READ_VERBS)


@dataclass
class Way:
    """One way of choosing read-only: flags, environment and the drconsole config file."""

    name: str
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    config: str = ""


RO_PROFILE = "[profiles.ro]\nread_only = true\n"
WAYS = [
    Way("--profile ro", args=("--profile", "ro"), config=RO_PROFILE),
    Way("AWS_PROFILE=ro", env={"AWS_PROFILE": "ro"}, config=RO_PROFILE),
    Way("AWS_DEFAULT_PROFILE=ro", env={"AWS_DEFAULT_PROFILE": "ro"}, config=RO_PROFILE),
    Way("config profile = ro", config='profile = "ro"\n' + RO_PROFILE),
    Way("default profile", config="[profiles.default]\nread_only = true\n" + RO_PROFILE),
    Way("--read-only", args=("--read-only",)),
    # A profile's `read_only = false` cannot switch off the top level's `true`.
    Way(
        "top-level true, profile false",
        args=("--profile", "rw"),
        config="read_only = true\n[profiles.rw]\nread_only = false\n",
    ),
]


@dataclass
class Env:
    sandbox: Sandbox
    info: ScenarioInfo
    home: Path
    base_env: dict[str, str]
    paths: dict[str, list[str]]
    matrix: dict[str, dict[str, str]] = field(default_factory=dict)

    def vault(self, role: str, name: str, region: str | None = None) -> str:
        region = region or self.info.region
        return f"arn:aws:backup:{region}:{self.info.accounts[role]}:backup-vault:{name}"

    def run(self, way: Way | None, args: list[str]) -> subprocess.CompletedProcess[str]:
        slug = "".join(c if c.isalnum() else "-" for c in (way.name if way else "read-write"))
        config = self.home / f"config-{slug}.toml"
        config.write_text(way.config if way else "")
        env = {**self.base_env, **(way.env if way else {})}
        argv = [sys.executable, "-m", "drconsole", "--config", str(config)]
        argv += list(way.args) if way else []
        return forked_cli.run(
            argv + args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
        )

    def cross_account(self, enabled: bool) -> None:
        backup = self.sandbox.client("backup", self.info.accounts["management"])
        backup.update_global_settings(
            GlobalSettings={"isCrossAccountBackupEnabled": "true" if enabled else "false"}
        )

    def arrived(self, way: Way | None, args: list[str]) -> tuple[Any, list[str]]:
        """Run drconsole; the result and every request that reached the sandbox meanwhile."""
        mark = self.sandbox.request_log.mark()
        result = self.run(way, args)
        return result, [seen.name for seen in self.sandbox.request_log.since(mark)]


def write_aws_files(home: Path, credentials: dict[str, str], region: str) -> None:
    keys = (
        f"aws_access_key_id = {credentials['aws_access_key_id']}\n"
        f"aws_secret_access_key = {credentials['aws_secret_access_key']}\n"
    )
    profiles = ("default", "ro", "rw")
    (home / "aws-config").write_text(
        "".join(
            f"[{'default' if p == 'default' else 'profile ' + p}]\nregion = {region}\n"
            for p in profiles
        )
    )
    (home / "aws-credentials").write_text("".join(f"[{p}]\n{keys}" for p in profiles))


def newest(
    sandbox: Sandbox, account: str, vault: str, resource_type: str, copy: bool = False
) -> str:
    """The newest recovery point of a type in a vault (a copy from elsewhere, or an original)."""
    backup = sandbox.client("backup", account)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    return next(
        p["RecoveryPointArn"]
        for p in sorted(points, key=lambda p: p["CreationDate"], reverse=True)
        if p["ResourceType"] == resource_type and bool(p.get("SourceBackupVaultArn")) == copy
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=20000.0))
    home = tmp_path_factory.mktemp("home")
    management = sandbox.credentials_for(info.accounts["management"])
    write_aws_files(home, management, info.region)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    base_env.update(
        AWS_ENDPOINT_URL=sandbox.endpoint_url,
        AWS_ACCESS_KEY_ID=management["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=management["aws_secret_access_key"],
        AWS_REGION=info.region,
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        HOME=str(home),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "xdg-config"),
        NO_COLOR="1",
    )
    prod = info.accounts["prod"]
    ebs = newest(sandbox, prod, "prod-vault", "EBS")
    central = (
        f"arn:aws:backup:{info.region}:{info.accounts['backup']}:backup-vault:central-eu-central-1"
    )
    faults = info.fault_recovery_points
    dests = info.fault_destinations
    paths = {
        "copy": ["copy", "--recovery-point", ebs, "--to", central, "--yes", "--json"],
        "restore": ["restore", "--recovery-point", ebs, "--yes", "--json"],
        "check --fix (vault policy)": [
            "check", "copy", "--recovery-point", faults["vault_without_access_policy"],
            "--to", dests["vault_without_access_policy"], "--fix", "--yes",
        ],
        "check --fix (key policy)": [
            "check", "copy", "--recovery-point", faults["source_key_not_shared"],
            "--to", dests["source_key_not_shared"], "--fix", "--yes",
        ],
        "check --fix (service-linked role)": [
            "check", "copy", "--recovery-point", faults["service_linked_role_missing"],
            "--to", dests["service_linked_role_missing"], "--fix", "--yes",
        ],
        "check --fix (cross-account setting)": [
            "check", "copy", "--recovery-point", ebs, "--to", central, "--fix", "--yes",
        ],
        "jobs --resume": ["jobs", "--resume", "--json"],
    }  # fmt: skip
    environment = Env(sandbox, info, home, base_env, paths)
    # An unfinished flow for `jobs --resume`: a copy back into prod whose restore is blocked
    # because its restore role is missing; the role is then created, so resuming the flow
    # would start the restore job.
    copy_back = newest(sandbox, info.accounts["backup"], "central-eu-central-1", "EBS", copy=True)
    blocked = environment.run(
        None,
        ["copy", "--recovery-point", copy_back, "--to", environment.vault("prod", "prod-vault"),
         "--restore", "--restore-role", RESTORE_ROLE, "--yes", "--json"],
    )  # fmt: skip
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    iam = sandbox.client("iam", prod)
    iam.create_role(RoleName=RESTORE_ROLE, AssumeRolePolicyDocument=BACKUP_TRUST)
    for policy in SERVICE_ROLE_POLICIES:
        iam.attach_role_policy(RoleName=RESTORE_ROLE, PolicyArn=policy)
    try:
        yield environment
    finally:
        if environment.matrix:
            print_matrix(environment.matrix)
        sandbox.stop()
        sandbox.reset()


def print_matrix(matrix: dict[str, dict[str, str]]) -> None:
    paths = list(next(iter(matrix.values())))
    width = max(len(p) for p in paths)
    print("\nread-only matrix: mutating requests that reached the sandbox (exit code)")
    print(f"{'chosen by':40} | " + " | ".join(p.ljust(width) for p in paths))
    for way, row in matrix.items():
        print(f"{way:40} | " + " | ".join(row[p].ljust(width) for p in paths))


@pytest.mark.parametrize("way", WAYS, ids=[w.name for w in WAYS])
def test_no_mutating_request_reaches_the_sandbox(env: Env, way: Way) -> None:
    row: dict[str, str] = {}
    failures: list[str] = []
    for path, args in env.paths.items():
        if path == "check --fix (cross-account setting)":
            env.cross_account(False)
        try:
            result, arrived = env.arrived(way, args)
        finally:
            if path == "check --fix (cross-account setting)":
                env.cross_account(True)
        mutating = [name for name in arrived if is_mutating(name)]
        row[path] = f"{len(mutating)} (exit {result.returncode})"
        if mutating:
            failures.append(f"{path}: {mutating}")
        if result.returncode != 2 or "read-only" not in result.stderr:
            failures.append(f"{path}: exit {result.returncode}, {result.stderr.strip()!r}")
    env.matrix[way.name] = row
    assert not failures, "\n".join(failures)


def test_without_read_only_the_same_commands_do_mutate(env: Env) -> None:
    """The control: the log sees what a read-write run sends (so the matrix could fail)."""
    expected = {
        "jobs --resume": "backup:StartRestoreJob",
        "check --fix (service-linked role)": "iam:CreateServiceLinkedRole",
        "restore": "backup:StartRestoreJob",
    }
    for path, operation in expected.items():
        result, arrived = env.arrived(None, env.paths[path])
        assert operation in arrived, (path, result.returncode, result.stderr, arrived)
    listed = json.loads(env.run(None, ["jobs", "--json"]).stdout)
    assert listed["flows"] == [], "the resumed flow finished"
