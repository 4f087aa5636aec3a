"""Fields of AWS answers that drconsole cannot do without, read so that a missing one is named.

AWS always sends the names and ids a record is known by; an endpoint standing in for it (an
emulator, a proxy, a newer API) may not. A record that cannot be identified is skipped and
counted, and the count reported where it happened (`skipped_records`); an answer that lacks
what a single call needs ends that call as `IncompleteAnswer`. It is a botocore failure, so
every place that turns AWS failures into a per-account problem or an UNKNOWN fact does the
same with it (cause SERVICE_ERROR, exit 3 when it ends a command), never "a defect of
drconsole: KeyError".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError

from drconsole.models import AccountError, CauseCode
from drconsole.redact import safe_line

# The error code of an answer that lacks a field (one of aws.errors.SERVICE_ERROR_CODES).
INCOMPLETE_ANSWER = "IncompleteAnswer"


class IncompleteAnswer(BotoCoreError):
    """An answer from AWS (or the endpoint standing in for it) without a field drconsole needs."""

    fmt = "{operation}: the answer from AWS has no {field}"


def required(answer: Any, field: str, operation: str) -> Any:
    """`answer[field]`, present and not empty (a text, mapping or list), or IncompleteAnswer."""
    value = answer.get(field) if isinstance(answer, Mapping) else None
    if value is None or value == "" or isinstance(value, bool):
        raise IncompleteAnswer(operation=operation, field=field)
    return value


def required_text(answer: Any, field: str, operation: str) -> str:
    """`answer[field]` as a non-empty text, or IncompleteAnswer."""
    value = required(answer, field, operation)
    if not isinstance(value, str):
        raise IncompleteAnswer(operation=operation, field=field)
    return value


def identified(record: Any, *fields: str, operation: str) -> Any:
    """`record` itself, once each of `fields` is a non-empty text in it; else
    IncompleteAnswer."""
    for field in fields:
        required_text(record, field, operation)
    return record


def first(answer: Any, field: str, operation: str) -> Any:
    """The first member of the list `answer[field]`, or IncompleteAnswer."""
    value = required(answer, field, operation)
    if not isinstance(value, list) or not value:
        raise IncompleteAnswer(operation=operation, field=field)
    return value[0]


def text_of(record: Any, field: str) -> str:
    """`record[field]` when it is a non-empty text, else '' (also when `record` is not a
    mapping). Every converter reads its fields with it, so a dict (what botocore answers)
    is told by its exact type before the slower Mapping check."""
    value = record.get(field) if type(record) is dict or isinstance(record, Mapping) else None
    return value if isinstance(value, str) else ""


# What names a vault in a ListBackupVaults answer, as a report of skipped vaults says it.
VAULT_IDENTITY = "BackupVaultName or BackupVaultArn"


def vault_name(record: Any) -> str:
    """The name of the vault of a ListBackupVaults member, read from its ARN when AWS left
    it out ('' when neither names it)."""
    name = text_of(record, "BackupVaultName")
    return name or text_of(record, "BackupVaultArn").partition(":backup-vault:")[2]


def vault_identity(record: Any) -> tuple[str, str] | None:
    """(name, ARN) of a ListBackupVaults member, the name read from the ARN when AWS left it
    out; None when the vault cannot be named (every later call needs its name) or has no ARN
    (the address a copy is sent to)."""
    arn = text_of(record, "BackupVaultArn")
    name = vault_name(record)
    if not name or not arn:
        return None
    return name, arn


def identified_vaults(records: Iterable[Any]) -> tuple[list[dict[str, Any]], int]:
    """The ListBackupVaults members that name a vault, each with its name filled in, and how
    many did not."""
    kept: list[dict[str, Any]] = []
    skipped = 0
    for record in records:
        identity = vault_identity(record)
        if identity is None:
            skipped += 1
        else:
            kept.append({**record, "BackupVaultName": identity[0]})
    return kept, skipped


def vault_arns_of(records: Iterable[Any]) -> tuple[str, ...]:
    """The ARNs of the vaults of a ListBackupVaults answer a copy may go into: not the default
    vault, nor a vault AWS keeps for itself (aws/efs/automatic-backup-vault), nor those it
    lists without a name or an ARN."""
    from drconsole.checks.arns import RESERVED_VAULT_PREFIX

    return tuple(
        identity[1]
        for identity in map(vault_identity, records)
        if identity is not None
        and identity[0] != "Default"
        and not identity[0].startswith(RESERVED_VAULT_PREFIX)
    )


def skipped_line(skipped: int, what: str, fields: str, operation: str = "") -> str:
    """The line saying `skipped` records (`what`) were left out because the answer from AWS
    lacked `fields`, after `operation` when one is given."""
    line = f"{skipped} {what} skipped, the answer from AWS lacked their {fields}"
    return f"{operation}: {line}" if operation else line


def skipped_records(
    account_id: str, region: str, operation: str, skipped: int, what: str, fields: str
) -> AccountError:
    """The report of `skipped` records of an answer that lacked what identifies them (the
    rest of the answer was read)."""
    return AccountError(
        account_id=account_id,
        region=region,
        operation=operation,
        code=INCOMPLETE_ANSWER,
        # one line, control characters escaped: `fields` may quote an OU's path
        message=safe_line(skipped_line(skipped, what, fields, operation)),
        cause=CauseCode.SERVICE_ERROR,
        skipped=skipped,
    )
