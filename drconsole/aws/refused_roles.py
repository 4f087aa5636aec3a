"""AssumeRole refusals that will not change within seconds, remembered per member account.

A role that does not exist, does not trust the caller, or a role ARN AWS cannot read is refused
the same way by every AssumeRole that follows: without this memory each of the account's later
reads (ListBackupVaults and ListProtectedResources in each Region, GetRole...) asks STS again,
some 6,000 failing calls at 1,000 accounts with a wrong role name. The account's later reads
are answered with a copy of the same error (same code and message, so every screen explains it
as before), without a call.

Only AWS's own answers are remembered, and not those that may pass by themselves: throttling,
service errors and clock skew (classify's THROTTLED, SERVICE_ERROR, and the skew codes) are
asked again by the next read, as are failures that never reached STS (network, credentials that
could not be resolved). A refusal holds for the caller's credentials that received it: when they
are renewed (a new SSO or assumed-role session) it is forgotten. It holds for REFUSAL_SECONDS
at most: then the next read asks STS again, so a long-running command (`jobs --watch`, `drill
run`, `drill cleanup --wait`) or a console left open sees a role fixed meanwhile without any
reload. The console's `r` forgets every refusal at once. A new credential source (break-glass,
the setup screen's retry) comes with new sessions, and so with no memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.errors import classify
from drconsole.models import CauseCode

# Answers that the next call may not receive: asked again. A clock out of step with AWS's
# (CLOCK_SKEW) is corrected without drconsole knowing: asked again too.
PASSING_CAUSES = frozenset(
    {CauseCode.THROTTLED, CauseCode.SERVICE_ERROR, CauseCode.NETWORK, CauseCode.CLOCK_SKEW}
)
# How long a refusal is answered from memory. Long enough that one load of a thousand accounts
# (some 17 s on the accounts screen; each account's reads follow its AssumeRole within seconds)
# asks each refused account once; short enough that a trust policy or role fixed meanwhile, which
# IAM propagates within a minute, is seen by the next poll of a long-running watcher instead
# of failing locally until it gives up (five failed polls of a job, for instance).
REFUSAL_SECONDS = 45.0
# The attribute that marks a refusal raised from memory (see `from_memory`).
FROM_MEMORY = "drconsole_from_memory"


def lasting(exc: BaseException) -> bool:
    """True when AssumeRole's failure `exc` is AWS's answer and the next call would get it too."""
    if not isinstance(exc, ClientError):
        return False
    return classify(exc) not in PASSING_CAUSES


def from_memory(exc: BaseException) -> bool:
    """True when `exc` is a remembered refusal raised again without a call: not a new answer
    from AWS, so a watcher that gives up after a few failed polls in a row does not count it
    (else it would give up within seconds on one refusal, before the memory lets STS be asked
    again)."""
    return bool(getattr(exc, FROM_MEMORY, False))


def access_key_of(session: Any) -> str | None:
    """The access key id of `session`'s credentials as they are now (None: none resolved; the
    call they sign then fails as it would have)."""
    try:
        credentials = session.get_credentials()
        return None if credentials is None else credentials.get_frozen_credentials().access_key
    except (BotoCoreError, OSError):
        return None


class RefusedRoles:
    """Each account's lasting AssumeRole refusal, with the caller's credentials that received
    it (their access key id), for `seconds` by `clock`; safe to share across threads."""

    def __init__(
        self,
        seconds: float = REFUSAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        # account id -> (caller's access key id, refusal, clock time it stops holding)
        self._refusals: dict[str, tuple[str | None, ClientError, float]] = {}

    def raise_if_refused(self, account_id: str, caller_key: str | None) -> None:
        """Raise a copy of the refusal the role into `account_id` received with the caller's
        credentials `caller_key` (none remembered, its time over, or other credentials:
        nothing)."""
        with self._lock:
            found = self._refusals.get(account_id)
            if found is not None and found[2] <= self.clock():
                # Over: the read that found it asks STS again, and remembers the new answer.
                del self._refusals[account_id]
                found = None
        if found is None or caller_key is None:
            return
        key, refusal, _ = found
        if key != caller_key:
            return
        # A copy for each read: one exception raised in several threads at once would collect
        # every thread's traceback. botocore's error classes all take (response, operation).
        again = type(refusal)(refusal.response, refusal.operation_name)
        setattr(again, FROM_MEMORY, True)
        raise again

    def remember(self, account_id: str, caller_key: str | None, exc: BaseException) -> None:
        """Keep AssumeRole's failure `exc` for `account_id` when it is lasting; a failure that
        may pass, or a success (see `forget_account`), replaces nothing."""
        if caller_key is not None and lasting(exc) and isinstance(exc, ClientError):
            with self._lock:
                self._refusals[account_id] = (caller_key, exc, self.clock() + self.seconds)

    def forget_account(self, account_id: str) -> None:
        """The role into `account_id` was assumed: no refusal holds any longer."""
        with self._lock:
            self._refusals.pop(account_id, None)

    def forget(self) -> None:
        """Forget every refusal (the console's `r`): the next read of each account asks STS
        again."""
        with self._lock:
            self._refusals.clear()
