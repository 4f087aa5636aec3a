"""Keys read together are handled one at a time, in the order they were typed."""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

# What the terminal sends that a widget acts on: each waits for the one before.
TYPED = (events.Key, events.Paste)

# A key is followed until it has been handled. If it is lost on the way (its widget removed
# with the key in its queue), the keys behind it are let go after this long, so that typing
# never stops answering; keys are then only as ordered as Textual alone orders them.
LOST_KEY_SECONDS = 2.0


class KeysInOrder:
    """Holds each key the terminal sends until the one before it has been handled.

    Textual routes a key as soon as the app reads it. A binding with priority (Escape, `/`,
    `:`, Enter in the filter and the restore form) acts there and then; any other key is put
    in the focused widget's queue and, when the widget does not use it, travels up from
    queue to queue to the app, which runs its binding with whatever has the focus by then.
    Keys read together (a fast typist, a burst over a slow SSH link) overtook one another:
    `/prod` Escape applied `prod` after Escape had cleared the filter, and `Ctrl+U 5433`
    Enter Enter in the restore form sent an empty port (the digits went in, then Ctrl+U
    erased them). Here the next key is routed only once the one before has been used or has
    reached the app, so every key acts where and when it would have if typed slowly.
    """

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._held: deque[events.Event] = deque()
        self._on_its_way: events.Event | None = None
        self._since = 0.0
        self._lost_key_timer: Timer | None = None

    @property
    def idle(self) -> bool:
        """True when no key is on its way or waiting (every key typed has been handled)."""
        return self._on_its_way is None and not self._held

    def admit(self, event: events.Event) -> bool:
        """True if `event` may be routed now; False if it is held for later."""
        if event is self._on_its_way:
            return True  # let go from the held keys: its turn
        if self._on_its_way is None and not self._held:
            self._start(event)
            return True
        self._held.append(event)
        if self._lost_key_timer is None:
            self._lost_key_timer = self._app.set_interval(LOST_KEY_SECONDS / 4, self._check_lost)
        return False

    def follow(self, event: events.Event, target: MessagePump) -> None:
        """`event` was routed to `target`: the next key goes once it has been handled."""
        if event is not self._on_its_way:
            return
        if not event.is_forwarded:
            self._done(event)  # a binding of the app's used it, or nothing could
        else:
            self._behind(target, event)

    def _start(self, event: events.Event) -> None:
        self._on_its_way, self._since = event, time.monotonic()

    def _behind(self, node: MessagePump, event: events.Event) -> None:
        # Queued after the event, the callback runs once `node` has handled it.
        if not node.call_later(self._handled_by, node, event):
            self._done(event)  # the widget is closing: the event will go no further

    def _handled_by(self, node: MessagePump, event: events.Event) -> None:
        parent = node._parent
        if event._stop_propagation or parent is None:
            self._done(event)
        else:
            self._behind(parent, event)  # passed up, as an unused key is: follow it there

    def _done(self, event: events.Event) -> None:
        if event is not self._on_its_way:
            return  # given up on already
        self._on_its_way = None
        if self._held:
            following = self._held.popleft()
            self._start(following)
            self._app.post_message(following)
        elif self._lost_key_timer is not None:
            self._lost_key_timer.stop()
            self._lost_key_timer = None

    def _check_lost(self) -> None:
        if self._on_its_way is not None and time.monotonic() - self._since > LOST_KEY_SECONDS:
            self._done(self._on_its_way)
