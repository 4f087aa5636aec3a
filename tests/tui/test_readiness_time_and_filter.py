"""The readiness screen over time and under a filter: the status line says when the verdicts
were decided, the RPO's `!` is judged against the console's clock (an incident shift keeps
the screen open for days), and `/ready` means READY, not NOT READY."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static

from drconsole.tui.app import DrConsoleApp
from drconsole.tui.screens.readiness import ReadinessScreen
from tests.tui.conftest import NOW, Demo, status_of, table_text, wait_until
from tests.tui.test_screens import accounts_loaded

SIZE = (120, 30)


def why_text(app: DrConsoleApp) -> str:
    """The line under the table about the highlighted row."""
    return str(app.screen.query_one("#readiness-why", Static).render())


async def open_readiness(app: DrConsoleApp, pilot: object) -> None:
    await wait_until(
        pilot,  # type: ignore[arg-type]
        lambda: accounts_loaded(app) and app.readiness.state == "done",
        timeout=120,
        what="readiness decided",
    )
    await pilot.press("colon", *"readiness", "enter")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, ReadinessScreen), what="screen")  # type: ignore[arg-type]
    await pilot.pause(0.5)  # type: ignore[attr-defined]


async def test_the_rpo_mark_follows_the_clock_and_the_status_says_when_decided(
    demo: Demo,
) -> None:
    clock = [NOW]
    app = DrConsoleApp(demo.settings, now=lambda: clock[0], readiness_after_inventory=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_readiness(app, pilot)
        before = {row[0]: row for row in table_text(app)}
        assert "!" not in before["prod"][4], before["prod"]  # within its 24h objective
        # prod's DR copies are hours old: within the objective (its `!` is its uncopied one).
        await pilot.press("down")  # the cursor on prod (rows: dev, prod, qa)
        await pilot.pause(0.3)
        assert table_text(app)[app.screen.query_one("#table").cursor_row][0] == "prod"  # type: ignore[attr-defined]
        assert "copies over the objective" not in why_text(app)
        assert "decided 11-23 12:00Z, 0s ago" in status_of(app), status_of(app)
        # Three days later the console is still open; any rebuild (a filter opened and left).
        clock[0] = NOW + timedelta(days=3)
        await pilot.press("slash", "p", "escape")
        await pilot.pause(0.5)
        after = {row[0]: row for row in table_text(app)}
        status = status_of(app)
        table = app.screen.query_one("#table")
        table.move_cursor(row=[row[0] for row in table_text(app)].index("prod"))  # type: ignore[attr-defined]
        await pilot.pause(0.3)
        aged = why_text(app)
    assert after["prod"][4].startswith("3d") and after["prod"][4].endswith(" !"), after["prod"]
    # The DR copies have aged past the objective in those three days as well.
    assert "(7 copies over the objective)" in aged, aged  # they have aged past it too
    assert after["prod"][2] == before["prod"][2]  # the verdict is the one decided, and dated:
    assert "decided 11-23 12:00Z, 3d ago" in status, status


async def test_ready_filters_ready_rows_not_not_ready_ones(demo: Demo) -> None:
    app = demo.app(readiness=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_readiness(app, pilot)
        everything = table_text(app)
        not_ready = {row[0] for row in everything if row[2] == "NOT READY"}
        assert not_ready, everything
        await pilot.press("slash", *"ready", "enter")
        await pilot.pause(0.3)
        ready = table_text(app)
        await pilot.press("escape", "slash", *"not ready", "enter")
        await pilot.pause(0.3)
        said_not_ready = table_text(app)
    assert [row[0] for row in ready] == [row[0] for row in everything if row[2] == "READY"]
    assert {row[0] for row in said_not_ready} == not_ready, said_not_ready


async def test_the_accounts_screen_says_how_old_its_verdicts_are(demo: Demo) -> None:
    """The State column shows the verdicts as decided: once they are over an hour old, the
    accounts screen's status line says how old (and that `r` decides them again)."""
    clock = [NOW]
    app = DrConsoleApp(demo.settings, now=lambda: clock[0], readiness_after_inventory=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot,
            lambda: accounts_loaded(app) and app.readiness.state == "done",
            timeout=120,
            what="readiness decided",
        )
        await pilot.press("slash", "p", "escape")  # a rebuild
        await pilot.pause(0.5)
        assert "verdicts" not in status_of(app), status_of(app)
        clock[0] = NOW + timedelta(days=3)
        await pilot.press("slash", "p", "escape")
        await pilot.pause(0.5)
        assert "verdicts 3d old (r)" in status_of(app), status_of(app)
