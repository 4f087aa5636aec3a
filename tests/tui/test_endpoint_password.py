"""An endpoint URL with a user name and password: the console's error dialog shows the endpoint
without them (Pilot, the real app; the endpoint is a closed port)."""

from __future__ import annotations

from pathlib import Path

from drconsole.config import Credentials, Settings
from drconsole.tui.app import DrConsoleApp
from drconsole.tui.screens.dialogs import ErrorDialog
from tests.tui.conftest import wait_until

PASSWORD = "S3cretEndpointPass"


async def test_the_error_dialog_shows_no_endpoint_password(tmp_path: Path) -> None:
    settings = Settings(
        regions=("eu-central-1",),
        endpoint_url=f"http://alice:{PASSWORD}@127.0.0.1:1",
        static_credentials=Credentials("AKIDEXAMPLE", "secret"),
        state_dir=tmp_path / "state",
        retry_max_attempts=1,
    )
    app = DrConsoleApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorDialog), what="error dialog")
        assert app.screen.report.cause == "NETWORK"
        screen = app.export_screenshot()
        assert "***:***@127.0.0.1:1" in app.screen.report.description
        assert PASSWORD not in screen and PASSWORD not in app.screen.report.description
        assert "alice" not in screen
