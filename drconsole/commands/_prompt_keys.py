"""Keys typed around terminal prompts: kept between questions, dropped before a yes/no."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def keys_held() -> Iterator[None]:
    """While a run of questions is asked, the terminal neither echoes nor edits a line.

    Between two questionary prompts the terminal is back in its line mode for a moment: a key
    typed then was echoed as raw text and a Backspace was taken by the line discipline, not by
    the next prompt (an operator typing ahead lost it). With ICANON and ECHO off, every key waits
    unchanged for the next prompt. ISIG stays on: Ctrl-C still interrupts at once."""
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        yield  # not a terminal (or no termios): nothing to hold
        return
    held = list(saved)
    held[3] = saved[3] & ~(termios.ICANON | termios.ECHO)
    controls = list(saved[6])
    controls[termios.VMIN], controls[termios.VTIME] = 1, 0
    held[6] = controls
    termios.tcsetattr(fd, termios.TCSANOW, held)  # TCSANOW: keys already typed are kept
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)


def drop_typed_ahead() -> None:
    """Discard keys typed before a yes/no question is asked: an answer typed before the requests
    it confirms were on the screen is not a confirmation of them. Both places keys wait are
    emptied: the terminal's input queue, and prompt_toolkit's store of keys that an earlier
    prompt read past its Enter (handed to the next prompt)."""
    if not sys.stdin.isatty():
        return  # nothing typed ahead (and prompt_toolkit would warn of a non-terminal)
    try:
        import termios

        from prompt_toolkit.input import create_input
        from prompt_toolkit.input.typeahead import clear_typeahead

        termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
        clear_typeahead(create_input())
    except (ImportError, OSError, ValueError):
        pass  # not a terminal: nothing typed ahead
