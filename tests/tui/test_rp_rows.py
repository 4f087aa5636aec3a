"""The recovery-point column store: order, incremental filter, full records, memory."""

from __future__ import annotations

import gc
import random
import tracemalloc
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from drconsole.models import RecoveryPoint
from drconsole.tui.rp_pages import search_text
from drconsole.tui.rp_rows import RecoveryPointRows
from drconsole.tui.sealed_column import CHUNK

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def point(
    number: int, created: datetime, name: str = "", status: str = "COMPLETED"
) -> RecoveryPoint:
    kind = ("EBS", "RDS", "S3")[number % 3]
    return RecoveryPoint(
        arn=f"arn:aws:backup:eu-north-1:222222222222:recovery-point:{number:032x}",
        vault_name="dr-eu-north-1",
        account_id="222222222222",
        region="eu-north-1",
        resource_arn=f"arn:aws:rds:eu-central-1:333333333333:db:{name or f'db-{number}'}",
        resource_type=kind,
        resource_name=name or f"Db-{number}",
        created=created,
        status=status,
        size_bytes=None if number % 5 == 0 else number * 1000,
        encryption_key_arn="arn:aws:kms:eu-north-1:222222222222:key/abcd",
        is_encrypted=True,
        source_vault_arn=None if number % 2 else "arn:aws:backup:eu-central-1:3:backup-vault:v",
        expires=None if number % 4 else NOW + timedelta(days=number),
        iam_role_arn="arn:aws:iam::222222222222:role/service-role/AWSBackupDefaultServiceRole",
        completion_date=created + timedelta(minutes=5),
    )


def shuffled_points(count: int, seed: int = 3) -> list[RecoveryPoint]:
    rng = random.Random(seed)
    points = [point(n, NOW - timedelta(minutes=n)) for n in range(count)]
    rng.shuffle(points)
    return points


def shown(rows: RecoveryPointRows) -> list[RecoveryPoint]:
    return [rows.record(rows.row_at(i)) for i in range(len(rows.visible))]


def test_pages_prepared_in_another_thread_keep_order_and_filter() -> None:
    """Pages turned into columns by the loading thread (PagePreparer) and appended by the UI:
    newest first whether a page is older than every row shown (the usual case, appended as
    is) or newer than some (merged), with the filter kept across pages."""
    from concurrent.futures import ThreadPoolExecutor

    points = [point(n, NOW - timedelta(minutes=n), name=f"db-{n % 7}") for n in range(3000)]
    pages = [points[0:1000], points[1000:2000], points[2000:2500], points[2500:3000][::-1]]
    pages.append([point(9000, NOW + timedelta(minutes=1), name="db-1")])  # newer than all
    rows = RecoveryPointRows()
    with ThreadPoolExecutor(max_workers=1) as pool:
        prepared = list(pool.map(rows.preparer.prepare, pages))
    rows.filter("db-1")
    for page in prepared:
        rows.add_prepared(page)
        rows.sort()
    every = [p for page in pages for p in page]
    matching = sorted(
        (p for p in every if p.resource_name == "db-1"), key=lambda p: p.created, reverse=True
    )
    assert [p.arn for p in shown(rows)] == [p.arn for p in matching]
    rows.filter("")
    records = shown(rows)
    assert [p.arn for p in records] == [
        p.arn for p in sorted(every, key=lambda p: p.created, reverse=True)
    ]
    assert records[1] == points[0]  # every field comes back as it went in


def test_rows_are_newest_first_across_batches() -> None:
    rows = RecoveryPointRows()
    points = shuffled_points(2500)
    for start in range(0, 2500, 1000):
        rows.add(points[start : start + 1000])
        rows.sort()
    created = [p.created for p in shown(rows)]
    assert len(created) == 2500
    assert created == sorted(created, reverse=True)


def test_record_gives_back_every_field() -> None:
    rows = RecoveryPointRows()
    originals = shuffled_points(50)
    rows.add(originals)
    rows.sort()
    assert sorted(shown(rows), key=lambda p: p.arn) == sorted(originals, key=lambda p: p.arn)


def test_filter_is_case_insensitive_and_narrows_incrementally() -> None:
    rows = RecoveryPointRows()
    rows.add(shuffled_points(3000))
    rows.sort()
    expected = [p for p in shown(rows) if "db-12" in p.resource_name.lower()]
    for prefix in ("d", "db", "db-", "db-1", "DB-12"):
        rows.filter(prefix)
    assert shown(rows) == expected
    fresh = RecoveryPointRows()
    fresh.add(shuffled_points(3000))
    fresh.sort()
    assert fresh.filter("db-12") == len(expected)
    assert rows.filter("") == 3000


