"""Condition operators, wildcards and policy variables of the IAM policy language (no I/O)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import eq, ge, gt, le, lt

from drconsole.errors import UsageError


class PolicyError(UsageError):
    """A malformed policy document; the message names what is wrong and where."""


# A resolved value: each character with a flag saying whether it is a live wildcard.
# Characters that came from a policy variable or an escape like ${*} are never wildcards.
Chars = tuple[tuple[str, bool], ...]

# Normalised request context: lower-cased key -> non-empty tuple of values.
Context = Mapping[str, tuple[str, ...]]

VARIABLE = re.compile(r"\$\{([^}]*)\}")
# A key name, then an optional default `, 'text'`. Tag keys (`${aws:PrincipalTag/cost center}`)
# may hold letters, digits, spaces and `_ . : / = + - @` (AWS tagging rules): any character but
# the comma and quote that start a default.
VARIABLE_BODY = re.compile(r"^\s*([^,'\s](?:[^,']*[^,'\s])?)\s*(?:,\s*'((?:[^']|'')*)'\s*)?$")
ESCAPES = {"*": "*", "?": "?", "$": "$"}
SET_PREFIXES = {"forallvalues": "ForAllValues", "foranyvalue": "ForAnyValue"}


class UnresolvedVariable(Exception):
    """A policy variable whose key's value drconsole could not read (the statement may or may
    not apply)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True, slots=True)
class Template:
    """A policy string that may hold policy variables (`${aws:PrincipalAccount}`)."""

    raw: str
    # ("text", s, "") | ("var", lower-cased key, default or "\0" for none) | ("lit", s, "")
    parts: tuple[tuple[str, str, str], ...]

    @property
    def has_variables(self) -> bool:
        """True when resolving depends on the request context."""
        return any(kind == "var" for kind, _, _ in self.parts)

    def missing(self, context: Context) -> str | None:
        """The first policy variable with neither a value in the context nor a default, as the
        policy spells it."""
        for kind, text, default in self.parts:
            if kind == "var" and default == "\0" and len(context.get(text, ())) != 1:
                spelled = re.search(re.escape(text), self.raw, re.IGNORECASE)
                return spelled.group(0) if spelled else text
        return None

    def resolve(self, context: Context) -> Chars | None:
        """Substitute variables from the context; None when one has no value and no default.

        AWS: such a variable's value "is effectively null. There is no equal or like value"
        (IAM User Guide, "Policy variables with no value"): the caller lets it match nothing.
        """
        chars: list[tuple[str, bool]] = []
        for kind, text, default in self.parts:
            if kind == "text":
                chars.extend((c, True) for c in text)
                continue
            if kind == "var":
                values = context.get(text)
                if values is not None and len(values) == 1:
                    text = values[0]
                elif default != "\0":
                    text = default
                else:
                    return None
            chars.extend((c, False) for c in text)
        return tuple(chars)


def compile_template(raw: str, where: str, variables: bool) -> Template:
    """Parse `raw`; variables are only recognised in 2012-10-17 policies."""
    if not variables or "${" not in raw:
        return Template(raw, (("text", raw, ""),))
    parts: list[tuple[str, str, str]] = []
    position = 0
    for match in VARIABLE.finditer(raw):
        if match.start() > position:
            parts.append(("text", raw[position : match.start()], ""))
        body = match.group(1)
        if body in ESCAPES:
            parts.append(("lit", ESCAPES[body], ""))
        else:
            parsed = VARIABLE_BODY.match(body)
            if parsed is None:
                raise PolicyError(f"{where}: invalid policy variable '${{{body}}}'")
            default = parsed.group(2)
            default = "\0" if default is None else default.replace("''", "'")
            parts.append(("var", parsed.group(1).lower(), default))
        position = match.end()
    if position < len(raw):
        parts.append(("text", raw[position:], ""))
    return Template(raw, tuple(parts))


def plain(chars: Chars) -> str:
    """The resolved text, wildcards taken literally."""
    return "".join(c for c, _ in chars)


