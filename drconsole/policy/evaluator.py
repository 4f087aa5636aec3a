"""Offline IAM policy evaluator: AWS's documented evaluation logic, without I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from drconsole.errors import UsageError
from drconsole.policy.conditions import (
    ConditionTest,
    Context,
    PolicyError,
    Template,
    UnresolvedVariable,
    compile_template,
    parse_condition,
)
from drconsole.policy.elements import match_action, match_resource
from drconsole.policy.multivalued import (
    multi_valued_warnings,
    principal_warnings,
    request_warnings,
)
from drconsole.policy.principals import (
    ACCOUNT,
    Principal,
    PrincipalSpec,
    parse_principal,
    parse_principal_element,
    request_context,
    show_identity,
)
from drconsole.policy.unknown_keys import settled_without_unknown_values, unknown_tested

__all__ = [
    "Decision",
    "Policy",
    "PolicyError",
    "Principal",
    "Request",
    "StatementResult",
    "evaluate",
    "evaluate_resource_policy",
    "parse_policy",
    "parse_principal",
]

VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_ELEMENTS = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}
ACTION = re.compile(r"^[A-Za-z0-9_*?-]+:[A-Za-z0-9_*?-]+$")


def _string_list(value: object, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, str) and i for i in items):
        raise PolicyError(f"{where}: must be a non-empty string or list of strings")
    return [str(i) for i in items]


@dataclass(frozen=True, slots=True)
class Statement:
    """One parsed statement."""

    index: int
    sid: str | None
    effect: str
    principal: PrincipalSpec | None
    not_principal: bool
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[Template, ...] | None
    not_resource: bool
    conditions: tuple[ConditionTest, ...]
    where: str = "Statement"  # how messages name it: Statement or Statement[i]


def _parse_statement(raw: object, index: int, where: str, variables: bool) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: must be an object")
    unknown = sorted(set(raw) - STATEMENT_ELEMENTS)
    if unknown:
        raise PolicyError(f"{where}: unknown element '{unknown[0]}'")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(f"{where}.Sid: must be a string")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f'{where}.Effect: must be "Allow" or "Deny", not {effect!r}')
    for a, b in (
        ("Principal", "NotPrincipal"),
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
    ):
        if a in raw and b in raw:
            raise PolicyError(f"{where}: has both {a} and {b}")
    principal = None
    not_principal = "NotPrincipal" in raw
    if not_principal and effect == "Allow":
        # AWS does not support it: evaluated, it would grant everyone but the listed principals.
        raise PolicyError(
            f'{where}: NotPrincipal with "Effect": "Allow" is not supported by AWS'
            ' (NotPrincipal is only for "Effect": "Deny"; use Principal to allow)'
        )
    if "Principal" in raw or not_principal:
        name = "NotPrincipal" if not_principal else "Principal"
        principal = parse_principal_element(raw[name], f"{where}.{name}")
    not_action = "NotAction" in raw
    if "Action" not in raw and not not_action:
        raise PolicyError(f"{where}: needs Action or NotAction")
    action_name = "NotAction" if not_action else "Action"
    actions = _string_list(raw[action_name], f"{where}.{action_name}")
    for action in actions:
        if action != "*" and not ACTION.match(action):
            raise PolicyError(
                f"{where}.{action_name}: invalid action '{action}' (want service:Name)"
            )
    not_resource = "NotResource" in raw
    resources: tuple[Template, ...] | None = None
    if "Resource" in raw or not_resource:
        name = "NotResource" if not_resource else "Resource"
        texts = _string_list(raw[name], f"{where}.{name}")
        for text in texts:
            if text != "*" and not text.startswith("arn:"):
                raise PolicyError(f"{where}.{name}: '{text}' is neither an ARN nor \"*\"")
        resources = tuple(compile_template(t, f"{where}.{name}", variables) for t in texts)
    conditions: tuple[ConditionTest, ...] = ()
    if "Condition" in raw:
        conditions = parse_condition(raw["Condition"], f"{where}.Condition", variables)
    if resources is None and principal is None:
        # AWS: "Statements must include either a Resource or a NotResource element"; only a
        # role's trust policy (with a Principal) goes without. IAM refuses such an identity
        # policy ("Policy statement must contain resources").
        raise PolicyError(
            f"{where}: needs Resource or NotResource (only a trust policy, with a Principal,"
            " goes without)"
        )
    return Statement(
        index,
        sid or None,
        str(effect),
        principal,
        not_principal,
        tuple(actions),
        not_action,
        resources,
        not_resource,
        conditions,
        where,
    )


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed, validated policy document, with warnings about statements AWS may not
    evaluate as written (a single-valued operator on a multivalued key)."""

    version: str | None
    statements: tuple[Statement, ...]
    warnings: tuple[str, ...] = ()


