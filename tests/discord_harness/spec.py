"""Match requests to Discord's OpenAPI spec and validate bodies against its schemas."""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

log = logging.getLogger(__name__)

# Discord's published OpenAPI spec (MIT, from discord/discord-api-spec), vendored so the
# tests run on a fresh clone; DISCORD_OPENAPI_SPEC points at another copy.
SPEC_PATH = Path(
    os.environ.get(
        "DISCORD_OPENAPI_SPEC", Path(__file__).resolve().parent / "data" / "discord-openapi.json"
    )
)
API_PREFIX = "/api/v10"
_SPEC_URI = "urn:discord-openapi"
_PARAM = re.compile(r"\{([^}]+)\}")
_METHODS = ("get", "put", "post", "patch", "delete")
_QUERY_BOOLEANS = frozenset({"true", "false", "1", "0"})


@dataclass(frozen=True)
class Operation:
    """One spec operation (method + templated path) with the parameters it declares."""

    method: str
    template: str
    operation_id: str
    raw: Mapping[str, Any]
    path_params: Mapping[str, Mapping[str, Any]]
    query_params: Mapping[str, Mapping[str, Any]]

    @property
    def has_body(self) -> bool:
        """Return whether the spec declares a request body."""
        return "requestBody" in self.raw

    @property
    def body_required(self) -> bool:
        """Return whether the spec marks the request body as required."""
        body = self.raw.get("requestBody", {})
        return bool(body.get("required", False))

    @property
    def needs_bot_token(self) -> bool:
        """Return whether every security alternative demands a token."""
        security = self.raw.get("security")
        if security is None:
            return False
        return all(bool(alternative) for alternative in security)


@dataclass(frozen=True)
class Match:
    """A request path resolved to an operation, with its path parameters."""

    operation: Operation
    params: Mapping[str, str]


@dataclass
class _Route:
    template: str
    regex: re.Pattern[str]
    literal_segments: int
    operations: dict[str, Operation] = field(default_factory=dict)


