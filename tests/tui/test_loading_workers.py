"""The accounts screen reads every account's posture on 1.5x `max_workers` threads: counted at
the sandbox, as the service-linked role look-ups it holds 3 s each pile up."""

from __future__ import annotations

import asyncio

from drconsole.tui.screens.accounts import AccountsScreen
from tests.tui.conftest import Demo, wait_until


def role_lookups(demo: Demo, mark: int) -> int:
    return sum(1 for seen in demo.sandbox.request_log.since(mark) if seen.name == "iam:GetRole")


async def test_posture_reads_run_one_and_a_half_max_workers_at_once(slow_demo: Demo) -> None:
    demo = slow_demo
    accounts = len(demo.info.accounts)
    assert accounts > 4  # more accounts than the threads allowed, or nothing would queue
    mark = demo.sandbox.request_log.mark()
    app = demo.app(max_workers=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot, lambda: role_lookups(demo, mark) > 0, what="a role look-up", timeout=20
        )
        assert isinstance(app.screen, AccountsScreen)
        assert app.screen.loading_threads == 3
        await asyncio.sleep(1.0)  # each takes 3 s: the others would have been sent by now
        assert role_lookups(demo, mark) == 3


def assumed_roles(demo: Demo, mark: int) -> int:
    return sum(1 for seen in demo.sandbox.request_log.since(mark) if seen.name == "sts:AssumeRole")


async def test_roles_of_as_many_accounts_are_assumed_at_once_as_there_are_threads(
    demo: Demo,
) -> None:
    """No reading thread waits behind another's AssumeRole into the same account: with
    AssumeRole held 3 s, the three threads assume three accounts' roles side by side (three
    pools of one thread each sent one, the other two waiting on the same account)."""
    demo.sandbox.fail_operation("sts:AssumeRole", "slow")
    try:
        mark = demo.sandbox.request_log.mark()
        app = demo.app(max_workers=2)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(
                pilot, lambda: assumed_roles(demo, mark) > 0, what="an AssumeRole", timeout=20
            )
            await asyncio.sleep(1.0)  # each takes 3 s: the others would have been sent by now
            assert assumed_roles(demo, mark) == 3
    finally:
        demo.sandbox.clear_faults()
