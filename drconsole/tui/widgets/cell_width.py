"""How many columns DataTable gives a one-line cell, worked out without rendering it."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text


def one_line_width(cell: object) -> int | None:
    """The width DataTable measures for `cell` in a row one line high (before the column's
    padding), or None for a renderable other than text (which only Rich can measure).

    DataTable keeps a string's first line only and reads it as markup (emoji codes too); a
    Rich Text is measured by its widest line; a float is shown with two decimals; anything else
    by its `str`. Rich's own measure costs a markup parse and a Measurement per cell (over
    100 ms for a thousand rows); this is the same figure from the text alone."""
    if cell is None:
        return 0
    if isinstance(cell, str):
        first = cell.split("\n", 1)[0]
        if "[" in first or ":" in first:  # markup, or an emoji code such as :warning:
            return Text.from_markup(first).cell_len
        return cell_len(first)
    if isinstance(cell, Text):
        return max((cell_len(line) for line in cell.plain.splitlines()), default=0)
    if isinstance(cell, float):
        return cell_len(f"{cell:.2f}")
    if isinstance(cell, int | bool):
        return cell_len(str(cell))
    return None
