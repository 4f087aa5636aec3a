"""How a table cell is shown (as written: no markup, control characters escaped) and its width."""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len
from rich.text import Text

from drconsole.redact import CONTROL_CHARACTERS, escape_controls

# What `redact.escape_controls` escapes, and the line and paragraph separators, which Rich
# breaks a line at as at a newline.
CONTROL = re.compile(f"{CONTROL_CHARACTERS.pattern}|[\u2028\u2029]")
SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029"})


def escaped(text: str) -> str:
    """`text` on one line, every character a terminal or Rich would act on written as an escape."""
    return escape_controls(text).translate(SEPARATORS)


def escaped_lines(text: str) -> str:
    """`text` with its line breaks kept and every other control character escaped (`escaped`),
    for panes that show several lines: evidence and remediation quote AWS's messages, names and
    policies."""
    return "\n".join(escaped(line) for line in text.split("\n"))


def read_by_rich(text: str) -> bool:
    """Whether DataTable would read the string as something else than its text (markup, an
    emoji code such as `:warning:`)."""
    return "[" in text or ":" in text


class TypedText(Text):
    """A Text made by `as_typed`: its text and style are all there is to it, so a table keeps
    its drawn cells by them as it keeps a string's by its text."""


def as_typed(cell: Any) -> Any:
    """A cell shown as it is written, with its control characters written as escapes.

    DataTable reads a string as Rich markup and emoji codes: an account named `[prod] payments`
    showed as `payments` (`[prod]` read as a style), and one named `[/x] ops` stopped the
    console (a closing tag with no opening one raises). And it passes control characters to the
    terminal: an OU named with `\\x1b[2J` and `\\x1b]0;...\\x07` cleared the operator's screen and
    retitled the window. Values come from AWS and from the operator, so a string that Rich
    would read, or that holds a control character, is stored as a TypedText of its escaped text
    (`redact.escape_controls`); a Text holding one loses its inner styles to the same escape.
    Any other cell is kept as it is.
    """
    if isinstance(cell, str):
        if not read_by_rich(cell) and CONTROL.search(cell) is None:
            return cell
        return TypedText(escaped(cell), end="", no_wrap=True)
    if isinstance(cell, Text) and CONTROL.search(cell.plain) is not None:
        return TypedText(escaped(cell.plain), style=cell.style, end="", no_wrap=True)
    return cell


def one_line_width(cell: object) -> int | None:
    """The width DataTable measures for `cell` in a row one line high (before the column's
    padding), or None for a renderable other than text (which only Rich can measure).

    A string or Text is measured as FittedTable stores it (`as_typed`): a string as written,
    a Text by its widest line, either with its control characters escaped (a string holding
    none holds no line break); a float is shown with two decimals; anything else by its `str`.
    Rich's own measure costs a Measurement per cell (over 100 ms for a thousand rows); this is
    the same figure from the text alone."""
    if cell is None:
        return 0
    if isinstance(cell, str | Text):
        plain = cell if isinstance(cell, str) else cell.plain
        if CONTROL.search(plain) is not None:
            return cell_len(escaped(plain))
        if isinstance(cell, str):
            return cell_len(plain)
        return max((cell_len(line) for line in plain.splitlines()), default=0)
    if isinstance(cell, float):
        return cell_len(f"{cell:.2f}")
    if isinstance(cell, int | bool):
        return cell_len(str(cell))
    return None
