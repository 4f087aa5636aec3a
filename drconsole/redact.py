"""The one redaction point: no secret and no raw control character reaches a person or a file.

Every path that turns an exception or an AWS answer into text (the command line's one line,
the TUI's error dialog, the audit log, the journal, `--json`) goes through `redact_text`,
`redact_fields` or `safe_line`. Three kinds of secret are removed: the values of secret-named
fields (`SecretAccessKey`, `SessionToken`, `token`, `password`... in XML, JSON, Python repr and
`key=value` forms), credential-shaped values wherever they stand (AWS access key ids,
40-character secret keys, long base64 session tokens), the user name and password of a URL
(`http://***:***@host`, as botocore shows a proxy's), and every value registered with
`register_secret` (the break-glass secret key read from the keyring), whatever its shape.

Shapes and registered values are looked for in text only: in a record (`redact_fields`) the
prose is text, while request parameters, ARNs and names are redacted by their key's name alone,
so that what the journal keeps, the confirmation shows and the audit log records is exactly
what is sent.
"""

from __future__ import annotations

import bisect
import re
import string
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

REDACTED = "<redacted>"

# Field names whose values are secrets (matched on the name without `_`, `-`, `.`, lower-cased).
SECRET_NAME = re.compile(
    r"secret|password|passwd|passphrase|token|credential|privatekey|accesskey|apikey|"
    r"authorization|signature"
)
# Names that contain a secret word but hold no secret: idempotency and pagination tokens,
# EFS creation tokens, error codes named after tokens.
NOT_SECRET_NAMES = frozenset(
    {
        "idempotencytoken",
        "clienttoken",
        "creationtoken",
        "nexttoken",
        "paginationtoken",
        "continuationtoken",
        "nextcontinuationtoken",
        "startingtoken",
        "maxtokens",
        "expiredtoken",
        "expiredtokenexception",
        "invalidtoken",
        "invalidclienttokenid",
        "missingauthenticationtoken",
        "signaturedoesnotmatch",
        "invalidsignatureexception",
        "incompletesignature",
        "credentialsexpired",
        "credentialretrievalerror",
        "nocredentialserror",
        "partialcredentialserror",
        "tokenretrievalerror",
        "getsessiontoken",  # STS operation names, quoted in AWS's error lines
        "getfederationtoken",
        "secretservice",  # the freedesktop keyring API, named in keyring's messages
    }
)

