"""The copy steps of a flow: each hop's StartCopyJob with its journaled token and its watch,
the fall-back to two hops, and the clean-up of the intermediate copy."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.answers import IncompleteAnswer
from drconsole.aws.errors import describe
from drconsole.aws.jobs import JobRef
from drconsole.diagnose import ended_message
from drconsole.flows import events as ev
from drconsole.flows import hop_checks
from drconsole.flows import journal as jr
from drconsole.flows import plan as pl
from drconsole.flows.engine_base import FlowOutcome
from drconsole.flows.restore_step import RestoreSteps
from drconsole.flows.routes import is_route_refusal, may_fall_back, two_hop_route
from drconsole.job_request import START_COPY, JobRequest
from drconsole.models import CauseCode, CopyJob


class CopySteps(RestoreSteps):
    """The copy hops of a flow, then the clean-up of its intermediate copy."""

    def _copy_hops(self, state: jr.FlowState, plan: pl.FlowPlan) -> FlowOutcome | str | None:
        arn = plan.source.arn
        for index, hop in enumerate(plan.route.hops):
            name = f"hop{index + 1}"
            self._at_step[state.flow_id] = name
            step = state.step(name)
            if step.finished and step.state != "COMPLETED":
                ended = step.state or "FAILED"
                return self._fail(
                    state,
                    name,
                    ended_message("copy", step.job_id, ended, step.status_message),
                    job_failed=True,
                    ended=("copy", ended),
                )
            if step.finished and step.result_arn:
                arn = step.result_arn
                continue
            # Not finished, or journaled COMPLETED without the copy it made (an earlier
            # drconsole carried on with the source then): its job is described again.
            job_id = step.job_id
            if job_id is None:
                started = self._start_copy(state, plan, index, arn)
                if isinstance(started, FlowOutcome) or started == "route-changed":
                    return started
                job_id = started
            else:
                self.emit(
                    ev.JobStarted(
                        state.flow_id,
                        name,
                        "copy",
                        job_id,
                        step.account_id or hop.source.account_id,
                        step.region or hop.source.region,
                        step.request or {},
                        resumed=True,
                    )
                )
            ref = JobRef("copy", hop.source.account_id, hop.source.region, job_id)
            job = self._watch(state.flow_id, name, ref)
            assert isinstance(job, CopyJob)
            made = job.destination_recovery_point_arn
            if job.state == "COMPLETED" and not made:
                # The copy's own ARN is what the next hop and the restore send: never the
                # source's. The flow is interrupted before the end is journaled, and a resume
                # describes the job again.
                raise IncompleteAnswer(
                    operation="DescribeCopyJob", field="DestinationRecoveryPointArn"
                )
            self.journal.append(
                state.flow_id,
                "finished",
                step=name,
                state=job.state,
                status_message=job.status_message,
                result_arn=made,
            )
            if job.state != "COMPLETED" or not made:
                if self._can_fall_back(plan, index) and is_route_refusal(job.status_message):
                    return self._fall_back(state, plan, job.status_message)
                # Whatever a PARTIAL copy made is not the whole recovery point: nothing is
                # restored from it.
                return self._fail(
                    state,
                    name,
                    ended_message("copy", job.id, job.state, job.status_message),
                    job_failed=True,
                    ended=("copy", job.state),
                )
            arn = made
        return None

    def _can_fall_back(self, plan: pl.FlowPlan, index: int) -> bool:
        return index == 0 and may_fall_back(plan.source.resource_type, plan.route, plan.route_mode)

    def _start_copy(
        self, state: jr.FlowState, plan: pl.FlowPlan, index: int, arn: str
    ) -> str | FlowOutcome:
        name = f"hop{index + 1}"
        hop = plan.route.hops[index]
        step = state.step(name)
        if step.token and step.request and not step.refused:
            # started before: the same request (and token) returns the same job
            request = JobRequest.build(
                name,
                START_COPY,
                step.account_id or hop.source.account_id,
                step.region or hop.source.region,
                step.request,
            )
            intent = self._journal_start(state, request, step)
        else:
            blocked = self._checks_pass(
                state,
                name,
                lambda: self.copy_checks(plan)(arn, hop.destination, hop.source.account_id),
            )
            if blocked is not None:
                return blocked
            confirmed = self._confirmed(state, name)
            if confirmed is not None:
                request = confirmed.with_source(arn)
            else:
                token = jr.idempotency_token(state.flow_id, state.generation, name)
                unconfirmed = self._ask(state, pl.copy_request(plan, index, arn, token))
                if isinstance(unconfirmed, FlowOutcome):
                    return unconfirmed
                request = unconfirmed
            intent = self._journal_start(state, request)
        try:
            job_id = self.jobs.start(request, intent)
        except (ClientError, BotoCoreError) as exc:
            message = describe(exc)
            if self._can_fall_back(plan, index) and is_route_refusal(message):
                self.journal.append(state.flow_id, "refused", step=name, message=message)
                return self._fall_back(state, plan, message)
            raise  # the flow stops here; a resume sends the same request with the same token
        self.journal.append(state.flow_id, "job", step=name, job_id=job_id)
        self.emit(
            ev.JobStarted(
                state.flow_id,
                name,
                "copy",
                job_id,
                request.account_id,
                request.region,
                request.parameters,
            )
        )
        return job_id

    def _fall_back(self, state: jr.FlowState, plan: pl.FlowPlan, message: str) -> str | FlowOutcome:
        """AWS refused the single copy: choose an intermediate vault and go in two hops."""
        assert plan.destination is not None
        chosen, tried = hop_checks.choose_intermediate(self.sessions, plan)
        if chosen is None:
            if tried:
                state_now = self._state(state.flow_id)
                for step, report in pl.why_no_intermediate(tried):
                    blocked = self._checks_pass(state_now, step, lambda r=report: r)  # type: ignore[misc]
                    if blocked is not None:
                        return blocked
                return self._fail(state, "hop1", message, job_failed=False)
            return self._fail(
                state,
                "hop1",
                hop_checks.no_intermediate(plan.source, plan.destination),
                job_failed=False,
                cause=CauseCode.UNSUPPORTED_COPY_ROUTE.value,
            )
        route = two_hop_route(plan.source.vault, chosen, plan.destination)
        hops = pl.hops_json(route)
        self.journal.append(
            state.flow_id,
            "route",
            generation=state.generation + 1,
            hops=hops,
            reason=route.reason,
            message=message,
        )
        self._checked.add(f"{state.flow_id}:{state.generation + 1}:hop1")
        self.emit(ev.RouteChanged(state.flow_id, message, tuple(hops), chosen.arn))
        return "route-changed"

    def _cleanup(self, state: jr.FlowState, plan: pl.FlowPlan) -> None:
        """Delete the intermediate copy once the final one exists (not in a locked vault)."""
        if not plan.cleanup_intermediate or len(plan.route.hops) < 2:
            return
        arn = state.step("hop1").result_arn
        if not arn or any(c.get("recovery_point") == arn for c in state.cleanups):
            return
        self._at_step[state.flow_id] = "cleanup"
        vault = plan.route.hops[0].destination
        # An AWS failure here stops the flow (exit 3); a resume tries the clean-up again.
        info = self.jobs.describe_vault(vault.account_id, vault.region, vault.name)
        if info["locked"]:
            reason = f"kept: vault {vault.name} is locked (Vault Lock retention applies)"
            deleted = False
        else:
            self.jobs.delete_recovery_point(vault.account_id, vault.region, vault.name, arn)
            reason, deleted = f"deleted from {vault.arn}", True
        self.journal.append(
            state.flow_id, "cleanup", recovery_point=arn, deleted=deleted, reason=reason
        )
        self.emit(ev.CleanupDone(state.flow_id, arn, deleted, reason))
