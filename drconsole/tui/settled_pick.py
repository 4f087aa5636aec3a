"""Settled picks: a pick on a list that fills while shown (Enter, a click on the highlighted
row, or a press outside it that uses its highlighted row) happens at once only if the list
stood still while the operator moved to the row; a list that changed under their keys asks
again."""

from __future__ import annotations

import time

from textual.widget import Widget

from drconsole.tui import arming

# Keys closer together than this are one burst, typed ahead of what the screen showed: the
# moment that arming gives a new control to be read (see tui.arming).
SETTLE_SECONDS = arming.ARMING_SECONDS
# Rows put in the list this long before a burst's first move count as put under it: nobody
# reads a change and answers it with a key that fast (a person's quickest answer to something
# appearing is about 0.2 s, and a frame plus an SSH round trip come on top of it), so those
# keys were typed for the list as it was. An operator who waited for `9 vaults in …` and then
# moved (half a second later, measured in tmux with --latency-ms 400) is well past it.
UNSEEN_SECONDS = 0.3


class SettledPick:
    """When the operator's current burst of keys began moving in a list, when the list last
    changed, and so whether a pick now takes the row the operator saw.

    A burst is keys each within SETTLE_SECONDS of the one before (moves in the list, Tab to
    `Plan and check`, a field's keys) and the press within SETTLE_SECONDS of the last. Rows
    put in the list since its first move (or an instant before it, UNSEEN_SECONDS) changed
    the rows under keys already typed: `Down Down Down Enter` meant a row of the list as the
    operator saw it when they began, and the cursor went over the rows there at each key
    instead, so which account answered first decided the pick. Such a press picks nothing and
    arms the list; a press while it arms arms it again (as ConfirmDialog's yes does), so a held
    or repeated Enter waits until it stops, and only a press once the highlighted row has been
    on screen a moment picks it. An operator who waited for the rows, then moved, picks at
    once; rows that arrive while nobody moves keep the highlighted vault (the list keeps it by
    ARN, on its line), so they hold nothing.
    """

    def __init__(self, host: Widget) -> None:
        self.host = host
        self.last_key: float | None = None
        self.moves_began: float | None = None  # the current burst's first move, if it has one
        self.changed_at: float | None = None
        self.picks_from = 0.0  # while arming, a pick waits (see may_pick)

    def typed(self) -> None:
        """A key reached the list or the fields around it: it goes on with a burst, or a pause
        before it ended the last one."""
        now = time.monotonic()
        if self.last_key is None or now - self.last_key > SETTLE_SECONDS:
            self.moves_began = None
        self.last_key = now

    def moved(self) -> None:
        """A key (or a click) moved the cursor, or only showed it."""
        self.typed()
        if self.moves_began is None:
            self.moves_began = self.last_key

    def changed(self) -> None:
        """Rows were put in the list."""
        self.changed_at = time.monotonic()

    def changed_under_moves(self) -> bool:
        """True while a burst that moved in the list goes on, and the list changed since its
        first move, or too shortly before it to have been read."""
        if self.last_key is None or self.moves_began is None or self.changed_at is None:
            return False
        in_burst = time.monotonic() - self.last_key <= SETTLE_SECONDS
        return in_burst and self.changed_at >= self.moves_began - UNSEEN_SECONDS

    def may_pick(self, *, unchanged: bool = True) -> bool:
        """Whether a pick happens now; when it may not (or the caller saw the choice change:
        `unchanged` False), the list arms (again) for a moment."""
        if not unchanged or time.monotonic() < self.picks_from or self.changed_under_moves():
            self.picks_from = arming.arm(self.host, self.host, SETTLE_SECONDS)
            return False
        return True
