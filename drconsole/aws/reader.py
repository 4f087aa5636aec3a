"""The base of the fact readers: shared clients, and reads that turn refusals into facts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.errors import NETWORK_EXCEPTIONS, classify, error_code
from drconsole.aws.session import AwsSessions
from drconsole.checks.facts import Unreadable
from drconsole.models import OUTAGE_CAUSES, CauseCode
from drconsole.redact import safe_line

T = TypeVar("T")
# Failures that would make every fact unreadable: they stop the checks (exit 3) instead, unless
# the caller's own credentials are still taken (then the refusal is one account's or Region's).
FATAL_CAUSES = (CauseCode.CREDENTIALS_EXPIRED, CauseCode.CLOCK_SKEW, CauseCode.NETWORK)
NETWORK_NAMES = {cls.__name__ for cls in NETWORK_EXCEPTIONS}  # the codes cause_of_code knows


class BaseReader:
    """Reads facts with shared clients; one instance per check run."""

    # A reader that asks every account and Region (readiness) keeps a network failure as the
    # fact of that account and Region while the caller's own endpoint still answers: a
    # Regional outage is what disaster recovery is for, and must not end the whole answer.
    network_failures_local = False

    def __init__(self, sessions: AwsSessions) -> None:
        self.sessions = sessions
        self._lock = threading.Lock()
        self._memo: dict[Hashable, Future[Any]] = {}
        # The account and Region of the client this thread asked for last: those of its next
        # read, which names them when its Region does not answer.
        self._asked = threading.local()

    def once(self, key: Hashable, read: Callable[[], T]) -> T:
        """The remembered value of `key`, reading it with `read` the first time; concurrent
        askers wait for that first read instead of sending their own."""
        with self._lock:
            future = self._memo.get(key)
            owner = future is None
            if future is None:
                future = self._memo[key] = Future()
        if owner:
            try:
                future.set_result(read())
            except BaseException as exc:  # re-raised to every asker (e.g. expired credentials)
                future.set_exception(exc)
        result: T = future.result()
        return result

    def remember(self, key: Hashable, value: Any) -> None:
        """Give `key` the value `value` unless it is known (or being read) already: what a
        batched read answered for each of its items, so that `once` answers from it."""
        with self._lock:
            if key not in self._memo:
                future: Future[Any] = Future()
                future.set_result(value)
                self._memo[key] = future

    def remembered(self, key: Hashable) -> bool:
        """Whether `key` is known or being read."""
        with self._lock:
            return key in self._memo

    def client(self, service: str, account_id: str, region: str) -> Any:
        """The client for `service` in `account_id` and `region`."""
        self._asked.where = (account_id, region)
        return self.sessions.client(service, account_id=account_id, region=region)

    def read(
        self, operation: str, call: Callable[[], T], missing: tuple[str, ...] = ()
    ) -> T | Unreadable | None:
        """Run one read: its value, None when AWS says it does not exist, or Unreadable."""
        try:
            return call()
        except ClientError as exc:
            if error_code(exc) in missing:
                return None
            message = safe_line(str(exc.response.get("Error", {}).get("Message") or ""))
            cause = classify(exc)
            if cause in FATAL_CAUSES and not self._local_refusal(exc):
                raise self.sessions.error_for(exc, operation) from None
            return Unreadable(operation, error_code(exc), message, self._where(cause))
        except BotoCoreError as exc:
            cause = classify(exc)
            if cause in FATAL_CAUSES and not self.failure_is_local(cause):
                raise self.sessions.error_for(exc, operation) from None
            code = type(exc).__name__
            if cause is CauseCode.NETWORK and code not in NETWORK_NAMES:
                code = CauseCode.NETWORK.name  # a subclass (ProxyConnectionError...): its cause
            return Unreadable(operation, code, safe_line(str(exc)), self._where(cause))

    def _where(self, cause: CauseCode) -> str:
        """ "account ID, REGION" of this thread's read, when its Region did not answer."""
        if cause not in OUTAGE_CAUSES:
            return ""
        account, region = getattr(self._asked, "where", ("", ""))
        return f"account {account}, {region}" if account and region else ""

    def failure_is_local(self, cause: CauseCode | str) -> bool:
        """True when a failure with `cause` is one account's or Region's, not the caller's: a
        network failure, for a reader that keeps those, while sts:GetCallerIdentity answers."""
        return (
            cause == CauseCode.NETWORK
            and self.network_failures_local
            and self.sessions.caller_still_recognized()
        )

    def _local_refusal(self, exc: ClientError) -> bool:
        """True when AWS did not recognize the credentials of this call while it still takes
        the caller's own: the refusal is this account's or Region's (an opt-in Region it has
        not enabled), a fact of that row, not a reason to stop every other one."""
        return self.sessions.refused_here(error_code(exc))

    def management_client(self, service: str, region: str) -> Any:
        """A client for the organization's reads: the caller's own when it may make them (the
        management account or a delegated administrator), else the configured management
        account's (aws/org_reads_account.py)."""
        from drconsole.aws.org_reads_account import organization_account

        account = organization_account(self.sessions) or self.sessions.caller_account_id()
        return self.client(service, account, region)


def pages(client: Any, operation: str, key: str, **params: Any) -> Iterator[Any]:
    """Every item under `key` of every page of a list operation."""
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**params):
            yield from page.get(key, [])
    else:
        yield from getattr(client, operation)(**params).get(key, [])
