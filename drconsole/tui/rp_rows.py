"""Recovery points stored column by column, sorted newest first, filtered per keystroke.

A million recovery points must fit in well under 1 KB each and filter in under 100 ms, so
rows are not kept as objects: each field lives in a parallel column, repeated strings (types,
statuses, keys, vaults) are shared, and numbers and dates are packed in arrays. No column is a
long list, which a full garbage collection would walk element by element (sealed_column.py).

The filter works on search keys, not on rows: a resource is backed up again and again, so a
million recovery points carry far fewer distinct keys (resource name and id, type, status).
Each distinct key is stored once with how many rows carry it; a keystroke tests only those
keys (in C, narrowing the previous matches when the query extends the old one), sums their
counts for the total, and leaves the rows to be found as the list reads them: the visible
window is looked up at once, the rest only if the user scrolls there.
"""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import chain, compress, islice, repeat
from typing import Any, overload

from drconsole.models import RecoveryPoint
from drconsole.tui.rp_pages import NO_SIZE, PagePreparer, PreparedPage
from drconsole.tui.sealed_column import SealedColumn


def _datetime(stamp: float) -> datetime | None:
    if math.isnan(stamp):
        return None
    return datetime.fromtimestamp(stamp, tz=UTC)


class MatchedPositions(Sequence[int]):
    """Display positions of the rows matching a query, found only as far as they are read.

    The count is known up front (summed over distinct keys); positions are found by walking
    the display order and keeping rows whose key matched, a screenful at a time, from the
    newest end or, for the last lines (`End`), from the oldest end.
    """

    def __init__(self, count: int, from_newest: Iterator[int], from_oldest: Iterator[int]) -> None:
        self._count = count
        self._head_pending = from_newest
        self._tail_pending = from_oldest
        self._head: list[int] = []  # the first matches, in order
        self._tail: list[int] = []  # the last matches, oldest first

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...

    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            self._list_head(self._count)
            return self._head[index]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        from_end = self._count - 1 - index
        if index < len(self._head):
            return self._head[index]
        if from_end < len(self._tail):
            return self._tail[from_end]
        if from_end < index:
            missing = from_end + 1 - len(self._tail)
            self._tail.extend(islice(self._tail_pending, max(missing, 64)))
            return self._tail[from_end]
        self._list_head(index + 1)
        return self._head[index]

    def _list_head(self, length: int) -> None:
        missing = length - len(self._head)
        if missing > 0:
            # A screenful ahead, not thousands: for a narrow query every position listed
            # costs a walk over the rows in between.
            self._head.extend(islice(self._head_pending, max(missing, 64)))


