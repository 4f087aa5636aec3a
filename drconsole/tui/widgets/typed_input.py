"""An input that runs its own editing keys (Backspace, Ctrl+U, arrows...) where it reads them."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class TypedInput(Input):
    """An Input whose own key bindings run when it reads the key.

    Textual puts a key in the focused input's queue; the input inserts a character there, but
    a key bound to an action (Backspace, Delete, Ctrl+U, the arrows) is passed up from queue to
    queue to the app, which runs the binding. The app holds each key until the one before has
    been handled (`tui/key_order.py`), so an editing key cost the next key that whole trip,
    through queues busy with a loading list. Run here, it is done where it was typed.
    """

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            # Priority bindings were offered before the key reached the input.
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()  # Input's own handler would read the key again
                return
