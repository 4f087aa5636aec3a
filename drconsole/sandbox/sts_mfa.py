"""STS GetSessionToken as AWS answers it, MFA included (moto's ignores SerialNumber and TokenCode
and returns fixed example keys of its default account).

With a SerialNumber, the TokenCode must be 6 digits (else AWS's ValidationError), the device must
be an MFA device of the calling IAM user (or, for other callers, of the account), and the code
must equal the sandbox's `mfa_code` knob when one is set (any 6 digits otherwise); a refused
code is AWS's `AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass
code.` The session's keys are fresh temporary keys of the caller's own account, and
GetCallerIdentity through them names the calling user, as in AWS.
"""

from __future__ import annotations

import re
import threading
from typing import Any

DIGITS = re.compile(r"\d{6}")
INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
UNKNOWN_DEVICE = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA "
    "serial number is valid and associated with this user."
)

_lock = threading.Lock()
_options: Any = None  # the sandbox's options (read at every call: tests flip `mfa_code` live)
# temporary access key id -> (account id, partition, calling user name or None)
_session_keys: dict[str, tuple[str, str, str | None]] = {}


def configure(options: Any) -> None:
    """Read the accepted code from `options.mfa_code` (None: any 6 digits) from now on."""
    global _options
    _options = options


def reset() -> None:
    """Forget the sessions issued so far (with moto's state)."""
    with _lock:
        _session_keys.clear()


def has_sessions() -> bool:
    """Whether any session was issued since the last reset."""
    with _lock:
        return bool(_session_keys)


def _refuse(code: str, message: str) -> Exception:
    from moto.sts.exceptions import STSClientError

    return STSClientError(code, message)


def assume_role_code_refusal(serial: str | None, code: str | None) -> tuple[int, str, str] | None:
    """(status, code, message) with which AWS refuses AssumeRole's MFA code, or None.

    As for GetSessionToken: a TokenCode of other than 6 digits is a ValidationError; a
    SerialNumber without a code, or a code other than the `mfa_code` knob, is AccessDenied.
    The device is not looked up (the role's trust policy decides who may use which).
    """
    if code is not None and not DIGITS.fullmatch(code):
        return 400, "ValidationError", _invalid_format(code)
    if serial is None:
        return None
    if code is None:
        return 403, "AccessDenied", UNKNOWN_DEVICE
    expected = getattr(_options, "mfa_code", None)
    if expected is not None and code != expected:
        return 403, "AccessDenied", INVALID_CODE
    return None


def _invalid_format(code: str) -> str:
    if len(code) == 6:
        return (
            f"1 validation error detected: Value '{code}' at 'tokenCode' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\d]*"
        )
    return (
        "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: "
        "Member must have length equal to 6"
    )


def _check_device(iam: Any, user: Any, serial: str) -> None:
    devices = user.mfa_devices if user is not None else iam.virtual_mfa_devices
    if serial not in devices:
        raise _refuse("AccessDenied", UNKNOWN_DEVICE)


def get_session_token(response: Any) -> Any:
    """TokenResponse.get_session_token with MFA checked and keys of the caller's account."""
    from moto.core.responses import ActionResult
    from moto.iam.models import iam_backends

    duration = response._get_int_param("DurationSeconds", 43200)
    serial = response._get_param("SerialNumber")
    code = response._get_param("TokenCode")
    account, partition = response.current_account, response.partition
    iam = iam_backends[account][partition]
    user = iam.get_user_from_access_key_id(response.get_access_key() or "")
    if code is not None and not DIGITS.fullmatch(code):
        raise _refuse("ValidationError", _invalid_format(code))
    if serial is not None:
        if code is None:
            raise _refuse("AccessDenied", UNKNOWN_DEVICE)
        _check_device(iam, user, serial)
        expected = getattr(_options, "mfa_code", None)
        if expected is not None and code != expected:
            raise _refuse("AccessDenied", INVALID_CODE)
    token = response.backend.get_session_token(duration=duration)
    key = iam.create_temp_access_key()
    with _lock:
        _session_keys[key.access_key_id] = (account, partition, user.name if user else None)
    from moto.sts.utils import random_session_token

    return ActionResult(
        {
            "Credentials": {
                "AccessKeyId": key.access_key_id,
                "SecretAccessKey": key.secret_access_key,
                "SessionToken": random_session_token(),
                "Expiration": token.expiration,
            }
        }
    )


def caller_of_session(access_key_id: str) -> tuple[str, str, str] | None:
    """(user id, ARN, account) of the user a GetSessionToken key was issued to, or None."""
    from moto.iam.models import iam_backends

    with _lock:
        found = _session_keys.get(access_key_id)
    if found is None:
        return None
    account, partition, user_name = found
    if user_name is None:
        return None
    user = iam_backends[account][partition].users.get(user_name)
    if user is None:
        return None
    return user.id, user.arn, account


def install() -> None:
    """Replace moto's GetSessionToken and teach GetCallerIdentity its sessions."""
    from moto.sts.models import STSBackend
    from moto.sts.responses import TokenResponse

    if getattr(TokenResponse.get_session_token, "sandbox", False):
        return
    original_identity = STSBackend.get_caller_identity

    def get_caller_identity(self: Any, access_key_id: str, region: str) -> tuple[str, str, str]:
        found = caller_of_session(access_key_id)
        if found is not None:
            return found
        answer: tuple[str, str, str] = original_identity(self, access_key_id, region)
        return answer

    def replaced(self: Any) -> Any:
        return get_session_token(self)

    replaced.sandbox = True  # type: ignore[attr-defined]
    # moto has no hook for an operation's handler: the sandbox replaces it, as for Backup.
    TokenResponse.get_session_token = replaced  # type: ignore[method-assign]
    STSBackend.get_caller_identity = get_caller_identity  # type: ignore[method-assign]
