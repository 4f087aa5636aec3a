"""A drill restoring into the central backup account, as `copy --restore` there: `drill plan`
says it, `drill run` refuses it (exit 2, nothing started) unless the runbook states
`allow_backup_account_restore: true`, and then the flow journals the caution as accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drconsole.flows.journal import Journal
from drconsole.sandbox.scenarios import ScenarioInfo
from drconsole.sandbox.server import Sandbox
from tests.test_drill_run import EU, copy_jobs, demo_sandbox, drill, env_for, restore_jobs

sandbox = pytest.fixture(scope="module", name="sandbox")(demo_sandbox)

RUNBOOK = """\
name: into-backup
cleanup: always
EXTRA
source: {account: "SOURCE", region: SOURCE_REGION}
restore_to: {account: "BACKUP", region: eu-central-1, vault: central-eu-central-1}
targets:
  - name: bucket
    resource: {account: "PROD", type: S3, name: prod-assets}
"""
ALLOW = "allow_backup_account_restore: true"


def runbook(tmp_path: Path, info: ScenarioInfo, extra: str = "", source: str = "backup") -> Path:
    path = tmp_path / f"into-backup-{source}{'-allowed' if extra else ''}.yaml"
    path.write_text(
        RUNBOOK.replace("EXTRA", extra)
        .replace("SOURCE_REGION", "eu-north-1" if source == "backup" else EU)
        .replace("SOURCE", info.accounts[source])
        .replace("BACKUP", info.accounts["backup"])
        .replace("PROD", info.accounts["prod"])
    )
    return path


def test_a_restore_in_the_backup_account_is_said_and_refused_before_anything_starts(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    backup, prod = info.accounts["backup"], info.accounts["prod"]
    env = env_for(sb, info, tmp_path)  # no config: no backup_account_id
    said = (
        f"target bucket restores into account {backup} (eu-central-1), the central backup "
        f"account that holds the DR copies (the resource belongs to account {prod}), not a "
        "recovery or workload account"
    )
    # The source is the backup account's DR vault, holding prod's copies; and the account
    # the organization names `backup` when the source is prod's own vault.
    for source in ("backup", "prod"):
        path = runbook(tmp_path, info, source=source)
        planned = drill(env, "plan", str(path))
        assert planned.returncode == 1, planned.stdout + planned.stderr
        assert (
            f"  caution: {said}; drill run refuses it: state allow_backup_account_restore: "
            "true in the target to drill it there"
        ) in planned.stdout
        assert "Target bucket: NOT READY" in planned.stdout
        as_json = json.loads(drill(env, "plan", str(path), "--json").stdout)
        (target,) = as_json["targets"]
        assert not target["ok"] and target["caution"] == {"message": said, "accepted_by": None}

    path = runbook(tmp_path, info)
    restores, copies = (
        len(restore_jobs(sb, backup)),
        len(copy_jobs(sb, prod)) + len(copy_jobs(sb, backup)),
    )
    done = drill(env, "run", str(path), "--yes")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr == (
        f"drconsole: {path}: {said}. Nothing was started; restore_to another account, or state "
        "allow_backup_account_restore: true in the target (or the runbook) to drill it there\n"
    )
    assert len(restore_jobs(sb, backup)) == restores
    assert len(copy_jobs(sb, prod)) + len(copy_jobs(sb, backup)) == copies
    assert not (tmp_path / "state" / "drconsole" / "drills").exists()


def test_a_runbook_that_states_it_drills_there_with_the_caution_journaled_as_accepted(
    sandbox: tuple[Sandbox, ScenarioInfo], tmp_path: Path
) -> None:
    sb, info = sandbox
    env = env_for(sb, info, tmp_path)
    path = runbook(tmp_path, info, extra=ALLOW)
    planned = drill(env, "plan", str(path))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "; accepted by the runbook allow_backup_account_restore" in planned.stdout
    done = drill(env, "run", str(path), "--yes", "--json")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    journal = Journal(tmp_path / "state" / "drconsole")
    (flow,) = journal.flows()
    (acceptance,) = flow.accepted_cautions
    assert acceptance["code"] == "backup-account-restore"
    assert acceptance["accepted_by"] == "runbook allow_backup_account_restore"
