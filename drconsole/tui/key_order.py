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
# How often a key waiting for a screen being put up checks whether it is up.
SCREEN_POLL_SECONDS = 0.02


def takes_keys(screen: Any) -> bool:
    """True once `screen` is mounted (its widgets are there) and does not ask typed keys to
    wait (`keys_wait`: the Drills screen while its runbooks are read, so that `/name` Enter
    Enter finds them)."""
    return bool(screen.is_mounted) and not getattr(screen, "keys_wait", False)


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
    reached the app, so every key acts where and when it would have if typed slowly. A key
    whose turn comes while a screen is being put up (`:drills` Enter, then `/web`) waits until
    that screen takes keys: routed at once, it reached the screen below, or a screen whose
    widgets were not there yet, and was lost.
    """

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._held: deque[events.Event] = deque()
        self._on_its_way: events.Event | None = None
        self._since = 0.0
        self._lost_key_timer: Timer | None = None
        self._screen_timer: Timer | None = None
        self._waiting_from = 0.0
        self._let_go_anyway: events.Event | None = None  # waited LOST_KEY_SECONDS for a screen

    @property
    def idle(self) -> bool:
        """True when no key is on its way or waiting (every key typed has been handled)."""
        return self._on_its_way is None and not self._held

    def admit(self, event: events.Event) -> bool:
        """True if `event` may be routed now; False if it is held for later."""
        if event is self._on_its_way:
            if self._screen_takes_keys() or event is self._let_go_anyway:
                return True  # let go from the held keys: its turn
            # Its turn came as a screen was being put up: it waits for that screen.
            self._on_its_way = None
            self._held.appendleft(event)
            self._wait_for_screen()
            return False
        if self._on_its_way is None and not self._held and self._screen_takes_keys():
            self._start(event)
            return True
        self._held.append(event)
        if self._on_its_way is None:
            self._wait_for_screen()
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

    def _screen_takes_keys(self) -> bool:
        stack = self._app.screen_stack
        return not stack or takes_keys(stack[-1])

    def _wait_for_screen(self) -> None:
        """Let the first held key go once the screen takes keys (or after LOST_KEY_SECONDS:
        typing never stops answering)."""
        if self._screen_timer is None:
            self._waiting_from = time.monotonic()
            self._screen_timer = self._app.set_interval(SCREEN_POLL_SECONDS, self._screen_check)

    def _screen_check(self) -> None:
        waited = time.monotonic() - self._waiting_from
        ready = self._screen_takes_keys()
        if not ready and waited < LOST_KEY_SECONDS:
            return
        if self._screen_timer is not None:
            self._screen_timer.stop()
            self._screen_timer = None
        if self._on_its_way is None and self._held:
            following = self._held.popleft()
            self._let_go_anyway = None if ready else following
            self._start(following)
            self._app.post_message(following)

    def _check_lost(self) -> None:
        if self._on_its_way is not None and time.monotonic() - self._since > LOST_KEY_SECONDS:
            self._done(self._on_its_way)
