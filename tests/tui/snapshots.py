"""Compare an app's SVG screenshot with a committed one; UPDATE_SNAPSHOTS=1 rewrites it."""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshots"

# Rich names the SVG's CSS classes and clip paths after a hash of the whole document
# ("terminal-1234567-r5"); the same screen gives the same picture under any name.
# Identifiers the sandbox generates (as AWS does): recovery point and KMS key UUIDs (and the
# 8-character key id prefix the lists show), account ids and the organization id. They change
# whenever a scenario creates things in another order; what a snapshot guards is the screen
# around them, so they are compared masked, each kind by a constant of the same width.
_MASKS = (
    (re.compile(r"terminal-\d+"), "terminal"),
    (
        re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I),
        "00000000-0000-0000-0000-000000000000",
    ),
    (re.compile(r"(?<![0-9a-z-])[0-9a-f]{8}(?![0-9a-z-])"), "0000abcd"),
    (re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])"), "000000000000"),
    (re.compile(r"\bo-[a-z0-9]{10}\b"), "o-0000000000"),
)


def normalise_svg(svg: str) -> str:
    """The SVG with generated ids made constant."""
    for pattern, constant in _MASKS:
        svg = pattern.sub(constant, svg)
    return svg


def assert_snapshot(app: App[object], name: str) -> None:
    """The current screen matches `snapshots/<name>.svg` (or becomes it when updating)."""
    svg = normalise_svg(app.export_screenshot(title=name))
    path = SNAPSHOT_DIR / f"{name}.svg"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        if not path.exists() and os.environ.get("UPDATE_SNAPSHOTS") != "1":
            raise AssertionError(f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1")
        SNAPSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(svg)
        return
    expected = path.read_text()
    if svg != expected:
        texts = [re.findall(r">([^<>]+)</text>", s) for s in (expected, svg)]
        diff = "\n".join(list(difflib.unified_diff(texts[0], texts[1], lineterm="", n=0))[:40])
        raise AssertionError(
            f"screen differs from {path.name} (UPDATE_SNAPSHOTS=1 to accept):\n{diff}"
        )


async def assert_settled_snapshot(pilot: Pilot[object], name: str, timeout: float = 5.0) -> None:
    """`assert_snapshot` once the screen has stopped changing: a table that has just received
    its last rows sizes its columns on a later refresh, sooner or later depending on the load."""
    previous = ""
    for _ in range(int(timeout / 0.1)):
        current = pilot.app.export_screenshot(title=name)
        if current == previous:
            break
        previous = current
        await pilot.pause(0.1)
    assert_snapshot(pilot.app, name)
