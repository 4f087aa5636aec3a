"""What resuming a drill starts from: its journaled runbook, read again and unchanged.

`drill resume` and the Drills screen both resume through here, then through `DrillRunner` with
the same run id (which folds the journal, so no job is started twice).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from drconsole.drills.journal import DrillJournal, DrillState
from drconsole.drills.runbook import Runbook
from drconsole.errors import UsageError

if TYPE_CHECKING:
    from drconsole.flows.journal import FlowState


class DrillFinished(UsageError):
    """The drill has ended: resuming it would clean up and write its evidence again."""


def refuse_if_finished(state: DrillState) -> None:
    """DrillFinished when the drill has ended (its end is journaled)."""
    if state.end is not None:
        raise DrillFinished(
            f"drill {state.run_id} has already finished: its report is in "
            f"{state.end.get('report_dir')}"
        )


def runbook_to_resume(state_dir: Path, run_id: str) -> tuple[Runbook, DrillState]:
    """The drill's runbook as it was when the drill started, and the drill as journaled.

    UsageError when the journal has no such drill, or the runbook file is gone or has changed
    since (a drill resumes the runbook it started with, not a newer one).
    """
    from drconsole.drills.parse import load_runbook

    state = DrillJournal(state_dir).run(run_id)
    if state is None:
        raise UsageError(f"no drill {run_id} in the drill journal")
    path = state.start.get("path")
    if not isinstance(path, str) or not path:
        # Edited or cut short by hand: say so, not "cannot read the runbook: Is a directory".
        raise UsageError(
            f"drill {run_id}: its start record in the drill journal names no runbook file "
            "(the record is damaged): it cannot be resumed"
        )
    runbook = load_runbook(path)
    if runbook.sha256 != state.start.get("sha256"):
        raise UsageError(
            f"{path} changed since drill {run_id} started (SHA-256 differs): "
            "restore the runbook as it was to resume"
        )
    return runbook, state


def journaled_flows(state_dir: Path, state: DrillState) -> dict[str, FlowState]:
    """The flow of each target that has one, as journaled: what a resumed drill's progress
    shows of the jobs that ran before it stopped."""
    from drconsole.flows.journal import Journal

    wanted = {record.flow_id for record in state.targets.values() if record.flow_id}
    # one read of the flow journal for every target (each `Journal.flow` folds it whole)
    return {flow.flow_id: flow for flow in Journal(state_dir).flows() if flow.flow_id in wanted}
