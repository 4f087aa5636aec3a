"""boto3 clients for building scenarios: one per service and Region, shared by the accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drconsole.sandbox.server import Sandbox

# Standard retries, as each account's client had its own before: a build's calls are neither
# throttled nor delayed (start_sandbox applies the knobs once it is built), but a busy machine
# may still drop a connection.
MAX_ATTEMPTS = 10


class ScenarioClients:
    """Clients over HTTP acting as any account of the sandbox, cached per service/account/Region.

    A build calls eight services and Regions in seven accounts. A botocore client costs about
    10 ms of CPU to create (its class, its copy of the session's event handlers), so the
    accounts share one per service and Region, each call signed with its account's own keys:
    drconsole's own shared clients (aws/shared_clients.py), which keep retries per account too.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        import boto3
        from botocore.config import Config

        from drconsole.aws.shared_clients import AccountCredentials

        self.sandbox = sandbox
        self._session = boto3.session.Session()
        # Signing reads the calling account's keys (botocore has no public setter for a
        # session's credentials object; aws/session.py sets it the same way).
        self._session._session._credentials = AccountCredentials()
        self._config = Config(
            retries={"mode": "legacy", "total_max_attempts": MAX_ATTEMPTS},
            s3={"addressing_style": "path"},
        )
        self._shared: dict[tuple[str, str], Any] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}

    def client(self, service: str, account_id: str, region: str) -> Any:
        """A client for `service` acting as `account_id` in `region`."""
        from botocore.credentials import Credentials

        from drconsole.aws.shared_clients import AccountClient, retry_state

        key = (service, account_id, region)
        client = self._clients.get(key)
        if client is None:
            shared = self._shared_client(service, region)
            keys = self.sandbox.credentials_for(account_id)
            credentials = Credentials(keys["aws_access_key_id"], keys["aws_secret_access_key"])
            client = AccountClient(shared, credentials, retry_state(shared, MAX_ATTEMPTS))
            self._clients[key] = client
        return client

    def _shared_client(self, service: str, region: str) -> Any:
        from drconsole.aws.shared_clients import prepare_shared

        shared = self._shared.get((service, region))
        if shared is None:
            shared = self._session.client(
                service,
                region_name=region,
                endpoint_url=self.sandbox.endpoint_url,
                config=self._config,
            )
            prepare_shared(shared)
            self._shared[(service, region)] = shared
        return shared
