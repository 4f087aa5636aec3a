"""botocore's complaints about the user's own AWS configuration, as one-line usage errors."""

from __future__ import annotations

import os
import re

from botocore import exceptions as bx

from drconsole.errors import ConfigurationError

# botocore errors that describe the user's configuration (files, environment, parameters),
# not an AWS answer: they are bad input, exit 2.
CONFIGURATION_ERRORS: tuple[type[Exception], ...] = (
    bx.ConfigParseError,
    bx.ConfigNotFound,
    bx.ProfileNotFound,
    bx.InvalidConfigError,
    bx.InvalidDefaultsMode,
    bx.InvalidSTSRegionalEndpointsConfigError,
    bx.InvalidS3UsEast1RegionalEndpointConfigError,
    bx.InvalidRegionError,
    bx.UnknownRegionError,
    bx.InvalidRetryConfigurationError,
    bx.InvalidMaxRetryAttemptsError,
    bx.InvalidRetryModeError,
    bx.InvalidEndpointDiscoveryConfigurationError,
    bx.InvalidS3AddressingStyleError,
    bx.InvalidProxiesConfigError,
    bx.InvalidEndpointConfigurationError,
    bx.InvalidIMDSEndpointError,
    bx.InvalidIMDSEndpointModeError,
    bx.InvalidChecksumConfigError,
    bx.UnknownCredentialError,
    bx.InfiniteLoopConfigError,
    bx.PartialCredentialsError,
    bx.UnknownSignatureVersionError,
    bx.UnsupportedSignatureVersionError,
    bx.ParamValidationError,
)

# Where each kind of setting usually comes from, so the line names what to fix.
_HINTS: tuple[tuple[type[Exception], str], ...] = (
    (
        bx.ConfigParseError,
        "the AWS config or credentials file (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, ~/.aws)",
    ),
    (bx.InvalidDefaultsMode, "AWS_DEFAULTS_MODE or defaults_mode in the AWS config file"),
    (
        bx.InvalidSTSRegionalEndpointsConfigError,
        "AWS_STS_REGIONAL_ENDPOINTS or sts_regional_endpoints in the AWS config file",
    ),
    (
        bx.InvalidRetryModeError,
        "AWS_RETRY_MODE or retry_mode in the AWS config file",
    ),
    (
        bx.InvalidMaxRetryAttemptsError,
        "AWS_MAX_ATTEMPTS or max_attempts in the AWS config file",
    ),
    (bx.PartialCredentialsError, "the AWS credentials (environment or credentials file)"),
)


def botocore_usage_error(error: BaseException) -> ConfigurationError | None:
    """A ConfigurationError (a UsageError) naming the setting at fault, when `error` is
    botocore refusing the user's configuration; None for anything else."""
    if not isinstance(error, CONFIGURATION_ERRORS):
        return None
    where = next((hint for kind, hint in _HINTS if isinstance(error, kind)), "")
    text = " ".join(str(error).split())
    return ConfigurationError(
        f"AWS configuration: {text}" + (f" (set in {where})" if where else "")
    )


def where_set(error: ValueError) -> str:
    """` (set in NAME)` for the AWS_ environment variables holding the value botocore could not
    convert (`invalid literal for int() with base 10: 'abc'`); else where such values come from."""
    match = re.search(r": '(.*)'$", str(error))
    names = sorted(
        name
        for name, value in os.environ.items()
        if match is not None and name.startswith("AWS_") and value == match.group(1)
    )
    if names:
        return f" (set in {', '.join(names)})"
    return " (an AWS_ environment variable or a value in the AWS config file)"
