"""`bench/vault_load_bench.py` stands a generated inventory where the vault screen reads AWS:
when the screen asks its inventory something new, the bench must follow, or `make bench` waits
for ever on a screen whose load failed (as it did for a day: the screen's new `skipped=` and
`vault_details` calls failed in the worker). Run small, as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_vault_load_bench_runs_and_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, "bench/vault_load_bench.py", "--rows", "3000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "vault screen loading 3,000 rows" in done.stdout
    assert "first page on screen" in done.stdout and "every row in" in done.stdout
