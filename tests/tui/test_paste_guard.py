"""Pasted escapes never become key presses: the guard alone, and on Textual's own parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual import events
from textual._xterm_parser import XTermParser

from drconsole.tui.paste_guard import (
    PASTE_END,
    PASTE_START,
    PasteGuard,
    PasteGuardParser,
    plain,
)

# Characters that make escape sequences, markers' pieces, keys that act on a screen, and text.
PASTED = st.text(
    alphabet=st.sampled_from(["\x1b", "[", "]", "2", "0", "1", "~", "m", ";", "\\", "\x07", "J"])
    | st.sampled_from(["a", "q", "y", "\r", "\t", "é", "漢"]),
    max_size=30,
).filter(lambda text: PASTE_END not in text)
TYPED = st.text(
    alphabet=st.sampled_from(["a", "q", "\x1b", "[", "A", "2", "0", "~", "\r"]), max_size=8
)
SEGMENTS = st.lists(st.tuples(st.booleans(), PASTED | TYPED), max_size=6)


def raw_and_expected(segments: list[tuple[bool, str]]) -> tuple[str, str]:
    """The bytes a terminal sends (True: a paste) and what the parser should be given."""
    raw, expected = [], []
    for is_paste, text in segments:
        if is_paste:
            raw.append(PASTE_START + text + PASTE_END)
            expected.append(PASTE_START + plain(text) + PASTE_END)
        else:
            raw.append(text)
            expected.append(text)
    return "".join(raw), "".join(expected)


def chunked(text: str, cuts: list[int]) -> list[str]:
    """`text` split at the given positions (as reads of a terminal split it)."""
    points = sorted({cut % (len(text) + 1) for cut in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(segments=SEGMENTS, cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_escapes_leave_pastes_and_nothing_else_changes_however_the_input_is_read(
    segments: list[tuple[bool, str]], cuts: list[int]
) -> None:
    raw, expected = raw_and_expected(segments)
    if PASTE_START in "".join(text for is_paste, text in segments if not is_paste):
        return  # typed keys cannot make the start marker: a terminal sends it for a paste
    guard = PasteGuard()
    given_to_parser = "".join(guard.filter(chunk) for chunk in chunked(raw, cuts)) + guard.flush()
    assert given_to_parser == expected
    # Between the markers no escape is left for the parser to read as keys.
    for piece in given_to_parser.split(PASTE_START)[1:]:
        assert "\x1b" not in piece.split(PASTE_END)[0]


@given(typed=TYPED, cuts=st.lists(st.integers(min_value=0), max_size=4))
@settings(max_examples=100, deadline=None, derandomize=True, database=None)
def test_typed_keys_reach_the_parser_at_once(typed: str, cuts: list[int]) -> None:
    """A lone Escape key press is not held back waiting for the next read."""
    guard = PasteGuard()
    for chunk in chunked(typed, cuts):
        assert guard.filter(chunk) == chunk


# Clipboards as operators have them: coloured log lines, a screen clear, a hyperlink, a lone ESC.
PASTES = [
    ("\x1b[1;31mprod-orders-db\x1b[0m", "prod-orders-db"),
    ("prod\x1b[2J\tq\ry\r", "prod\tq\ry\r"),
    ("\x1b]8;;https://example.com\x07arn:aws:backup\x1b]8;;\x07", "arn:aws:backup"),
    ("abc\x1bdef", "abcdef"),
    ("5433\x1b", "5433"),
    ("\x1b", ""),
]


def events_of(parser: XTermParser, chunks: list[str]) -> list[object]:
    found: list[object] = []
    for chunk in [*chunks, ""]:
        found.extend(parser.feed(chunk))
    return found


@pytest.mark.parametrize(("pasted", "text"), PASTES)
def test_a_paste_with_escapes_is_one_paste_and_no_key_read_in_any_split(
    pasted: str, text: str
) -> None:
    raw = PASTE_START + pasted + PASTE_END
    splits = [[raw], list(raw)] + [[raw[:i], raw[i:]] for i in range(1, len(raw))]
    for chunks in splits:
        found = events_of(PasteGuardParser(), chunks)
        keys = [event for event in found if isinstance(event, events.Key)]
        pastes = [event.text for event in found if isinstance(event, events.Paste)]
        assert keys == [], f"{chunks!r} pressed {[key.key for key in keys]}"
        assert "".join(pastes) == text, chunks


def test_textual_s_own_parser_reads_such_a_paste_as_key_presses() -> None:
    """Why the guard exists: without it, the text after a pasted escape is pressed as keys."""
    found = events_of(XTermParser(), [PASTE_START + "prod\x1b[2J\tq" + PASTE_END])
    assert "q" in [event.key for event in found if isinstance(event, events.Key)]


def test_a_typed_escape_is_still_the_escape_key() -> None:
    found = events_of(PasteGuardParser(), ["\x1b"])
    assert [event.key for event in found if isinstance(event, events.Key)] == ["escape"]
