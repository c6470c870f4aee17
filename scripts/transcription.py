"""Compare the hand-written ModelArts spec with the vendor's pages, table by table and row by row.

Each page's parsed model (scripts/rst_tables.py) is matched to the spec's operation with the same method and URI:
its parameters (name, location, Mandatory, type, description, options), its request and response bodies and every
nested object table (name, Mandatory, type, options of each row), its status codes and its example responses.
A body row's description is not compared: pages sharing an object word its rows differently. Every message names
the page, the table, the row and the difference, on one line.

How the spec spells a page's types: String `type: string`; Integer `type: integer` (format int32 or none); Long
`format: int64`; Float and Double `type: number` with that format; Number `type: number`; Boolean; Object
`type: object` (free-form); "X object" a `$ref` to `#/components/schemas/X`; "Array of ..." `type: array` with
those `items`; "Map<String,V>" `type: object` with `additionalProperties: V`. "Options:" of an integer field are
its `enum`; of any other field, the bold leads of the list under "Options:" in its markdown description.

Constraints come from a row's own sentences: "The value ranges from 1 to 100." (numeric rows) is `minimum: 1` and
`maximum: 100`, "The minimum value is 1." `minimum: 1`, "The default value is 10." `default: 10`. A range, length,
pattern or default the spec sets must be one its row states, with the same value; a parameter (what the client
sends) must also carry every range and default its row states. A body field need not: answers are read tolerantly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from docutils import nodes  # type: ignore[import-untyped]
from rst_tables import Field, Page, Parameter, Table, other_response_name, parse_rst

SCHEMAS = "#/components/schemas/"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MANDATORY = {True: "Yes", False: "No"}
# A page's Type cell (lowercased), and the plural an "Array of ..." type uses, as a canonical type.
SCALARS: dict[str, tuple[Any, ...]] = {
    "string": ("string",),
    "integer": ("integer", "int32"),
    "int": ("integer", "int32"),
    "long": ("integer", "int64"),
    "float": ("number", "float"),
    "double": ("number", "double"),
    "number": ("number", None),
    "boolean": ("boolean",),
    "bool": ("boolean",),
    "object": ("object",),
}
SPELLED = {
    ("string",): "String",
    ("integer", "int32"): "Integer",
    ("integer", "int64"): "Long",
    ("number", "float"): "Float",
    ("number", "double"): "Double",
    ("number", None): "Number",
    ("boolean",): "Boolean",
    ("object",): "Object",
}

Type = tuple[Any, ...]  # ("string",), ("integer", "int64"), ("ref", "Event"), ("array", Type), ("map", Type), ...


def page_type(text: str, linked: str | None) -> Type | None:
    """The canonical type of a page's Type cell; `linked` is the object table the cell links to."""
    low = " ".join(text.lower().split())
    if linked is not None:
        if re.fullmatch(r"(array|list) of .+ objects?", low):
            return ("array", ("ref", linked))
        return ("ref", linked) if low.endswith(" object") else None
    if low in SCALARS:
        return SCALARS[low]
    inner = None
    if match := re.fullmatch(r"(?:array|list) of (\w+?)s?", low):
        inner = SCALARS.get(match[1])
    elif match := re.fullmatch(r"(?:array|list)\s*<(.+)>|(.+)\[\]", low):
        inner = page_type(match[1] or match[2], None)
    elif match := re.fullmatch(r"map\s*<\s*string\s*,(.+)>", low):
        value = page_type(match[1], None)
        return ("map", value) if value is not None else None
    return ("array", inner) if inner is not None else None