def test_filter_matches_type_and_status_and_survives_new_rows() -> None:
    rows = RecoveryPointRows()
    rows.add([point(1, NOW, status="FAILED"), point(2, NOW - timedelta(hours=1))])
    rows.sort()
    assert rows.filter("failed") == 1
    rows.add([point(4, NOW + timedelta(hours=1), status="FAILED")])
    rows.sort()
    assert [p.status for p in shown(rows)] == ["FAILED", "FAILED"]
    assert rows.filter("rds") == 2  # numbers 1 and 4; a new query, not a narrower one
    assert rows.filter("nothing-like-this") == 0


def test_memory_per_recovery_point_is_under_one_kilobyte() -> None:
    points = shuffled_points(20_000)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    rows = RecoveryPointRows()
    rows.add(points)
    rows.sort()
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # The store copies the varying strings (ARNs, names, keys) and shares the repeated ones.
    assert used / len(rows) < 1024


def test_every_word_of_the_query_must_match() -> None:
    rows = RecoveryPointRows()
    rows.add(shuffled_points(300))
    rows.sort()
    expected = [
        p for p in shown(rows) if p.resource_type == "RDS" and "db-1" in p.resource_name.lower()
    ]
    assert rows.filter("rds db-1") == len(expected)
    assert shown(rows) == expected
    assert rows.filter("db-1 rds") == len(expected)


def test_backspace_gives_the_same_rows_as_a_fresh_filter() -> None:
    rows = RecoveryPointRows()
    rows.add(shuffled_points(2000))
    rows.sort()
    typed = "db-12"
    for end in range(1, len(typed) + 1):
        rows.filter(typed[:end])
    for end in range(len(typed) - 1, 0, -1):
        count = rows.filter(typed[:end])
        fresh = RecoveryPointRows()
        fresh.add(shuffled_points(2000))
        fresh.sort()
        assert count == fresh.filter(typed[:end])
        assert shown(rows) == shown(fresh)
    rows.add([point(5000, NOW + timedelta(days=1), name="db-1-new")])
    rows.sort()  # new rows: earlier results no longer hold
    assert rows.filter("db-1") == fresh.filter("db-1") + 1


def test_matches_are_found_as_far_as_they_are_read() -> None:
    rows = RecoveryPointRows()
    rows.add(shuffled_points(5000))
    rows.sort()
    expected = [p for p in shown(rows) if "db-49" in p.resource_name.lower()]
    assert rows.filter("db-49") == len(expected) == 111
    # The oldest match first, then the newest: both read straight from the lazy result.
    assert rows.record(rows.row_at(len(expected) - 1)) == expected[-1]
    assert rows.record(rows.row_at(0)) == expected[0]
    assert shown(rows) == expected


def test_rows_of_one_resource_share_one_search_key() -> None:
    rows = RecoveryPointRows()
    rows.add([point(n, NOW - timedelta(days=n), name="orders-db") for n in range(30)])
    rows.add([point(n, NOW - timedelta(days=n), name="users-db") for n in range(30, 60)])
    rows.sort()
    assert len(rows.search_keys) < 10  # one per name, type and status, not one per row
    assert rows.filter("orders") == 30
    assert rows.filter("users") == 30


def test_sort_by_a_column_is_stable_filters_and_takes_new_pages_in_order() -> None:
    rows = RecoveryPointRows()
    points = shuffled_points(1200)
    rows.add(points[:700])
    rows.sort()
    rows.sort_by("type", descending=False)
    rows.filter("db")
    rows.add(points[700:])  # a page arriving after the sort
    rows.sort()
    listed = shown(rows)
    assert len(listed) == 1200
    types = [p.resource_type for p in listed]
    assert types == sorted(types)
    # Stable: within a type, the rows keep the newest-first order they had, and the later page
    # follows them in the order it arrived.
    for kind in ("EBS", "RDS", "S3"):
        of_kind = [p.arn for p in listed if p.resource_type == kind]
        old = sorted(
            (p for p in points[:700] if p.resource_type == kind),
            key=lambda p: p.created,
            reverse=True,
        )
        new = [p for p in points[700:] if p.resource_type == kind]
        assert of_kind == [p.arn for p in old + new]
    rows.sort_by("size", descending=True)
    sizes = [p.size_bytes if p.size_bytes is not None else -1 for p in shown(rows)]
    assert sizes == sorted(sizes, reverse=True)
    rows.sort_by("created", descending=True)
    created = [p.created for p in shown(rows)]
    assert created == sorted(created, reverse=True)


