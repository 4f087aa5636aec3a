"""The restore step of a flow: the form (from GetRecoveryPointRestoreMetadata), the restore
checks with the final metadata, StartRestoreJob with its journaled token, and its watch."""

from __future__ import annotations

from typing import Any

from drconsole.aws.jobs import JobRef
from drconsole.errors import UsageError
from drconsole.flows import events as ev
from drconsole.flows import journal as jr
from drconsole.flows import plan as pl
from drconsole.flows import restore_answers
from drconsole.flows import restore_forms as forms
from drconsole.flows.endings import FlowEndings
from drconsole.flows.engine_base import FlowOutcome
from drconsole.job_request import START_RESTORE, JobRequest
from drconsole.models import RestoreJob


class RestoreSteps(FlowEndings):
    """The restore of a flow, once its copies are done."""

    def restore_form(self, flow_id: str) -> tuple[forms.RestoreForm, dict[str, str]]:
        """The restore form of a flow whose copies are done, prefilled (for the TUI)."""
        state = self._state(flow_id)
        plan = pl.FlowPlan.from_json(state.plan)
        plan = pl.with_route(plan, pl.route_from_json(state.hops))
        arn = self._final_arn(state, plan)
        vault = plan.destination or plan.source.vault
        return self._form_for(plan, arn, vault, plan.metadata, flow_id[:6])

    def _ended(self, state: jr.FlowState) -> FlowOutcome:
        """The outcome of a flow that has ended."""
        return FlowOutcome(state.flow_id, state.status, state.result, state.failure.get("cause"))

    def _restore(
        self,
        state: jr.FlowState,
        plan: pl.FlowPlan,
        arn: str,
    ) -> FlowOutcome:
        flow_id = state.flow_id
        self._at_step[flow_id] = "restore"
        step = state.step("restore")
        account, region = plan.final_account, plan.final_region
        if step.finished:
            return self._restore_end(
                state,
                step.state or "",
                step.status_message,
                step.result_arn,
                step.request,
                job_id=step.job_id,
            )
        job_id = step.job_id
        sent = step.request
        if job_id is None:
            if step.token and step.request:
                # started before: the same request (and token) returns the same job
                request = JobRequest.build("restore", START_RESTORE, account, region, step.request)
                request = self._with_secrets(state, request)
                intent = self._journal_start(state, request, step)
            else:
                request_or_outcome = self._restore_request(state, plan, arn)
                if isinstance(request_or_outcome, FlowOutcome):
                    return request_or_outcome
                request, intent = request_or_outcome
            job_id = self.jobs.start(request, intent)
            sent = request.parameters
            self.journal.append(flow_id, "job", step="restore", job_id=job_id)
            self.emit(
                ev.JobStarted(
                    flow_id,
                    "restore",
                    "restore",
                    job_id,
                    request.account_id,
                    request.region,
                    request.parameters,
                )
            )
        else:
            self.emit(
                ev.JobStarted(
                    flow_id,
                    "restore",
                    "restore",
                    job_id,
                    account,
                    region,
                    step.request or {},
                    resumed=True,
                )
            )
        job = self._watch(flow_id, "restore", JobRef("restore", account, region, job_id))
        assert isinstance(job, RestoreJob)
        self.journal.append(
            flow_id,
            "finished",
            step="restore",
            state=job.state,
            status_message=job.status_message,
            result_arn=job.created_resource_arn,
        )
        return self._restore_end(
            state, job.state, job.status_message, job.created_resource_arn, sent, job_id=job.id
        )

    def _restore_request(
        self,
        state: jr.FlowState,
        plan: pl.FlowPlan,
        arn: str,
    ) -> tuple[JobRequest, str | None] | FlowOutcome:
        """The StartRestoreJob to send, journaled, and its audit intent: the one confirmed with
        the plan (a restore in place), else one built now from the restore metadata of `arn` in
        the vault holding it (the copy, in the destination account and Region), shown and
        confirmed."""
        flow_id = state.flow_id
        confirmed = self._confirmed(state, "restore")
        if confirmed is not None:
            request = confirmed.with_source(arn)
        else:
            answers = self._restore_metadata(state, plan, arn)
            if isinstance(answers, FlowOutcome):
                return answers
            metadata = answers
            token = jr.idempotency_token(flow_id, state.generation, "restore")
            request = pl.restore_request(plan, arn, metadata, token)
        from drconsole.checks.runner import run_restore_checks

        request = self._with_secrets(state, request)
        parameters = request.parameters
        blocked = self._checks_pass(
            state,
            "restore",
            lambda: run_restore_checks(
                self.sessions,
                arn,
                role_arn=str(parameters["IamRoleArn"]),
                metadata={**forms.emptied(plan.metadata), **dict(parameters["Metadata"])},
                account_hint=request.account_id,
            ),
        )
        if blocked is not None:
            return blocked
        if confirmed is None:
            asked = self._ask(state, request)
            if isinstance(asked, FlowOutcome):
                return asked
        return request, self._journal_start(state, request)

    def _restore_metadata(
        self, state: jr.FlowState, plan: pl.FlowPlan, arn: str
    ) -> dict[str, str] | FlowOutcome:
        """The restore metadata of a request not confirmed yet: the form's answers as
        journaled; else (none journaled, answers blocked by the restore checks, or changed by
        `jobs --resume --metadata`) the form answered now, validated and journaled."""
        flow_id = state.flow_id
        vault = plan.destination or plan.source.vault
        form, defaults = self._form_for(plan, arn, vault, plan.metadata, flow_id[:6])
        journaled = state.restore_metadata
        if journaled is None:
            values, asker = defaults, self._ask_form
        else:
            values = restore_answers.prefilled(form, defaults, journaled)
            blocked = restore_answers.blocked_on_answers(state)
            asker = self._ask_form_again if blocked else None
            if asker is None and not self.form_changes:
                return journaled
        if self.form_changes:
            values = forms.with_overrides(form, self.form_changes, values)
            bad = forms.problems_of_given(form, values, self.form_changes)
            if bad:
                raise UsageError(f"--metadata {bad[0]}")
        self.emit(ev.RestoreFormReady(flow_id, plan.source.resource_type, arn, values))
        if asker is not None:
            # Asked with the flow's lock held: while the operator fills the form the flow is
            # driven here, and no other process restores with the defaults.
            answered = asker(form, values)
            if answered is None:
                return FlowOutcome(
                    flow_id,
                    "stopped",
                    message="the restore form was not submitted: nothing was sent",
                )
            # Keys the form does not show (a secret given with the flow) are kept.
            values = {**values, **answered} if journaled is not None else dict(answered)
        problems = forms.validate(form, values)
        if problems:
            raise UsageError(f"restore metadata: {problems[0]}")
        metadata = forms.metadata_for(form, values)
        if metadata != journaled:
            # Append-only: the latest `restore-form` record is the one a resume uses.
            self.journal.append(flow_id, "restore-form", metadata=metadata)
        return metadata

    def _restore_end(
        self,
        state: jr.FlowState,
        job_state: str,
        message: str,
        created: str | None,
        sent: dict[str, Any] | None = None,
        *,
        job_id: str | None = None,
    ) -> FlowOutcome:
        from drconsole.diagnose import ended_message, incomplete_restore
        from drconsole.flows.after_restore import next_step

        if job_state != "COMPLETED":
            return self._fail(
                state,
                "restore",
                ended_message("restore", job_id, job_state, message),
                job_failed=True,
                ended=("restore", job_state),
            )
        result: dict[str, Any] = {
            "recovery_point": self._final_arn(state, pl.FlowPlan.from_json(state.plan)),
            "created_resource": created,
        }
        if incomplete_restore(job_state, message):
            # AWS says COMPLETED, but its message says objects were left out (or none matched):
            # the data is not recovered, so the flow fails with the message and its cause, and
            # still names what the restore made.
            return self._fail(state, "restore", message, job_failed=True, result=result)
        if message.strip():
            result["status_message"] = message  # AWS's words on a completed job are kept
        plan = pl.FlowPlan.from_json(state.plan)
        then = next_step(plan.source.resource_type, created, sent)
        if then:
            result["next_step"] = then
        return self._done(state.flow_id, result)
