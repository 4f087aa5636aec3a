"""Which account an access key belongs to, remembered: moto looks through every account per request.

moto answers every request as the account of the caller's access key, and finds that account by
asking each account's IAM backend in each partition in turn (`get_account_id_from`). At 1,000
accounts that is thousands of look-ups per request, and the first pass creates an IAM backend
per account and partition. The sandbox remembers where each key was made (IAM's and STS's
temporary keys, as moto stores them) or found, and checks, before trusting the memory, that the
key is still there: a deleted key or a reset sandbox falls back to moto's own search, so the
answers are moto's. Without the keys remembered as they are made, each assumed role's first
call searched every account: at 1,000 accounts, millions of look-ups over a load.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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


def _remembering(make_key: Callable[..., Any]) -> Callable[..., Any]:
    """IAMBackend's `make_key`, remembering where the key it makes is kept."""

    @functools.wraps(make_key)
    def made(backend: Any, *args: Any, **kwargs: Any) -> Any:
        key = make_key(backend, *args, **kwargs)
        # An IAM backend sits in iam_backends[account][partition] with the partition as its
        # region name.
        _found[key.physical_resource_id] = (backend.account_id, backend.region_name)
        return key

    made.remembers = True  # type: ignore[attr-defined]
    return made


def install() -> None:
    """Replace moto's access key search with the remembering one (once per process)."""
    import moto.iam.models
    from moto.iam.models import IAMBackend

    # moto imports the function inside the method that uses it, so the module's name is the
    # one to replace.
    moto.iam.models.get_account_id_from = account_of_key
    for name in ("create_access_key", "create_temp_access_key"):
        make_key = getattr(IAMBackend, name)
        if not getattr(make_key, "remembers", False):
            setattr(IAMBackend, name, _remembering(make_key))
