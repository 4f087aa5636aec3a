"""A sealed column reads like the list it replaces, and a full garbage collection walks only
its chunks once they are sealed."""

from __future__ import annotations

import gc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drconsole.tui.sealed_column import CHUNK, SealedColumn

batches = st.lists(
    st.lists(st.one_of(st.text(max_size=3), st.none()), max_size=3 * CHUNK // 2), max_size=6
)


@given(batches=batches, probes=st.lists(st.integers(), max_size=20))
def test_a_column_reads_like_a_list(batches: list[list[str | None]], probes: list[int]) -> None:
    column: SealedColumn[str | None] = SealedColumn()
    expected: list[str | None] = []
    for batch in batches:
        column.extend(batch)
        expected.extend(batch)
        assert len(column) == len(expected)
    assert list(column) == expected == column.flat()
    assert column[1:-1:2] == expected[1:-1:2]
    for probe in [*probes, 0, -1, len(expected) - 1, len(expected), -len(expected) - 1]:
        if -len(expected) <= probe < len(expected):
            assert column[probe] == expected[probe]
        else:
            with pytest.raises(IndexError):
                column[probe]


def test_a_full_collection_walks_the_chunks_not_the_values() -> None:
    column: SealedColumn[str] = SealedColumn(f"arn:{n}" for n in range(10 * CHUNK + 5))
    gc.collect()
    held = [item for item in gc.get_referents(column) if not isinstance(item, type)]
    walked = [len(gc.get_referents(item)) for item in held if gc.is_tracked(item)]
    # The list of ten chunks and the five-value tail; the chunks themselves are untracked.
    assert sorted(walked) == [5, 10]
    assert not any(map(gc.is_tracked, column._chunks))
    assert column[10 * CHUNK + 4] == f"arn:{10 * CHUNK + 4}"
