"""The API's documentation as plain data for a page, read from the OpenAPI schema that
drf-spectacular generates (the same schema /api/schema/ serves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.generators import SchemaGenerator


@dataclass
class Parameter:
    name: str
    where: str
    required: bool
    kind: str
    description: str


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    request: str
    responses: list[tuple[str, str]]

    @property
    def anchor(self) -> str:
        return f"{self.method}-{self.path}".replace("/", "-").replace("{", "").replace("}", "")


@dataclass
class Component:
    name: str
    properties: list[tuple[str, str, str]]  # name, type, description


@dataclass
class Documentation:
    title: str
    version: str
    description: str
    operations: list[Operation]
    components: list[Component] = field(default_factory=list)


def _ref_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array" and "items" in schema:
        return f"list of {_ref_name(schema['items'])}"
    return str(schema.get("type", "object"))


def _kind(schema: dict[str, Any]) -> str:
    if "$ref" in schema or schema.get("type") == "array":
        return _ref_name(schema)
    if "allOf" in schema:
        return ", ".join(_ref_name(part) for part in schema["allOf"])
    kind = str(schema.get("type", ""))
    if schema.get("format"):
        kind += f" ({schema['format']})"
    if schema.get("enum"):
        kind += ": " + ", ".join(str(value) for value in schema["enum"] if value is not None)
    return kind


def documentation() -> Documentation:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in sorted(schema.get("paths", {}).items()):
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    parameters=[
                        Parameter(
                            name=parameter["name"],
                            where=parameter["in"],
                            required=bool(parameter.get("required")),
                            kind=_kind(parameter.get("schema", {})),
                            description=parameter.get("description", ""),
                        )
                        for parameter in operation.get("parameters", [])
                    ],
                    request=_ref_name(body) if body else "",
                    responses=[
                        (code, response.get("description", ""))
                        for code, response in sorted(operation.get("responses", {}).items())
                    ],
                )
            )
    components = [
        Component(
            name=name,
            properties=[
                (prop, _kind(details), details.get("description", ""))
                for prop, details in component.get("properties", {}).items()
            ],
        )
        for name, component in sorted(schema.get("components", {}).get("schemas", {}).items())
    ]
    info = schema.get("info", {})
    return Documentation(
        title=info.get("title", ""),
        version=info.get("version", ""),
        description=info.get("description", ""),
        operations=operations,
        components=components,
    )
