"""Real moto resources for the scenarios: the resources recovery points protect, and AWS keys.

Everything is created in moto's backends of the given account and Region, in this process, so it
is visible through moto's ordinary API over HTTP as that account.
"""

from __future__ import annotations


def aws_managed_key(account_id: str, region: str, alias: str = "aws/backup") -> str:
    """The ARN of the AWS-managed key `alias` (e.g. aws/backup, aws/ebs) of an account and Region.

    AWS creates these keys itself and no API can; moto creates some of them on first use but
    marks them customer managed. The key is created once, KeyManager AWS, with its alias.
    """
    from moto.kms.models import kms_backends

    backend = kms_backends[account_id][region]
    alias_name = f"alias/{alias}"
    for key in backend.keys.values():
        if alias_name in key.aliases:
            key.key_manager = "AWS"
            return str(key.arn)
    key = backend.create_key(
        None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", f"Default key for {alias}", None
    )
    key.key_manager = "AWS"
    backend.create_alias(key.id, alias_name)
    return str(key.arn)
