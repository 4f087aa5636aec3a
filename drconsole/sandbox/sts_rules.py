"""STS as AWS answers it where moto does not: AssumeRole into a role that does not exist,
AssumeRole's MFA code (sts_mfa.py), and a RoleSessionName outside STS's syntax.

moto hands out credentials for any role ARN. AWS refuses a role that does not exist with the
same AccessDenied as a trust policy that does not name the caller, so a console that tests a
member role name by assuming it (`drconsole init`) meets the answer it would meet in AWS.
Well-formed role names only: a name IAM's syntax rejects is left to moto's own handling.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from .access import find_role
from .sts_mfa import assume_role_code_refusal

# arn:aws:iam::ACCOUNT:role/[path/]NAME with IAM's role-name syntax (1 to 64 of [\w+=,.@-]).
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})")
# STS's RoleSessionName: 2 to 64 of [\w+=,.@-], where \w is ASCII letters, digits and _ only
# (a name such as `drconsole-josé` is a ValidationError on AWS).
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


def assume_role_form(environ: dict[str, Any]) -> dict[str, str] | None:
    """The parameters of an sts:AssumeRole form request (the body was already put back)."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    stream = environ["wsgi.input"]
    body = stream.getvalue() if hasattr(stream, "getvalue") else b""
    form = parse_qs(body.decode("utf-8", "replace"))
    if form.get("Action") != ["AssumeRole"]:
        return None
    return {key: values[0] for key, values in form.items() if values}


def missing_role(role_arn: str | None) -> bool:
    """True when `role_arn` is a well-formed role ARN and no such role exists in its account."""
    match = ROLE_ARN.fullmatch(role_arn or "")
    return match is not None and find_role(match.group(1), match.group(2)) is None


def assume_role_refusal(environ: dict[str, Any], principal: str) -> tuple[int, str, str] | None:
    """(status, code, message) with which AWS refuses this AssumeRole, or None to let it pass."""
    form = assume_role_form(environ)
    if form is None:
        return None
    role_arn = form.get("RoleArn")
    session_name = form.get("RoleSessionName", "")
    if not SESSION_NAME.fullmatch(session_name):
        message = (
            f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )
        return 400, "ValidationError", message
    refused_code = assume_role_code_refusal(form.get("SerialNumber"), form.get("TokenCode"))
    if refused_code is not None:
        return refused_code
    if not missing_role(role_arn):
        return None
    message = f"User: {principal} is not authorized to perform: sts:AssumeRole on resource: "
    return 403, "AccessDenied", message + str(role_arn)