def resolve(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow local `$ref`s; None when one does not resolve (the OpenAPI validation reports those)."""
    for _ in range(32):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            return node
        node = spec
        for part in unquote(ref.removeprefix("#")).split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, dict) else None
    return None


def spec_type(schema: Any) -> Type | None:
    """The canonical type of a spec schema, or None when it is none of the shapes a page can give."""
    if not isinstance(schema, dict):
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ("ref", ref.removeprefix(SCHEMAS)) if ref.startswith(SCHEMAS) else None
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer":
        return ("integer", fmt or "int32")
    if kind == "number":
        return ("number", fmt)
    if kind in ("string", "boolean"):
        return (kind,)
    if kind == "array":
        inner = spec_type(schema.get("items"))
        return ("array", inner) if inner is not None else None
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        value = spec_type(schema["additionalProperties"])
        return ("map", value) if value is not None else None
    if kind == "object" and not schema.get("properties"):
        return ("object",)
    return None


def spelled(kind: Type | None, *, generic: bool = False) -> str:
    """A canonical type as the page would write it ("Array of Event objects", "Map<String,Array<String>>")."""
    if kind is None:
        return "no type a page can give"
    if kind in SPELLED:
        return SPELLED[kind]
    if kind[0] == "ref":
        return f"{kind[1]} object"
    if kind[0] == "map":
        return f"Map<String,{spelled(kind[1], generic=True)}>"
    if kind[0] == "array":
        inner = kind[1]
        if generic:
            return f"Array<{spelled(inner, generic=True)}>"
        if inner[0] == "ref":
            return f"Array of {inner[1]} objects"
        return f"Array of {spelled(inner).lower()}s" if inner in SPELLED else f"Array of {spelled(inner)}"
    return repr(kind)


def markdown_text(text: str) -> str:
    """Render the markdown a description uses (lists, links, emphasis, code, escapes) as plain text, as RST renders."""
    escaped: list[str] = []

    def keep(match: re.Match[str]) -> str:
        escaped.append(match[1])
        return f"\x00{len(escaped) - 1}\x00"

    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!<>])", keep, text)
    text = re.sub(r"(?m)^\s*[-*+]\s+", "", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"\x00(\d+)\x00", lambda match: escaped[int(match[1])], text)
    return " ".join(text.split())


def described_options(description: Any) -> tuple[str, ...]:
    """The bold leads (else the text before a colon) of the markdown list under a line ending "Options:"."""
    values: list[str] = []
    lines = str(description or "").splitlines()
    for index, line in enumerate(lines):
        if not line.rstrip().lower().endswith("options:"):
            continue
        for item in lines[index + 1 :]:
            if not item.strip():
                continue
            match = re.match(r"\s*[-*+]\s+(.*)", item)
            if match is None:
                break
            lead = re.match(r"(\*\*|`)(.+?)\1", match[1])
            values.append(markdown_text(lead[2]) if lead else markdown_text(match[1].split(":", 1)[0]))
    return tuple(values)


# A schema's constraints, and how a page words each ("The value ranges from 1 to 100. The default value is 10.").
CONSTRAINTS = {
    "minimum": "minimum", "maximum": "maximum", "default": "default value",
    "exclusiveMinimum": "exclusive minimum", "exclusiveMaximum": "exclusive maximum", "multipleOf": "multiple",
    "minLength": "minimum length", "maxLength": "maximum length", "pattern": "pattern",
    "minItems": "minimum item count", "maxItems": "maximum item count",
}  # fmt: skip
_NUMBER = r"(-?\d+(?:\.\d+)?)"
_SENTENCE = r"(?:^|(?<=[.:] ))"  # at the start of a sentence: "If ..., the default value is 0" is not a default
RANGE = re.compile(rf"{_SENTENCE}The value ranges from {_NUMBER} to {_NUMBER}\b")
BOUND = re.compile(rf"{_SENTENCE}The (minimum|maximum) value is {_NUMBER}\b")
DEFAULT = re.compile(rf"{_SENTENCE}The default value is (?:{_NUMBER}(?![\w.]\w)|(true|false)\b|([A-Za-z_][\w-]*))")


def stated_constraints(text: str) -> dict[str, Any]:
    """The range and default a row's description states, as JSON values."""
    stated: dict[str, Any] = {}
    if match := RANGE.search(text):
        stated["minimum"], stated["maximum"] = json.loads(match[1]), json.loads(match[2])
    for bound in BOUND.finditer(text):
        stated[bound[1]] = json.loads(bound[2])
    if match := DEFAULT.search(text):
        number, boolean, word = match.groups()
        stated["default"] = json.loads(number or boolean) if number or boolean else word
    return stated


def _numeric(kind: Type | None) -> bool:
    """Whether a canonical type is a number, the only kind a range can bound."""
    return kind is not None and kind[0] in ("integer", "number")


def _same(stated: Any, actual: Any) -> bool:
    """A page's value and the spec's: numbers by value (10 is 10.0), a text default by its words, else exactly."""
    if isinstance(stated, (int, float)) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return bool(stated == actual)
    if isinstance(actual, str):
        return actual == (stated if isinstance(stated, str) else _json(stated))
    return bool(stated == actual and type(stated) is type(actual))


def _json(value: Any) -> str:
    """A spec value as YAML/JSON spells it (true, false, null)."""
    return json.dumps(value) if isinstance(value, bool) or value is None else str(value)


@dataclass
class Comparison:
    """One page against the spec: the problems found and the component schemas the page accounts for."""

    page: Page
    spec: Mapping[str, Any]
    spec_name: str
    problems: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)

    @property
    def page_name(self) -> str:
        """The page, as messages name it."""
        return self.page.path.name

    def problem(self, where: str, text: str) -> None:
        """Record one difference, prefixed with the page and the table (and row) it is in."""
        self.problems.append(f"{self.page_name}: {where}: {text}")

    def row(self, table: str, name: str) -> str:
        """Name a table row in a message."""
        return f"{table}, row {name!r}"

    def types(self, where: str, text: str, linked: str | None, schema: Any, at: str) -> Type | None:
        """Compare a Type cell with a schema; return the page's canonical type."""
        expected = page_type(text, linked)
        actual = spec_type(schema if _is_ref(schema) else resolve(self.spec, schema))
        if expected is None:
            self.problem(where, f"Type {text!r} names no OpenAPI type this check knows")
        elif expected != actual:
            self.problem(
                where, f"Type is {text!r} in {self.page_name} but {spelled(actual)!r} in {self.spec_name} ({at})"
            )
        return expected

    def options(
        self, where: str, page_values: tuple[str, ...], kind: Type | None, schema: Any, description: Any, at: str
    ) -> None:
        """Compare the page's "Options:" values with the schema's enum (integers) or the description's options."""
        target = resolve(self.spec, schema)
        target = target if isinstance(target, dict) else {}
        if kind is not None and kind[0] == "array" and isinstance(target.get("items"), dict):
            item = resolve(self.spec, target["items"])
            if isinstance(item, dict) and "enum" in item:
                target = item
        integer = kind is not None and (kind[0] == "integer" or (kind[0] == "array" and kind[1][0] == "integer"))
        if "enum" in target or integer:
            values, source = tuple(_json(v) for v in target.get("enum") or []), "enum"
        else:
            values, source = described_options(description), "the options its description lists"
        if tuple(page_values) != values:
            self.problem(
                where,
                f"Options are {list(page_values)} in {self.page_name} but {source} is {list(values)}"
                f" in {self.spec_name} ({at})",
            )

    def constraints(self, where: str, text: str, kind: Type | None, schema: Any, at: str, *, sent: bool) -> None:
        """Every range, length, pattern or default of the schema is one the page states, with the page's value; a
        parameter (what the client sends) also carries every range and default its row states."""
        target = resolve(self.spec, schema)
        if not isinstance(target, dict):
            return
        stated = stated_constraints(text)
        for key in CONSTRAINTS:
            if key not in target:
                continue
            if key not in stated:
                self.problem(
                    where,
                    f"{self.spec_name} sets {key}: {_json(target[key])} ({at}) but {self.page_name} states no"
                    f" {CONSTRAINTS[key]} for it",
                )
            elif not _same(stated[key], target[key]):
                self.problem(
                    where,
                    f"{self.page_name} states {CONSTRAINTS[key]} {_json(stated[key])} but {self.spec_name} has"
                    f" {key}: {_json(target[key])} ({at})",
                )
        for key, value in stated.items() if sent else ():
            if key not in target and (key == "default" or _numeric(kind)):  # "ranges from 0 to 1" of a text
                self.problem(
                    where,
                    f"{self.page_name} states {CONSTRAINTS[key]} {_json(value)} but {self.spec_name} has no"
                    f" {key} ({at})",
                )

    # --- parameters -------------------------------------------------------------------------------------------

    def parameters(self, item: Mapping[str, Any], operation: Mapping[str, Any], at: str) -> None:
        """Compare the page's parameter rows with the spec's parameters, by name and location."""
        merged: dict[tuple[Any, Any], tuple[Mapping[str, Any], str]] = {}
        for where, raws in ((at.rsplit("/", 1)[0], item.get("parameters")), (at, operation.get("parameters"))):
            for index, raw in enumerate(raws if isinstance(raws, list) else []):
                parameter = resolve(self.spec, raw)
                if isinstance(parameter, dict):
                    merged[parameter.get("name"), parameter.get("in")] = (parameter, f"{where}/parameters/{index}")
        seen: set[tuple[str, str]] = set()
        for row in self.page.parameters:
            key = (row.name, row.location)
            where = self.row(row.table, row.name)
            if key in seen:
                self.problem(where, "a second row for the same parameter")
            elif key not in merged:
                self.problem(where, f"an in: {row.location} parameter in {self.page_name} but not in {self.spec_name}")
            else:
                self.parameter(row, *merged[key])
            seen.add(key)
        for (name, location), (_, pointer) in merged.items():
            if (name, location) not in seen:
                self.problems.append(
                    f"{self.page_name}: parameter {name!r} (in: {location}) is in {self.spec_name} ({pointer})"
                    f" but in no parameter table of {self.page_name}"
                )

    def parameter(self, row: Parameter, parameter: Mapping[str, Any], at: str) -> None:
        """Compare one parameter row: Mandatory, Type, Options and Description."""
        where = self.row(row.table, row.name)
        required = parameter.get("required", False)
        if row.required is not required:
            self.problem(
                where,
                f"Mandatory is {MANDATORY[row.required]!r} in {self.page_name} but required: {_json(required)}"
                f" in {self.spec_name} ({at})",
            )
        kind = self.types(where, row.type, None, parameter.get("schema"), f"{at}/schema")
        self.options(where, row.options, kind, parameter.get("schema"), parameter.get("description"), at)
        self.constraints(where, row.description, kind, parameter.get("schema"), f"{at}/schema", sent=True)
        description = markdown_text(str(parameter.get("description", "")))
        if row.description != description:
            self.problem(
                where,
                f"Description is {row.description!r} in {self.page_name} but {description!r}"
                f" in {self.spec_name} ({at})",
            )

    # --- bodies and objects -----------------------------------------------------------------------------------

    def fields(self, table: Table, schema: Any, at: str) -> None:
        """Compare a body or object table with an object schema, row by row."""
        if _is_ref(schema):
            name = schema["$ref"].removeprefix(SCHEMAS)
            self.reached.add(name)
            at = f"/components/schemas/{name}"
        target = resolve(self.spec, schema)
        if not isinstance(target, dict) or not isinstance(target.get("properties"), dict):
            self.problem(table.title, f"{self.spec_name} has no object schema with properties for it ({at})")
            return
        properties, required = target["properties"], target.get("required") or []
        seen: set[str] = set()
        for row in table.fields:
            where = self.row(table.title, row.name)
            if row.name in seen:
                self.problem(where, "a second row for the same field")
            elif row.name not in properties:
                self.problem(where, f"in {self.page_name} but not in {self.spec_name} ({at}/properties)")
            else:
                self.field(row, properties[row.name], row.name in required, f"{at}/properties/{_escape(row.name)}")
            seen.add(row.name)
        for name in properties:
            if name not in seen:
                self.problem(
                    table.title,
                    f"property {name!r} is in {self.spec_name} ({at}/properties/{_escape(name)})"
                    f" but the table has no row for it",
                )

    def field(self, row: Field, schema: Any, required: bool, at: str) -> None:
        """Compare one body or object row: Mandatory, Type and Options."""
        where = self.row(row.table, row.name)
        if row.required is None and required:
            self.problem(where, f"the table has no Mandatory column but {self.spec_name} requires it ({at})")
        elif row.required is not None and row.required is not required:
            self.problem(
                where,
                f"Mandatory is {MANDATORY[row.required]!r} in {self.page_name} but it is"
                f" {'' if required else 'not '}required in {self.spec_name} ({at})",
            )
        kind = self.types(where, row.type, row.object, schema, at)
        target = resolve(self.spec, schema)
        description = target.get("description") if isinstance(target, dict) else None
        self.options(where, row.options, kind, schema, description, at)
        self.constraints(where, row.description, kind, schema, at, sent=False)

    def objects(self) -> None:
        """Compare every nested table of the page with the component schema of its name."""
        schemas = self.spec.get("components", {}).get("schemas", {})
        for name, table in self.page.objects.items():
            if not isinstance(schemas, dict) or name not in schemas:
                self.problem(table.title, f"no schema {name!r} in {self.spec_name} (/components/schemas)")
            else:
                self.fields(table, {"$ref": f"{SCHEMAS}{name}"}, f"/components/schemas/{name}")

    def body(self, table: Table | None, holder: Any, what: str, at: str) -> None:
        """Compare a request or response body table with the JSON schema of a request body or response."""
        content = holder.get("content") if isinstance(holder, dict) else None
        media = content.get("application/json") if isinstance(content, dict) else None
        if table is None:
            if isinstance(content, dict) and content:
                self.problems.append(
                    f"{self.page_name}: {what} has a body in {self.spec_name} ({at}/content) but the page documents"
                    " no body parameters"
                )
            return
        if not isinstance(media, dict) or "schema" not in media:
            self.problem(table.title, f"{what} has no application/json schema in {self.spec_name} ({at})")
            return
        self.fields(table, media["schema"], f"{at}/content/application~1json/schema")

    # --- the operation ----------------------------------------------------------------------------------------

    def operation(self) -> None:
        """Compare the page with the spec's operation of the same method and URI."""
        page = self.page
        found = find_operation(self.spec, page.method, page.uri)
        if found is None:
            self.problems.append(f"{self.page_name}: {self.spec_name} has no operation {page.method} {page.uri}")
            return
        item, operation, at = found
        self.parameters(item, operation, at)
        body = resolve(self.spec, operation.get("requestBody"))
        self.body(page.request_body, body, "the request", f"{at}/requestBody")
        responses = operation.get("responses") if isinstance(operation.get("responses"), dict) else {}
        codes = {str(code): response for code, response in responses.items()}
        self.statuses(codes)
        success = [code for code in page.status_codes if 200 <= code < 300]
        primary = page.response_status or (success[0] if success else None)
        for code in success if page.response_body is None else [primary]:
            response = resolve(self.spec, codes.get(str(code)))
            self.body(page.response_body, response, f"response {code}", f"{at}/responses/{code}")
        for code, table in page.other_responses.items():
            named = Table(other_response_name(code), table.fields)
            self.body(named, resolve(self.spec, codes.get(str(code))), f"response {code}", f"{at}/responses/{code}")
        self.examples(codes, at)
        self.objects()

    def statuses(self, codes: Mapping[str, Any]) -> None:
        """Compare the Status Codes table with the spec's response keys."""
        page_codes = [str(code) for code in self.page.status_codes]
        for code in page_codes:
            if code not in codes:
                self.problem("Status Codes", f"status code {code} is in {self.page_name} but not in {self.spec_name}")
        for code in codes:
            if code not in page_codes:
                self.problem("Status Codes", f"status code {code} is in {self.spec_name} but not in {self.page_name}")

    def examples(self, codes: Mapping[str, Any], at: str) -> None:
        """Each example response the page gives is the spec's example for that response, value for value."""
        for status, value in self.page.examples.items():
            response = resolve(self.spec, codes.get(str(status)))
            content = response.get("content") if isinstance(response, dict) else None
            media = content.get("application/json") if isinstance(content, dict) else None
            where = f"{at}/responses/{status}"
            if not isinstance(media, dict):
                if value not in ({}, []):
                    self.problem("Example Responses", f"status {status} has an example body but {where} has none")
                continue
            if "example" not in media:
                self.problem("Example Responses", f"the example for status {status} is missing from {where}")
            elif (difference := first_difference(value, media["example"])) is not None:
                self.problem(
                    "Example Responses",
                    f"the example for status {status} differs from {self.spec_name}'s ({where}/content/"
                    f"application~1json/example) at {difference or '/'}",
                )