def wildcard_match(chars: Chars, value: str, ignore_case: bool = False) -> bool:
    """True when `value` matches the wildcard pattern `chars` in full: a live `*` matches any
    run of characters (colons and slashes included, as in IAM), a live `?` exactly one.

    Two pointers, remembering only the last `*`: at most len(chars) x len(value) steps, never
    the exponential backtracking of a regular expression (`arn:*?*?*?*?*?*?*?*?*?*?Z` against
    a long ARN took minutes as a regex).
    """
    size, length = len(chars), len(value)
    p = v = 0
    star, resume = -1, 0  # the last live `*` seen, and where its run of `value` ends so far
    while v < length:
        if p < size:
            c, live = chars[p]
            if live and c == "*":
                star, resume = p, v
                p += 1
                continue
            if (live and c == "?") or _same(c, value[v], ignore_case):
                p += 1
                v += 1
                continue
        if star < 0:
            return False
        # Let the last `*` swallow one more character and try the rest again from there.
        resume += 1
        p, v = star + 1, resume
    while p < size and chars[p] == ("*", True):
        p += 1
    return p == size


def _same(a: str, b: str, ignore_case: bool) -> bool:
    return a == b or (ignore_case and a.lower() == b.lower())


def split_arn(chars: Chars) -> list[Chars] | None:
    """The six colon-separated ARN components (the last keeps its colons), or None."""
    parts: list[Chars] = []
    current: list[tuple[str, bool]] = []
    for item in chars:
        if item[0] == ":" and len(parts) < 5:
            parts.append(tuple(current))
            current = []
        else:
            current.append(item)
    parts.append(tuple(current))
    return parts if len(parts) == 6 and plain(parts[0]) in ("arn", "*") else None


