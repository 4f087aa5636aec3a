"""Error messages and job outcomes explained: cause code, plain-words explanation, exact fix."""

from __future__ import annotations

from drconsole.diagnose.jobs import incomplete_restore, is_problem, job_diagnosis
from drconsole.diagnose.messages import diagnose, diagnose_exception, parse_error
from drconsole.diagnose.rules import RULES

__all__ = [
    "RULES",
    "diagnose",
    "diagnose_exception",
    "incomplete_restore",
    "is_problem",
    "job_diagnosis",
    "parse_error",
]
