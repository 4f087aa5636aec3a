"""The jobs screen's summary line: AWS's organization-wide counts show before the per-account
listing completes (a slow network, one listing call slower still), and agree with it once it
does; with cross-account monitoring off the line says so and the jobs still list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from drconsole.aws.job_history import job_kind
from drconsole.sandbox.scenarios import start_sandbox
from drconsole.sandbox.server import SandboxOptions
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.jobs_screen import JobsScreen
from tests.tui.conftest import Demo, sandbox_settings, wait_until
from tests.tui.test_narrow import screen_lines
from tests.tui.test_screens import accounts_loaded

SMALL = (80, 24)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo built now: AWS's summaries count in windows of the real clock."""
    sandbox, info = start_sandbox("demo", SandboxOptions(time_scale=3600.0))
    try:
        settings = sandbox_settings(sandbox, info, tmp_path_factory.mktemp("state"))
        yield Demo(sandbox, info, settings)
    finally:
        sandbox.stop()


def summary_line(app: DrConsoleApp) -> str:
    return str(app.screen.query_one("#jobs-summary").render())


async def open_jobs(app: DrConsoleApp, pilot: object) -> JobsScreen:
    await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=30)  # type: ignore[arg-type]
    await pilot.press("j")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs screen")  # type: ignore[arg-type]
    assert isinstance(app.screen, JobsScreen)
    return app.screen


async def test_summary_shows_before_the_listing_and_agrees_with_it(live: Demo) -> None:
    app = DrConsoleApp(live.settings, readiness_after_inventory=False)
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: accounts_loaded(app), what="accounts", timeout=30)
        live.sandbox.options.latency_ms = 50
        # An organization's listing pages through thousands of jobs; one slow answer stands in.
        live.sandbox.fail_operation("backup:ListBackupJobs", "slow")
        try:
            screen = await open_jobs(app, pilot)
            await wait_until(pilot, lambda: "AWS counts" in summary_line(app), what="summary")
            assert not screen.loaded, "the listing finished before the summaries"
            text = "\n".join(screen_lines(app))
            assert "backup 2 failed" in text and "copy 3 failed" in text, text
            assert "failures: qa 3" in text, text
            await wait_until(pilot, lambda: screen.loaded, what="jobs listed", timeout=30)
        finally:
            live.sandbox.clear_faults()
            live.sandbox.options.latency_ms = 0
        line = summary_line(app)
        listed = Counter((job_kind(job), job.state) for job in screen.jobs)
        for kind in ("backup", "copy", "restore"):
            failed, completed = listed[(kind, "FAILED")], listed[(kind, "COMPLETED")]
            done = f", {completed} completed" if completed else ""
            assert f"{kind} {failed} failed{done}" in line, line


async def test_without_monitoring_one_muted_line_and_the_jobs_still_list(live: Demo) -> None:
    organizations = live.sandbox.client(
        "organizations", live.info.accounts["management"], live.info.region
    )
    organizations.disable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
    app = DrConsoleApp(live.settings, readiness_after_inventory=False)
    try:
        async with app.run_test(size=SMALL) as pilot:
            screen = await open_jobs(app, pilot)
            await wait_until(pilot, lambda: screen.loaded, what="jobs listed", timeout=30)
            await wait_until(pilot, lambda: "not available" in summary_line(app), what="reason")
            lines = [line for line in screen_lines(app) if "AWS job summaries" in line]
            assert len(lines) == 1 and "cross-account monitoring is off" in lines[0], lines
            assert sum(1 for j in screen.jobs if j.state == "FAILED") == 6
            assert "account by account" in str(screen.query_one("#status").render())
    finally:
        organizations.enable_aws_service_access(ServicePrincipal="backup.amazonaws.com")


async def test_unread_copy_counts_are_a_question_mark(live: Demo) -> None:
    """Copy counts refused in every Region: the failures are marked partial, the copy counts
    are `?` naming both Regions, and the counts that were read still show on an 80x24 screen."""
    live.sandbox.fail_operation("backup:ListCopyJobSummaries", "denied")
    app = DrConsoleApp(live.settings, readiness_after_inventory=False)
    try:
        async with app.run_test(size=SMALL) as pilot:
            await open_jobs(app, pilot)
            await wait_until(pilot, lambda: "AWS counts" in summary_line(app), what="summary")
            line = summary_line(app)
    finally:
        live.sandbox.clear_faults()
    first, second = line.splitlines()
    assert "failures (partial): " in first, line
    assert second.startswith("backup 2 failed"), line
    assert "restore 1 failed" in second, line
    assert "copy ? (eu-central-1, eu-north-1 not counted [ROLE_PERMISSIONS])" in second, line


async def test_jobs_opened_before_the_organization_is_read_show_its_counts_once_it_is(
    live: Demo,
) -> None:
    """`j` at start, before the organization is read (what an operator types at 3 a.m.): the
    summary line says why there are no counts yet, then shows them once the organization is
    read, without `r` (it kept "not read yet" for good)."""
    live.sandbox.fail_operation("organizations:ListRoots", "slow")
    try:
        app = DrConsoleApp(live.settings, readiness_after_inventory=False)
        async with app.run_test(size=SMALL) as pilot:
            await pilot.press("j")
            await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
            await wait_until(
                pilot, lambda: "not read yet" in summary_line(app), what="not read yet"
            )
            assert app.organization is None
            await wait_until(
                pilot, lambda: "AWS counts" in summary_line(app), what="counts", timeout=30
            )
    finally:
        live.sandbox.clear_faults()