def arn_like(pattern: Chars, value: str) -> bool:
    """ArnLike: each of the six ARN components is matched separately, with wildcards."""
    pattern_parts = split_arn(pattern)
    value_parts = value.split(":", 5)
    if pattern_parts is None or len(value_parts) != 6 or value_parts[0] != "arn":
        return False
    return all(wildcard_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> float | None:
    """A numeric condition value (integer or decimal), or None when it is not a number."""
    text = text.strip()
    return float(text) if NUMBER.match(text) else None


def parse_date(text: str) -> datetime | None:
    """An ISO 8601 date/time or epoch seconds, as an aware datetime; None when unparseable."""
    text = text.strip()
    try:
        if re.fullmatch(r"-?\d{1,20}(\.\d+)?", text, re.ASCII):
            return datetime.fromtimestamp(float(text), tz=UTC)
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        moment.astimezone(UTC)  # an offset past year 1 or 9999 overflows here, not later
    except (ValueError, OverflowError, OSError):
        return None  # outside the dates a computer can hold: not a valid Date value
    return moment


def parse_bool(text: str) -> bool | None:
    """`true`/`false` in any case, else None."""
    lowered = text.strip().lower()
    return {"true": True, "false": False}.get(lowered)


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR block or single address, or None."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def date_seconds(text: str) -> float | None:
    """A date condition value as epoch seconds, for ordering; None when unparseable."""
    moment = parse_date(text)
    return None if moment is None else moment.timestamp()


def _ordered(test: Callable[[float, float], bool], parse: Callable[[str], float | None]) -> Compare:
    def compare(pattern: Chars, value: str) -> bool:
        left, right = parse(value), parse(plain(pattern))
        return left is not None and right is not None and test(left, right)

    return compare


def _bool_equal(pattern: Chars, value: str) -> bool:
    wanted = parse_bool(plain(pattern))
    return wanted is not None and parse_bool(value) == wanted


def parse_binary(text: str) -> bytes | None:
    """A BinaryEquals value: the base-64 encoding of the bytes, else None."""
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _binary_equal(pattern: Chars, value: str) -> bool:
    # AWS compares the request's bytes "byte for byte against a base-64 encoded representation
    # of the binary value in the policy"; a request value is given base-64 encoded too.
    wanted = parse_binary(plain(pattern))
    return wanted is not None and parse_binary(value) == wanted


def _ip_in(pattern: Chars, value: str) -> bool:
    network = parse_network(plain(pattern))
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return network is not None and address in network


Compare = Callable[[Chars, str], bool]


@dataclass(frozen=True, slots=True)
class BaseOperator:
    """One condition operator without qualifiers: how a policy value matches a request value."""

    name: str
    family: str
    negated: bool
    compare: Compare
    validate: Callable[[str], object] | None = None


def _operators() -> dict[str, BaseOperator]:
    table: list[BaseOperator] = [
        BaseOperator("StringEquals", "String", False, lambda p, v: plain(p) == v),
        BaseOperator("StringNotEquals", "String", True, lambda p, v: plain(p) == v),
        BaseOperator(
            "StringEqualsIgnoreCase", "String", False, lambda p, v: plain(p).lower() == v.lower()
        ),
        BaseOperator(
            "StringNotEqualsIgnoreCase", "String", True, lambda p, v: plain(p).lower() == v.lower()
        ),
        BaseOperator("StringLike", "String", False, wildcard_match),
        BaseOperator("StringNotLike", "String", True, wildcard_match),
        # AWS documents ArnEquals and ArnLike identically: component-wise, with wildcards.
        BaseOperator("ArnEquals", "Arn", False, arn_like),
        BaseOperator("ArnLike", "Arn", False, arn_like),
        BaseOperator("ArnNotEquals", "Arn", True, arn_like),
        BaseOperator("ArnNotLike", "Arn", True, arn_like),
        BaseOperator("Bool", "Bool", False, _bool_equal, parse_bool),
        BaseOperator("BinaryEquals", "Binary", False, _binary_equal, parse_binary),
        BaseOperator("IpAddress", "IpAddress", False, _ip_in, parse_network),
        BaseOperator("NotIpAddress", "IpAddress", True, _ip_in, parse_network),
    ]
    for family, parse in (("Numeric", parse_number), ("Date", date_seconds)):
        for suffix, test, negated in (
            ("Equals", eq, False),
            ("NotEquals", eq, True),
            ("LessThan", lt, False),
            ("LessThanEquals", le, False),
            ("GreaterThan", gt, False),
            ("GreaterThanEquals", ge, False),
        ):
            table.append(
                BaseOperator(family + suffix, family, negated, _ordered(test, parse), parse)
            )
    return {op.name.lower(): op for op in table}


OPERATORS = _operators()


@dataclass(frozen=True, slots=True)
class ConditionTest:
    """One `operator: {key: values}` pair of a Condition block, parsed and validated."""

    operator: str  # as written in the policy
    base: BaseOperator | None  # None for Null
    set_operator: str  # "", "ForAllValues" or "ForAnyValue"
    if_exists: bool
    key: str  # as written
    values: tuple[Template, ...]

    def describe(self) -> str:
        """`Operator key [values]` for explanations."""
        shown = ", ".join(repr(v.raw) for v in self.values)
        return f"{self.operator} {self.key} [{shown}]"

    def evaluate(self, context: Context) -> tuple[bool, str]:
        """Whether the test holds, and why."""
        request = context.get(self.key.lower())
        if self.set_operator and request is not None:
            # AWS: for the set operators an empty string is a null data set, like no key.
            request = tuple(v for v in request if v) or None
        if self.base is None:
            wants_absent = {parse_bool(v.raw) for v in self.values}
            held = (request is None) in wants_absent
            state = "absent" if request is None else "present"
            return held, f"{self.describe()}: key {state}, {'holds' if held else 'fails'}"
        if request is None:
            if self.if_exists:
                return True, f"{self.describe()}: key absent, IfExists holds"
            if self.set_operator == "ForAllValues":
                return True, f"{self.describe()}: key absent, ForAllValues holds on an empty set"
            if self.set_operator == "ForAnyValue":
                return False, f"{self.describe()}: key absent, ForAnyValue needs a value"
            if self.base.negated:
                return True, f"{self.describe()}: key absent, a negated operator holds"
            return False, f"{self.describe()}: key absent from the request context"
        # A value whose variable has no value is null: it equals and is like nothing, so a
        # positive operator does not match it and a negated one does (AWS: "Inverted
        # condition operators like StringNotEquals or StringNotLike do match against a null
        # value").
        patterns = [v.resolve(context) for v in self.values]
        base = self.base

        def value_ok(value: str) -> bool:
            hit = any(p is not None and base.compare(p, value) for p in patterns)
            return not hit if base.negated else hit

        results = [value_ok(v) for v in request]
        if self.set_operator == "ForAllValues":
            held = all(results)
        elif self.set_operator == "ForAnyValue":
            held = any(results)
        elif self.base.negated:
            held = all(results)  # NOR over every request value and every policy value
        else:
            held = any(results)
        shown = request[0] if len(request) == 1 else list(request)
        verdict = "holds" if held else "fails"
        nulls = [name for value in self.values if (name := value.missing(context))]
        null_note = "".join(f" (${{{name}}} has no value: it matches nothing)" for name in nulls)
        return held, f"{self.describe()}: {verdict} for request value {shown!r}{null_note}"


def parse_operator(name: str, where: str) -> tuple[BaseOperator | None, str, bool]:
    """Split `ForAnyValue:StringLikeIfExists` into (base operator, set operator, IfExists)."""
    rest = name
    set_operator = ""
    if ":" in rest:
        prefix, rest = rest.split(":", 1)
        if prefix.lower() not in SET_PREFIXES:
            raise PolicyError(f"{where}: unknown set operator '{prefix}' in '{name}'")
        set_operator = SET_PREFIXES[prefix.lower()]
    if_exists = rest.lower().endswith("ifexists") and rest.lower() != "ifexists"
    base_name = rest[: -len("IfExists")] if if_exists else rest
    if base_name.lower() == "null":
        if if_exists or set_operator:
            raise PolicyError(f"{where}: Null takes neither IfExists nor a set operator")
        return None, "", False
    base = OPERATORS.get(base_name.lower())
    if base is None:
        raise PolicyError(f"{where}: unknown operator '{name}'")
    return base, set_operator, if_exists


def _value_text(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and value != value:
            raise PolicyError(f"{where}: NaN is not a condition value")
        try:
            return str(value)
        except ValueError:  # an integer of thousands of digits
            raise PolicyError(f"{where}: a number too long to be a condition value") from None
    if isinstance(value, str):
        return value
    raise PolicyError(f"{where}: condition values must be strings, numbers or booleans")


def parse_condition(block: object, where: str, variables: bool) -> tuple[ConditionTest, ...]:
    """Parse and validate a Condition element."""
    if not isinstance(block, Mapping):
        raise PolicyError(f"{where}: must be an object of operators")
    tests: list[ConditionTest] = []
    for operator, keys in block.items():
        here = f"{where}.{operator}"
        base, set_operator, if_exists = parse_operator(str(operator), where)
        if not isinstance(keys, Mapping) or not keys:
            raise PolicyError(f"{here}: must be a non-empty object of condition keys")
        for key, raw_values in keys.items():
            if not isinstance(key, str) or not key.strip():
                raise PolicyError(f"{here}: empty condition key")
            at = f"{here}.{key}"
            items: Sequence[object] = raw_values if isinstance(raw_values, list) else [raw_values]
            if not items:
                raise PolicyError(f"{at}: no values")
            texts = [_value_text(v, at) for v in items]
            # AWS: "You can't use a policy variable with other operators, such as Numeric,
            # Date, Boolean, Binary, IP Address, or Null operators": only String and Arn
            # values are templates; elsewhere `${...}` is text, which no such value may hold.
            substituted = variables and base is not None and base.family in ("String", "Arn")
            values = tuple(compile_template(t, at, substituted) for t in texts)
            check = parse_bool if base is None else base.validate
            for value in values:
                if check is not None and not value.has_variables and check(value.raw) is None:
                    why = ""
                    if variables and "${" in value.raw:
                        why = (
                            " (policy variables are substituted only in String and Arn conditions)"
                        )
                    raise PolicyError(f"{at}: '{value.raw}' is not a valid {operator} value{why}")
            tests.append(ConditionTest(str(operator), base, set_operator, if_exists, key, values))
    return tuple(tests)
