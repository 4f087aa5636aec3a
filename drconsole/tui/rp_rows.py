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

import bisect
import math
import operator
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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


TRAIL_LENGTH = 32  # shorter queries kept for Backspace (a query typed one character at a time)


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
        # Distinct lowercase search keys, how many rows in `order` carry each, and each row's
        # key number.
        self.search_keys: list[str] = []
        self.key_counts: list[int] = []
        self.row_keys = array("q")
        # Row numbers newest first, and the key number of each in that same order; `_sorted`
        # rows are in it (the first ones), and `visible` is out of date when `_stale`.
        self.order = array("q")
        self.order_keys = array("q")
        self._sorted = 0
        self._stale = False
        # The column the order follows (see `sort_by`) and its direction.
        self.sort_column = "created"
        self.sort_descending = True
        # Positions in `order` matching the query (`range` when there is none).
        self.visible: Sequence[int] = range(0)
        self.query = ""
        # Key numbers matching `query` among the first `_keys_tested` keys, narrowed further
        # when the next query extends it.
        self._matching_keys: list[int] = []
        self._keys_tested = 0
        # The same for each shorter query typed on the way to `query` (its prefixes, shortest
        # first), packed: Backspace goes back to the one before instead of testing every key.
        self._trail: list[tuple[str, array[int], int]] = []

    def __len__(self) -> int:
        return len(self.arns)

    def add(self, points: Iterable[RecoveryPoint]) -> int:
        """Append recovery points (call `sort` before reading `visible`); returns how many."""
        return self.add_prepared(self.preparer.prepare(points))

    def add_prepared(self, page: PreparedPage) -> int:
        """Append a page turned into columns by `preparer` (in the loading thread); returns how
        many rows it held. A page prepared before the last `clear` is left out (0). A page
        older than every row in the order (a vault lists newest first) joins it at once, in the
        order the loading thread sorted it in; any other waits for `sort`."""
        if page.preparer is not self.preparer:
            return 0
        start = len(self.arns)
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
        self.key_counts.extend(repeat(0, len(page.new_keys)))
        self.row_keys.extend(page.row_keys)
        newest_first = (self.sort_column, self.sort_descending) == ("created", True)
        if (
            newest_first
            and page.first_row == start == self._sorted
            and self._goes_after(page.newest_first)
        ):
            self.order.extend(page.newest_first)
            self.order_keys.extend(page.newest_first_keys)
            self._joined(len(page), page.key_counts)
        return len(page)

    def _goes_after(self, fresh: Sequence[int]) -> bool:
        """True when rows `fresh` (sorted) all sort after every row in the order."""
        if not self.order or not fresh:
            return True
        key = self.sort_key(self.sort_column)
        return self._after(key(fresh[0]), key(self.order[-1]))

    def _joined(self, rows: int, counts: Mapping[int, int]) -> None:
        """The next `rows` rows joined the order; `counts`: how many of them carry each key."""
        key_counts = self.key_counts
        for number, count in counts.items():
            key_counts[number] += count
        self._sorted += rows
        self._stale = True

    @property
    def needs_sort(self) -> bool:
        """True when rows were added, or the order changed, since the last `sort`."""
        return self._stale or self._sorted != len(self.arns)

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
        # An unknown column fails here, before anything changes.
        key = self.sort_key(column, every_row=True)
        self.sort_column, self.sort_descending = column, descending
        # The rows shown so far are re-sorted from their current order (equal rows keep it);
        # rows not sorted in yet follow through `sort`.
        self.order = array("q", sorted(self.order, key=key, reverse=descending))
        self.order_keys = array("q", map(self.row_keys.__getitem__, self.order))
        self._stale = True
        self.sort()

    def sort(self) -> None:
        """Order every row (newest first unless `sort_by` chose another column) and re-apply
        the current query."""
        count = len(self.arns)
        if self._sorted != count:
            self._sort_in(count)
        if self._stale:
            self._refilter()

    def _sort_in(self, count: int) -> None:
        """Put rows `_sorted` to `count` in the order."""
        key = self.sort_key(self.sort_column)
        fresh = sorted(range(self._sorted, count), key=key, reverse=self.sort_descending)
        fresh_keys = array("q", map(self.row_keys.__getitem__, fresh))
        if self._goes_after(fresh):
            # The new rows all go after the ones shown (pages come newest first), and only
            # they are sorted, however many rows are held already.
            self.order.extend(fresh)
            self.order_keys.extend(fresh_keys)
        else:
            # Timsort merges the already sorted run with the new rows in about linear time.
            every_key = self.sort_key(self.sort_column, every_row=True)
            merged = sorted(chain(self.order, fresh), key=every_key, reverse=self.sort_descending)
            self.order = array("q", merged)
            self.order_keys = array("q", map(self.row_keys.__getitem__, merged))
        self._joined(len(fresh), Counter(fresh_keys))

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
        matched it; one that goes back to a shorter query typed before (Backspace) takes up
        that query's matches; keys that arrived since are tested once."""
        query = " ".join(query.lower().split())
        if query == self.query and not self._stale and self._keys_tested == len(self.search_keys):
            return len(self.visible)
        if query != self.query:
            if self.query:
                self._trail.append((self.query, array("q", self._matching_keys), self._keys_tested))
                del self._trail[:-TRAIL_LENGTH]
            # Back to the longest query typed before that the new one starts with, if any.
            while self._trail and not query.startswith(self._trail[-1][0]):
                self._trail.pop()
            if query and self._trail:
                earlier, matching, self._keys_tested = self._trail[-1]
                if earlier == query:  # Backspace: its matches as they were
                    self._trail.pop()
                    self._matching_keys = matching.tolist()
                else:  # narrower: only its matches are tested
                    self._matching_keys = self._keys_matching(matching, query)
            else:
                self._keys_tested = 0
                self._matching_keys = []
            self.query = query
        return self._refilter()

    def _keys_matching(self, candidates: Iterable[int], query: str) -> list[int]:
        """The key numbers among `candidates` whose key contains every word of `query`."""
        keys = self.search_keys
        matching = list(candidates)
        for word in query.split():
            found = map(operator.contains, map(keys.__getitem__, matching), repeat(word))
            matching = list(compress(matching, found))
        return matching

    def _refilter(self) -> int:
        """The rows of the order matching `query`, once the keys not tested yet are."""
        self._stale = False
        order = self.order
        if not self.query:
            self.visible = range(len(order))
            return len(order)
        keys = self.search_keys
        if self._keys_tested < len(keys):
            first, *others = self.query.split()
            tested = self._keys_tested
            found = map(operator.contains, keys[tested:], repeat(first))
            new = compress(range(tested, len(keys)), found)
            self._matching_keys += self._keys_matching(new, " ".join(others))
            self._keys_tested = len(keys)
        count = sum(map(self.key_counts.__getitem__, self._matching_keys))
        if count == len(order):
            self.visible = range(count)
        elif count == 0:
            self.visible = []
        else:
            matched = bytearray(len(keys))
            any(map(matched.__setitem__, self._matching_keys, repeat(1)))
            # `any` only drives the map above; the scan below runs as rows are read.
            everywhere = range(len(order))
            newest_first = compress(everywhere, map(matched.__getitem__, self.order_keys))
            keys_oldest_first = map(matched.__getitem__, reversed(self.order_keys))
            oldest_first = compress(reversed(everywhere), keys_oldest_first)
            self.visible = MatchedPositions(count, newest_first, oldest_first)
        return count

    def row_at(self, index: int) -> int:
        """The row number shown at line `index` of the (filtered) list."""
        return self.order[self.visible[index]]

    def line_of(self, row: int) -> int | None:
        """The line of the (filtered) list that shows store row `row`; None if not shown."""
        try:
            position = self.order.index(row)
        except ValueError:
            return None
        visible = self.visible  # positions in the order, ascending
        line = bisect.bisect_left(visible, position)
        return line if line < len(visible) and visible[line] == position else None

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
