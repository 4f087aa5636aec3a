"""EC2's own refusals of a request that moto would carry out: too many filter values."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

# "FilterLimitExceeded: The maximum number of filter values specified on a single call is 200"
# (EC2's answer to a Describe call whose filters carry more values in all).
MOST_FILTER_VALUES = 200
_FILTER_VALUE = re.compile(r"Filter\.\d+\.Value\.\d+")


def filter_limit_refusal(environ: dict[str, Any]) -> tuple[int, str, str] | None:
    """(status, code, message) with which EC2 refuses this request's filters, or None. The
    form body was put back by the request log."""
    stream = environ["wsgi.input"]
    body = stream.getvalue() if hasattr(stream, "getvalue") else b""
    form = parse_qs(body.decode("utf-8", "replace"))
    values = sum(len(v) for key, v in form.items() if _FILTER_VALUE.fullmatch(key))
    if values <= MOST_FILTER_VALUES:
        return None
    message = (
        f"The maximum number of filter values specified on a single call is {MOST_FILTER_VALUES}"
    )
    return 400, "FilterLimitExceeded", message
