"""The endpoint each service's clients use, resolved as the AWS CLI resolves it.

Highest first: drconsole's own endpoint (the embedded sandbox, `drconsole demo`); nothing more
when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (or `ignore_configured_endpoint_urls` in the AWS
profile) is true; then botocore's configured endpoints (`AWS_ENDPOINT_URL_<SERVICE>`,
`AWS_ENDPOINT_URL`, the profile's `services` section, the profile's `endpoint_url`); then
`endpoint_url` in drconsole's config file. None: AWS's own endpoint for the service and Region.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.configprovider import ConfiguredEndpointProvider


def configured_endpoint(
    session: Any, service: str, own: str | None, from_config_file: str | None
) -> str | None:
    """The endpoint URL a client of `service` made from `session` (boto3 or botocore) uses."""
    if own:
        return own
    core: botocore.session.Session = getattr(session, "_session", session)
    if core.get_config_variable("ignore_configured_endpoint_urls"):
        return None
    # botocore's own lookup, the one its clients make when no endpoint_url is given (private to
    # botocore but the only reader of the `services` sections): asking it here lets drconsole
    # know, and say, the endpoint in use, and put its config file's endpoint below it.
    provider = ConfiguredEndpointProvider(
        full_config=core.full_config,
        scoped_config=core.get_scoped_config(),
        client_name=service,
    )
    found = provider.provide()
    return str(found) if found else from_config_file
