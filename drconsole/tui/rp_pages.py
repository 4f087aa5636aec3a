"""Pages of recovery points turned into columns in the loading thread, not the UI's.

Converting a million RecoveryPoint objects into the list's columns (timestamps, shared strings,
search keys and their numbers) is most of the cost of loading a big vault; done here, in the
worker that reads the pages, the UI thread only appends finished columns
(`RecoveryPointRows.add_prepared`) and stays free for keystrokes while the rest arrives.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from drconsole.models import RecoveryPoint

NO_SIZE = -1
NO_DATE = math.nan


def timestamp(moment: datetime | None) -> float:
    """Seconds since the epoch (NaN when unknown; a naive time is UTC)."""
    if moment is None:
        return NO_DATE
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def search_text(point: RecoveryPoint) -> str:
    """What a query matches: the resource's name and id, its type and the status."""
    name = point.resource_name
    tail = point.resource_arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    if tail and tail != name:
        name = f"{name} {tail}" if name else tail
    return f"{name} {point.resource_type} {point.status}"


@dataclass
class PreparedPage:
    """One page as the list's columns (see RecoveryPointRows for what each holds)."""

    arns: list[str] = field(default_factory=list)
    resource_arns: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    sources: list[str | None] = field(default_factory=list)
    roles: list[str | None] = field(default_factory=list)
    places: list[tuple[str, str, str, bool]] = field(default_factory=list)
    created: array[float] = field(default_factory=lambda: array("d"))
    expires: array[float] = field(default_factory=lambda: array("d"))
    completed: array[float] = field(default_factory=lambda: array("d"))
    sizes: array[int] = field(default_factory=lambda: array("q"))
    # Each row's search key as its number in the load (see PagePreparer), the keys first seen
    # in this page (numbered in this order, after those of the pages before), and how many
    # of the page's rows carry each number.
    row_keys: array[int] = field(default_factory=lambda: array("q"))
    new_keys: list[str] = field(default_factory=list)
    key_counts: dict[int, int] = field(default_factory=dict)
    # The preparer that numbered the keys: a page of a load since cleared is not appended.
    preparer: PagePreparer | None = None
    # The load's row number of the page's first row, the page's row numbers newest first
    # (sorted here so that the UI thread need not), and their key numbers in that order.
    first_row: int = 0
    newest_first: array[int] = field(default_factory=lambda: array("q"))
    newest_first_keys: array[int] = field(default_factory=lambda: array("q"))

    def __len__(self) -> int:
        return len(self.arns)


class PagePreparer:
    """Prepares the pages of one load, one page at a time and in the order they are appended;
    repeated values (types, keys, vaults) are one object across all its pages, so a million rows
    cost a pointer each for them, and each distinct lowercase search key gets a number."""

    def __init__(self) -> None:
        self._shared: dict[object, object] = {}
        self._key_numbers: dict[str, int] = {}
        self._rows = 0  # rows prepared so far: the next page's first row number

    def _share(self, value: object) -> object:
        return self._shared.setdefault(value, value)

    def prepare(self, points: Iterable[RecoveryPoint]) -> PreparedPage:
        """The page's columns."""
        share = self._share
        numbers = self._key_numbers
        page = PreparedPage(preparer=self)
        for point in points:
            page.arns.append(point.arn)
            page.resource_arns.append(point.resource_arn)
            page.names.append(point.resource_name)
            page.types.append(share(point.resource_type))  # type: ignore[arg-type]
            page.statuses.append(share(point.status))  # type: ignore[arg-type]
            page.keys.append(share(point.encryption_key_arn))  # type: ignore[arg-type]
            page.sources.append(share(point.source_vault_arn))  # type: ignore[arg-type]
            page.roles.append(share(point.iam_role_arn))  # type: ignore[arg-type]
            place = (point.vault_name, point.account_id, point.region, point.is_encrypted)
            page.places.append(share(place))  # type: ignore[arg-type]
            page.created.append(timestamp(point.created))
            page.expires.append(timestamp(point.expires))
            page.completed.append(timestamp(point.completion_date))
            page.sizes.append(NO_SIZE if point.size_bytes is None else point.size_bytes)
            text = search_text(point).lower()
            number = numbers.get(text)
            if number is None:
                number = numbers[text] = len(numbers)
                page.new_keys.append(text)
            page.row_keys.append(number)
        page.key_counts = Counter(page.row_keys)
        # Newest first as RecoveryPointRows.sort orders them (stable, equal times in page order).
        by_age = sorted(range(len(page)), key=page.created.__getitem__, reverse=True)
        page.first_row = self._rows
        page.newest_first = array("q", map(self._rows.__add__, by_age))
        page.newest_first_keys = array("q", map(page.row_keys.__getitem__, by_age))
        self._rows += len(page)
        return page
