"""Readiness: could every workload account and Region recover right now (DESIGN.md section 10).

The public face: `evaluate_readiness` (every row, streamed to `on_row` as decided),
`reevaluate_row` (one row again, after a fix) and the model (`ReadinessReport`,
`ReadinessRow`, `Verdict`...).
"""

from drconsole.readiness.engine import evaluate_readiness, reevaluate_row
from drconsole.readiness.model import (
    CopyCheckRun,
    DrCopy,
    DrillCoverage,
    Finding,
    ReadinessReport,
    ReadinessRow,
    ReadinessScope,
    ResourceReadiness,
    RestoreCheckRun,
    Verdict,
)
from drconsole.readiness.objectives import RpoObjectives

__all__ = [
    "CopyCheckRun",
    "DrCopy",
    "DrillCoverage",
    "Finding",
    "ReadinessReport",
    "ReadinessRow",
    "ReadinessScope",
    "ResourceReadiness",
    "RestoreCheckRun",
    "RpoObjectives",
    "Verdict",
    "evaluate_readiness",
    "reevaluate_row",
]