def test_a_page_prepared_before_a_clear_is_left_out() -> None:
    """A refresh clears the list while the old load's pages may still be queued: they must not
    join the new load's rows (nor their key numbers, counted from the new load's start)."""
    rows = RecoveryPointRows()
    stale = rows.preparer.prepare(shuffled_points(30))
    rows.clear()
    fresh = shuffled_points(20, seed=4)
    assert rows.add_prepared(stale) == 0
    assert rows.add(fresh) == 20
    rows.sort()
    assert sorted(p.arn for p in shown(rows)) == sorted(p.arn for p in fresh)
    assert rows.filter("db-1") == sum("db-1" in p.resource_name.lower() for p in fresh)


def references_a_full_collection_walks(root: object) -> int:
    """How many references the cyclic collector follows from `root` (tracked objects only)."""
    seen: set[int] = set()
    stack, walked = [root], 0
    while stack:
        item = stack.pop()
        if id(item) in seen or not gc.is_tracked(item) or isinstance(item, type):
            continue
        seen.add(id(item))
        referents = gc.get_referents(item)
        walked += len(referents)
        stack.extend(referents)
    return walked


def test_a_full_collection_does_not_walk_every_row() -> None:
    """At a million rows a full collection walking a dozen references a row stopped every
    thread for 150-250 ms; the columns are sealed in chunks and arrays instead."""
    rows = RecoveryPointRows()
    count = 20 * CHUNK  # no partly filled chunk left (one holds up to CHUNK - 1 rows as a list)
    points = [point(n, NOW - timedelta(minutes=n), name=f"db-{n % 40}") for n in range(count)]
    for start in range(0, len(points), 1000):
        rows.add(points[start : start + 1000])
        rows.sort()
    rows.sort_by("resource", False)
    assert rows.filter("db-1") > 0
    # A tuple is untracked once its items are: the chunks of places (tuples themselves) may
    # need the pass after the one that untracked a place.
    gc.collect()
    gc.collect()
    assert references_a_full_collection_walks(rows) < len(rows) // 20


QUERIES = ("", "d", "db", "db-1", "db-12", "db-1 rds", "web", "rds", "s3 db", "failed", "x")
TYPED = "db-12 rds"


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_pages_filters_and_repaints_in_any_order_agree_with_a_fresh_sort(
    data: st.DataObject,
) -> None:
    """Pages older or newer than the rows shown (joined at once or merged at the repaint), keys
    arriving between keystrokes, queries narrowed, replaced or typed and erased a key at a time:
    after each repaint the list is every matching row newest first, and between repaints every
    line it claims can be read."""
    rows = RecoveryPointRows()
    added: list[RecoveryPoint] = []
    typed = ""  # a query typed and erased a key at a time (Backspace goes back a step)
    for _ in range(data.draw(st.integers(1, 20))):
        action = data.draw(st.sampled_from(("page", "page", "filter", "key", "key", "repaint")))
        if action == "key":
            erase = bool(typed) and (len(typed) == len(TYPED) or data.draw(st.booleans()))
            typed = typed[:-1] if erase else TYPED[: len(typed) + 1]
            action, query = "filter", typed
        elif action == "filter":
            query = data.draw(st.sampled_from(QUERIES))
        if action == "page":
            ages = data.draw(st.lists(st.integers(0, 300), max_size=40))
            names = st.sampled_from(("db-1", "db-12", "web-2", "DB-3"))
            page = [
                point(len(added) + n, NOW - timedelta(minutes=age), name=data.draw(names))
                for n, age in enumerate(sorted(ages) if data.draw(st.booleans()) else ages)
            ]
            rows.add(page)
            added += page
        elif action == "filter":
            count = rows.filter(query)
            lines = shown(rows)
            assert len(lines) == count
            assert len({p.arn for p in lines}) == count
            assert all(matches(p, rows.query) for p in lines)
        else:
            rows.sort()
            assert [p.arn for p in shown(rows)] == expected_arns(added, rows.query)
    rows.sort()
    assert [p.arn for p in shown(rows)] == expected_arns(added, rows.query)


def matches(recovery_point: RecoveryPoint, query: str) -> bool:
    text = search_text(recovery_point).lower()
    return all(word in text for word in query.split())


def expected_arns(added: list[RecoveryPoint], query: str) -> list[str]:
    """Newest first, rows of the same time in the order they arrived."""
    arrival = {p.arn: n for n, p in enumerate(added)}
    newest_first = sorted(added, key=lambda p: (-p.created.timestamp(), arrival[p.arn]))
    return [p.arn for p in newest_first if matches(p, query)]
