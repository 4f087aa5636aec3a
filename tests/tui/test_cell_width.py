"""A one-line cell's width worked out from its text is the width Rich measures for it."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text
from textual.render import measure
from textual.widgets._data_table import default_cell_formatter

from drconsole.tui.widgets.cell_width import as_typed, one_line_width

CONSOLE = Console(width=10_000, force_terminal=True)
# Letters, wide and combining characters, brackets (markup), newlines, tabs and escapes.
ALPHABET = st.sampled_from(list("ab z09-_:/[]=#\n\t\x1b\u00e9\u0301\u4e2d\U0001f600\u200b…▾⚠"))
TEXTS = st.text(ALPHABET, max_size=40)


def rich_width(cell: object) -> int:
    return measure(CONSOLE, default_cell_formatter(cell, wrap=False, height=1), 1)


@settings(max_examples=1500, deadline=None)
@given(TEXTS)
def test_a_string_cell_is_as_wide_as_rich_measures_it_as_the_table_stores_it(value: str) -> None:
    assert one_line_width(value) == rich_width(as_typed(value))


@settings(max_examples=1500, deadline=None)
@given(st.text(st.sampled_from(list("[]/:#@=a bZ_-")), max_size=30))
def test_a_string_cell_shows_its_text_as_written_never_as_markup(value: str) -> None:
    """`[/x] ops` raised (a closing tag with no opening one), `[prod] x` showed `x`."""
    shown = default_cell_formatter(as_typed(value), wrap=False, height=1)
    assert isinstance(shown, Text)
    assert shown.plain == value


@settings(max_examples=1500, deadline=None, derandomize=True, database=None)
@given(TEXTS | st.text(max_size=20), st.booleans())
def test_no_control_character_of_a_cell_reaches_the_terminal(value: str, as_text: bool) -> None:
    """An OU named with `\\x1b[2J` cleared the operator's screen: every control character,
    lone surrogate and bidi override is written as an escape, in strings and in Texts."""
    cell = Text(value) if as_text else value
    shown = default_cell_formatter(as_typed(cell), height=1)
    plain = shown.plain if isinstance(shown, Text) else str(shown)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in plain)
    assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in plain)
    assert one_line_width(cell) == rich_width(as_typed(cell))


@settings(max_examples=1500, deadline=None)
@given(TEXTS, st.sampled_from(["", "bold", "red on white", "dim italic"]))
def test_a_text_cell_is_as_wide_as_rich_measures_it(value: str, style: str) -> None:
    cell = Text(value, style=style)
    assert one_line_width(cell) == rich_width(as_typed(cell))


def test_numbers_and_absent_cells() -> None:
    for cell in (3, 12345678901234, 0.5, 1234.5678, True):
        assert one_line_width(cell) == rich_width(cell), cell
    assert one_line_width(None) == 0
    assert one_line_width(object()) is None  # Rich's own measure decides
