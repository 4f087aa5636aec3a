"""The jobs screen answers "what failed overnight" at 80x24: times, account names, states and
causes of the demo's failed backup, copy and restore jobs, filtered as the operator types."""

from __future__ import annotations

import re
from datetime import timedelta

from drconsole.tui.app import DrConsoleApp
from drconsole.tui.jobs_screen import JobsScreen
from tests.tui.conftest import Demo, status_of, wait_until
from tests.tui.test_narrow import screen_lines
from tests.tui.test_screens import accounts_loaded

SMALL = (80, 24)
# (kind, account name, cause) of each failure of the demo's night.
NIGHT = {
    ("backup", "qa", "ROLE_PERMISSIONS"),
    ("backup", "dev", "ROLE_PERMISSIONS"),
    ("copy", "qa", "SOURCE_KEY_NOT_SHARED"),
    ("copy", "prod", "AWS_MANAGED_RESOURCE_KEY"),
    ("copy", "backup", "VAULT_POLICY_DENIES_COPY"),
    ("restore", "qa", "RESOURCE_ALREADY_EXISTS"),
}
ROW = re.compile(r"^\s*(\d\d:\d\d)\s+(backup|copy|restore)\s+(\S+)\s+FAILED\s+([A-Z_]+)\b")


async def open_jobs(app: DrConsoleApp, pilot: object) -> JobsScreen:
    await wait_until(pilot, lambda: accounts_loaded(app), what="accounts")  # type: ignore[arg-type]
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await pilot.press(*"jobs", "enter")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs screen")  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, JobsScreen)
    await wait_until(pilot, lambda: screen.loaded, what="jobs loaded", timeout=30)  # type: ignore[arg-type]
    await pilot.pause(0.3)  # type: ignore[attr-defined]  # the table sizes its columns when idle
    return screen


async def test_what_failed_overnight_fits_80x24(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SMALL) as pilot:
        await open_jobs(app, pilot)
        lines = screen_lines(app)
        text = "\n".join(lines)
        header = next(line for line in lines if "Time" in line and "Cause" in line)
        for column in ("Time", "Kind", "Account", "State", "Cause"):
            assert column in header, header
        rows = {(m[2], m[3], m[4]) for line in lines if (m := ROW.match(line))}
        assert rows == NIGHT, text
        accounts = f"{len(demo.info.accounts)} accounts org-wide"
        assert "failed" in status_of(app) and accounts in status_of(app)
        footer = lines[-1]
        assert "Back" in footer and "Filter" in footer and "? Keys" in footer, footer
        # The highlighted failure says AWS's message and the fix; the status line, the scope.
        assert "DB instance already exists" in text and "fix:" in text
        assert "eu-central-1 eu-north-1" in text
        # Where it failed, whole, though the Region column is out of view at 80 columns.
        job = app.screen.shown[app.screen.query_one("#jobs").cursor_row]  # type: ignore[attr-defined]
        assert f"({job.account_id}) {job.region}: " in text, text


async def test_filter_and_all_jobs(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_jobs(app, pilot)
        await pilot.press("slash", *"dev", "enter")
        await wait_until(pilot, lambda: len(screen.shown) == 1, what="dev's failure only")
        assert screen.shown[0].account_id == demo.info.accounts["dev"]
        lines = screen_lines(app)
        assert any("dev-assets" in line or "ROLE_PERMISSIONS" in line for line in lines)
        assert "also possible" not in "\n".join(lines)  # its message has one cause
        # The copy AWS refused with "Access Denied": the vault's policy, or the copy role's.
        await pilot.press("escape", "slash", *"VAULT_POLICY", "enter")
        await wait_until(pilot, lambda: len(screen.shown) == 1, what="the refused copy")
        text = "\n".join(screen_lines(app))
        assert "also possible: ROLE_PERMISSIONS" in text, text
        await pilot.press("escape")  # clears the filter
        await pilot.press("a")  # every job of the night, completed ones too
        await wait_until(pilot, lambda: len(screen.shown) > len(NIGHT), what="all jobs")
        assert any(job.state == "COMPLETED" for job in screen.shown)
        kinds = {type(job).__name__ for job in screen.shown}
        assert kinds == {"BackupJob", "CopyJob", "RestoreJob"}


async def test_sort_by_column_keeps_the_highlighted_job_at_80x24(demo: Demo) -> None:
    """Shift+letter sorts (the header marks the column), again reverses, and the cursor stays
    on the job the operator was reading; `?` lists the sort keys."""
    from textual.widgets import DataTable

    from drconsole.tui.job_rows import job_key
    from drconsole.tui.screens.dialogs import HelpScreen

    app = demo.app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_jobs(app, pilot)
        table = screen.query_one("#jobs", DataTable)
        times = [job.created for job in screen.shown]
        assert times == sorted(times, reverse=True)  # newest first by default
        header = next(line for line in screen_lines(app) if "Kind" in line)
        assert "Time (UTC) ▼" in header, header
        await pilot.press("down", "down")
        reading = job_key(screen.shown[table.cursor_row])
        names = screen.account_names()
        for keys, descending in ((("A",), False), (("A",), True)):
            await pilot.press(*keys)
            accounts = [names.get(j.account_id) or j.account_id for j in screen.shown]
            assert accounts == sorted(accounts, reverse=descending)
            assert job_key(screen.shown[table.cursor_row]) == reading
            header = next(line for line in screen_lines(app) if "Kind" in line)
            assert ("Account ▼" if descending else "Account ▲") in header, header
            assert "Time (UTC) ▼" not in header
        await pilot.press("C")  # by cause: the failures' causes in order
        causes = [c for c in (str(table.get_row_at(i)[4]) for i in range(table.row_count)) if c]
        assert causes == sorted(causes) and job_key(screen.shown[table.cursor_row]) == reading
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="keys")
        help_text = "\n".join(screen_lines(app))
        assert "Sort by Time" in help_text and "Sort by Account" in help_text, help_text


async def test_a_job_that_ended_in_the_period_but_started_before_is_listed(demo: Demo) -> None:
    """The clock set so that the 24h period begins while qa's restore was running: the restore
    that failed inside the period is listed, though it was created before it."""
    qa = demo.sandbox.client("backup", demo.info.accounts["qa"], demo.info.region)
    failed = qa.list_restore_jobs(ByStatus="FAILED")["RestoreJobs"][0]
    created, completed = failed["CreationDate"], failed["CompletionDate"]
    assert completed - created >= timedelta(minutes=2)
    now = created + timedelta(hours=24, minutes=1)
    app = DrConsoleApp(demo.settings, now=lambda: now, readiness_after_inventory=False)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_jobs(app, pilot)
        listed = {job.id for job in screen.jobs}
    assert failed["RestoreJobId"] in listed
