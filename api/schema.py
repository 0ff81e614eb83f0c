"""The OpenAPI schema's shared parts: the Bearer secret, the scopes, and the problem details
every operation may answer with (RFC 9457)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .scopes import SCOPE_LABELS

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "description": "What kind of problem, as a URI."},
        "title": {"type": "string", "description": "The kind of problem in plain English."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong this time."},
        "errors": {
            "type": "array",
            "description": "For a refused body: each field's problem (`pupils[3].upn`).",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status"],
}

# Every operation with a secret may be refused these ways; a body's operations add 400 and 413,
# a query's 400.
_ALWAYS = {
    "401": "No secret, or a wrong, expired or revoked one.",
    "403": "The client's scopes do not include the one this operation needs.",
    "404": "No such school or record for this client (the same for another school's).",
    "429": "Too many calls from this client: wait for the time in Retry-After.",
}
_WITH_BODY = {
    "400": "The request has problems: nothing was changed (each field's problem listed).",
    "413": "The request is larger than the API takes.",
}
_WITH_QUERY = {"400": "The query has problems (each parameter's problem listed)."}


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ClientTokenAuthentication"
    name = "clientSecret"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scopes = "; ".join(f"`{s.value}`: {label}" for s, label in SCOPE_LABELS.items())
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "The client's secret, shown once when its school's DSL or headteacher (or the "
                f"trust's safeguarding officer) registers it. Scopes: {scopes}."
            ),
        }


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: the Problem component, and on every operation that
    needs a secret the problems it may answer with."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or not operation.get("security"):
                continue
            codes = dict(_ALWAYS)
            if method in {"post", "put", "patch"}:
                codes.update(_WITH_BODY)
            elif any(p.get("in") == "query" for p in operation.get("parameters", [])):
                codes.update(_WITH_QUERY)
            responses = operation.setdefault("responses", {})
            for code, text in codes.items():
                responses.setdefault(code, {"description": text})
            for code, response in responses.items():
                # An operation's own refusals (a 409, its own words for a 400) are problems too.
                if code >= "400" and "content" not in response:
                    response["content"] = {"application/problem+json": {"schema": ref}}
    return result
