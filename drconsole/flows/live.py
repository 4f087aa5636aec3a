"""Flows as they stand now: each step's job state asked of AWS, and whether a process still
drives the flow (its lock is held) or it was interrupted and waits for `jobs --resume`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.errors import classify, describe
from drconsole.aws.jobs import JobRef, JobsApi
from drconsole.flows.journal import RUNNING, FlowLock, FlowState
from drconsole.flows.restore_answers import blocked_on_answers

INTERRUPTED = "interrupted"  # unfinished, and no process drives it any more
RESUME_HINT = "interrupted: resume with drconsole jobs --resume"


def form_again_hint(flow_id: str) -> str:
    """How to change the restore form's answers its checks block (nothing of it was sent)."""
    return (
        "the restore form's answers are not confirmed yet: drconsole jobs --resume --flow "
        f"{flow_id} --metadata KEY=VALUE changes them (in a terminal, --resume asks the form "
        "again; so does Enter on the flow in the console's jobs screen)"
    )


def is_driven(state_dir: Path, flow_id: str) -> bool:
    """True when a live process holds the flow's lock (the OS frees it when that one dies)."""
    return FlowLock(state_dir, flow_id).is_held()


def live_status(state_dir: Path, flow: FlowState) -> str:
    """The journal's status, except that a running flow nobody drives is `interrupted`."""
    if flow.status == RUNNING and not is_driven(state_dir, flow.flow_id):
        return INTERRUPTED
    return flow.status


def _refs(flow: FlowState) -> dict[str, JobRef]:
    """The flow's steps whose job AWS should be asked about, by step name."""
    refs: dict[str, JobRef] = {}
    summary = flow.summary()
    for step in summary["steps"]:
        if step["job_id"] and step["account"] and step["region"]:
            kind = "restore" if step["step"] == "restore" else "copy"
            refs[step["step"]] = JobRef(kind, step["account"], step["region"], step["job_id"])
    return refs


def live_summaries(
    flows: list[FlowState], jobs: JobsApi | None, state_dir: Path, max_workers: int = 8
) -> list[dict[str, Any]]:
    """Each flow's summary with its steps' job states fresh from AWS (Describe, concurrently),
    `state_source` "aws" or "journal" per step, and `interrupted` for a flow nobody drives.

    A Describe that fails leaves the journal's state and says why in `state_error`.
    """
    wanted = [(flow, name, ref) for flow in flows for name, ref in _refs(flow).items()]
    answers: dict[tuple[str, str], Any] = {}
    if jobs is not None and wanted:

        def ask(ref: JobRef) -> Any:
            try:
                return jobs.describe(ref)
            except (ClientError, BotoCoreError) as exc:
                return exc

        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            futures = {(f.flow_id, n): pool.submit(ask, r) for f, n, r in wanted}
            answers = {key: future.result() for key, future in futures.items()}
    out = []
    for flow in flows:
        summary = flow.summary()
        status = live_status(state_dir, flow)
        summary["status"] = status
        summary["hint"] = RESUME_HINT if status == INTERRUPTED else ""
        if blocked_on_answers(flow):
            summary["hint"] = form_again_hint(flow.flow_id)
        for step in summary["steps"]:
            step["state_source"] = "journal"
            step["state_error"] = None
            answer = answers.get((flow.flow_id, step["step"]))
            if isinstance(answer, BaseException):
                step["state_error"] = f"{describe(answer)} [{classify(answer)}]"
            elif answer is not None:
                step["state"] = answer.state
                step["status_message"] = answer.status_message
                step["state_source"] = "aws"
        out.append(summary)
    return out
