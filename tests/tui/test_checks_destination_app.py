"""In the console itself (`c` on a recovery point, the organization read): a DR copy in the
backup account's DR vault, copied from the backup account's own vault, opens its checks with no
destination assumed, and the screen says so whole at 80x24."""

from __future__ import annotations

import re

from drconsole.tui.checks_screen import ChecksScreen
from drconsole.tui.screens.detail import open_checks
from tests.test_checks_destination import dr_copy_of_a_dr_copy
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_narrow import screen_lines


def on_screen(app: object) -> str:
    return re.sub(r"\s+", " ", " ".join(screen_lines(app)))  # type: ignore[arg-type]


async def test_c_on_a_dr_copy_of_the_backup_account_assumes_no_copy_into_it(demo: Demo) -> None:
    info = demo.info
    backup = info.accounts["backup"]
    point = dr_copy_of_a_dr_copy(demo.sandbox, info)
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.organization is not None, what="the organization")
        open_checks(app, point)
        await wait_until(pilot, lambda: isinstance(app.screen, ChecksScreen), what="checks")
        screen = app.screen
        assert isinstance(screen, ChecksScreen)
        await wait_until(pilot, lambda: not screen.pending, what="the checks", timeout=60)
        assert screen.destination == ""
        assert {group for group, _ in screen.ordered()} == {"restore"}
        said = (
            f"No destination chosen: this copy came from backup ({backup}) {info.region} "
            f"central-eu-central-1, in the backup account"
        )
        await wait_until(pilot, lambda: said in on_screen(app), what=said)
        assert f"in place, in backup ({backup}) {info.dr_region} — the backup account" in (
            on_screen(app)
        )
