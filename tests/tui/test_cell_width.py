"""A one-line cell's width worked out from its text is the width Rich measures for it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.errors import MarkupError
from rich.text import Text
from textual.render import measure
from textual.widgets._data_table import default_cell_formatter

from drconsole.tui.widgets.cell_width import one_line_width

CONSOLE = Console(width=10_000, force_terminal=True)
# Letters, wide and combining characters, brackets (markup), newlines, tabs and escapes.
ALPHABET = st.sampled_from(list("ab z09-_:/[]=#\n\t\x1b\u00e9\u0301\u4e2d\U0001f600\u200b…▾⚠"))
TEXTS = st.text(ALPHABET, max_size=40)


def rich_width(cell: object) -> int:
    return measure(CONSOLE, default_cell_formatter(cell, wrap=False, height=1), 1)


@settings(max_examples=1500, deadline=None)
@given(TEXTS)
def test_a_string_cell_is_as_wide_as_rich_measures_it(value: str) -> None:
    try:
        expected = rich_width(value)
    except MarkupError:
        return  # DataTable cannot show it either
    assert one_line_width(value) == expected


@settings(max_examples=1500, deadline=None)
@given(TEXTS, st.sampled_from(["", "bold", "red on white", "dim italic"]))
def test_a_text_cell_is_as_wide_as_rich_measures_it(value: str, style: str) -> None:
    cell = Text(value, style=style)
    assert one_line_width(cell) == rich_width(cell)


def test_numbers_and_absent_cells() -> None:
    for cell in (3, 12345678901234, 0.5, 1234.5678, True):
        assert one_line_width(cell) == rich_width(cell), cell
    assert one_line_width(None) == 0
    assert one_line_width(object()) is None  # Rich's own measure decides
