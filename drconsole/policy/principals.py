"""Principals of the IAM policy language: parsing requesters and Principal/NotPrincipal."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from drconsole.errors import UsageError
from drconsole.policy.conditions import PolicyError

ACCOUNT = re.compile(r"^\d{12}$")
IAM_ARN = re.compile(r"^arn:([a-z0-9-]+):(iam|sts)::(\d{12}):(.+)$")
SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
PROVIDER_ARN = re.compile(r"^arn:[a-z0-9-]+:iam::\d{12}:(saml|oidc)-provider/.+$")
CANONICAL_USER = re.compile(r"^[0-9a-f]{64}$")
# A user or role deleted after a policy named it: AWS shows its unique id (AIDA.../AROA...) in
# the policy, which no principal matches any more (a new role of the same name has a new id).
DELETED_PRINCIPAL_ID = re.compile(r"^(?:AIDA|AROA)[A-Z0-9]{12,124}$")
# An assumed-role session ARN drops its role's path; AWS's service-linked roles have a fixed one.
SERVICE_LINKED_ROLE_PATHS = {"AWSServiceRoleForBackup": "aws-service-role/backup.amazonaws.com/"}


@dataclass(frozen=True, slots=True)
class Principal:
    """A principal, as the request names it or a policy lists it.

    `identities` is the chain AWS matches against Principal/NotPrincipal: an assumed-role
    session is also its role and its account; a user or role is also its account.
    """

    text: str
    kind: str  # account | user | role | assumed-role | federated-user | service | other
    account: str = ""
    identities: tuple[tuple[str, ...], ...] = ()

    @property
    def own_identity(self) -> tuple[str, ...]:
        """The most specific identity (the first of the chain)."""
        return self.identities[0]


def _iam_principal(text: str) -> Principal | None:
    match = IAM_ARN.match(text)
    if ACCOUNT.match(text):
        return Principal(text, "account", text, (("account", text),))
    if match is None:
        return None
    service, account, rest = match.group(2), match.group(3), match.group(4)
    account_id = ("account", account)
    if service == "iam" and rest == "root":
        return Principal(text, "account", account, (account_id,))
    kind, _, path = rest.partition("/")
    name = path.rsplit("/", 1)[-1]
    if service == "iam" and kind in ("user", "role") and name:
        return Principal(text, kind, account, ((kind, account, name), account_id))
    if service == "sts" and kind == "assumed-role" and path.count("/") == 1:
        role, session = path.split("/")
        identities = (("session", account, role, session), ("role", account, role), account_id)
        return Principal(text, "assumed-role", account, identities)
    if service == "sts" and kind == "federated-user" and name:
        return Principal(
            text, "federated-user", account, (("federated", account, name), account_id)
        )
    return None


def session_role_arn(principal: Principal) -> str:
    """The role ARN of an assumed-role session, with the role's path when it is known.

    `aws:PrincipalArn` of a session is its role's ARN, path included
    (`arn:aws:iam::ACCOUNT:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup`).
    The session ARN does not carry the path; AWS's service-linked roles have a fixed one, any
    other role is taken to have none (give the role ARN itself, or aws:PrincipalArn, if not).
    """
    match = IAM_ARN.match(principal.text)
    partition = match.group(1) if match else "aws"
    role = principal.identities[1][2]
    path = SERVICE_LINKED_ROLE_PATHS.get(role, "")
    return f"arn:{partition}:iam::{principal.account}:role/{path}{role}"


def session_path_warning(
    principal: Principal, tested_keys: set[str], given: set[str]
) -> str | None:
    """A WARN when a condition tests aws:PrincipalArn of a session whose role's path is unknown."""
    if principal.kind != "assumed-role" or "aws:principalarn" not in tested_keys:
        return None
    role = principal.identities[1][2]
    if "aws:principalarn" in given or role in SERVICE_LINKED_ROLE_PATHS:
        return None
    return (
        f"aws:PrincipalArn taken as {session_role_arn(principal)}: a session ARN does not carry"
        f" its role's path; if role {role} has one, give the role ARN as --principal or"
        " --context aws:PrincipalArn=ROLE_ARN"
    )


def parse_principal(text: str) -> Principal:
    """Parse the principal of a request: an ARN, an account id or a service principal."""
    text = text.strip()
    principal = _iam_principal(text)
    if principal is not None:
        return principal
    if SERVICE_PRINCIPAL.match(text) and re.search(r"\.amazonaws\.com(\.cn)?$", text):
        return Principal(text, "service", "", (("name", text),))
    if SERVICE_PRINCIPAL.match(text) or PROVIDER_ARN.match(text) or CANONICAL_USER.match(text):
        # A web identity or SAML provider, or an S3 canonical user: matched by name only.
        return Principal(text, "other", "", (("name", text),))
    raise UsageError(
        f"principal '{text}': expected an account id, an IAM or STS ARN "
        "(arn:aws:iam::ACCOUNT:root|user/NAME|role/NAME, "
        "arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) or a service principal "
        "such as backup.amazonaws.com"
    )


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A statement's Principal or NotPrincipal: `*`, or identities AWS matches exactly."""

    everyone: bool
    identities: frozenset[tuple[str, ...]]
    shown: str

    def matches(self, principal: Principal) -> tuple[bool, str]:
        """Whether any identity of the principal's chain is listed."""
        if self.everyone:
            return True, "'*'"
        for identity in principal.identities:
            if identity in self.identities:
                return True, show_identity(identity)
        return False, self.shown

    def grant_kind(self, principal: Principal) -> str:
        """`everyone`, `principal` (its own ARN, or its role for a session) or `account`."""
        if self.everyone:
            return "everyone"
        direct = any(i in self.identities for i in principal.identities if i[0] != "account")
        return "principal" if direct else "account"

    def unlisted(self, principal: Principal) -> tuple[str, ...] | None:
        """For NotPrincipal: the first identity of the chain that is not listed, else None.

        AWS excludes a requester from a NotPrincipal statement only when every identity of
        its chain is listed: a role session needs the session ARN, the role ARN and the
        account; a user needs the user ARN and the account.
        """
        if self.everyone:
            return None
        return next((i for i in principal.identities if i not in self.identities), None)