def _is_ref(schema: Any) -> bool:
    """Whether a schema is a `$ref` to a component schema."""
    return isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith(SCHEMAS)


def _escape(part: str) -> str:
    """Escape one JSON pointer segment."""
    return part.replace("~", "~0").replace("/", "~1")


def find_operation(spec: Mapping[str, Any], method: str, uri: str) -> tuple[Mapping[str, Any], Any, str] | None:
    """The path item, operation and pointer of the spec's operation for METHOD URI."""
    paths = spec.get("paths")
    item = paths.get(uri) if isinstance(paths, dict) else None
    operation = item.get(method.lower()) if isinstance(item, dict) else None
    if not isinstance(operation, dict):
        return None
    assert isinstance(item, dict)
    return item, operation, f"/paths/{_escape(uri)}/{method.lower()}"


def operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every (METHOD, path) of the spec."""
    paths = spec.get("paths")
    for uri, item in paths.items() if isinstance(paths, dict) else ():
        for method in HTTP_METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                yield method.upper(), str(uri)


def first_difference(left: Any, right: Any, at: str = "") -> str | None:
    """The JSON pointer of the first place two JSON values differ ("" for the root), or None when equal."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in [*left, *(k for k in right if k not in left)]:
            if key not in left or key not in right:
                return f"{at}/{_escape(str(key))}"
            found = first_difference(left[key], right[key], f"{at}/{_escape(str(key))}")
            if found is not None:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            found = first_difference(a, b, f"{at}/{index}")
            if found is not None:
                return found
        return None if len(left) == len(right) else f"{at}/{min(len(left), len(right))}"
    same = (left == right and type(left) is type(right)) or (_number(left) and _number(right) and left == right)
    return None if same else at


