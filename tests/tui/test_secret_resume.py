"""A flow resumed in the console asks again, in a masked input, for a secret metadata value the
journal does not keep: the value typed is sent with the confirmed request; Esc sends nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from textual.widgets import Input

from drconsole.aws.session import AwsSessions
from drconsole.flows.execute import FlowEngine
from drconsole.flows.journal import Journal
from drconsole.tui.wizard.screen import CopyRestoreWizard
from drconsole.tui.wizard.secret_prompt import SecretPrompt
from tests.tui.conftest import Demo, wait_until
from tests.tui.conftest import notices as notices_said
from tests.tui.test_screens import newest_recovery_point
from tests.tui.test_wizard import EU, SIZE, pane

SECRET = "Sup3rS3cretValue9"


def begun_flow(demo: Demo, state_dir: Path) -> tuple[str, str]:
    """A restore in place of prod's newest RDS snapshot with a secret among its metadata,
    journaled by a process that then went away (its memory of the secret with it)."""
    prod = demo.info.accounts["prod"]
    point = newest_recovery_point(demo, prod, EU, "prod-vault", ResourceType="RDS")
    settings = demo.app(state_dir=state_dir).settings
    engine = FlowEngine(AwsSessions(settings))
    prepared = engine.prepare(
        point["RecoveryPointArn"],
        None,
        restore=True,
        metadata={"MasterUserPassword": SECRET},
        account_hint=prod,
    )
    flow_id = engine.begin(prepared)
    engine.close()
    return flow_id, str(point["RecoveryPointArn"])


def restore_jobs(demo: Demo, rp: str) -> list[dict[str, Any]]:
    jobs = demo.sandbox.client("backup", demo.info.accounts["prod"], EU).list_restore_jobs()
    return [j for j in jobs["RestoreJobs"] if j["RecoveryPointArn"] == rp]


async def test_the_console_asks_again_for_a_secret_and_sends_it(demo: Demo, tmp_path: Path) -> None:
    flow_id, rp = begun_flow(demo, tmp_path)
    before = len(restore_jobs(demo, rp))
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(CopyRestoreWizard(None, flow_id=flow_id))
        await wait_until(pilot, lambda: isinstance(app.screen, SecretPrompt), what="the prompt")
        field = app.screen.query_one("#secret-value", Input)
        assert field.password  # masked
        await pilot.press(*SECRET, "enter")
        await wait_until(pilot, lambda: pane(app) == "result", what="the restore", timeout=60)
        assert SECRET not in app.export_screenshot()
    state = Journal(tmp_path).flow(flow_id)
    assert state is not None and state.status == "completed"
    step = state.step("restore")
    assert len(restore_jobs(demo, rp)) == before + 1
    # The sandbox answers the journaled request sent again with its token with the same job
    # only if the first call carried the same parameters: the value typed.
    request = dict(step.request or {})
    request["Metadata"] = {**request["Metadata"], "MasterUserPassword": SECRET}
    client = demo.sandbox.client("backup", demo.info.accounts["prod"], EU)
    assert client.start_restore_job(**request)["RestoreJobId"] == step.job_id
    request["Metadata"]["MasterUserPassword"] = "<redacted>"
    try:
        client.start_restore_job(**request)
        raise AssertionError("the redaction marker was sent")
    except ClientError as error:
        assert "already used with different parameters" in str(error)


async def test_escape_at_the_secret_prompt_sends_nothing(demo: Demo, tmp_path: Path) -> None:
    flow_id, rp = begun_flow(demo, tmp_path)
    before = len(restore_jobs(demo, rp))
    app = demo.app(state_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(CopyRestoreWizard(None, flow_id=flow_id))
        await wait_until(pilot, lambda: isinstance(app.screen, SecretPrompt), what="the prompt")
        await pilot.press("escape")
        await wait_until(
            pilot,
            lambda: (
                any("MasterUserPassword" in n for n in notices_said(app))
                or "MasterUserPassword" in app.export_screenshot()
            ),
            what="the refusal",
        )
    assert len(restore_jobs(demo, rp)) == before
    state = Journal(tmp_path).flow(flow_id)
    assert state is not None and state.step("restore").token is None  # nothing journaled
