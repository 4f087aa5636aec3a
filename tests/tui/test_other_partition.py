"""The console scanning a Region of another partition than the credentials in use: one screen
names the setting, instead of a row per account blaming an opt-in Region no one can enable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drconsole.tui.screens.setup_needed import SetupNeededScreen
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import SIZE

EU, GOV = "eu-central-1", "us-gov-west-1"


@pytest.fixture
def gov_refused(demo: Demo) -> Iterator[None]:
    """GovCloud refuses the demo's (aws) credentials, as AWS's GovCloud endpoints do."""
    demo.sandbox.options.disabled_regions = {a: {GOV} for a in demo.info.accounts.values()}
    try:
        yield
    finally:
        demo.sandbox.options.disabled_regions = {}


async def test_a_region_of_another_partition_is_the_setup_screen(
    demo: Demo, gov_refused: None
) -> None:
    mark = demo.sandbox.request_log.mark()
    app = demo.app(regions=(EU, GOV))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupNeededScreen), what="setup")
        missing = " ".join(str(app.screen.query_one("#setup-missing").render()).split())
        assert f"{GOV} (partition aws-us-gov)" in missing, missing
        assert "are in partition aws" in missing, missing
        await pilot.press("q")
    sent = [(s.name, s.region) for s in demo.sandbox.request_log.since(mark)]
    assert not [call for call in sent if call[1] == GOV], sent