def _number(value: Any) -> bool:
    """An int or float, but not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def compare_page(page: Page, spec: Mapping[str, Any], spec_name: str) -> Comparison:
    """Every difference between one page and the spec's operation for it."""
    comparison = Comparison(page, spec, spec_name)
    comparison.operation()
    return comparison


def error_bodies(path: Path) -> list[dict[str, Any]]:
    """The JSON objects with an "error_code" that a page shows in its code blocks."""
    bodies = []
    for block in parse_rst(path).findall(nodes.literal_block):
        try:
            value = json.loads(block.astext())
        except ValueError:
            continue
        if isinstance(value, dict) and "error_code" in value:
            bodies.append(value)
    return bodies


def compare_error_page(path: Path, spec: Mapping[str, Any], spec_name: str) -> list[str]:
    """The spec's Error schema holds the error body the page documents, is its example, and every error uses it."""
    name = path.name
    bodies = error_bodies(path)
    if not bodies:
        return [f"{name}: no JSON error body (an object with error_code) in its code blocks"]
    schema = resolve(spec, {"$ref": f"{SCHEMAS}Error"})
    at = "/components/schemas/Error"
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return [f"{name}: {spec_name} has no Error schema with properties ({at}) for the error body it documents"]
    problems = []
    for body in bodies:
        for key, value in body.items():
            kind = spec_type(resolve(spec, schema["properties"].get(key)))
            if key not in schema["properties"]:
                problems.append(f"{name}: the error body's {key!r} is not a property of {spec_name}'s Error ({at})")
            elif not isinstance(value, str) or kind != ("string",):
                problems.append(f"{name}: the error body's {key!r} is {value!r} but {spelled(kind)!r} in {at}")
    if (difference := first_difference(bodies[0], schema.get("example"))) is not None:
        problems.append(
            f"{name}: the error body differs from {spec_name}'s Error example ({at}/example) at {difference or '/'}"
        )
    for method, uri in operations(spec):
        found = find_operation(spec, method, uri)
        assert found is not None
        _, operation, pointer = found
        responses = operation.get("responses") if isinstance(operation.get("responses"), dict) else {}
        for code, response in responses.items():
            content = resolve(spec, response).get("content") if isinstance(resolve(spec, response), dict) else None
            media = content.get("application/json") if isinstance(content, dict) else None
            if str(code)[0] in "45" and isinstance(media, dict) and media.get("schema") != {"$ref": f"{SCHEMAS}Error"}:
                problems.append(
                    f"{name}: response {code} of {method} {uri} ({pointer}/responses/{code}) is not the documented"
                    f" error body ($ref {SCHEMAS}Error)"
                )
    return problems
