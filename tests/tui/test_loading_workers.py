"""The accounts screen's three loads each run half of `max_workers` threads: counted at the
sandbox, as the service-linked role look-ups it holds 3 s each pile up."""

from __future__ import annotations

import asyncio

from drconsole.tui.screens.accounts import AccountsScreen
from tests.tui.conftest import Demo, wait_until


def role_lookups(demo: Demo, mark: int) -> int:
    return sum(1 for seen in demo.sandbox.request_log.since(mark) if seen.name == "iam:GetRole")


async def test_each_load_runs_half_of_max_workers_at_once(slow_demo: Demo) -> None:
    demo = slow_demo
    accounts = len(demo.info.accounts)
    assert accounts > 4  # more accounts than the threads allowed, or nothing would queue
    mark = demo.sandbox.request_log.mark()
    app = demo.app(max_workers=4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot, lambda: role_lookups(demo, mark) > 0, what="a role look-up", timeout=20
        )
        assert isinstance(app.screen, AccountsScreen)
        assert app.screen.loading_workers == 2
        await asyncio.sleep(1.0)  # each takes 3 s: the others would have been sent by now
        assert role_lookups(demo, mark) == 2
