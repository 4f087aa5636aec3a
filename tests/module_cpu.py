"""A pytest plugin (`-p tests.module_cpu`) writing each test module's CPU seconds to a file.

The CPU is the worker's and that of every process under it (the fork server and the commands it
forked, sandboxes started as processes), read from /proc: Linux only. What runs outside the
worker's tree (a console started in tmux) is not counted. Each line of MODULE_CPU_OUT (default
/tmp/module_cpu.jsonl) is {"module", "cpu", "wall"}; sum or sort them with any JSON tool:

    pytest -p tests.module_cpu -n 6 --dist loadfile -q
    python -c "import json; rows = [json.loads(l) for l in open('/tmp/module_cpu.jsonl')];
      [print(round(r['cpu'], 1), r['module']) for r in sorted(rows, key=lambda r: -r['cpu'])]"
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

OUT = Path(os.environ.get("MODULE_CPU_OUT", "/tmp/module_cpu.jsonl"))
TICKS = os.sysconf("SC_CLK_TCK")


def _ticks(pid: int) -> int:
    """utime + stime + cutime + cstime of `pid` (its reaped children included); 0 once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(value) for value in fields[11:15])


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def tree_cpu_seconds() -> float:
    """CPU seconds of this process and every live process under it (each with what it reaped)."""
    total, waiting = 0, [os.getpid()]
    while waiting:
        pid = waiting.pop()
        total += _ticks(pid)
        waiting.extend(_children(pid))
    return total / TICKS


_current: dict[str, object] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    module = item.nodeid.split("::", 1)[0]
    if _current.get("module") != module:
        _current.update(module=module, cpu=tree_cpu_seconds(), wall=time.monotonic())
    yield
    if nextitem is None or nextitem.nodeid.split("::", 1)[0] != module:
        cpu = tree_cpu_seconds() - float(_current["cpu"])  # type: ignore[arg-type]
        wall = time.monotonic() - float(_current["wall"])  # type: ignore[arg-type]
        with OUT.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"module": module, "cpu": round(cpu, 2), "wall": round(wall, 2)}))
            out.write("\n")
