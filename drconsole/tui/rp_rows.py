"""Recovery points stored column by column, sorted newest first, filtered per keystroke.

A million recovery points must fit in well under 1 KB each and filter in under 100 ms, so
rows are not kept as objects: each field lives in a parallel list or array, repeated strings
(types, statuses, keys, vaults) are shared, and numbers and dates are packed in arrays. A
lowercase search key is computed once per row; the filter runs in C (`operator.contains`
mapped over the keys, `itertools.compress` keeping the matches), one pass per word of the
query, and narrows the previous result when the new query extends the old one.
"""

from __future__ import annotations

import gc
import math
import operator
from array import array
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import compress, islice, repeat
from typing import overload

from drconsole.models import RecoveryPoint

_NO_SIZE = -1
# Positions held by the backspace cache of filter results, at most (8 bytes each).
RECENT_RESULTS_BUDGET = 4_000_000
_NO_DATE = math.nan


def _timestamp(moment: datetime | None) -> float:
    if moment is None:
        return _NO_DATE
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _datetime(stamp: float) -> datetime | None:
    if math.isnan(stamp):
        return None
    return datetime.fromtimestamp(stamp, tz=UTC)


def _search_text(point: RecoveryPoint) -> str:
    """What a query matches: the resource's name and id, its type and the status."""
    name = point.resource_name
    tail = point.resource_arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    if tail and tail != name:
        name = f"{name} {tail}" if name else tail
    return f"{name} {point.resource_type} {point.status}"


class MaskedPositions(Sequence[int]):
    """The positions whose byte in `mask` is set, listed only as far as they are read.

    A broad query ("p") matches most of a million rows; the list needs the count and the
    first screenful at once, and the rest only if the user scrolls there.
    """

    def __init__(self, mask: bytes, count: int, positions: list[int]) -> None:
        self.mask = mask
        self._count = count
        # Over prebuilt position objects, `compress` only copies references.
        self._pending = compress(positions, mask)
        self._listed: list[int] = []

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...

    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            self._list_up_to(self._count)
            return self._listed[index]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        self._list_up_to(index + 1)
        return self._listed[index]

    def _list_up_to(self, length: int) -> None:
        missing = length - len(self._listed)
        if missing > 0:
            # At least a few thousand at a time: scrolling reads row after row.
            self._listed.extend(islice(self._pending, max(missing, 4096)))


