"""Which account an access key belongs to, remembered: moto looks through every account per request.

moto answers every request as the account of the caller's access key, and finds that account by
asking each account's IAM backend in each partition in turn (`get_account_id_from`). At 1,000
accounts that is thousands of look-ups per request, and the first pass creates an IAM backend
per account and partition. The sandbox remembers where each key was found and checks, before
trusting the memory, that the key is still there: a deleted key or a reset sandbox falls back to
moto's own search, so the answers are moto's.
"""

from __future__ import annotations

from typing import Any

# access key id -> (account id, partition) where the key was last found.
_found: dict[str, tuple[str, str]] = {}


def _holds(account: Any, partition: str, access_key: str) -> bool:
    # dict's own look-up: moto's backend dicts create a backend for any account or partition
    # asked with [] (a new one holds no key, so the answer is the same without it).
    backend = dict.get(account, partition) if account is not None else None
    return backend is not None and access_key in backend.access_keys


def account_of_key(access_key: str) -> str:
    """moto's `get_account_id_from`, remembering where each key was found."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends
    from moto.utilities.utils import PARTITION_NAMES

    known = _found.get(access_key)
    if known is not None and _holds(dict.get(iam_backends, known[0]), known[1], access_key):
        return known[0]
    # A list first, as moto does: other threads add accounts while this one looks.
    for account_id, account in list(dict.items(iam_backends)):
        for partition in PARTITION_NAMES:
            if _holds(account, partition, access_key):
                _found[access_key] = (account_id, partition)
                return account_id
    _found.pop(access_key, None)
    return DEFAULT_ACCOUNT_ID


def install() -> None:
    """Replace moto's access key search with the remembering one."""
    import moto.iam.models

    # moto imports the function inside the method that uses it, so the module's name is the
    # one to replace.
    moto.iam.models.get_account_id_from = account_of_key