_NAME = r"[A-Za-z_][\w.-]{0,80}"
# <SecretAccessKey>value</SecretAccessKey>
_XML_FIELD = re.compile(rf"<(?P<key>{_NAME})>(?P<value>[^<]*)</(?P=key)>")
# "SessionToken": "value"  /  'SessionToken': 'value'  /  SessionToken='value'
_QUOTED_FIELD = re.compile(
    rf"(?P<q>[\"']?)(?P<key>{_NAME})(?P=q)(?P<sep>\s*[:=]\s*)"
    r"(?P<vq>[\"'])(?P<value>(?:\\.|(?!(?P=vq)).){0,4096})(?P=vq)"
)
# token=value, aws_secret_access_key = value, password: longvalue (a colon needs 8+ characters,
# so that an error code such as `ExpiredToken: The security token...` keeps its words)
_BARE_KEY = re.compile(rf"(?P<key>{_NAME})(?P<sep>\s*=\s*|\s*:\s+)")
_COLON_SPACE = re.compile(r":\s")  # the colon of a `_BARE_KEY` separator
_BARE_VALUE = re.compile(r"[^\s,;&\"'<>)}\]]+")
MIN_COLON_VALUE = 8
# Credential-shaped values: access key ids, 40-character secret keys, long session tokens.
_ACCESS_KEY_ID = re.compile(
    r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,28}(?![A-Za-z0-9])"
)
_ACCESS_KEY_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA")
# A run may follow `=` (`key=wJalr...`: a value whose key is not named like a secret); it may
# not follow another base64 or base64url character, so a longer run is not cut into pieces.
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9/+_-])[A-Za-z0-9/+]{40,}={0,2}(?![A-Za-z0-9/+=_-])")
# The credentials of an HTTP Authorization or Proxy-Authorization header (`Bearer <JWT>`,
# `Basic <base64 of user:password>`), as a proxy or a pasted curl command shows them: the scheme
# word is shorter than the `key: value` rule's least value, so it is matched on its own.
_AUTH_SCHEME_WORDS = ("bearer", "basic", "digest", "negotiate", "ntlm")
_AUTH_SCHEME = re.compile(
    r"(?i)(?<![\w-])(?P<scheme>Bearer|Basic|Digest|Negotiate|NTLM)(?P<sep>\s+)"
    r"(?P<value>[A-Za-z0-9._~+/=-]{8,})"
)
# A command line's secret flag with its value after a space (`--master-user-password VALUE`,
# `--secret-access-key VALUE`); the `--flag=VALUE` form is a `key=value`. A value read from a
# file or a shell variable (`--import-token fileb://token.bin`, `"$PASSWORD"`) is no secret.
_SECRET_FLAG = re.compile(
    r"(?<![\w-])--(?P<key>[A-Za-z][\w-]{0,80})(?P<sep>[ \t]+)"
    r"(?!fileb?://|[\"']?\$)(?P<value>[^\s-]\S*)"
)
# A SigV4 canonical request's header line, as S3's SignatureDoesNotMatch quotes it:
# `x-amz-security-token:VALUE` (no space after the colon, so not a `key: value`).
_TOKEN_HEADER = re.compile(r"(?i)(?<![\w-])(?P<key>x-amz-security-token):(?P<value>[^\s<&\"']+)")
# Percent-encoded text (a presigned URL inside another URL's query, a redirect target): the
# same secrets, written `X-Amz-Signature%3D...` or `https%3A%2F%2Fuser%3Apass%40host`.
_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")
# scheme://user:password@ (an endpoint or proxy URL): everything between `://` and the last `@`
# of the same run of non-space characters, whatever its length. A password may hold an
# unencoded `#`, `?`, `/` or quote (the very reason such a URL does not parse), so no character
# short of a space ends it; a URL whose path or query holds an `@` loses a little more than its
# user name and password. Found by `_userinfo_spans`, not by a regular expression: a pattern
# that looks for a scheme and then for the last `@` goes back over the same characters for
# each `://` (or each `a.` of `a.a.a...`) of a long run, seconds to minutes for a 1 MB line.
_SCHEME_CHARACTERS = frozenset(string.ascii_letters + string.digits + "+.-")
_SPACE = re.compile(r"\s")
SECRET_KEY_LENGTH = 40
SESSION_TOKEN_MIN_LENGTH = 100
# A run of token characters (base64, base64url, a Vault token's dots) long enough to be a
# secret of any shape: used only on a credential program's own words (`hide_token_runs`).
_TOKEN_RUN = re.compile(r"(?<![A-Za-z0-9/+=_.~-])[A-Za-z0-9/+=_.~-]{16,}(?![A-Za-z0-9/+=_.~-])")
# Values known to be secret in this process (`register_secret`); replaced as a whole tuple so
# that a reader in another thread always sees a complete one.
_KNOWN_SECRETS: tuple[str, ...] = ()
MIN_KNOWN_SECRET = 4  # shorter values would redact ordinary words


_KNOWN_SET: set[str] = set()  # the same values, to ask "known?" at every signed request
_REGISTERING = threading.Lock()


def register_secret(value: str) -> None:
    """Redact `value` wherever it appears from now on, in every text this module cleans."""
    global _KNOWN_SECRETS
    if len(value) < MIN_KNOWN_SECRET or value in _KNOWN_SET:
        return
    with _REGISTERING:
        if value in _KNOWN_SET:
            return
        # Longest first: a secret that contains another is removed whole. (Inserted in place:
        # every member account's credentials are registered, a thousand of them at scale.)
        secrets = list(_KNOWN_SECRETS)
        bisect.insort(secrets, value, key=lambda secret: -len(secret))
        _KNOWN_SECRETS = tuple(secrets)
        _KNOWN_SET.add(value)


def known_secret(value: str) -> bool:
    """Whether `value` is registered already (a test of a set: asked at every signed request)."""
    return value in _KNOWN_SET


