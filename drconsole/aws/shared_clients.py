"""One botocore client per service and Region shared by every assumed-role account.

A botocore client costs about 3.6 ms of CPU and 270 KB to create, and opens its own connections:
three per account at start, thousands in a large organization. Member accounts reached by
AssumeRole differ only in their credentials, so they share one client per (service, Region) and
each call is signed with the credentials of the account that makes it.

`AccountClient` is what `AwsSessions.client` hands out for such an account. Each of its API
calls (and the calls of its paginators and waiters) runs with the account bound to a context
variable; while it is bound:

- signing reads the account's own (refreshable, assumed-role) credentials through
  `AccountCredentials`, the shared client's credentials object;
- retries keep their state per account, as with a client per account: the shared client is made
  with botocore's stateless legacy retry handler, which is removed, and its retry events are
  forwarded to the account's own standard retry handler (retry quota) and adaptive rate limiter
  (client-side throttling), registered by botocore's own functions. One account's throttling
  slows and exhausts only that account's retries.

Everything else (the read-only guard, the request counter, the raw page decoding) is registered
once on the shared client and so applies to every account's calls.
"""

from __future__ import annotations

from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import NoCredentialsError
from botocore.hooks import HierarchicalEmitter, first_non_none_response
from botocore.retries import adaptive, standard

# The account whose call is being made in this thread (None outside any AccountClient call).
_CURRENT: ContextVar[AccountClient | None] = ContextVar("drconsole_account_client", default=None)
# The events that botocore's standard and adaptive retries listen to (see the module docstring).
_RETRY_EVENTS = ("needs-retry", "after-call", "before-send", "request-created")
FORWARD_ID = "drconsole-account-retries"


class AccountCredentials:
    """The shared client's credentials: those of the account whose call is being signed.

    Outside an account's call there are none (NoCredentialsError): the shared client is only
    ever called through an AccountClient.
    """

    method = "assume-role"

    def _current(self) -> Any:
        account = _CURRENT.get()
        if account is None:
            raise NoCredentialsError()
        return account.credentials

    def get_frozen_credentials(self) -> Any:
        """The current account's credentials (refreshed by botocore before they expire)."""
        return self._current().get_frozen_credentials()

    def get_deferred_property(self, property_name: str) -> Any:
        """A property of the current account's credentials, read when the call is made."""
        return lambda: getattr(self.get_frozen_credentials(), property_name, None)


class _BotocoresOwnHandlers(HierarchicalEmitter):
    """An emitter for botocore's own retry handlers, which all take **kwargs: registered
    without inspecting each one's signature, which botocore does per registration (17 per
    account and service; about a twentieth of the accounts screen's CPU at 200 accounts)."""

    def _verify_accept_kwargs(self, func: Any) -> None:
        return None


def retry_state(shared: Any, max_attempts: int) -> HierarchicalEmitter:
    """An account's own retry state for `shared`'s service: botocore's standard retry handler
    (with its retry quota) and adaptive rate limiter, registered on an emitter of their own."""
    events = _BotocoresOwnHandlers()
    sink = SimpleNamespace(
        meta=SimpleNamespace(service_model=shared.meta.service_model, events=events)
    )
    standard.register_retry_handler(sink, max_attempts=max_attempts)
    adaptive.register_retry_handler(sink)
    return events


def prepare_shared(client: Any) -> None:
    """Make a client created with legacy retries forward its retry events to the account whose
    call it is making (see the module docstring)."""
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.unregister(f"needs-retry.{service}", unique_id=f"retry-config-{service}")

    def forward(event_name: str, **kwargs: Any) -> Any:
        account = _CURRENT.get()
        if account is None:
            return None
        return first_non_none_response(account.retry_events.emit(event_name, **kwargs))

    for event in _RETRY_EVENTS:
        client.meta.events.register(
            f"{event}.{service}", forward, unique_id=f"{FORWARD_ID}-{event}"
        )


class AccountClient:
    """One account's client: the shared client, called with this account's credentials and
    retry state. Attributes other than API calls, paginators and waiters are the shared
    client's own (meta, exceptions...)."""

    def __init__(self, shared: Any, credentials: Any, retry_events: HierarchicalEmitter) -> None:
        self._shared = shared
        self.credentials = credentials
        self.retry_events = retry_events

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._shared, name)
        if name in self._shared._PY_TO_OP_NAME:
            value = self._bound(value)
            # Cached on the instance: the next look-up does not come here again.
            setattr(self, name, value)
        return value

    def _bound(self, call: Any) -> Any:
        def in_account(*args: Any, **kwargs: Any) -> Any:
            token = _CURRENT.set(self)
            try:
                return call(*args, **kwargs)
            finally:
                _CURRENT.reset(token)

        return in_account

    def get_paginator(self, operation_name: str) -> Any:
        """botocore's paginator, whose pages are asked through this account's calls."""
        return BaseClient.get_paginator(self, operation_name)

    def get_waiter(self, waiter_name: str) -> Any:
        """botocore's waiter, whose polls are asked through this account's calls."""
        return BaseClient.get_waiter(self, waiter_name)