class RecoveryPointRows:
    """Column store of recovery points with a newest-first order and an incremental filter."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget every row (before a refresh); pages prepared for the rows before are not
        appended any more (see `add_prepared`)."""
        # Numbers the search keys of the pages appended from now on, in whichever thread
        # prepares them (one at a time, in the order they are appended).
        self.preparer = PagePreparer()
        # Columns of strings and shared objects are sealed in tuples (sealed_column.py);
        # numbers are packed in arrays: neither is walked by a full garbage collection.
        self.arns: SealedColumn[str] = SealedColumn()
        self.resource_arns: SealedColumn[str] = SealedColumn()
        self.names: SealedColumn[str] = SealedColumn()
        self.types: SealedColumn[str] = SealedColumn()
        self.statuses: SealedColumn[str] = SealedColumn()
        self.keys: SealedColumn[str] = SealedColumn()
        self.sources: SealedColumn[str | None] = SealedColumn()
        self.roles: SealedColumn[str | None] = SealedColumn()
        # (vault_name, account_id, region, is_encrypted), shared between rows of a vault.
        self.places: SealedColumn[tuple[str, str, str, bool]] = SealedColumn()
        self.created = array("d")
        self.expires = array("d")
        self.completed = array("d")
        self.sizes = array("q")
        # Distinct lowercase search keys, how many rows carry each, and each row's key number.
        self.search_keys: list[str] = []
        self.key_counts: list[int] = []
        self.row_keys = array("q")
        # Row numbers newest first, and the key number of each in that same order.
        self.order = array("q")
        self.order_keys = array("q")
        self._sorted = 0
        # The column the order follows (see `sort_by`) and its direction.
        self.sort_column = "created"
        self.sort_descending = True
        # Positions in `order` matching the query (`range` when there is none).
        self.visible: Sequence[int] = range(0)
        self.query = ""
        # Key numbers matching `query`, narrowed further when the next query extends it.
        self._matching_keys: list[int] = []

    def __len__(self) -> int:
        return len(self.arns)

    def add(self, points: Iterable[RecoveryPoint]) -> int:
        """Append recovery points (call `sort` before reading `visible`); returns how many."""
        return self.add_prepared(self.preparer.prepare(points))

    def add_prepared(self, page: PreparedPage) -> int:
        """Append a page turned into columns by `preparer` (in the loading thread); returns how
        many rows it held. A page prepared before the last `clear` is left out (0)."""
        if page.preparer is not self.preparer:
            return 0
        self.arns.extend(page.arns)
        self.resource_arns.extend(page.resource_arns)
        self.names.extend(page.names)
        self.types.extend(page.types)
        self.statuses.extend(page.statuses)
        self.keys.extend(page.keys)
        self.sources.extend(page.sources)
        self.roles.extend(page.roles)
        self.places.extend(page.places)
        self.created.extend(page.created)
        self.expires.extend(page.expires)
        self.completed.extend(page.completed)
        self.sizes.extend(page.sizes)
        self.search_keys.extend(page.new_keys)
        counts = self.key_counts
        counts.extend(repeat(0, len(page.new_keys)))
        for number, count in page.key_counts.items():
            counts[number] += count
        self.row_keys.extend(page.row_keys)
        return len(page)

    @property
    def needs_sort(self) -> bool:
        """True when rows were added since the last `sort`."""
        return self._sorted != len(self.arns)

    def sort_key(self, column: str, every_row: bool = False) -> Callable[[int], Any]:
        """What row numbers sort by for `column` (a list column of the widget); `every_row`
        for a pass over all of them (the columns are read from flat copies, quicker per row)."""
        created = self.created.__getitem__

        def read(column: SealedColumn[Any]) -> Callable[[int], Any]:
            return column.flat().__getitem__ if every_row else column.__getitem__

        if column == "created":
            return created
        if column == "age":
            return lambda row: -created(row)
        if column == "size":
            return self.sizes.__getitem__
        if column == "expires":
            return self.expires.__getitem__
        if column == "resource":
            names, resource_arns = read(self.names), read(self.resource_arns)
            return lambda row: (names(row) or resource_arns(row)).lower()
        if column in ("key", "source"):
            values = read(self.keys if column == "key" else self.sources)
            return lambda row: values(row) or ""
        return read({"type": self.types, "status": self.statuses}[column])

    def sort_by(self, column: str, descending: bool) -> None:
        """Order every row by `column` (stable: equal rows keep their order) and re-apply the
        query; rows added later merge into this order."""
        key = self.sort_key(column, every_row=True)  # an unknown column fails here, before
        # anything changes
        self.sort_column, self.sort_descending = column, descending
        # The rows shown so far are re-sorted from their current order (equal rows keep it);
        # rows not sorted in yet follow through `sort`.
        self.order = array("q", sorted(self.order, key=key, reverse=descending))
        self.order_keys = array("q", map(self.row_keys.__getitem__, self.order))
        query, self.query = self.query, ""
        self.visible = range(len(self.order))
        if query:
            self.filter(query)
        self.sort()

    def sort(self) -> None:
        """Order every row (newest first unless `sort_by` chose another column) and re-apply
        the current query."""
        count = len(self.arns)
        if self._sorted == count:
            return
        key = self.sort_key(self.sort_column)
        fresh = sorted(range(self._sorted, count), key=key, reverse=self.sort_descending)
        order = self.order
        if order and self._after(key(fresh[0]), key(order[-1])):
            # Pages come newest first: the new rows all go after the ones shown (the usual
            # case), and only they are sorted, however many rows are held already.
            order.extend(fresh)
            self.order_keys.extend(map(self.row_keys.__getitem__, fresh))
        else:
            # Timsort merges the already sorted run with the new rows in about linear time.
            every_key = self.sort_key(self.sort_column, every_row=True)
            merged = sorted(chain(order, fresh), key=every_key, reverse=self.sort_descending)
            self.order = array("q", merged)
            self.order_keys = array("q", map(self.row_keys.__getitem__, merged))
        self._sorted = count
        query, self.query = self.query, ""
        self.visible = range(count)
        if query:
            self.filter(query)

    def _after(self, first_new: Any, last_shown: Any) -> bool:
        """True when a row keyed `first_new` sorts after one keyed `last_shown` (or with it:
        a stable sort keeps the earlier row first); False for keys that do not compare."""
        try:
            if self.sort_descending:
                return bool(first_new <= last_shown)
            return bool(first_new >= last_shown)
        except TypeError:
            return False

    def filter(self, query: str) -> int:
        """Keep the rows whose search key contains every word of `query` (case-insensitive);
        returns the count. A query that extends the previous one tests only the keys that
        matched it."""
        query = " ".join(query.lower().split())
        if query == self.query:
            return len(self.visible)
        narrowing = bool(self.query) and query.startswith(self.query)
        self.query = query
        if not query:
            self.visible = range(len(self.order))
            return len(self.visible)
        keys = self.search_keys
        words = query.split()
        if narrowing:
            matching = self._matching_keys
        else:
            first = map(operator.contains, keys, repeat(words.pop(0)))
            matching = list(compress(range(len(keys)), first))
        for word in words:
            found = map(operator.contains, map(keys.__getitem__, matching), repeat(word))
            matching = list(compress(matching, found))
        self._matching_keys = matching
        count = sum(map(self.key_counts.__getitem__, self._matching_keys))
        if count == len(self.order):
            self.visible = range(count)
        elif count == 0:
            self.visible = []
        else:
            matched = bytearray(len(keys))
            any(map(matched.__setitem__, self._matching_keys, repeat(1)))
            # `any` only drives the map above; the scan below runs as rows are read.
            everywhere = range(len(self.order))
            newest_first = compress(everywhere, map(matched.__getitem__, self.order_keys))
            keys_oldest_first = map(matched.__getitem__, reversed(self.order_keys))
            oldest_first = compress(reversed(everywhere), keys_oldest_first)
            self.visible = MatchedPositions(count, newest_first, oldest_first)
        return count

    def row_at(self, index: int) -> int:
        """The row number shown at line `index` of the (filtered) list."""
        return self.order[self.visible[index]]

    def record(self, row: int) -> RecoveryPoint:
        """Rebuild the full record of row `row` (for the detail pane and checks)."""
        vault_name, account_id, region, encrypted = self.places[row]
        size = self.sizes[row]
        created = _datetime(self.created[row])
        return RecoveryPoint(
            arn=self.arns[row],
            vault_name=vault_name,
            account_id=account_id,
            region=region,
            resource_arn=self.resource_arns[row],
            resource_type=self.types[row],
            resource_name=self.names[row],
            created=created if created is not None else datetime.fromtimestamp(0, tz=UTC),
            status=self.statuses[row],
            size_bytes=None if size == NO_SIZE else size,
            encryption_key_arn=self.keys[row],
            is_encrypted=encrypted,
            source_vault_arn=self.sources[row],
            expires=_datetime(self.expires[row]),
            iam_role_arn=self.roles[row],
            completion_date=_datetime(self.completed[row]),
        )

    def created_at(self, row: int) -> datetime | None:
        """When row `row` was created."""
        return _datetime(self.created[row])

    def expires_at(self, row: int) -> datetime | None:
        """When row `row` expires, if it does."""
        return _datetime(self.expires[row])
