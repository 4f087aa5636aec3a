"""The console's screens and their SVG screenshots hold no secret an AWS answer quoted back.

The sandbox's "echo" fault refuses a call with a message that quotes the request's own
signing — its Authorization header, its X-Amz-Security-Token, and the same as a presigned
URL's query, plain and percent-encoded inside another URL — as S3's SignatureDoesNotMatch and
signing proxies do. The console meets it while it lists a member account's recovery points;
every rendered screen, every SVG `save_screenshot` writes and the error dialog's text are then
searched for every session token the sandbox handed out and for any request signature.
"""

from __future__ import annotations

import re
from pathlib import Path

from drconsole.tui.screens.dialogs import ErrorDialog
from tests.tui.conftest import Demo, wait_until
from tests.tui.test_screens import SIZE, open_account
from tests.tui.test_secrets_sweep import sandbox_secrets

SIGNATURE = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def quoted_forms(secret: str) -> set[str]:
    """`secret` as text may hold it: itself, percent-encoded once and twice, its first 16
    characters (a token cut short by a column still leaks)."""
    from urllib.parse import quote

    once = quote(secret, safe="")
    return {secret, once, quote(once, safe=""), secret[:16]}


async def test_an_answer_quoting_the_request_s_signing_shows_none_of_it(
    demo: Demo, tmp_path: Path
) -> None:
    prod = demo.info.accounts["prod"]
    app = demo.app()
    shown: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await open_account(pilot, prod)
        demo.sandbox.fail_operation("backup:ListRecoveryPointsByBackupVault", "echo")
        try:
            await pilot.press("enter")  # the first vault's recovery points
            await wait_until(
                pilot,
                lambda: (
                    isinstance(app.screen, ErrorDialog) or "Signature" in app.export_screenshot()
                ),
                timeout=60,
                what="the refused listing",
            )
        finally:
            demo.sandbox.clear_faults()
        shown.append(app.export_screenshot())
        shown.append(Path(app.save_screenshot(path=str(tmp_path), filename="a.svg")).read_text())
        if isinstance(app.screen, ErrorDialog):
            shown.append(app.screen.report.description)
            await pilot.press("escape")
            await pilot.pause()
            shown.append(app.export_screenshot())
    # The failure was shown, and with it what AWS said.
    assert any("SignatureDoesNotMatch" in s or "InvalidSignature" in s for s in shown), shown[0]
    secrets = sandbox_secrets(demo)
    leaked = [
        f"{secret[:12]}... as {form[:24]!r}"
        for secret in secrets
        for form in quoted_forms(secret)
        if any(form in text for text in shown)
    ]
    leaked += [f"signature {m}" for text in shown for m in SIGNATURE.findall(text)]
    assert not leaked, leaked
