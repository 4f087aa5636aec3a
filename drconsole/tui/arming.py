"""Arming: a control that answers for the operator ignores keys for a moment after it appears,
so that keys typed ahead for what was on screen before do not answer what nobody has read."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.widget import Widget

from drconsole.tui.widgets.plain import Checkbox

ARMING_SECONDS = 0.6  # long enough to see that something new appeared, short enough not to wait


def arm(
    host: Widget, control: Widget, seconds: float, then: Callable[[], None] | None = None
) -> float:
    """Mark `control` arming (class `-arming`) for `seconds`, then call `then`; return the
    monotonic time from which it answers."""

    def armed() -> None:
        control.remove_class("-arming")
        if then is not None:
            then()

    if seconds <= 0:
        # Textual divides by a timer's interval when the timer runs late: a 0-second timer
        # on a loaded machine crashes the console instead of arming nothing.
        armed()
        return time.monotonic()
    control.add_class("-arming")
    host.set_timer(seconds, armed)
    return time.monotonic() + seconds


class ArmedCheckbox(Checkbox):
    """A checkbox that accepts a caution: while arming (see `arm`), Enter, space and clicks
    leave it as it is, so an Enter typed ahead for Start never ticks what nobody has read."""

    def toggle(self) -> ArmedCheckbox:
        if not self.has_class("-arming"):
            super().toggle()
        return self
