"""botocore response parsers that report an answer not shaped like AWS's as ResponseParserError.

An endpoint that is not AWS (a proxy's login page, a web server at a mistyped AWS_ENDPOINT_URL)
may answer 200 with HTML or some other XML or JSON. botocore then fails inside its parser with a
bare KeyError or TypeError (the result element it looks for is missing), or reads a body that is
no JSON as an answer without members (and the caller fails on the first member it reads), which
no caller can tell from a defect. Here both become the ResponseParserError botocore raises for an
unreadable body, so every path shows it as the endpoint's answer, cause SERVICE_ERROR.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.parsers import BaseJSONParser, ResponseParserError, ResponseParserFactory

_BLANK = re.compile(rb"\s*\Z")
_JSON_OBJECT = re.compile(rb"\s*\{")
# What botocore's parsers raise when a well-formed body lacks the members the model expects.
SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError)


class CheckedParser:
    """A botocore parser whose failures on a foreign answer are ResponseParserError."""

    def __init__(self, parser: Any) -> None:
        self._parser = parser

    def parse(self, response: dict[str, Any], shape: Any) -> Any:
        if self._foreign_json(response, shape):
            # botocore would read it as an answer with no members at all.
            raise ResponseParserError(
                f"not an AWS answer (HTTP {response.get('status_code', '?')}, "
                "a body that is no JSON object): is the endpoint AWS?"
            )
        try:
            return self._parser.parse(response, shape)
        except ResponseParserError:
            raise
        except SHAPE_ERRORS as exc:
            raise ResponseParserError(
                f"not an AWS answer (HTTP {response.get('status_code', '?')}, "
                f"{type(exc).__name__} {exc}): is the endpoint AWS?"
            ) from None

    def _foreign_json(self, response: dict[str, Any], shape: Any) -> bool:
        """True for a successful answer of a JSON protocol whose body is not a JSON object
        (AWS's always is; botocore reads any other body as an answer with no members)."""
        if not isinstance(self._parser, BaseJSONParser) or shape is None:
            return False
        body = response.get("body")
        status = response.get("status_code", 0)
        if not isinstance(body, bytes) or not 200 <= status < 300:
            return False
        if shape.serialization.get("payload"):  # a raw payload (a document, a blob)
            return False
        return not _BLANK.match(body) and not _JSON_OBJECT.match(body)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)


class CheckedParserFactory(ResponseParserFactory):
    """A ResponseParserFactory whose parsers are CheckedParsers."""

    def create_parser(self, protocol_name: str) -> Any:
        return CheckedParser(super().create_parser(protocol_name))
