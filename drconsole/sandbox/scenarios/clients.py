"""boto3 clients for building scenarios: one per service and Region, shared by the accounts."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drconsole.sandbox.server import Sandbox

# The keys of the account whose call is being made in this thread (None outside any call).
_CALLING: ContextVar[Any] = ContextVar("scenario_calling_account", default=None)


class _CallingAccountKeys:
    """A shared client's credentials: those of the account whose call is being signed.

    (drconsole's own shared clients, aws/shared_clients.py, work the same way; the sandbox
    imports nothing of drconsole's but itself, so that its enforcement stays its own.)
    """

    method = "explicit"

    def get_frozen_credentials(self) -> Any:
        """The calling account's keys."""
        keys = _CALLING.get()
        if keys is None:
            raise RuntimeError("a scenario's shared client is called through an account's")
        return keys

    def get_deferred_property(self, property_name: str) -> Any:
        """A property of the calling account's keys, read when the call is made."""
        return lambda: getattr(self.get_frozen_credentials(), property_name, None)


class _AccountCalls:
    """One account's view of a shared client: its API calls (and its paginators' calls) are
    signed with the account's keys; every other attribute is the shared client's own."""

    def __init__(self, shared: Any, keys: Any) -> None:
        self._shared = shared
        self._keys = keys

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._shared, name)
        if name in self._shared._PY_TO_OP_NAME:
            call = value

            def as_account(*args: Any, **kwargs: Any) -> Any:
                token = _CALLING.set(self._keys)
                try:
                    return call(*args, **kwargs)
                finally:
                    _CALLING.reset(token)

            value = as_account
            setattr(self, name, value)  # the next look-up does not come here again
        return value

    def get_paginator(self, operation_name: str) -> Any:
        """botocore's paginator, whose pages are asked through this account's calls."""
        from botocore.client import BaseClient

        return BaseClient.get_paginator(self, operation_name)


class ScenarioClients:
    """Clients over HTTP acting as any account of the sandbox, cached per service/account/Region.

    A build calls eight services and Regions in seven accounts. A botocore client costs about
    10 ms of CPU to create (its class, its copy of the session's event handlers), so the
    accounts share one per service and Region, each call signed with its account's own keys.
    A build is neither throttled nor delayed (start_sandbox applies the knobs once it is
    built), so the accounts sharing a client's retry quota changes nothing.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        import boto3
        from botocore.config import Config

        self.sandbox = sandbox
        self._session = boto3.session.Session()
        # botocore has no public setter for a session's credentials object.
        self._session._session._credentials = _CallingAccountKeys()
        self._config = Config(
            retries={"mode": "standard", "max_attempts": 10}, s3={"addressing_style": "path"}
        )
        self._shared: dict[tuple[str, str], Any] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}

    def client(self, service: str, account_id: str, region: str) -> Any:
        """A client for `service` acting as `account_id` in `region`."""
        from botocore.credentials import ReadOnlyCredentials

        key = (service, account_id, region)
        client = self._clients.get(key)
        if client is None:
            keys = self.sandbox.credentials_for(account_id)
            frozen = ReadOnlyCredentials(
                keys["aws_access_key_id"], keys["aws_secret_access_key"], None
            )
            client = _AccountCalls(self._shared_client(service, region), frozen)
            self._clients[key] = client
        return client

    def _shared_client(self, service: str, region: str) -> Any:
        shared = self._shared.get((service, region))
        if shared is None:
            shared = self._session.client(
                service,
                region_name=region,
                endpoint_url=self.sandbox.endpoint_url,
                config=self._config,
            )
            self._shared[(service, region)] = shared
        return shared
