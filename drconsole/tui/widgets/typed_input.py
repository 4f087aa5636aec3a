"""An input that runs its own editing keys (Backspace, Ctrl+U, arrows...) where it reads them."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Input

from drconsole.tui.widgets.cell_width import CONTROL

# A control character in a value is drawn as one symbol in its place (Unicode's control
# pictures: ␛ for an escape), so that the cursor's offsets stay those of the value.
PICTURES = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421}
REPLACEMENT = "\ufffd"


def pictured(value: str) -> str:
    """`value` with each control character replaced by one visible symbol."""
    return CONTROL.sub(REPLACEMENT, value.translate(PICTURES))


class TypedInput(Input):
    """An Input whose own key bindings run when it reads the key.

    Textual puts a key in the focused input's queue; the input inserts a character there, but
    a key bound to an action (Backspace, Delete, Ctrl+U, the arrows) is passed up from queue to
    queue to the app, which runs the binding. The app holds each key until the one before has
    been handled (`tui/key_order.py`), so an editing key cost the next key that whole trip,
    through queues busy with a loading list. Run here, it is done where it was typed.

    A value filled in from AWS (a restore form's metadata) may hold control characters, which
    Input would pass to the terminal: they are drawn as symbols, the value left as it is.
    """

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            # Priority bindings were offered before the key reached the input.
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()  # Input's own handler would read the key again
                return

    @property
    def _value(self) -> Text:
        """The value as drawn (Input's own), its control characters as symbols."""
        if self.password or CONTROL.search(self.value) is None:
            return super()._value
        text = Text(pictured(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text