def show_identity(identity: tuple[str, ...]) -> str:
    """An identity of a principal chain in words."""
    kind = identity[0]
    if kind == "account":
        return f"account {identity[1]}"
    if kind == "session":
        return f"session {identity[3]} of role {identity[2]} in {identity[1]}"
    if kind in ("role", "user", "federated"):
        return f"{kind} {identity[2]} in {identity[1]}"
    return identity[-1]


def parse_principal_element(value: object, where: str) -> PrincipalSpec:
    """Parse and validate a Principal or NotPrincipal element."""
    if value == "*":
        return PrincipalSpec(True, frozenset(), "*")
    if not isinstance(value, Mapping) or not value:
        raise PolicyError(f'{where}: must be "*" or an object such as {{"AWS": [...]}}')
    identities: set[tuple[str, ...]] = set()
    everyone = False
    for kind, entries in value.items():
        if kind not in PRINCIPAL_TYPES:
            raise PolicyError(f"{where}: unknown principal type '{kind}'")
        items = entries if isinstance(entries, list) else [entries]
        if not items or not all(isinstance(e, str) and e for e in items):
            raise PolicyError(f"{where}.{kind}: must be a string or a list of strings")
        for entry in items:
            entry = entry.strip()
            if kind == "AWS" and entry == "*":
                everyone = True
            elif kind == "AWS" and DELETED_PRINCIPAL_ID.match(entry):
                identities.add(("unique-id", entry))
            elif kind == "AWS":
                parsed = None if "*" in entry or "?" in entry else _iam_principal(entry)
                if parsed is None:
                    hint = " (wildcards are not allowed here)" if "*" in entry else ""
                    raise PolicyError(f"{where}.AWS: invalid principal '{entry}'{hint}")
                identities.add(parsed.own_identity)
            else:
                # Service, Federated and CanonicalUser principals are matched by name.
                identities.add(("name", entry))
    shown = json.dumps(value, sort_keys=True)
    return PrincipalSpec(everyone, frozenset(identities), shown)


def _context_text(value: object) -> str:
    # Callers may pass Python booleans and numbers; AWS sends them as "true"/"false" and digits.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def request_context(
    given: Mapping[str, object], principal: Principal
) -> dict[str, tuple[str, ...]]:
    """The request context: the given keys (lower-cased, each a tuple of values) and the keys
    AWS derives from the principal (aws:PrincipalArn, aws:PrincipalAccount, aws:username...)
    unless given."""
    context: dict[str, tuple[str, ...]] = {}
    for key, value in given.items():
        items = value if isinstance(value, list | tuple | set | frozenset) else [value]
        values = tuple(_context_text(v) for v in items)
        if values:  # an empty list is an empty set: the key is absent
            context[key.strip().lower()] = values
    derived: dict[str, str] = {}
    if principal.kind == "service":
        derived = {"aws:principalservicename": principal.text, "aws:principalisawsservice": "true"}
    elif principal.kind == "other":
        derived = {"aws:principalisawsservice": "false"}
    else:
        derived["aws:principalaccount"] = principal.account
        derived["aws:principalisawsservice"] = "false"
        kind, account = principal.kind, principal.account
        if kind == "assumed-role":
            derived["aws:principalarn"] = session_role_arn(principal)
        elif kind == "account" and not principal.text.startswith("arn:"):
            # A bare account id names no partition: AWS's own (`aws`) is taken.
            derived["aws:principalarn"] = f"arn:aws:iam::{account}:root"
        else:
            derived["aws:principalarn"] = principal.text
        derived["aws:principaltype"] = {
            "account": "Account",
            "user": "User",
            "role": "AssumedRole",
            "assumed-role": "AssumedRole",
            "federated-user": "FederatedUser",
        }.get(kind, "")
        derived.update(_identity_keys(principal))
    for key, value in derived.items():
        if value:
            context.setdefault(key, (value,))
    return context


def _identity_keys(principal: Principal) -> dict[str, str]:
    """aws:username and aws:userid where the ARN tells them (IAM's principal key values).

    An IAM user's aws:username is its friendly name. Its aws:userid is its unique id (AIDA...)
    and a role session's is ROLEID:SESSION: no ARN carries them, so they stay absent unless
    given. The root user's aws:userid is its account id, a federated user's ACCOUNT:NAME.
    """
    own = principal.own_identity
    if principal.kind == "user":
        return {"aws:username": own[2]}
    if principal.kind == "account":
        return {"aws:userid": principal.account}
    if principal.kind == "federated-user":
        return {"aws:userid": f"{principal.account}:{own[2]}"}
    return {}
