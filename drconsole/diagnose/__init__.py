"""Error messages and job outcomes explained: cause code, plain-words explanation, exact fix."""

from __future__ import annotations

from drconsole.diagnose.jobs import (
    also_possible_text,
    ended_message,
    incomplete_restore,
    is_problem,
    job_diagnosis,
    with_state_meaning,
)
from drconsole.diagnose.messages import diagnose, diagnose_exception, parse_error
from drconsole.diagnose.rules import RULES

__all__ = [
    "RULES",
    "also_possible_text",
    "diagnose",
    "diagnose_exception",
    "ended_message",
    "incomplete_restore",
    "is_problem",
    "job_diagnosis",
    "parse_error",
    "with_state_meaning",
]
