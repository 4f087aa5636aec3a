"""One message pattern of `diagnose`: its id, cause, the real message it matches and its fix."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from drconsole.diagnose.facts import Facts
from drconsole.models import CauseCode, Diagnosis

Render = Callable[[re.Match[str] | None, Facts], Diagnosis]


@dataclass(frozen=True, slots=True)
class Rule:
    """One message pattern: its id, the cause it usually means, and the real message it matches."""

    id: str
    cause: CauseCode
    pattern: re.Pattern[str]
    example: str  # the real AWS message(s) this pattern was written from, joined by " / "
    source: str  # where that message was seen
    render: Render


def any_of(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of the alternatives."""
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)
