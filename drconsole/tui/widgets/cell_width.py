"""How a table cell is shown (as written, never as markup) and how many columns it takes."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text


def read_by_rich(text: str) -> bool:
    """Whether DataTable would read the string as something else than its text (markup, an
    emoji code such as `:warning:`)."""
    return "[" in text or ":" in text


def as_typed(cell: Any) -> Any:
    """A cell shown as it is written: DataTable reads a string as Rich markup and emoji codes.

    An account named `[prod] payments` showed as `payments` (`[prod]` read as a style), and one
    named `[/x] ops` stopped the console (a closing tag with no opening one raises). Values come
    from AWS and from the operator, so a string that Rich would read (`[` or `:` in it) is
    stored as a Text, which DataTable shows as is; any other string stays a string.
    """
    if isinstance(cell, str) and read_by_rich(cell):
        return Text(cell, end="", no_wrap=True)
    return cell


def one_line_width(cell: object) -> int | None:
    """The width DataTable measures for `cell` in a row one line high (before the column's
    padding), or None for a renderable other than text (which only Rich can measure).

    A string is measured as FittedTable shows it (`as_typed`): its first line as written, or
    as a Text when it holds `[` or `:`; a Rich Text by its widest line; a float is shown
    with two decimals; anything else by its `str`. Rich's own measure costs a Measurement per
    cell (over 100 ms for a thousand rows); this is the same figure from the text alone."""
    if cell is None:
        return 0
    if isinstance(cell, str) and not read_by_rich(cell):
        return cell_len(cell.split("\n", 1)[0])
    if isinstance(cell, str | Text):  # a Text, or a string stored as one (as_typed)
        plain = cell if isinstance(cell, str) else cell.plain
        return max((cell_len(line) for line in plain.splitlines()), default=0)
    if isinstance(cell, float):
        return cell_len(f"{cell:.2f}")
    if isinstance(cell, int | bool):
        return cell_len(str(cell))
    return None