def _json_error_message(error: json.JSONDecodeError) -> str:
    return f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"


def parse_policy(document: str | bytes | Mapping[str, Any] | Policy) -> Policy:
    """Parse and validate a policy from JSON text or a dict; raise PolicyError when malformed."""
    if isinstance(document, Policy):
        return document
    repeated: list[str] = []
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document, object_pairs_hook=_keeping_repeats(repeated))
        except json.JSONDecodeError as error:
            raise PolicyError(_json_error_message(error)) from None
        except UnicodeDecodeError:
            raise PolicyError("policy is not UTF-8 text") from None
        except RecursionError:
            raise PolicyError("invalid JSON: arrays or objects nested too deeply") from None
        except ValueError:  # Python refuses integers of more than 4300 digits
            raise PolicyError("invalid JSON: a number with thousands of digits") from None
    if not isinstance(document, Mapping):
        raise PolicyError("policy: must be a JSON object with a Statement")
    unknown = sorted(set(document) - {"Version", "Id", "Statement"})
    if unknown:
        raise PolicyError(f"policy: unknown top-level element '{unknown[0]}'")
    version = document.get("Version")
    if version is not None and version not in VERSIONS:
        raise PolicyError(f"Version: {version!r} is not one of {', '.join(VERSIONS)}")
    if "Statement" not in document:
        raise PolicyError("policy: no Statement")
    raw = document["Statement"]
    # Policy variables exist only in the 2012-10-17 language; older policies read "${" literally.
    variables = version == "2012-10-17"
    statements: tuple[Statement, ...]
    if isinstance(raw, Mapping):
        statements = (_parse_statement(raw, 0, "Statement", variables),)
    elif isinstance(raw, list) and raw:
        statements = tuple(
            _parse_statement(s, i, f"Statement[{i}]", variables) for i, s in enumerate(raw)
        )
    else:
        raise PolicyError("Statement: must be an object or a non-empty list of objects")
    repeats = tuple(
        f"the document repeats the key '{key}' in one object: drconsole read its last value "
        "(how AWS reads such a document is not documented; write each key once)"
        for key in dict.fromkeys(repeated)
    )
    return Policy(version, statements, repeats + multi_valued_warnings(statements))


def _keeping_repeats(repeated: list[str]) -> Any:
    """A JSON object hook that builds dicts as json does (the last value of a key wins) and
    notes each key an object gives twice (`"Effect": "Allow", "Effect": "Deny"`)."""

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    repeated.append(key)
                seen.add(key)
        return built

    return build


