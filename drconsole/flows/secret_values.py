"""Secret restore metadata (a password): redacted in the journal, put back before it is sent.

The journal, `--json`, the logs and the screen never hold a secret value. A request read back
from the journal (a resume) therefore carries the redaction marker where a secret stood; the
engine puts the value back from what this process knows (the flow it began), from what the
operator gives again (`jobs --resume --metadata K=V`, or a prompt that does not echo), and
otherwise refuses the step before anything is journaled or sent: the placeholder never is.
Every other parameter is journaled exactly as it is sent (`refuse_unfaithful` holds to it).
"""

from __future__ import annotations

from collections.abc import Callable

from drconsole.errors import UsageError
from drconsole.flows import journal as jr
from drconsole.job_request import JobRequest
from drconsole.redact import REDACTED, is_secret_name, register_secret

# (flow id, step, metadata key) -> the value, or None when nobody answers.
SecretAsker = Callable[[str, str, str], "str | None"]


class SecretNeeded(UsageError):
    """A request read back from the journal lacks a secret metadata value and nobody gave it
    again: nothing is sent."""


class SecretValues:
    """The secret metadata values an engine knows, per flow, and how it asks for the others."""

    given_secrets: dict[str, str]  # for every flow resumed (`jobs --resume --metadata K=V`)
    ask_secret: SecretAsker | None  # a prompt that does not echo, when someone can answer
    secrets_by_flow: dict[str, dict[str, str]]  # what this process was given, per flow

    def remember_secrets(self, flow_id: str, metadata: dict[str, str]) -> None:
        """Keep the secret-named values of `metadata` for the requests of `flow_id` that this
        process sends, and redact them wherever they would be printed."""
        found = {key: str(value) for key, value in metadata.items() if is_secret_name(key)}
        for value in found.values():
            register_secret(value)
        if found:
            self.secrets_by_flow.setdefault(flow_id, {}).update(found)

    def _with_secrets(self, state: jr.FlowState, request: JobRequest) -> JobRequest:
        """`request` with the secret metadata values the journal withheld put back; SecretNeeded
        naming the first one nobody gave."""
        if not request.withheld_secrets():
            return request
        known = {**self.secrets_by_flow.get(state.flow_id, {}), **self.given_secrets}
        request = request.with_secrets(known)
        for key in request.withheld_secrets():
            value = self.ask_secret(state.flow_id, request.step, key) if self.ask_secret else None
            if not value:
                # Worded without KEY=VALUE next to the key: the line is redacted on its way out.
                raise SecretNeeded(
                    f"the {request.step} metadata {key} is a secret the journal does not keep, "
                    f"so nothing was sent: give it again with `drconsole jobs --resume --flow "
                    f"{state.flow_id} --metadata KEY=VALUE` for the key {key} (asked without "
                    "echo in a terminal), or start the restore again"
                )
            self.remember_secrets(state.flow_id, {key: value})
            request = request.with_secrets({key: value})
        return request


def refuse_unfaithful(flow_id: str, request: JobRequest) -> None:
    """A UsageError, before anything is journaled or sent, for a request that would not be sent
    as confirmed: one holding the redaction marker in place of a value (read back from a journal
    that an earlier drconsole wrote with values that merely looked like credentials redacted),
    or one that the journal would not give back as it is, its secret values aside."""
    marked = request.marked()
    if marked:
        raise UsageError(
            f"flow {flow_id}: the journaled {request.step} request holds {REDACTED} in place of "
            f"{marked[0]} (a value an earlier drconsole journaled redacted), so it is not the "
            f"request confirmed and nothing was sent: end the flow with `drconsole jobs "
            f"--abandon {flow_id}` and start it again"
        )
    if request.as_journaled().with_secrets(request.secret_metadata()) != request:
        raise UsageError(
            f"flow {flow_id}: the {request.step} request would not read back from the journal "
            "as it is, so a resume could not send it as confirmed: nothing was sent"
        )
