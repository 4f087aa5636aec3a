"""Recovery-point list at 1,000,000 rows: first paint, filter keystrokes, paging, memory.

Run: .venv/bin/python bench/recovery_point_list_bench.py [--rows N]
Budgets (DESIGN.md section 7): first paint < 1 s, filter keystroke < 100 ms, < 1 KB per
recovery point. Keystroke wall time includes waiting for a core on a busy machine (the load
average is printed); CPU time is this process's own work per keystroke. The rows are
generated RecoveryPoint models (the shape Inventory yields), in random creation order, so the
list has to sort them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from drconsole.models import RecoveryPoint
from drconsole.tui.rp_rows import RecoveryPointRows
from drconsole.tui.widgets.recovery_point_list import RecoveryPointList

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TYPES = ("EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3")
SERVICES = {"EBS": "ec2", "EC2": "ec2", "RDS": "rds", "Aurora": "rds", "DynamoDB": "dynamodb"}
BUDGET_PAINT, BUDGET_KEY, BUDGET_BYTES = 1.0, 0.100, 1024


def pages(count: int, seed: int = 7, newest_first: bool = False) -> Iterator[list[RecoveryPoint]]:
    """`count` recovery points in pages of 1,000, as ListRecoveryPointsByBackupVault pages:
    in random creation order, or newest first as AWS lists them (`newest_first`)."""
    rng = random.Random(seed)
    key = "arn:aws:kms:eu-north-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    page: list[RecoveryPoint] = []
    for number in range(count):
        kind = TYPES[number % len(TYPES)]
        service = SERVICES.get(kind, kind.lower())
        name = f"{'prod' if number % 3 else 'qa'}-{kind.lower()}-{number % 5000:04d}"
        account = f"{333333333333 + number % 40}"
        page.append(
            RecoveryPoint(
                arn=f"arn:aws:backup:eu-north-1:222222222222:recovery-point:"
                f"{rng.getrandbits(128):032x}",
                vault_name="dr-eu-north-1",
                account_id="222222222222",
                region="eu-north-1",
                resource_arn=f"arn:aws:{service}:eu-central-1:{account}:resource/{name}",
                resource_type=kind,
                resource_name=name,
                created=NOW
                - timedelta(seconds=number * 30 if newest_first else rng.randrange(365 * 86400)),
                status="COMPLETED" if number % 97 else "PARTIAL",
                size_bytes=rng.randrange(1 << 36),
                encryption_key_arn=key,
                is_encrypted=True,
                source_vault_arn=f"arn:aws:backup:eu-central-1:{account}:backup-vault:prod-vault",
                expires=NOW + timedelta(days=35),
            )
        )
        if len(page) == 1000:
            yield page
            page = []
    if page:
        yield page


def build(count: int) -> RecoveryPointRows:
    """A store holding `count` generated recovery points (the generator's objects are freed)."""
    rows = RecoveryPointRows()
    for page in pages(count):
        rows.add(page)
    return rows


def bytes_per_row(count: int) -> float:
    """Memory the store keeps per recovery point, measured with tracemalloc."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    rows = build(count)
    rows.sort()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del rows
    return (after - before) / count


class ListApp(App[None]):
    """The list and a filter input, wired as RecoveryPointsScreen wires them.

    A keystroke is timed inside the app: from the key event reaching the app to the end of
    the screen refresh that shows its effect (Pilot's own waits are left out).
    """

    def __init__(self, rows: RecoveryPointRows) -> None:
        super().__init__()
        self.rows = rows
        self.key_started = 0.0
        self.key_cpu_started = 0.0
        self.latencies: list[float] = []
        self.cpu_times: list[float] = []

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.key_started = time.perf_counter()
            self.key_cpu_started = time.process_time()
        await super().on_event(event)

    def record_latency(self) -> None:
        """Close the timing of the keystroke being handled, once its frame is drawn."""
        started, self.key_started = self.key_started, 0.0
        cpu_started = self.key_cpu_started

        def done() -> None:
            self.latencies.append(time.perf_counter() - started)
            self.cpu_times.append(time.process_time() - cpu_started)

        if started:
            self.call_after_refresh(done)

    def on_recovery_point_list_highlighted(self) -> None:
        self.record_latency()

    def compose(self) -> ComposeResult:
        yield RecoveryPointList(self.rows, now=lambda: NOW)
        yield Input(id="filter")

    def on_mount(self) -> None:
        self.query_one(RecoveryPointList).data_changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one(RecoveryPointList).apply_filter(event.value)
        self.record_latency()


async def measure_ui(rows: RecoveryPointRows) -> dict[str, list[float]]:
    """First paint, keystrokes into the filter, and page-downs, through Textual's Pilot."""
    results: dict[str, list[float]] = {"paint": [], "keys": [], "page": [], "cpu": []}
    app = ListApp(rows)
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        results["paint"].append(time.perf_counter() - start)
        rp_list = app.query_one(RecoveryPointList)
        rp_list.focus()
        await pilot.pause()
        app.latencies.clear()
        app.cpu_times.clear()
        for _ in range(20):
            await pilot.press("pagedown")
            await pilot.pause()
        results["page"] = list(app.latencies)
        app.query_one(Input).focus()
        await pilot.pause()
        app.latencies.clear()
        app.cpu_times.clear()
        for query in ("prod-rds-12", "qa-s3-"):
            for char in query:
                await pilot.press(char)
                await pilot.pause()
            for _ in query:
                await pilot.press("backspace")
                await pilot.pause()
        results["keys"] = list(app.latencies)
        results["cpu"] = list(app.cpu_times)
    return results


def lazy_match_reads(rows: RecoveryPointRows, query: str) -> tuple[float, float]:
    """Seconds to filter and read the oldest match (what `End` does), and to filter and read
    the middle match: the lazy result walks the newest-first order from whichever end is
    nearer, so the middle is its worst case (half the rows walked), as is a first screen
    whose matches all lie far back."""
    timings: list[float] = []
    for middle in (False, True):
        rows.filter("")
        started = time.perf_counter()
        count = rows.filter(query)
        rows.row_at(count // 2 if middle else count - 1)
        timings.append(time.perf_counter() - started)
    rows.filter("")
    return timings[0], timings[1]


def main() -> int:
    """Print the figures and whether each meets its budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-rows", type=int, default=200_000)
    args = parser.parse_args()

    began = time.perf_counter()
    rows = build(args.rows)
    ingest = time.perf_counter() - began
    began = time.perf_counter()
    rows.sort()
    sort_time = time.perf_counter() - began
    results = asyncio.run(measure_ui(rows))
    oldest, middle = lazy_match_reads(rows, "prod-rds-12")
    per_row = bytes_per_row(args.memory_rows)

    def ms(value: float) -> str:
        return f"{value * 1000:.0f} ms"

    def verdict(ok: bool) -> str:
        return "ok" if ok else "OVER BUDGET"

    keys, page = results["keys"], results["page"]
    paint = results["paint"][0]
    load = os.getloadavg()[0]
    print(
        f"recovery-point list, {args.rows:,} rows (load average {load:.1f}, {os.cpu_count()} cores)"
    )
    print(
        f"  ingest (RecoveryPoint -> column store): {ingest:.2f} s "
        f"({args.rows / ingest:,.0f} rows/s)"
    )
    print(f"  sort newest first: {ms(sort_time)}")
    print(
        f"  first paint (app start to first frame): {ms(paint)}  "
        f"[budget {BUDGET_PAINT:.0f} s: {verdict(paint < BUDGET_PAINT)}]"
    )
    print(
        f"  filter keystroke ({len(keys)} keys, typing and deleting): "
        f"p50 {ms(statistics.median(keys))}, max {ms(max(keys))}  "
        f"[budget 100 ms: {verdict(max(keys) < BUDGET_KEY)}]"
    )
    cpu = results["cpu"]
    print(
        f"    CPU time of this process per keystroke: p50 {ms(statistics.median(cpu))}, "
        f"max {ms(max(cpu))} (wall time above includes waiting for a core)"
    )
    print(
        f"    search keys tested per keystroke: {len(rows.search_keys):,} distinct "
        f"(one per resource, type and status) for {args.rows:,} rows"
    )
    print(
        f"  narrow filter then End (oldest match): {ms(oldest)}; then its middle match "
        f"(worst case, half the rows walked): {ms(middle)}"
    )
    print(f"  page down (render): p50 {ms(statistics.median(page))}, max {ms(max(page))}")
    print(
        f"  memory: {per_row:.0f} bytes per recovery point (tracemalloc, "
        f"{args.memory_rows:,} rows)  [budget 1 KB: {verdict(per_row < BUDGET_BYTES)}]"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
