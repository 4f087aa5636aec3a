"""A column of values appended page by page, kept where the cyclic garbage collector skips it.

A full collection walks every element of every list alive, and for each one reads the object
it points to: at a million recovery points, the columns of ARNs and names alone cost 150-200 ms
per collection (a cache miss per string), every thread stopped. A tuple holding only strings,
numbers, None or such tuples is untracked at its first collection and never walked again, so
the column seals every `CHUNK` values into a tuple: a full collection then walks one short list
of chunks per column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import TypeVar, overload

T = TypeVar("T")

SHIFT = 10
CHUNK = 1 << SHIFT  # rows per sealed tuple
MASK = CHUNK - 1


class SealedColumn(Sequence[T]):
    """Values read by row number; every full `CHUNK` of them sealed into a tuple."""

    __slots__ = ("_chunks", "_sealed", "_tail")

    def __init__(self, values: Iterable[T] = ()) -> None:
        self._chunks: list[tuple[T, ...]] = []
        self._sealed = 0  # rows in the sealed chunks
        self._tail: list[T] = []
        self.extend(values)

    def extend(self, values: Iterable[T]) -> None:
        """Append `values`, sealing every chunk that fills."""
        tail = self._tail
        tail.extend(values)
        if len(tail) >= CHUNK:
            full = len(tail) & ~MASK
            self._chunks.extend(
                tuple(tail[start : start + CHUNK]) for start in range(0, full, CHUNK)
            )
            self._sealed += full
            del tail[:full]

    def __len__(self) -> int:
        return self._sealed + len(self._tail)

    @overload
    def __getitem__(self, row: int) -> T: ...

    @overload
    def __getitem__(self, row: slice) -> list[T]: ...

    def __getitem__(self, row: int | slice) -> T | list[T]:
        if isinstance(row, slice):
            return list(self)[row]
        if row < 0:
            row += len(self)
            if row < 0:
                raise IndexError("column index out of range")
        if row < self._sealed:
            return self._chunks[row >> SHIFT][row & MASK]
        return self._tail[row - self._sealed]

    def __iter__(self) -> Iterator[T]:
        return chain(chain.from_iterable(self._chunks), self._tail)

    def flat(self) -> list[T]:
        """Every value in one list, for a pass over all rows (a sort's key): indexing a list is
        several times quicker than `column[row]`; drop it once the pass is done."""
        return list(self)
