"""Flow ids and drill run ids: the only forms drconsole writes, and so the only ones it uses.

An id names a lock file (`flow-locks/<id>.lock`) and a drill's report folder: an id read from
a journal that an editor, a copy or an attacker changed must never become a path, so a record
whose id is not of drconsole's form is damaged, and an id typed on the command line is refused.
"""

from __future__ import annotations

import re

from drconsole import limits
from drconsole.errors import UsageError

# new_flow_id: 12 lowercase hex digits. new_run_id: a UTC stamp and 6 hex digits.
FLOW_ID = r"^[0-9a-f]{12}$"
RUN_ID = r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$"
# A runbook's name (drills.parse) is a folder of the state dir's drills/ too.
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
FLOW_ID_FORM = "12 hex digits, as drconsole writes them"
RUN_ID_FORM = "a time and 6 hex digits such as 20261203T001200Z-1a2b3c, as drconsole writes them"
_FLOW_ID = re.compile(FLOW_ID)
_RUN_ID = re.compile(RUN_ID)
_NAME = re.compile(NAME)


def is_flow_id(value: object) -> bool:
    """True for an id of new_flow_id's form."""
    return isinstance(value, str) and _FLOW_ID.fullmatch(value) is not None


def is_run_id(value: object) -> bool:
    """True for an id of new_run_id's form."""
    return isinstance(value, str) and _RUN_ID.fullmatch(value) is not None


def is_name(value: object) -> bool:
    """True for a runbook (or target) name as a runbook may give it."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def checked_flow_id(value: str, flag: str) -> str:
    """A flow id typed on the command line, else one line (exit 2)."""
    if not is_flow_id(value):
        raise UsageError(f"{flag} {limits.shown(value)}: not a flow id ({FLOW_ID_FORM})")
    return value


def checked_run_id(value: str, what: str = "RUN_ID") -> str:
    """A drill run id typed on the command line, else one line (exit 2)."""
    if not is_run_id(value):
        raise UsageError(f"{what} {limits.shown(value)}: not a drill run id ({RUN_ID_FORM})")
    return value
