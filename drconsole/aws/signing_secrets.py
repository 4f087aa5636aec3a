"""The credentials a session signs with, registered as secrets whatever their shape.

Redaction knows AWS's shapes (a 40-character secret key, a long base64 session token), but a
`credential_process` helper, an STS-compatible endpoint or a credentials file may hand botocore
a short token, or one with a stray newline that http.client then quotes whole in its error
("Invalid header value b'…'"). Each secret key and token is registered with `redact` as it
signs its first request, so every text drconsole shows or writes is cleaned of it.
"""

from __future__ import annotations

from typing import Any

from drconsole.redact import known_secret, register_secret

SHORTEST = 8


def install(session: Any) -> None:
    """Register the credentials of every request signed by clients of `session` (a boto3 or a
    botocore session: the caller's, a member profile's, the role template member accounts'
    clients are copied from)."""
    events = getattr(session, "events", None)  # boto3's; a botocore session registers itself
    (events or session).register("before-sign", _register_signing_credentials)


def _register_signing_credentials(request_signer: Any = None, **_: Any) -> None:
    # botocore hands the hook its RequestSigner, whose credentials it keeps in a private
    # attribute: without it (another botocore), nothing is registered and shapes still apply.
    credentials = getattr(request_signer, "_credentials", None)
    if credentials is None:
        return
    frozen = credentials.get_frozen_credentials()
    for secret in (frozen.secret_key, frozen.token):
        # A value shorter than a password's usual least would mask ordinary words everywhere
        # (a test endpoint's secret key `secret`); no credential AWS issues is that short.
        # Every request signs: the forms below are made once, when the secret is new.
        new = isinstance(secret, str) and not known_secret(secret)
        if new and len(secret.strip()) >= SHORTEST:
            register_secret(secret)
            # As errors quote it: without the whitespace around it, or as the bytes literal
            # http.client shows of a header it refuses (b'…\n').
            register_secret(secret.strip())
            register_secret(repr(secret.encode("utf-8", "replace"))[2:-1])
