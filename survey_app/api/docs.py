"""The API's documentation page, drawn on the server from the generated OpenAPI document (no scripts)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import gettext

from ..taxonomy import N_
from .openapi import spec_of
from .problems import PROBLEMS
from .schemas import MAX_ROWS

bp = Blueprint("api_docs", __name__, url_prefix="/api", template_folder="templates")

METHODS = ("get", "post", "put", "patch", "delete")

#: Texts the libraries write into the document (HTTP reason phrases, pagination fields, the default problem),
#: named here so they are extracted and the page shows them translated like the API's own.
LIBRARY_TEXTS = (N_("OK"), N_("Created"), N_("Bad Request"), N_("Unauthorized"), N_("Forbidden"), N_("Not Found"),
                 N_("Conflict"), N_("Request Entity Too Large"), N_("Unprocessable Entity"), N_("Too Many Requests"),
                 N_("A problem (RFC 9457)"), N_("Total number of items."), N_("Total number of pages."),
                 N_("First available page number."), N_("Last available page number."), N_("Current page number."),
                 N_("Previous page number."), N_("Next page number."))


def translated(text: str) -> str:
    """A text of the document in the page's language (the API's summaries, descriptions and field notes are
    extracted for translation; anything else is shown as written)."""
    return gettext(text) if text else text


def type_of(schema: dict) -> str:
    """A short text for a JSON schema: ``string (date)``, ``array of CustomerRow``, ``Customer``, ``string | null``."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return schema["$ref"].rpartition("/")[2]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return type_of(schema["allOf"][0])
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    shown = []
    for kind in kinds:
        if kind == "array":
            shown.append(f"array of {type_of(schema.get('items', {}))}")
        elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            shown.append(f"map of {type_of(schema['additionalProperties'])}")
        else:
            shown.append(f"{kind} ({schema['format']})" if "format" in schema else kind)
    return " | ".join(shown)


def fields_of(schema: dict) -> list[dict]:
    """The properties of an object schema, each with its type, whether it is required, and its constraints."""
    required = set(schema.get("required", ()))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        notes = []
        if "enum" in prop:
            notes.append(" | ".join("null" if v is None else str(v) for v in prop["enum"]))
        for key, label in (("minLength", "min length"), ("maxLength", "max length"), ("minimum", "min"),
                           ("maximum", "max"), ("maxItems", "max items"), ("default", "default")):
            if key in prop:
                notes.append(f"{label} {prop[key]}")
        rows.append({"name": name, "type": type_of(prop), "required": name in required,
                     "description": translated(prop.get("description", "")), "notes": ", ".join(notes)})
    return rows


def operations(spec: dict) -> list[dict]:
    """Every operation of the document, in the order of its paths."""
    found = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            responses = []
            for status, response in op.get("responses", {}).items():
                if "$ref" in response:
                    name = response["$ref"].rpartition("/")[2]
                    response = spec["components"]["responses"][name]
                content = response.get("content", {})
                media, schema = next(iter(content.items()), (None, {}))
                responses.append({"status": status, "description": translated(response.get("description", "")),
                                  "media": media, "type": type_of(schema.get("schema", {})) if media else ""})
            found.append({"id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                          "method": method.upper(), "path": path, "summary": translated(op.get("summary", "")),
                          "description": translated(op.get("description", "")), "tags": op.get("tags", []),
                          "role": op.get("x-required-role"),
                          "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                          "type": type_of(p.get("schema", {})),
                                          "description": translated(p.get("description", ""))}
                                         for p in [*shared, *op.get("parameters", [])]],
                          "body": type_of(body) if body else None, "responses": responses})
    return found


@bp.get("/docs")
def docs():
    """The API's reference: authentication, an example, every endpoint, the schemas and the problem types."""
    spec = spec_of(current_app)
    schemas = [{"name": name, "description": translated(schema.get("description", "")), "fields": fields_of(schema)}
               for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())]
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    values = {"max": MAX_ROWS, "limit": current_app.config.get("API_RATE_LIMIT")}
    problems = [(kind, str(title), str(detail) % values) for kind, (title, detail) in PROBLEMS.items()]
    return render_template("api/docs.html", spec=spec, operations=operations(spec), schemas=schemas, problems=problems,
                           base=base, spec_url=url_for("api-docs.openapi_json"))