def _redact_known(text: str) -> str:
    for secret in _KNOWN_SECRETS:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _scheme_ends_at(text: str, colon: int) -> bool:
    """True when a URL scheme (a letter that starts a word, then letters, digits, `+`, `.`,
    `-`) ends just before `text[colon]`. Only the characters since the previous `://` are
    looked at, so that a line is read back once in all."""
    start = colon
    while start > 0 and text[start - 1] in _SCHEME_CHARACTERS:
        start -= 1
    for first in range(start, colon):
        before = text[first - 1] if first else " "
        starts_word = not (before.isalnum() or before == "_")
        if starts_word and text[first] in string.ascii_letters:
            return True
    return False


def _userinfo_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each URL's user name and password in `text`: from just after the first
    scheme's `://` of a run of non-space characters to the last `@` of that run. Linear in the
    length of `text`, whatever it holds."""
    position = 0
    run_end = last_at = -1
    while (found := text.find("://", position)) != -1:
        if found >= run_end:  # a new run: where it ends and its last `@`, once
            space = _SPACE.search(text, found)
            run_end = space.start() if space else len(text)
            last_at = text.rfind("@", found + 3, run_end)
        if last_at < found + 3:
            position = run_end  # no `@` after this `://` in the run, nor after a later one
        elif _scheme_ends_at(text, found):
            yield found + 3, last_at
            position = run_end
        else:
            position = found + 1


def _replace_userinfo(text: str, replacement: Callable[[str], str]) -> str:
    """`text` with each URL's `user:password@` replaced by `replacement(user:password)`."""
    out: list[str] = []
    position = 0
    for start, end in _userinfo_spans(text):
        out += [text[position:start], replacement(text[start:end])]
        position = end + 1  # past the `@`
    return "".join(out) + text[position:] if out else text


def _masked_userinfo(userinfo: str) -> str:
    return "***:***@" if ":" in userinfo else "***@"


def without_userinfo(url: str) -> str:
    """`url` without the user name and password it may carry (`http://host:port`)."""
    return _replace_userinfo(url, lambda _userinfo: "")


