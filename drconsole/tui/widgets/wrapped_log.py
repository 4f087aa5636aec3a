"""A log that wraps its lines at the width it shows (every log of the console is one)."""

from __future__ import annotations

from typing import Any, Self

from textual.widgets import RichLog

from drconsole.tui.widgets.plain import shown


class WrappedLog(RichLog):
    """RichLog renders each line at least 78 columns wide (its `min_width`), so in a box
    narrower than that (80x24 with a border) the end of a long line, such as an ARN, was cut
    off. This one wraps at its own width; the stable scrollbar gutter keeps that width when
    the log starts to scroll. Its lines quote AWS's job messages and runbook steps: they are
    read as no markup and their control characters are written as escapes (`widgets/plain`)."""

    DEFAULT_CSS = "WrappedLog { scrollbar-gutter: stable; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(wrap=True, markup=False, min_width=0, **kwargs)

    def write(
        self,
        content: Any,
        width: int | None = None,
        expand: bool = False,
        shrink: bool = True,
        scroll_end: bool | None = None,
        animate: bool = False,
    ) -> Self:
        """Add `content` as written."""
        return super().write(shown(content), width, expand, shrink, scroll_end, animate)
