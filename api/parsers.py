"""The API's JSON bodies: one that is not JSON, is not UTF-8, holds a number longer than Python
reads or nests deeper than it recurses is a 400 problem (DRF's own parser catches only the
first kinds, and the kernel's JsonBodyMiddleware leaves the API's bodies to this)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JsonParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("The JSON is nested too deeply.") from None