def masked_url(url: str) -> str:
    """`url`, one URL as a person gave it (spaces and all), with everything before its last `@`
    masked: `http://***:***@host:8080`, `***@proxy:3128` for one without a scheme."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "", url
    if "@" not in rest:
        return url
    userinfo, _, host = rest.rpartition("@")
    return f"{scheme}{separator}{'***:***' if ':' in userinfo else '***'}@{host}"


def is_secret_name(name: object) -> bool:
    """True when a field called `name` holds a secret."""
    key = re.sub(r"[\s_.\-]", "", str(name)).lower()
    return key not in NOT_SECRET_NAMES and SECRET_NAME.search(key) is not None


def _random_looking(run: str) -> bool:
    # Secret keys and tokens mix cases and digits; hex digests, words and paths do not.
    return (
        any(c.islower() for c in run)
        and any(c.isupper() for c in run)
        and any(c.isdigit() for c in run)
    )


def _scrub_base64(match: re.Match[str]) -> str:
    run = match.group(0)
    body = run.rstrip("=")
    shaped = len(body) == SECRET_KEY_LENGTH or len(body) >= SESSION_TOKEN_MIN_LENGTH
    if shaped and _random_looking(body):
        return REDACTED
    return run


def _keep_named(match: re.Match[str], keep: Iterable[str]) -> str:
    key = match.group("key")
    if key in keep or not is_secret_name(key):
        return match.group(0)
    if not match.group("value"):
        return match.group(0)
    start, end = match.span("value")
    whole = match.group(0)
    offset = match.start()
    return whole[: start - offset] + REDACTED + whole[end - offset :]


def _redact_bare(text: str, keep: frozenset[str]) -> str:
    # Keys are found without their values, so that a value (`no: SecretAccessKey=...`) is
    # itself scanned for a key.
    out: list[str] = []
    position = 0
    for match in _BARE_KEY.finditer(text):
        if match.start() < position or match.group("key") in keep:
            continue
        if not is_secret_name(match.group("key")):
            continue
        value = _BARE_VALUE.match(text, match.end())
        if value is None or (":" in match.group("sep") and len(value.group()) < MIN_COLON_VALUE):
            continue
        out += [text[position : match.end()], REDACTED]
        position = value.end()
    return "".join(out) + text[position:]


def _redact_value(match: re.Match[str]) -> str:
    start, end = match.span("value")
    whole, offset = match.group(0), match.start()
    return whole[: start - offset] + REDACTED + whole[end - offset :]


def _redact_credentials(match: re.Match[str]) -> str:
    # A word after the scheme is prose ("Basic authentication failed"); credentials (base64,
    # a JWT, a token) hold a digit or a sign.
    return match.group(0) if match.group("value").isalpha() else _redact_value(match)


def _redact_encoded(text: str, keep: frozenset[str]) -> str:
    """Each run of non-space characters that holds percent escapes, decoded and redacted in
    place when its decoded form holds a secret (and left as it is otherwise): what is removed
    from `a=b&X-Amz-Signature=...` is removed from `a%3Db%26X-Amz-Signature%3D...` too. Two
    rounds of decoding cover a URL encoded twice."""
    from urllib.parse import unquote

    def clean(match: re.Match[str]) -> str:
        run = match.group(0)
        if not _ENCODED.search(run):
            return run
        decoded = run
        for _ in range(2):
            decoded = unquote(decoded)
            redacted = _redact_plain(decoded, keep)
            if redacted != decoded:
                return redacted
            if not _ENCODED.search(decoded):
                break
        return run

    # Most percent signs hide nothing: the whole text decoded and redacted once says so, and
    # only then is each run decoded and redacted on its own.
    decoded = unquote(unquote(text))
    if _redact_plain(decoded, keep) == decoded:
        return text
    return re.sub(r"\S+", clean, text)


def hide_token_runs(text: str) -> str:
    """`redact_text`, and every random-looking run of 16 or more token characters hidden too.

    For what a credential program printed when it failed: it may quote the very secret it holds
    (a password, a vault or SSO token) unlabelled and of no AWS shape, where `redact_text` can
    only tell AWS's shapes and labelled values from prose. There a run mixing lower case,
    upper case and digits is taken for a secret; words, paths, ids and ARNs are kept, a role
    name such as `AWSReservedSSO_Admin_0a1b2c3d` is not.
    """
    text = redact_text(text)
    return _TOKEN_RUN.sub(lambda m: REDACTED if _random_looking(m.group(0)) else m.group(0), text)


def redact_text(text: str, keep: Iterable[str] = ()) -> str:
    """`text` with the values of secret-named fields and credential-shaped values redacted.

    Names in `keep` are not treated as secret (the journal's `token` is an idempotency token).
    """
    if not text:
        return text
    keep = frozenset(keep)
    if "%" in text:
        text = _redact_encoded(text, keep)
    return _redact_plain(text, keep)


def _redact_plain(text: str, keep: frozenset[str]) -> str:
    """`redact_text` but for percent-encoded text (which is decoded once, not again and again:
    `%252525...` would otherwise decode one level a call, as deep as it is long)."""
    text = _redact_known(text)
    text = _replace_userinfo(text, _masked_userinfo)
    text = _XML_FIELD.sub(lambda m: _keep_named(m, keep), text)
    if ('"' in text or "'" in text) and ("=" in text or ":" in text):
        text = _QUOTED_FIELD.sub(lambda m: _keep_named(m, keep), text)
    if "=" in text or _COLON_SPACE.search(text):
        text = _redact_bare(text, keep)
    # Each pattern below tests every position of the text (a look-behind, a case-insensitive
    # alternation): run only where its literal part occurs (a job's status message is redacted
    # for every job listed).
    lowered = text.lower()
    if any(scheme in lowered for scheme in _AUTH_SCHEME_WORDS):
        text = _AUTH_SCHEME.sub(_redact_credentials, text)
    if "x-amz-security-token:" in lowered:
        text = _TOKEN_HEADER.sub(_redact_value, text)
    if "--" in text:
        text = _SECRET_FLAG.sub(lambda m: _keep_named(m, keep), text)
    if any(prefix in text for prefix in _ACCESS_KEY_PREFIXES):
        text = _ACCESS_KEY_ID.sub(REDACTED, text)
    return _BASE64_RUN.sub(_scrub_base64, text)


# Keys whose values are prose: AWS's messages, a failed check's evidence and remediation, a
# command's output, an operator's note. A credential may stand anywhere in prose, so it is
# cleaned by shape too (`redact_text`). Every other value of a record is data that drconsole
# sends or acts on (a request parameter, an ARN, a name): it is kept exactly as it is unless its
# key names a secret, so a table name of 40 mixed-case letters and digits, or one that begins
# like an access key id, is journaled, shown and sent as typed.
TEXT_KEYS = frozenset(
    {
        "message",
        "status_message",
        "error",
        "explanation",
        "remediation",
        "evidence",
        "reason",
        "note",
        "output",
    }
)


def redact_fields(value: Any, keep: Iterable[str] = ()) -> Any:
    """A copy of `value` fit for a file or a screen: the value of every secret-named key (at any
    depth) replaced by a marker, and prose (the values of `TEXT_KEYS`, or `value` itself when it
    is text) cleaned by `redact_text`. Every other value is kept as it is: it is what a request
    sends, or names what drconsole acts on, and a value that merely looks like a credential is
    not one. Names in `keep` are not secret at the top level."""
    if isinstance(value, str):
        return redact_text(value)
    return _redact_data(value, frozenset(keep))


# Keys under which the values are a request's own (its parameters, its restore metadata): an
# operator's metadata key may be called `note` or `message`, and is still data, sent as given.
REQUEST_KEYS = frozenset({"request", "requests", "parameters", "Metadata", "metadata"})


def _redact_data(value: Any, keep: frozenset[str] = frozenset(), prose: bool = True) -> Any:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key not in keep and is_secret_name(key):
                out[str(key)] = REDACTED
            elif prose and key in TEXT_KEYS:
                out[str(key)] = _redact_prose(item)
            else:
                out[str(key)] = _redact_data(item, prose=prose and key not in REQUEST_KEYS)
        return out
    if isinstance(value, list | tuple):
        return [_redact_data(item, prose=prose) for item in value]
    return value


def _redact_prose(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if is_secret_name(key) else _redact_prose(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_prose(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


# What reaches a terminal as something else than text: C0 and C1 controls (Unicode's Cc), lone
# surrogates (Cs), and the bidirectional overrides and isolates, which reorder what it shows.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape", "backslashreplace").decode("ascii")


def escape_controls(text: str) -> str:
    r"""Control characters written as escapes (`\x1b`, `\n`), so none reaches a terminal raw."""
    return CONTROL_CHARACTERS.sub(_escape, text)


def escape_controls_lines(text: str) -> str:
    """`escape_controls` line by line: the line breaks of a several-line text are kept."""
    return "\n".join(escape_controls(line) for line in text.split("\n"))


def html_text(value: object) -> str:
    """One line of text for an HTML report: markup escaped, and control characters (line breaks
    too) written as escapes: a report printed by `cat` in a CI log must not retitle or clear
    the terminal nor forge a line, and raw C0 controls are parse errors in HTML."""
    import html

    return html.escape(escape_controls(str(value)))


def html_lines(value: object) -> str:
    """`html_text` for a text of several lines (a `<pre>` block): its line breaks kept."""
    import html

    return html.escape(escape_controls_lines(str(value)))


def safe_line(text: str) -> str:
    """One line fit for a terminal: redacted, whitespace collapsed, control characters escaped."""
    return escape_controls(" ".join(redact_text(text).split()))


def install_log_redaction() -> None:
    """Redact every log record as it is made, whoever logs it: botocore logs a failed
    credential refresh with its traceback, whose message quotes the unparsable STS answer."""
    import logging
    import traceback

    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string: keep what was given
            message = str(record.msg)
        record.msg, record.args = redact_text(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact_text("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def exception_text(error: BaseException) -> str:
    """`Type: message` of any exception, made safe: the one way an exception becomes text."""
    try:
        message = str(error)
    except Exception:  # a broken __str__ must not hide the original failure
        message = ""
    if _quotes_a_credential_program(error):
        message = hide_token_runs(message)
    name = type(error).__name__
    return safe_line(f"{name}: {message}" if message else name)


def _quotes_a_credential_program(error: BaseException) -> bool:
    """botocore's CredentialRetrievalError from a `credential_process` program (a profile's own,
    or a source profile's, which botocore runs itself), which quotes the program's standard
    error whole."""
    kwargs = getattr(error, "kwargs", None)
    return isinstance(kwargs, dict) and kwargs.get("provider") == "custom-process"
