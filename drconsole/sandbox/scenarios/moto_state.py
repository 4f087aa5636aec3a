"""Scenario steps no AWS API offers, done on moto's in-process state (the sandbox is in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any


@cache
def _shared_rsa_key() -> Any:
    from moto.kms.utils import RSAPrivateKey

    return RSAPrivateKey(key_size=2048)


@contextmanager
def fast_symmetric_keys() -> Iterator[None]:
    """While building, give symmetric KMS keys a shared (unused) RSA key instead of a new one.

    moto generates a 2048-bit RSA key for every key it creates, even symmetric ones, which only
    asymmetric operations use; that costs about 70 ms per key. Keys created outside this block
    are unaffected.
    """
    from moto.kms import models

    original = models.generate_private_key

    def generate(key_spec: str) -> Any:
        if key_spec == "SYMMETRIC_DEFAULT":
            return _shared_rsa_key()
        return original(key_spec)

    models.generate_private_key = generate
    try:
        yield
    finally:
        models.generate_private_key = original


def seed_moto_random(seed: int) -> None:
    """Make generated identifiers (account ids, key ids, recovery point ARNs) repeat."""
    from moto.moto_api._internal import mock_random

    from drconsole.sandbox.store import seed_ids

    mock_random.seed(seed)
    seed_ids(seed)


def name_management_account(account_id: str, name: str) -> None:
    """Give the management account a name (moto calls it "master"; AWS keeps the one chosen)."""
    from moto.organizations.models import organizations_backends

    for account in organizations_backends[account_id]["aws"].accounts:
        if account.id == account_id:
            account.name = name
