"""Printing the measures side by side: each path's time, its calls, its lower bound, the ratio."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bound:
    """A lower bound on wall time from the calls made and the concurrency used."""

    seconds: float
    calls: int
    concurrency: int


@dataclass(frozen=True)
class Measure:
    """One path's wall time and, where it has one, the bound of its own calls."""

    name: str
    wall: float
    bound: Bound | None


def print_measures(measures: Sequence[Measure], budget_ratio: float) -> None:
    """A small table: path, wall time, calls, concurrency, bound and wall / bound; the first
    row (drconsole's own path) is judged against `budget_ratio`."""
    print(f"  {'path':52s} {'wall':>8s} {'calls':>6s} {'conc.':>5s} {'bound':>7s} {'ratio':>6s}")
    for index, measure in enumerate(measures):
        bound = measure.bound
        if bound is None:
            tail = f"{'':>6s} {'':>5s} {'':>7s} {'':>6s}"
        else:
            ratio = measure.wall / bound.seconds
            tail = f"{bound.calls:6d} {bound.concurrency:5d} {bound.seconds:6.2f}s {ratio:5.2f}x"
            if index == 0:
                verdict = "ok" if ratio <= budget_ratio else "OVER BUDGET"
                tail += f"  [budget {budget_ratio}x: {verdict}]"
        print(f"  {measure.name:52s} {measure.wall:7.2f}s {tail}")
    first = measures[0].wall
    for measure in measures[1:]:
        print(f"  {measure.name}: {measure.wall / first:.1f}x drconsole's time")