@dataclass(frozen=True)
class Request:
    """What is asked: an action by a principal on a resource, with request context keys."""

    action: str
    principal: str
    resource: str | None = None
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    # Keys AWS sends with this request whose value the caller could not read (an organization
    # fact refused...): a statement testing one may or may not apply. A key ending in "/"
    # names a family (`aws:ResourceTag/`).
    unknown: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class StatementResult:
    """How one statement judged the request."""

    index: int
    sid: str | None
    effect: str
    matched: bool
    reason: str
    # How the requester matched Principal/NotPrincipal: "" (no such element), "everyone"
    # (`*` or outside NotPrincipal), "principal" (its own ARN or its role), "account" (only
    # its account, which delegates to the account's IAM policies).
    grant: str = ""
    # The unknown keys its Condition tests: set when every other part matched, so that the
    # statement may or may not apply (`matched` is then False).
    unknown_keys: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """`Statement[i] "Sid"` for messages."""
        return f'Statement[{self.index}] "{self.sid}"' if self.sid else f"Statement[{self.index}]"

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "sid": self.sid,
            "index": self.index,
            "effect": self.effect,
            "matched": self.matched,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome: `allow`, `explicit-deny`, `implicit-deny`, or `unknown` when it depends on
    statements testing keys whose value is unknown, and why.

    `statements` are the deciding ones: the matching Deny statements for an explicit deny,
    the matching Allow statements for an allow, every statement (none matched) for an
    implicit deny. `evaluated` holds every statement's result. `needs_identity_allow` is set
    by `evaluate_resource_policy` when this allow is not enough on its own: AWS also requires
    an identity-based policy in the principal's account to allow the action.

    For `unknown`, `statements` are the undetermined ones, and `restrictive` / `permissive`
    the decisions when every undetermined Deny applies and no undetermined Allow does, and the
    reverse; any other reading lies between the two.
    """

    decision: str
    statements: tuple[StatementResult, ...]
    evaluated: tuple[StatementResult, ...]
    needs_identity_allow: bool = False
    warnings: tuple[str, ...] = ()  # statements AWS may not evaluate as written
    restrictive: str = ""  # for `unknown` only
    permissive: str = ""  # for `unknown` only

    @property
    def allowed(self) -> bool:
        """True for `allow`."""
        return self.decision == "allow"

    @property
    def bounds(self) -> tuple[str, str]:
        """(most restrictive, most permissive) decision: both the decision when it is known."""
        if self.decision == "unknown":
            return self.restrictive, self.permissive
        return self.decision, self.decision


def _judge(
    statement: Statement,
    principal: Principal,
    action: str,
    resource: str | None,
    context: Context,
    unknown: frozenset[str] = frozenset(),
) -> StatementResult:
    def result(
        matched: bool, reason: str, grant: str = "", keys: tuple[str, ...] = ()
    ) -> StatementResult:
        return StatementResult(
            statement.index, statement.sid, statement.effect, matched, reason, grant, keys
        )

    reasons: list[str] = []
    grant = ""
    if statement.principal is not None:
        who = principal.text
        if statement.not_principal:
            missing = statement.principal.unlisted(principal)
            if missing is None:
                return result(False, f"principal {who} is excluded by NotPrincipal")
            reasons.append(
                f"principal {who} is not excluded: NotPrincipal lacks {show_identity(missing)}"
            )
            grant = "everyone"
        else:
            listed, shown = statement.principal.matches(principal)
            if not listed:
                return result(False, f"principal {who} is not in Principal {shown}")
            reasons.append(f"principal {who} matches {shown}")
            grant = statement.principal.grant_kind(principal)
    ok, why = match_action(statement, action)
    if not ok:
        return result(False, why)
    reasons.append(why)
    try:
        ok, why = match_resource(statement, resource, context, unknown)
        if not ok:
            return result(False, why)
        if why:
            reasons.append(why)
        untested: list[str] = []
        for test in statement.conditions:
            key = unknown_tested(test, unknown)
            settled = None
            if key is not None:
                settled = settled_without_unknown_values(test, context, unknown)
                if settled is None:
                    untested.append(key)
                    continue
            ok, why = settled or test.evaluate(context)
            if not ok:
                return result(False, f"condition {why}")
            reasons.append(f"condition {why}")
    except UnresolvedVariable as unresolved:
        name = unresolved.name
        why = f"policy variable ${{{name}}} has a value drconsole could not read"
        return result(False, why, grant, (name,))
    if untested:
        keys = tuple(dict.fromkeys(untested))
        reasons.append(f"condition tests {', '.join(keys)}, whose value drconsole could not read")
        return result(False, "; ".join(reasons), grant, keys)
    return result(True, "; ".join(reasons), grant)


def evaluate(policy: str | bytes | Mapping[str, Any] | Policy, request: Request) -> Decision:
    """Evaluate one policy for one request: explicit deny beats allow; no match is implicit deny."""
    parsed = parse_policy(policy)
    action = request.action.strip()
    if not ACTION.match(action) or "*" in action or "?" in action:
        raise UsageError(f"action '{request.action}': expected service:Name, e.g. kms:CreateGrant")
    principal = parse_principal(request.principal)
    context = request_context(request.context, principal)
    unknown = frozenset(k.strip().lower() for k in request.unknown)
    results = tuple(
        _judge(s, principal, action, request.resource, context, unknown) for s in parsed.statements
    )
    denies = tuple(r for r in results if r.matched and r.effect == "Deny")
    allows = tuple(r for r in results if r.matched and r.effect == "Allow")
    warnings = parsed.warnings + request_warnings(parsed.statements, context)
    warnings += principal_warnings(parsed.statements, principal, request.context)
    undetermined = tuple(r for r in results if r.unknown_keys)
    if undetermined:
        # The decision is monotone in each statement's applying: the two extremes bound it.
        maybe_deny = any(r.effect == "Deny" for r in undetermined)
        maybe_allow = any(r.effect == "Allow" for r in undetermined)
        restrictive = _decision_of(bool(denies) or maybe_deny, bool(allows))
        permissive = _decision_of(bool(denies), bool(allows) or maybe_allow)
        if restrictive != permissive:
            return Decision(
                "unknown",
                undetermined,
                results,
                warnings=warnings,
                restrictive=restrictive,
                permissive=permissive,
            )
    if denies:
        return Decision("explicit-deny", denies, results, warnings=warnings)
    if allows:
        return Decision("allow", allows, results, warnings=warnings)
    return Decision("implicit-deny", results, results, warnings=warnings)


def _decision_of(denied: bool, allowed: bool) -> str:
    """Explicit deny beats allow; neither is an implicit deny."""
    return "explicit-deny" if denied else "allow" if allowed else "implicit-deny"


def evaluate_resource_policy(
    policy: str | bytes | Mapping[str, Any] | Policy, request: Request, resource_account: str
) -> Decision:
    """Evaluate a resource-based policy (vault access policy, key policy) owned by
    `resource_account` for a principal that may be in another account.

    `aws:ResourceAccount` is added to the context unless given. An allow here is necessary but
    not sufficient, and the decision carries `needs_identity_allow=True`, when the principal is
    an IAM principal of another account (AWS also requires its own account's identity-based
    policies to allow the action) or when the allowing statements name only the principal's
    account (`arn:aws:iam::ACCOUNT:root`), which delegates to that account's IAM policies.
    """
    if not ACCOUNT.match(resource_account):
        raise UsageError(f"resource account '{resource_account}': expected 12 digits")
    parsed = parse_policy(policy)
    for statement in parsed.statements:
        if statement.principal is None:
            where = f"Statement[{statement.index}]"
            raise PolicyError(f"{where}: a resource-based policy needs Principal or NotPrincipal")
    context = dict(request.context)
    if not any(k.lower() == "aws:resourceaccount" for k in context):
        context["aws:ResourceAccount"] = resource_account
    adjusted = Request(
        request.action, request.principal, request.resource, context, request.unknown
    )
    decision = evaluate(parsed, adjusted)
    principal = parse_principal(request.principal)
    iam = principal.kind not in ("service", "other")
    cross_account = iam and principal.account != resource_account
    direct = any(r.grant in ("everyone", "principal") for r in decision.statements)
    needs_identity = decision.allowed and iam and (cross_account or not direct)
    return Decision(
        decision.decision,
        decision.statements,
        decision.evaluated,
        needs_identity_allow=needs_identity,
        warnings=decision.warnings,
        restrictive=decision.restrictive,
        permissive=decision.permissive,
    )
