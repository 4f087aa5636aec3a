"""Write tests/module_seconds.json, the suite's schedule, from a whole run's JUnit XML (or the
file `-p tests.module_cpu` writes, whose wall seconds per module are taken).

Run: .venv/bin/pytest -n 6 --dist loadfile -q --junitxml=/tmp/suite.xml
     .venv/bin/python scripts/module_seconds.py /tmp/suite.xml
"""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ElementTree
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "tests" / "module_seconds.json"
# Modules quicker than this are left out: any module missing counts as quick.
SMALLEST = 3.0


def module_seconds(run: Path) -> dict[str, int]:
    """Seconds each test module took (its tests' times summed), slowest first."""
    seconds: Counter[str] = Counter()
    if run.suffix == ".jsonl":
        for line in run.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            seconds[record["module"]] += float(record["wall"])
    else:
        for case in ElementTree.parse(run).iter("testcase"):
            module = case.get("file") or (case.get("classname") or "").replace(".", "/") + ".py"
            seconds[module] += float(case.get("time") or 0)
    return {module: round(s) for module, s in seconds.most_common() if s >= SMALLEST}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "run", type=Path, help="a whole run's --junitxml output, or tests.module_cpu's .jsonl"
    )
    parser.add_argument("--note", default="", help="where and how it was measured")
    args = parser.parse_args()
    schedule = {
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "how": args.note or "pytest -n 6 --dist loadfile, each test's time summed per module",
        "modules": module_seconds(args.run),
    }
    TARGET.write_text(json.dumps(schedule, indent=1) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(schedule['modules'])} modules")


if __name__ == "__main__":
    main()
