"""Settled picks: Enter on a list that fills while shown picks at once only if the list stood
still while the operator moved to the row; a list that changed under their keys asks again."""

from __future__ import annotations

import math
import time

from textual.widget import Widget

from drconsole.tui import arming

# Keys closer together than this are one burst, typed ahead of what the screen showed: the
# moment that arming gives a new control to be read (see tui.arming).
SETTLE_SECONDS = arming.ARMING_SECONDS


class SettledPick:
    """When the operator's current burst of moves in a list began, when the list last changed,
    and so whether an Enter now picks the row the operator saw.

    A burst is moves each within SETTLE_SECONDS of the one before, and the Enter within
    SETTLE_SECONDS of the last. Rows put in the list since the burst began changed the rows
    under keys already typed: `Down Down Down Enter` meant a row of the list as the operator
    saw it when they began, and the cursor went over the rows there at each key instead, so
    which account answered first decided the pick. Such an Enter picks nothing and arms the
    list; an Enter while it arms arms it again (as ConfirmDialog's yes does), so a held or
    repeated Enter waits until it stops, and only an Enter once the highlighted row has been
    on screen a moment picks it. An operator who waited for the rows, then moved, picks at
    once; rows that arrive while nobody moves keep the highlighted vault (the list keeps it
    by ARN), so they hold nothing.
    """

    def __init__(self, host: Widget) -> None:
        self.host = host
        self.burst_began = -math.inf
        self.last_move = -math.inf
        self.changed_at = -math.inf
        self.picks_from = -math.inf  # while arming, a pick waits (see may_pick)

    def moved(self) -> None:
        """A key moved the cursor (or only showed it): it begins a burst or goes on with one."""
        now = time.monotonic()
        if now - self.last_move > SETTLE_SECONDS:
            self.burst_began = now
        self.last_move = now

    def changed(self) -> None:
        """Rows were put in the list."""
        self.changed_at = time.monotonic()

    def changed_under_moves(self) -> bool:
        """True while a burst of moves goes on and the list changed since it began."""
        now = time.monotonic()
        return now - self.last_move <= SETTLE_SECONDS and self.changed_at >= self.burst_began

    def may_pick(self) -> bool:
        """Whether Enter picks now; when it may not, the list arms (again) for a moment."""
        if time.monotonic() < self.picks_from or self.changed_under_moves():
            self.picks_from = arming.arm(self.host, self.host, SETTLE_SECONDS)
            return False
        return True