class RecoveryPointRows:
    """Column store of recovery points with a newest-first order and an incremental filter."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget every row (before a refresh)."""
        self._shared: dict[object, object] = {}
        self.arns: list[str] = []
        self.resource_arns: list[str] = []
        self.names: list[str] = []
        self.types: list[str] = []
        self.statuses: list[str] = []
        self.keys: list[str] = []
        self.sources: list[str | None] = []
        self.roles: list[str | None] = []
        # (vault_name, account_id, region, is_encrypted), shared between rows of a vault.
        self.places: list[tuple[str, str, str, bool]] = []
        self.created = array("d")
        self.expires = array("d")
        self.completed = array("d")
        self.sizes = array("q")
        # Row numbers newest first; the search key of each, in that same order.
        self.order: list[int] = []
        self.search_keys: list[str] = []
        # Positions in `order` matching the query (`range` when there is none).
        self.visible: Sequence[int] = range(0)
        self.query = ""
        self._recent: dict[str, Sequence[int]] = {}
        # 0..n-1 as int objects made once (36 bytes a row), so that a filter result is a list
        # of references to them rather than a million freshly allocated ints.
        self._positions: list[int] = []
        self._pending_keys: list[str] = []

    def __len__(self) -> int:
        return len(self.arns)

    def _share(self, value: object) -> object:
        """One object for every equal value: a repeated string costs one pointer per row."""
        return self._shared.setdefault(value, value)

    def add(self, points: Iterable[RecoveryPoint]) -> int:
        """Append recovery points (call `sort` before reading `visible`); returns how many."""
        share = self._share
        start = len(self.arns)
        for point in points:
            self.arns.append(point.arn)
            self.resource_arns.append(point.resource_arn)
            self.names.append(point.resource_name)
            self.types.append(share(point.resource_type))  # type: ignore[arg-type]
            self.statuses.append(share(point.status))  # type: ignore[arg-type]
            self.keys.append(share(point.encryption_key_arn))  # type: ignore[arg-type]
            self.sources.append(share(point.source_vault_arn))  # type: ignore[arg-type]
            self.roles.append(share(point.iam_role_arn))  # type: ignore[arg-type]
            place = (point.vault_name, point.account_id, point.region, point.is_encrypted)
            self.places.append(share(place))  # type: ignore[arg-type]
            self.created.append(_timestamp(point.created))
            self.expires.append(_timestamp(point.expires))
            self.completed.append(_timestamp(point.completion_date))
            self.sizes.append(_NO_SIZE if point.size_bytes is None else point.size_bytes)
            self._pending_keys.append(_search_text(point).lower())
        return len(self.arns) - start

    @property
    def needs_sort(self) -> bool:
        """True when rows were added since the last `sort`."""
        return bool(self._pending_keys)

    def sort(self) -> None:
        """Order every row newest first and re-apply the current query."""
        if not self._pending_keys:
            return
        count = len(self.arns)
        start = count - len(self._pending_keys)
        keys_by_row: list[str] = [""] * count
        # Scatter the sorted keys back to their rows, in C (`any` just drives the map).
        any(map(keys_by_row.__setitem__, self.order, self.search_keys))
        keys_by_row[start:] = self._pending_keys
        self._pending_keys = []
        # Timsort merges the already sorted run with the new rows in about linear time.
        merged = self.order
        merged.extend(range(start, count))
        merged.sort(key=self.created.__getitem__, reverse=True)
        self.search_keys = list(map(keys_by_row.__getitem__, merged))
        self._positions.extend(range(len(self._positions), count))
        query, self.query = self.query, ""
        self.visible = range(count)
        self._recent.clear()
        if query:
            self.filter(query)

    def compact(self) -> None:
        """Lay the search keys out in memory in display order, so a filter reads them in
        sequence rather than hopping around the heap (several times faster at 1M rows).

        Then move everything alive out of the cyclic garbage collector's sight: a full
        collection walks every element of these lists (tens of millions of references at 1M
        rows, a 100-200 ms pause in the middle of a keystroke). The rows hold no cycles and
        are freed by reference counting when the list goes away.
        """
        self.search_keys = [key.lower() for key in self.search_keys]
        gc.collect()
        gc.freeze()

    def filter(self, query: str) -> int:
        """Keep the rows whose search key contains every word of `query` (case-insensitive);
        returns the count. A query that extends the previous one narrows its result; going
        back (backspace) to a query of the same typing reuses its result."""
        query = " ".join(query.lower().split())
        if query == self.query:
            return len(self.visible)
        cached = self._recent.get(query)
        if cached is not None:
            self.visible, self.query = cached, query
            return len(cached)
        narrowing = bool(self.query) and query.startswith(self.query)
        base: Sequence[int] = self.visible if narrowing else range(len(self.order))
        if not narrowing:
            self._recent.clear()
        for word in query.split():
            base = self._keep_matching(base, word)
        self.visible, self.query = base, query
        self._remember(query, base)
        return len(base)

    def _keep_matching(self, base: Sequence[int], word: str) -> Sequence[int]:
        """The positions of `base` whose key contains `word`, computed in C.

        A byte mask says which keys match. Over every row (or a broad earlier result, whose
        own mask is AND-ed in as one big integer), a broad answer stays a mask and a narrow
        one becomes a list; a narrow base is tested key by key. An all-or-nothing answer
        allocates nothing.
        """
        every = len(self.search_keys)
        if isinstance(base, range | MaskedPositions):
            mask = bytes(map(operator.contains, self.search_keys, repeat(word)))
            if isinstance(base, MaskedPositions):
                both = int.from_bytes(mask, "little") & int.from_bytes(base.mask, "little")
                mask = both.to_bytes(every, "little")
            matched = every - mask.count(0)
            if matched == len(base):
                return base
            if matched == 0:
                return []
            if matched * 8 > every:
                return MaskedPositions(mask, matched, self._positions)
            return list(compress(self._positions, mask))
        candidates = map(self.search_keys.__getitem__, base)
        mask = bytes(map(operator.contains, candidates, repeat(word)))
        matched = len(mask) - mask.count(0)
        if matched == len(base):
            return base
        return list(compress(base, mask)) if matched else []

    def _remember(self, query: str, result: Sequence[int]) -> None:
        """Keep the results of the current typing (bounded), for backspace."""
        self._recent[query] = result
        held = sum(len(r) for r in self._recent.values() if isinstance(r, list))
        while held > RECENT_RESULTS_BUDGET and len(self._recent) > 1:
            oldest = next(iter(self._recent))
            dropped = self._recent.pop(oldest)
            held -= len(dropped) if isinstance(dropped, list) else 0

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
            size_bytes=None if size == _NO_SIZE else size,
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
