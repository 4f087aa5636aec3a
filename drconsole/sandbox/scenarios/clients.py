"""boto3 clients for building scenarios: one shared session, so service models load once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drconsole.sandbox.server import Sandbox


class ScenarioClients:
    """Clients over HTTP acting as any account of the sandbox, cached per service/account/Region.

    A boto3 session per account would parse each service's model once per account (IAM's alone
    takes tens of milliseconds); clients of one session given each account's keys share them.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        import boto3
        from botocore.config import Config

        self.sandbox = sandbox
        self._session = boto3.session.Session()
        self._config = Config(
            retries={"mode": "standard", "max_attempts": 10}, s3={"addressing_style": "path"}
        )
        self._clients: dict[tuple[str, str, str], Any] = {}

    def client(self, service: str, account_id: str, region: str) -> Any:
        """A client for `service` acting as `account_id` in `region`."""
        key = (service, account_id, region)
        client = self._clients.get(key)
        if client is None:
            credentials = self.sandbox.credentials_for(account_id)
            client = self._session.client(
                service,
                region_name=region,
                endpoint_url=self.sandbox.endpoint_url,
                config=self._config,
                **credentials,
            )
            self._clients[key] = client
        return client
