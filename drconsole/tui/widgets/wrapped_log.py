"""A log that wraps its lines at the width it shows (every log of the console is one)."""

from __future__ import annotations

from typing import Any

from textual.widgets import RichLog


class WrappedLog(RichLog):
    """RichLog renders each line at least 78 columns wide (its `min_width`), so in a box
    narrower than that (80x24 with a border) the end of a long line, such as an ARN, was cut
    off. This one wraps at its own width; the stable scrollbar gutter keeps that width when
    the log starts to scroll."""

    DEFAULT_CSS = "WrappedLog { scrollbar-gutter: stable; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(wrap=True, markup=False, min_width=0, **kwargs)
