"""Pasted text stays text: escape sequences inside a bracketed paste are taken out before parsing.

Textual's input parser reads an escape character inside a bracketed paste as the start of an
escape sequence, and when the characters after it make no sequence it replays them as key
presses. A clipboard holding text with an escape in it (a log line with colour codes, a file
shown with `cat -v` undone) therefore pressed Escape and then each following character as a
key: `\\x1b[2J ... q` pasted into the filter closed the filter and quit the console, and a `y`
or Enter in the same paste could answer a question the operator never read. Terminals such as
Alacritty and Windows Terminal strip escapes from pastes for this reason; not all do, and tmux
passes them on.

`PasteGuard` follows the paste markers (`ESC [200~` ... `ESC [201~`) in the raw input and takes
every escape sequence (CSI, OSC, two-character) and every lone escape out of the text between
them: pasted `\\x1b[1mprod-db\\x1b[0m` is `prod-db`. Everything outside a paste passes through
untouched and at once (holding back a lone Escape key press would delay it).
`PasteGuardParser` is Textual's parser fed through a guard, and `install()` makes the Linux
driver build that parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from textual._xterm_parser import XTermParser
from textual.message import Message

ESC = "\x1b"
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
# A whole escape sequence: CSI (ESC [ parameters intermediates final), OSC (ESC ] text, ended by
# BEL or by ESC and a backslash), or ESC and one character of @ to Z, backslash, ^ or _.
_SEQUENCE = r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\^_])"
_WHOLE_SEQUENCE = re.compile(_SEQUENCE)
_SEQUENCE_OR_LONE_ESCAPE = re.compile(f"(?:{_SEQUENCE})|\x1b")
# An escape this close to the end of a read may be a sequence the next read completes.
LONGEST_HELD = 64


def plain(text: str) -> str:
    """Pasted text without its escape sequences and lone escape characters."""
    return _SEQUENCE_OR_LONE_ESCAPE.sub("", text) if ESC in text else text


def _unfinished(text: str) -> int:
    """Where an escape sequence that the next read may finish starts in `text` (else its end)."""
    last = text.rfind(ESC, max(0, len(text) - LONGEST_HELD))
    if last < 0 or _WHOLE_SEQUENCE.match(text, last):
        return len(text)
    return last


class PasteGuard:
    """Takes escape sequences out of bracketed pastes in a stream read in chunks."""

    def __init__(self) -> None:
        self.in_paste = False
        # Outside a paste: the last characters passed on, to see a start marker split between
        # two reads. Inside: the start of an escape sequence (or of the end marker) held until
        # the next read.
        self._carry = ""

    def filter(self, data: str) -> str:
        """The chunk as the parser should see it (the same text outside pastes)."""
        out: list[str] = []
        text = self._carry + data
        # Outside a paste the carried characters were already passed on: only look at them.
        passed = 0 if self.in_paste else len(self._carry)
        self._carry = ""
        position = 0
        while position < len(text):
            if not self.in_paste:
                start = text.find(PASTE_START, position)
                if start < 0:
                    out.append(text[max(position, passed) :])
                    self._carry = text[-(len(PASTE_START) - 1) :]
                    return "".join(out)
                end_of_marker = start + len(PASTE_START)
                out.append(text[max(position, passed) : end_of_marker])
                position = end_of_marker
                passed = 0
                self.in_paste = True
            else:
                end = text.find(PASTE_END, position)
                if end < 0:
                    held = _unfinished(text)
                    out.append(plain(text[position:held]))
                    self._carry = text[held:]
                    return "".join(out)
                out.append(plain(text[position:end]))
                out.append(PASTE_END)
                position = end + len(PASTE_END)
                passed = 0
                self.in_paste = False
        if not self.in_paste:
            self._carry = text[-(len(PASTE_START) - 1) :]
        return "".join(out)

    def flush(self) -> str:
        """What is held at the end of input (a paste cut short), as plain text."""
        held, self._carry = (self._carry, "") if self.in_paste else ("", "")
        return plain(held)


class PasteGuardParser(XTermParser):
    """Textual's terminal input parser, fed through a PasteGuard."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self.guard = PasteGuard()

    def feed(self, data: str) -> Iterable[Message]:
        """Parse a chunk of input; an empty chunk is the end of input, as for Textual's."""
        if not data:
            held = self.guard.flush()
            return [*(super().feed(held) if held else ()), *super().feed("")]
        given = self.guard.filter(data)
        # All held (the start of a sequence): nothing to parse yet, and "" would end the input.
        return super().feed(given) if given else ()


def install() -> None:
    """Make Textual's Linux driver build its input parser with the guard.

    The driver builds its parser from this module-level name when its input thread starts, and
    offers no other way to choose it; the guarded parser behaves as Textual's in every other way.
    """
    try:
        from textual.drivers import linux_driver
    except ImportError:  # no termios (Windows): Textual uses its Windows driver
        return
    linux_driver.XTermParser = PasteGuardParser  # type: ignore[misc]
