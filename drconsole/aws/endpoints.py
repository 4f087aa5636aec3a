"""The endpoint each service's clients use, resolved as the AWS CLI resolves it.

Highest first: drconsole's own endpoint (the embedded sandbox, `drconsole demo`); nothing more
when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (or `ignore_configured_endpoint_urls` in the AWS
profile) is true; then botocore's configured endpoints (`AWS_ENDPOINT_URL_<SERVICE>`,
`AWS_ENDPOINT_URL`, the profile's `services` section, the profile's `endpoint_url`); then
`endpoint_url` in drconsole's config file. None: AWS's own endpoint for the service and Region.
Each configured endpoint is checked as drconsole's own are, naming where it was set: botocore
would otherwise fail on a malformed one at the first request, naming nothing.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.configprovider import ConfiguredEndpointProvider

from drconsole import limits
from drconsole.errors import ConfigurationError, UsageError


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
    # provide()'s own walk, done here so that the endpoint found is named with its place.
    for location in provider._ENDPOINT_URL_LOOKUP_ORDER:
        found = getattr(provider, f"_get_endpoint_url_{location}")()
        if found:
            return checked(str(found), where_set(location, provider, core, service))
    return from_config_file


def where_set(location: str, provider: ConfiguredEndpointProvider, core: Any, service: str) -> str:
    """Where botocore's `location` of an endpoint URL is, in the words of its documentation."""
    if location == "environment_service":
        return provider._get_service_env_var_name()
    if location == "environment_global":
        return "AWS_ENDPOINT_URL"
    profile = core.profile or "default"
    if location == "config_service":
        section = core.get_scoped_config().get("services")
        return (
            f"endpoint_url for {service} in the services section '{section}' of the AWS "
            f"config file (profile '{profile}')"
        )
    return f"endpoint_url of profile '{profile}' in the AWS config file"


def checked(url: str, where: str) -> str:
    """`url` if botocore can use it, else a ConfigurationError naming `where` (exit 2)."""
    try:
        return limits.endpoint_url(url, where) or url
    except UsageError as error:
        raise ConfigurationError(str(error)) from None
