"""A bounded pool that runs dependent AWS calls by priority and streams their results.

Each `Task` is one blocking call (`work`, run in a worker thread) and a continuation (`then`,
run in the caller's thread with the call's result) that may emit results and schedule follow-up
tasks: the next page of a listing, the details of a vault just listed. Continuations run on one
thread, so the state they share needs no lock.

Pending tasks wait in a priority queue rather than in the executor's FIFO, so that the longest
chains of dependent calls (a vault with many pages of recovery points) start first and the
whole scan ends close to the bound that its critical path allows. Closing the iterator early
stops scheduling; calls already in flight finish and are discarded.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from drconsole.aws.pacing import FOREGROUND


@dataclass
class Step:
    """What a continuation produces: results for the caller and follow-up tasks."""

    emit: list[Any] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Task:
    """One blocking call and what to do with its result. Lower `priority` runs first."""

    priority: float
    work: Callable[[], Any]
    then: Callable[[Any], Step]


def run_tasks(tasks: Iterable[Task], max_workers: int) -> Iterator[Any]:
    """Run `tasks` and their follow-ups on `max_workers` threads; yield results as they come.

    `work` must not raise for expected AWS failures: it returns them as values so that the
    continuation can record them (as AccountError) and the others go on.
    """
    order = itertools.count()
    pending: list[tuple[float, int, Task]] = []
    for task in tasks:
        heapq.heappush(pending, (task.priority, next(order), task))
    in_flight: dict[Future[Any], Task] = {}
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="drconsole-aws") as pool:
        try:
            while pending or in_flight:
                FOREGROUND.wait()  # the console is answering a key (pacing.py)
                while pending and len(in_flight) < max_workers:
                    _, _, task = heapq.heappop(pending)
                    in_flight[pool.submit(task.work)] = task
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                ready: list[Any] = []
                for future in done:
                    step = in_flight.pop(future).then(future.result())
                    for follow_up in step.tasks:
                        heapq.heappush(pending, (follow_up.priority, next(order), follow_up))
                    ready.extend(step.emit)
                # Keep the workers busy while the caller handles the results.
                while pending and len(in_flight) < max_workers:
                    _, _, task = heapq.heappop(pending)
                    in_flight[pool.submit(task.work)] = task
                yield from ready
        finally:
            for future in in_flight:
                future.cancel()