def _rewrite_refs(node: Any) -> Any:
    """Return a copy of a sub-schema whose local $refs point into the registered spec."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[key] = _SPEC_URI + value
            else:
                out[key] = _rewrite_refs(value)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _branch_errors(error: ValidationError) -> list[ValidationError]:
    """Pick the union branch the instance most plausibly meant, and return its errors."""
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        key = sub.relative_schema_path[0] if sub.relative_schema_path else None
        branches.setdefault(key, []).append(sub)

    def score(errs: list[ValidationError]) -> tuple[int, int]:
        # A branch whose discriminator ("type") matched is the one the sender meant.
        discriminator_miss = any(
            list(e.relative_path)[:1] == ["type"] or (e.validator == "type" and not e.relative_path)
            for e in errs
        )
        return (1 if discriminator_miss else 0, len(errs))

    if not branches:
        return []
    best = min(branches.values(), key=score)
    # When no branch even matches by type, the union's own message is the readable one.
    return [] if score(best)[0] else best


def _format_error(error: ValidationError, depth: int = 0) -> list[str]:
    """Render a schema error as `path: message`, descending into the likeliest union branch."""
    if error.context and depth < 6:
        chosen = _branch_errors(error)
        if chosen:
            lines: list[str] = []
            for sub in chosen:
                lines.extend(_format_error(sub, depth + 1))
            return lines
    message = error.message
    if len(message) > 300:
        message = message[:300] + "..."
    return [f"{error.json_path}: {message}"]


class OpenAPISpec:
    """Discord's OpenAPI document, indexed for request matching and validation."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        """Index the paths of an already loaded OpenAPI document."""
        self.document = document
        resource: Resource[Any] = Resource.from_contents(
            dict(document), default_specification=DRAFT202012
        )
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        # Discord accepts snowflakes as JSON integers in requests (py-cord sends them so),
        # while the spec types them as strings; responses stay strict.
        relaxed = copy.deepcopy(dict(document))
        strict_snowflake = relaxed["components"]["schemas"]["SnowflakeType"]
        relaxed["components"]["schemas"]["SnowflakeType"] = {
            "anyOf": [strict_snowflake, {"type": "integer", "minimum": 0}]
        }
        self._request_registry: Registry[Any] = Registry().with_resource(
            _SPEC_URI, Resource.from_contents(relaxed, default_specification=DRAFT202012)
        )
        self._routes: list[_Route] = []
        self._validators: dict[str, Draft202012Validator] = {}
        for template, item in document["paths"].items():
            self._routes.append(self._index_path(template, item))
        # Literal segments win over placeholders: /users/@me beats /users/{user_id}.
        self._routes.sort(key=lambda r: (-r.literal_segments, r.template))

    def _index_path(self, template: str, item: Mapping[str, Any]) -> _Route:
        segments = template.strip("/").split("/")
        parts: list[str] = []
        for seg in segments:
            placeholder = _PARAM.fullmatch(seg)
            parts.append(f"(?P<{placeholder.group(1)}>[^/]+)" if placeholder else re.escape(seg))
        regex_src = "/" + "/".join(parts)
        route = _Route(
            template=template,
            regex=re.compile(f"^{regex_src}$"),
            literal_segments=sum(1 for seg in segments if not _PARAM.fullmatch(seg)),
        )
        shared = list(item.get("parameters", []))
        for method in _METHODS:
            if method not in item:
                continue
            raw = item[method]
            params = [*shared, *raw.get("parameters", [])]
            route.operations[method.upper()] = Operation(
                method=method.upper(),
                template=template,
                operation_id=str(raw.get("operationId", f"{method} {template}")),
                raw=raw,
                path_params={p["name"]: p.get("schema", {}) for p in params if p["in"] == "path"},
                query_params={p["name"]: p.get("schema", {}) for p in params if p["in"] == "query"},
            )
        return route

    def match(self, method: str, path: str) -> Match | None:
        """Resolve a method and a path (with or without the /api/v10 prefix) to an operation."""
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :]
        path = path.rstrip("/") or "/"
        for route in self._routes:
            found = route.regex.match(path)
            if found is None:
                continue
            operation = route.operations.get(method.upper())
            if operation is None:
                continue
            return Match(operation=operation, params=found.groupdict())
        return None

    def path_exists(self, path: str) -> bool:
        """Return whether any method is declared for the path."""
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :]
        return any(route.regex.match(path.rstrip("/")) for route in self._routes)

    def operation(self, method: str, template: str) -> Operation:
        """Return the operation declared for a template, raising KeyError when absent."""
        for route in self._routes:
            if route.template == template and method.upper() in route.operations:
                return route.operations[method.upper()]
        raise KeyError(f"{method} {template} is not in the spec")

    def _validator(self, key: str, schema: Any, *, request: bool) -> Draft202012Validator:
        cache_key = f"{'req' if request else 'strict'}:{key}"
        cached = self._validators.get(cache_key)
        if cached is None:
            registry = self._request_registry if request else self._registry
            cached = Draft202012Validator(_rewrite_refs(schema), registry=registry)
            self._validators[cache_key] = cached
        return cached

    def validate_schema(
        self, key: str, schema: Any, instance: Any, *, request: bool = False
    ) -> list[str]:
        """Validate an instance against a spec sub-schema; return readable errors."""
        validator = self._validator(key, schema, request=request)
        errors = sorted(validator.iter_errors(instance), key=lambda e: e.json_path)
        lines: list[str] = []
        for error in errors:
            for line in _format_error(error):
                if line not in lines:
                    lines.append(line)
        return lines

    def component(self, name: str) -> Any:
        """Return a component schema by name."""
        return self.document["components"]["schemas"][name]

    def validate_component(self, name: str, instance: Any) -> list[str]:
        """Validate an instance against a named component schema."""
        return self.validate_schema(
            f"component:{name}", {"$ref": f"#/components/schemas/{name}"}, instance
        )

    def validate_params(self, match: Match) -> list[str]:
        """Validate the path parameters of a match against their declared schemas."""
        problems: list[str] = []
        op = match.operation
        for name, value in match.params.items():
            schema = op.path_params.get(name)
            if schema is None:
                continue
            for err in self.validate_schema(f"path:{op.template}:{name}", schema, value):
                problems.append(f"path parameter {name}={value!r}: {err}")
        return problems

    def validate_query(self, op: Operation, query: Iterable[tuple[str, str]]) -> list[str]:
        """Validate query parameters; strings are coerced to the declared scalar type."""
        problems: list[str] = []
        for name, text in query:
            schema = op.query_params.get(name)
            if schema is None:
                problems.append(f"query parameter {name!r} is not declared for {op.operation_id}")
                continue
            declared = schema.get("type")
            if declared == "boolean" or (isinstance(declared, list) and "boolean" in declared):
                # Discord parses query booleans leniently; py-cord sends "1" for some.
                if text.lower() not in _QUERY_BOOLEANS:
                    problems.append(f"query parameter {name}={text!r} is not a boolean")
                continue
            value = _coerce_query(text)
            errors = self.validate_schema(f"query:{op.template}:{op.method}:{name}", schema, value)
            if errors and value != text:
                # A string-typed parameter may legitimately look like a number or bool.
                errors = self.validate_schema(
                    f"query:{op.template}:{op.method}:{name}", schema, text
                )
            problems.extend(f"query parameter {name}={text!r}: {e}" for e in errors)
        return problems

    def validate_body(self, op: Operation, content_type: str, body: Any) -> list[str]:
        """Validate a JSON body against the operation's requestBody schema."""
        content = op.raw.get("requestBody", {}).get("content", {})
        # payload_json carries the JSON schema's fields; the multipart schema only adds files[n].
        schema_entry = content.get("application/json") or content.get(content_type)
        if schema_entry is None:
            return [f"{op.operation_id} declares no {content_type} body"]
        key = f"body:{op.template}:{op.method}"
        return self.validate_schema(key, schema_entry.get("schema", {}), body, request=True)

    def response_schema(self, op: Operation, status: int) -> Any | None:
        """Return the JSON schema the spec declares for a response status, if any."""
        responses = op.raw.get("responses", {})
        entry = responses.get(str(status))
        if entry is None or "$ref" in entry:
            return None
        return entry.get("content", {}).get("application/json", {}).get("schema")

    def declared_statuses(self, op: Operation) -> list[str]:
        """Return the response status keys the spec declares for an operation."""
        return list(op.raw.get("responses", {}).keys())

    def validate_response(self, op: Operation, status: int, body: Any) -> list[str]:
        """Validate a successful response body against the declared response schema."""
        declared = self.declared_statuses(op)
        if str(status) not in declared:
            return [f"{op.operation_id} declares no {status} response (has {declared})"]
        schema = self.response_schema(op, status)
        if schema is None:
            return [] if body is None else [f"{op.operation_id} {status} declares no body"]
        return self.validate_schema(f"response:{op.template}:{op.method}:{status}", schema, body)


def _coerce_query(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return text


@functools.cache
def load_spec(path: str = str(SPEC_PATH)) -> OpenAPISpec:
    """Load and index the spec once per process."""
    with open(path, encoding="utf-8") as fh:
        document = json.load(fh)
    log.debug("loaded Discord OpenAPI spec with %d paths", len(document["paths"]))
    return OpenAPISpec(document)
