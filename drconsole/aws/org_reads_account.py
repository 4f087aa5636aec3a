"""Where the organization's reads go: the caller's own account when it may make them, else the
configured management account (through the member role).

AWS lets the management account and any member registered as a delegated administrator call
Organizations' read-only List*/Describe* operations. A delegated administrator that names the
management account in `management_account_id` still reads from its own account: the
management account normally has no member role (Organizations creates one only in the
accounts it creates, and service-managed StackSets never deploy into it), so assuming one there
would fail where the caller's own call works. The management account is used only when the
caller is refused.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from drconsole.aws.errors import AWS_FAILURES, classify, error_code
from drconsole.errors import AwsError
from drconsole.models import CauseCode

_lock = threading.Lock()
# AwsSessions -> the account its organization reads go to (None: the caller's own), once known.
_decided: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()


def organization_account(sessions: Any) -> str | None:
    """The account to read the organization from: None for the caller's own (no management
    account configured, the caller is it, or the caller may read the organization itself),
    else the configured management account."""
    management: str | None = sessions.settings.management_account_id
    if management is None or management == sessions.caller_account_id():
        return None
    with _lock:
        if sessions in _decided:
            return _decided[sessions]
    try:
        sessions.client("organizations").list_roots()
    except AWS_FAILURES as exc:
        # Refused, or in no organization: the configured management account reads it. Any
        # other failure (network, throttling) decides nothing: asked again next time.
        if classify(exc) is not CauseCode.ROLE_PERMISSIONS and (
            error_code(exc) != "AWSOrganizationsNotInUseException"
        ):
            return management
        decided: str | None = management
    except AwsError:
        return management
    else:
        decided = None
    with _lock:
        _decided[sessions] = decided
    return decided
