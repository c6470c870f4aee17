"""Fail when a spec drifts from its source, is invalid, or carries an example its own schema rejects.

Checks, each reported as one line on stderr (exit 1 when there is any):
- both specs are valid OpenAPI (openapi-spec-validator) and every example matches its schema (jsonschema);
- the Gcore vendor files and the ModelArts RST page still have the sha256 their provenance.json records;
- slicing the Gcore aggregated spec for the seed page's operation gives the seed page's YAML (check_gcore.py);
- the hand-written ModelArts spec transcribes the RST page: method, URI template, each path parameter
  (name, Mandatory, Type, Description) and the exact set of status codes.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote, unquote

import yaml
from docutils import nodes  # type: ignore[import-untyped]
from docutils.core import publish_doctree  # type: ignore[import-untyped]
from docutils.parsers.rst import Directive, directives, roles  # type: ignore[import-untyped]
from docutils.readers import standalone  # type: ignore[import-untyped]
from jsonschema import Draft4Validator, Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import UnknownType, best_match  # type: ignore[import-untyped]
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4, DRAFT202012

sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_gcore

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "check-specs"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The page's Type column, lowercased, mapped to the OpenAPI schema type it means.
RST_TYPES = {
    "string": "string",
    "integer": "integer",
    "int": "integer",
    "long": "integer",
    "number": "number",
    "float": "number",
    "double": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "object": "object",
    "array": "array",
}
RST_MANDATORY = {"yes": True, "no": False}
# docutils ERROR (3) and SEVERE (4) messages fail the check; INFO and WARNING do not.
DOCUTILS_ERROR = 3
DOCUTILS_SETTINGS = {
    "report_level": 5,  # print nothing: every message is collected and reported by this script
    "halt_level": 5,  # never raise: collect all messages, then fail on any ERROR
    "_disable_config": True,
    "file_insertion_enabled": False,
    "raw_enabled": False,
}
SPHINX_ROLES = (
    "ref", "doc", "numref", "term", "download", "any", "abbr", "command", "dfn", "envvar", "file",
    "guilabel", "kbd", "keyword", "menuselection", "mimetype", "option", "program", "samp", "token",
)  # fmt: skip
SPHINX_DIRECTIVES = (
    "toctree", "only", "versionadded", "versionchanged", "deprecated", "seealso", "centered", "hlist",
    "tabularcolumns", "index", "glossary", "literalinclude", "highlight", "productionlist",
)  # fmt: skip
# Keys whose value maps names to objects: a name such as "schema" or "example" there is not a keyword.
OPENAPI_MAPS = frozenset(
    {
        "paths", "webhooks", "callbacks", "responses", "content", "encoding", "headers", "links", "variables",
        "parameters", "requestBodies", "securitySchemes", "pathItems", "mapping", "scopes",
    }
)  # fmt: skip
SUBSCHEMA_KEYS = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema",
)  # fmt: skip
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SPEC_URI = "urn:aitasks:openapi"

P = ParamSpec("P")
T = TypeVar("T")


class CheckError(Exception):
    """Input the check cannot work on (a missing file, bad YAML, a page without its tables): one line each."""

    def __init__(self, *lines: str) -> None:
        super().__init__(*lines)
        self.lines = lines


@dataclass(frozen=True)
class Paths:
    """The files the check reads, all under one root so tests can point it at a modified copy."""

    gcore_spec: Path
    gcore_provenance: Path
    modelarts_spec: Path
    modelarts_rst: Path
    modelarts_provenance: Path

    @classmethod
    def under(cls, root: Path) -> Paths:
        """Lay the files out as this repository does."""
        gcore, modelarts = root / "specs" / "gcore", root / "specs" / "modelarts"
        return cls(
            gcore_spec=gcore / "openapi.yaml",
            gcore_provenance=gcore / "provenance.json",
            modelarts_spec=modelarts / "openapi.yaml",
            modelarts_rst=modelarts / "source.rst",
            modelarts_provenance=modelarts / "provenance.json",
        )


def shown(path: Path) -> str:
    """Name a file relative to the working directory when it is below it, as a user would type it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def one_line(text: str, limit: int = 300) -> str:
    """Squeeze a message onto one line so every problem stays one line of output."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_bytes(path: Path) -> bytes:
    """Read a file, turning a missing or unreadable file into one line naming it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CheckError(f"{shown(path)}: file not found") from None
    except OSError as exc:
        raise CheckError(f"{shown(path)}: cannot read the file: {exc.strerror}") from None


# --- YAML and provenance --------------------------------------------------------------------------------------


class _SpecLoader(yaml.SafeLoader):
    """YAML read as JSON would: timestamps stay strings, and a repeated key is an error, not a silent overwrite."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping_without_duplicates(loader: _SpecLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """Build a mapping, refusing a key written twice (PyYAML would keep the last one silently)."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_SpecLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Say what is wrong in a YAML file and where, on one line."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem or exc.context} (line {mark.line + 1}, column {mark.column + 1})"
    return one_line(str(exc))


def load_spec(path: Path) -> dict[str, Any]:
    """Load an OpenAPI YAML file, with one line for a missing, malformed or non-mapping file."""
    raw = read_bytes(path)
    try:
        spec = yaml.load(raw, Loader=_SpecLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CheckError(f"{shown(path)}: malformed YAML: {_yaml_problem(exc)}") from None
    if not isinstance(spec, dict):
        raise CheckError(f"{shown(path)}: not an OpenAPI document (the YAML is not a mapping)")
    return spec


def recorded_sha256(provenance: Path) -> str:
    """Return the sha256 a provenance record pins, with one line when the record is missing or incomplete."""
    try:
        record = json.loads(read_bytes(provenance))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckError(f"{shown(provenance)}: malformed JSON: {one_line(str(exc))}") from None
    sha = record.get("sha256") if isinstance(record, dict) else None
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise CheckError(f'{shown(provenance)}: no "sha256" field holding 64 lowercase hex digits')
    return sha


def check_pin(path: Path, provenance: Path) -> list[str]:
    """Compare a vendor file with the sha256 its provenance records, so that no changed byte goes unnoticed."""
    expected = recorded_sha256(provenance)
    actual = hashlib.sha256(read_bytes(path)).hexdigest()
    if actual == expected:
        return []
    return [
        f"{shown(path)}: sha256 is {actual} but {shown(provenance)} records {expected}; the vendor file must stay"
        " byte-for-byte as retrieved (restore it, or record the new sha256 when the vendor's page changed)"
    ]


# --- OpenAPI validity and examples ----------------------------------------------------------------------------


def _pointer(parts: Iterator[Any] | Any) -> str:
    """Spell a path of keys and indexes as a JSON pointer."""
    return "".join(f"/{_escape(part)}" for part in parts) or "/"


def _escape(part: Any) -> str:
    """Escape one JSON pointer segment."""
    return str(part).replace("~", "~0").replace("/", "~1")


def _is_31(spec: Mapping[str, Any]) -> bool:
    """Tell a 3.1 document (JSON Schema 2020-12 schemas) from a 3.0 one."""
    return str(spec.get("openapi", "")).startswith("3.1")


def validate_openapi(spec: Mapping[str, Any], path: Path) -> list[str]:
    """Validate the document against the OpenAPI schema of its declared version."""
    version = str(spec.get("openapi", ""))
    validators = {"3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator}
    validator = validators.get(version[:3]) if re.fullmatch(r"3\.[01]\.\d+", version) else None
    if validator is None:
        found = repr(spec["openapi"]) if "openapi" in spec else "missing"
        return [f"{shown(path)}: openapi is {found}, expected 3.0.x or 3.1.x"]
    problems: list[str] = []
    try:
        for error in validator(spec).iter_errors():
            problems.append(f"{shown(path)}: not valid OpenAPI {version}: {_openapi_problem(spec, error)}")
    except Unresolvable as exc:
        problems.append(f"{shown(path)}: $ref {exc.ref!r} does not resolve")
    except Exception as exc:  # openapi-spec-validator 0.8 crashes (KeyError, ...) on some malformed documents
        if not problems:
            crash = one_line(f"{type(exc).__name__}: {exc}")
            problems.append(f"{shown(path)}: not valid OpenAPI {version}: the validator gave up on it ({crash})")
    return problems


def _node_at(spec: Mapping[str, Any], parts: Any) -> Any:
    """Return the node at a validator's path (which may spell the key "404" as 404), or None."""
    node: Any = spec
    for part in parts:
        if isinstance(node, dict):
            node = node.get(part, node.get(str(part)))
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def _openapi_problem(spec: Mapping[str, Any], error: Any) -> str:
    """Describe a validation error without the dump of the whole offending object that leads its message."""
    message = error.message.splitlines()[0]
    node = _node_at(spec, error.path)
    try:
        leading, end = json.JSONDecoder().raw_decode(message)
    except json.JSONDecodeError:
        leading, end = None, 0
    if end and isinstance(node, (dict, list)) and leading == node:
        message = ("the object" if isinstance(node, dict) else "the array") + message[end:]
    return f"{one_line(message)} (at {_pointer(error.path)})"


@dataclass(frozen=True)
class Example:
    """One example value, where it is written, and the pointer of the schema it must match."""

    where: str
    schema: str
    value: Any


def _schema_nodes(schema: Any, ptr: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield a schema and every schema written inside it, with their JSON pointers."""
    if not isinstance(schema, dict):
        return
    yield ptr, schema
    for key in SUBSCHEMA_KEYS:
        if isinstance(schema.get(key), dict):
            yield from _schema_nodes(schema[key], f"{ptr}/{_escape(key)}")
    for key in SUBSCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            for index, sub in enumerate(schema[key]):
                yield from _schema_nodes(sub, f"{ptr}/{key}/{index}")
    for key in SUBSCHEMA_MAPS:
        if isinstance(schema.get(key), dict):
            for name, sub in schema[key].items():
                yield from _schema_nodes(sub, f"{ptr}/{_escape(key)}/{_escape(name)}")


def walk(node: Any, ptr: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield ("schema", pointer, node) for every schema and ("media", pointer, node) for every object with one."""
    # A "media" object is a media type, parameter or header: its `example`/`examples` belong to its `schema`.
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from walk(item, f"{ptr}/{index}")
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("schema"), dict):
        yield "media", ptr, node
    for key, value in node.items():
        sub = f"{ptr}/{_escape(key)}"
        if not isinstance(key, str) or key.startswith("x-") or key in ("example", "examples"):
            continue  # data, not OpenAPI objects
        if key == "schema" or (key == "schemas" and ptr == "/components"):
            pairs = [(sub, value)] if key == "schema" else _named(value, sub)
            for at, schema in pairs:
                for schema_ptr, schema_node in _schema_nodes(schema, at):
                    yield "schema", schema_ptr, schema_node
        elif key in OPENAPI_MAPS and isinstance(value, dict):
            for at, item in _named(value, sub):
                yield from walk(item, at)
        else:
            yield from walk(value, sub)


def _named(mapping: Any, ptr: str) -> list[tuple[str, Any]]:
    """Pair each value of a name-to-object mapping with its pointer."""
    return [(f"{ptr}/{_escape(name)}", item) for name, item in mapping.items()] if isinstance(mapping, dict) else []


def _local(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow local `$ref`s ("#/..."); None when one does not resolve (the OpenAPI validator reports those)."""
    for _ in range(32):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            return node
        if not ref.startswith("#"):
            return None
        node = spec
        for part in unquote(ref[1:]).split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
    return None


def iter_examples(spec: Mapping[str, Any]) -> Iterator[Example]:
    """Yield every example in the document (schema `example`, 3.1 schema `examples`, media `example`/`examples`)."""
    for kind, ptr, node in walk(spec):
        if kind == "schema":
            if "example" in node:
                yield Example(f"{ptr}/example", ptr, node["example"])
            if _is_31(spec) and isinstance(node.get("examples"), list):
                for index, value in enumerate(node["examples"]):
                    yield Example(f"{ptr}/examples/{index}", ptr, value)
            continue
        if "example" in node:
            yield Example(f"{ptr}/example", f"{ptr}/schema", node["example"])
        for at, item in _named(node.get("examples"), f"{ptr}/examples"):
            example = _local(spec, item)
            if isinstance(example, dict) and "value" in example:
                yield Example(f"{at}/value", f"{ptr}/schema", example["value"])


def _allow_null(schema: dict[str, Any]) -> None:
    """Spell 3.0's `nullable: true` in JSON Schema, in place; 3.0.3 gives it meaning only next to `type`."""
    if isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]


def as_json_schema_document(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return the document with its schemas readable by jsonschema, every pointer still leading to the same node."""
    if _is_31(spec):
        return spec
    document = copy.deepcopy(dict(spec))
    for kind, _, node in walk(document):
        if kind == "schema" and node.get("nullable") is True:
            _allow_null(node)
    return document


def check_examples(spec: Mapping[str, Any], path: Path) -> tuple[int, list[str]]:
    """Validate every example against its schema, which the OpenAPI validators never do; return (count, problems)."""
    v31 = _is_31(spec)
    validator_class = Draft202012Validator if v31 else Draft4Validator  # 3.0 schemas are draft-04/05 dialects
    specification = DRAFT202012 if v31 else DRAFT4
    resource = specification.create_resource(as_json_schema_document(spec))
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    examples = list(iter_examples(spec))
    problems = [_example_problem(example, validator_class, registry, path) for example in examples]
    return len(examples), [problem for problem in problems if problem]


def _example_problem(example: Example, validator_class: Any, registry: Registry[Any], path: Path) -> str | None:
    """Return one line when an example does not match its schema (or its schema cannot be used)."""
    ref = {"$ref": f"{SPEC_URI}#{quote(example.schema, safe='/~')}"}
    validator = validator_class(ref, registry=registry, format_checker=validator_class.FORMAT_CHECKER)
    where = f"{shown(path)}: example at {example.where}"
    try:
        error = best_match(validator.iter_errors(example.value))
    except Unresolvable as exc:
        return f"{where}: its schema has a $ref that does not resolve ({exc.ref})"
    except (UnknownType, re.error) as exc:
        return f"{where}: its schema {example.schema} cannot be used: {one_line(str(exc))}"
    if error is None:
        return None
    inside = f" (at {_pointer(error.absolute_path)})" if error.absolute_path else ""
    return f"{where} does not match its schema {example.schema}: {one_line(error.message)}{inside}"


# --- The RST page ---------------------------------------------------------------------------------------------


def _sphinx_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: Mapping[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[Any], list[Any]]:
    """Render a Sphinx-only role as its visible text (`Title <target>` shows Title), as the vendor's page does."""
    title = re.sub(r"\s*<[^<>]*>\s*$", "", text) or text
    return [nodes.inline(rawtext, title)], []


class _AnyOption(dict[str, Callable[[str | None], Any]]):
    """Accept every directive option, since the Sphinx options a stub stands in for are unknown to docutils."""

    def __missing__(self, key: str) -> Callable[[str | None], Any]:
        """Keep any option's value as written."""
        return directives.unchanged  # type: ignore[no-any-return]


class _SphinxDirective(Directive):  # type: ignore[misc]
    """Stand in for a Sphinx-only directive: keep its content, parsed so errors inside it still count."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOption(name=directives.unchanged)  # not empty: docutils skips options when it is falsy

    def run(self) -> list[Any]:
        """Return the parsed content in a container."""
        container = nodes.container()
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


class _CodeBlock(Directive):  # type: ignore[misc]
    """Sphinx's `code-block`: a literal block taking any language and options (docutils' own rejects some)."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOption(name=directives.unchanged)

    def run(self) -> list[Any]:
        """Return the content as a literal block."""
        text = "\n".join(self.content)
        return [nodes.literal_block(text, text)]


def _register_sphinx_stubs() -> None:
    """Teach docutils the Sphinx constructs vendor pages use, so only real RST errors fail the check."""
    for role in SPHINX_ROLES:
        roles.register_local_role(role, _sphinx_role)
    for directive in SPHINX_DIRECTIVES:
        directives.register_directive(directive, _SphinxDirective)
    for directive in ("code-block", "sourcecode"):
        directives.register_directive(directive, _CodeBlock)


class _CollectingReader(standalone.Reader):  # type: ignore[misc]
    """The standard reader, also keeping every system message (parser and transforms) for the check to judge."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def new_document(self) -> Any:
        """Create the document with an observer that records each system message."""
        document = super().new_document()
        document.reporter.attach_observer(self.messages.append)
        return document


def parse_rst(path: Path) -> Any:
    """Parse the page with docutils, with one line per ERROR-level message, which fails the check."""
    try:
        text = read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckError(f"{shown(path)}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    _register_sphinx_stubs()
    reader = _CollectingReader()
    document = publish_doctree(text, source_path=shown(path), reader=reader, settings_overrides=DOCUTILS_SETTINGS)
    errors = [message for message in reader.messages if message["level"] >= DOCUTILS_ERROR]
    if errors:
        raise CheckError(*(_docutils_line(path, message) for message in errors))
    return document


def _docutils_line(path: Path, message: Any) -> str:
    """Render a docutils system message as `file:line: LEVEL: text`."""
    line = f":{message['line']}" if message.get("line") else ""
    body = message.children[0].astext() if message.children else message.astext()
    return f"{shown(path)}{line}: docutils {message['type']}: {one_line(body)}"


@dataclass(frozen=True)
class RstParameter:
    """One row of the page's Path parameters table, as the page renders it."""

    name: str
    mandatory: str
    type: str
    description: str


@dataclass(frozen=True)
class RstOperation:
    """What the page documents for its one operation."""

    method: str
    uri: str
    parameters: tuple[RstParameter, ...]
    status_codes: tuple[str, ...]


def text_of(node: Any) -> str:
    """Return a node's rendered text with whitespace collapsed."""
    return " ".join(node.astext().split())


def _section(document: Any, title: str, path: Path) -> Any:
    """Find the section with this title, or fail naming it."""
    for section in document.findall(nodes.section):
        if section.children and text_of(section[0]).lower() == title.lower():
            return section
    raise CheckError(f'{shown(path)}: no "{title}" section')


def _line(node: Any) -> int | None:
    """Return the first source line docutils recorded in or under a node."""
    return next((sub.line for sub in node.findall(nodes.Element) if sub.line), None)


def _where(path: Path, node: Any) -> str:
    """Name a file and, when known, the line of a node in it."""
    line = _line(node)
    return f"{shown(path)}:{line}" if line else shown(path)


def _table_rows(table: Any, path: Path, name: str) -> tuple[list[str], list[list[Any]]]:
    """Return a table's header texts and its body rows as lists of entries; refuse spanning cells."""
    for entry in table.findall(nodes.entry):
        if entry.get("morecols") or entry.get("morerows"):
            raise CheckError(f"{_where(path, entry)}: the {name} table has a spanning cell, which is not supported")
    head = [list(row.findall(nodes.entry)) for row in table.findall(nodes.row) if isinstance(row.parent, nodes.thead)]
    body = [list(row.findall(nodes.entry)) for row in table.findall(nodes.row) if isinstance(row.parent, nodes.tbody)]
    if not head:
        raise CheckError(f"{_where(path, table)}: the {name} table has no header row")
    return [text_of(entry) for entry in head[-1]], body


def _columns(header: list[str], wanted: tuple[str, ...], table: Any, path: Path, name: str) -> list[int]:
    """Return the index of each wanted column in a header, or fail naming the missing one."""
    lowered = [cell.lower() for cell in header]
    for column in wanted:
        if column.lower() not in lowered:
            raise CheckError(f'{_where(path, table)}: the {name} table has no "{column}" column')
    return [lowered.index(column.lower()) for column in wanted]


def read_uri(document: Any, path: Path) -> tuple[str, str]:
    """Return the method and URI template of the "URI" section's `METHOD /path` line."""
    section = _section(document, "URI", path)
    pattern = re.compile(r"(?P<method>[A-Z]+)\s+(?P<uri>/\S*)")
    for child in section.children:
        if isinstance(child, (nodes.paragraph, nodes.literal_block)):
            match = pattern.fullmatch(text_of(child))
            if match and match["method"].lower() in HTTP_METHODS:
                return match["method"], match["uri"]
    raise CheckError(f'{_where(path, section)}: the "URI" section has no "METHOD /path" line')


def read_path_parameters(document: Any, path: Path) -> tuple[RstParameter, ...]:
    """Return the rows of the table titled "... Path parameters"."""
    tables = [
        table
        for table in document.findall(nodes.table)
        if table.children and isinstance(table[0], nodes.title) and "path parameters" in text_of(table[0]).lower()
    ]
    if len(tables) != 1:
        found = "no" if not tables else f"{len(tables)}"
        raise CheckError(f'{shown(path)}: {found} table titled "Path parameters" found, expected exactly one')
    name = "Path parameters"
    header, body = _table_rows(tables[0], path, name)
    wanted = ("Parameter", "Mandatory", "Type", "Description")
    indexes = _columns(header, wanted, tables[0], path, name)
    rows = []
    for row in body:
        if len(row) != len(header):
            raise CheckError(f"{_where(path, row[0])}: a {name} row has {len(row)} cells, expected {len(header)}")
        rows.append(RstParameter(*(text_of(row[index]) for index in indexes)))
    return tuple(rows)


def read_status_codes(document: Any, path: Path) -> tuple[str, ...]:
    """Return the first column of the "Status Codes" section's table."""
    section = _section(document, "Status Codes", path)
    tables = list(section.findall(nodes.table))
    if not tables:
        raise CheckError(f'{_where(path, section)}: the "Status Codes" section has no table')
    header, body = _table_rows(tables[0], path, "Status Codes")
    (index,) = _columns(header, ("Status Code",), tables[0], path, "Status Codes")
    codes = []
    for row in body:
        code = text_of(row[index]) if index < len(row) else ""
        if not re.fullmatch(r"[1-5]\d\d", code):
            raise CheckError(f"{_where(path, row[0])}: {code!r} in the Status Codes table is not an HTTP status code")
        codes.append(code)
    return tuple(codes)


def read_page(path: Path) -> RstOperation:
    """Parse the vendor page and extract what the transcription check compares."""
    document = parse_rst(path)
    method, uri = read_uri(document, path)
    return RstOperation(method, uri, read_path_parameters(document, path), read_status_codes(document, path))


# --- The hand-written spec, compared with the page ------------------------------------------------------------


@dataclass(frozen=True)
class SpecOperation:
    """The spec's single operation: method, path, parameters (resolved) and response keys."""

    method: str
    path: str
    parameters: tuple[Mapping[str, Any], ...]
    responses: tuple[str, ...]


def read_operation(spec: Mapping[str, Any], path: Path) -> SpecOperation:
    """Return the spec's one operation, with one line when there is not exactly one."""
    paths = spec.get("paths")
    found = [
        (template, method, item)
        for template, item in (paths.items() if isinstance(paths, dict) else [])
        if isinstance(item, dict)
        for method in HTTP_METHODS
        if isinstance(item.get(method), dict)
    ]
    if len(found) != 1:
        raise CheckError(f"{shown(path)}: {len(found)} operations under paths, expected the page's one operation")
    template, method, item = found[0]
    operation = item[method]
    merged: dict[tuple[Any, Any], Mapping[str, Any]] = {}
    for raw in [*_list(item.get("parameters")), *_list(operation.get("parameters"))]:
        parameter = _local(spec, raw)
        if isinstance(parameter, dict):
            merged[parameter.get("name"), parameter.get("in")] = parameter
    responses = operation.get("responses")
    codes = tuple(str(code) for code in responses) if isinstance(responses, dict) else ()
    return SpecOperation(method.upper(), str(template), tuple(merged.values()), codes)


def _list(value: Any) -> list[Any]:
    """Treat anything but a list as empty (the OpenAPI validator reports the wrong shape)."""
    return value if isinstance(value, list) else []


def markdown_text(text: str) -> str:
    """Render the little markdown a description uses (links, emphasis, code) as plain text, like the RST side."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return " ".join(text.split())


def _json(value: Any) -> str:
    """Show a spec value as YAML/JSON spells it (true, false, null)."""
    return json.dumps(value) if isinstance(value, (bool, type(None))) else str(value)


@dataclass(frozen=True)
class Sides:
    """The two documents being compared, named as messages name them, and the spec for resolving `$ref`s."""

    page: str
    yaml: str
    spec: Mapping[str, Any]


def compare_parameter(row: RstParameter, parameter: Mapping[str, Any], sides: Sides) -> list[str]:
    """Compare one Path parameters row with the spec's parameter of the same name."""
    about, page, yaml_name = f"path parameter {row.name!r}", sides.page, sides.yaml
    problems = []
    required = RST_MANDATORY.get(row.mandatory.lower())
    spec_required = parameter.get("required", False)
    if required is None:
        problems.append(f"{about}: Mandatory is {row.mandatory!r} in {page}, expected Yes or No")
    elif required is not spec_required:
        problems.append(
            f"{about}: Mandatory is {row.mandatory!r} in {page} but required: {_json(spec_required)} in {yaml_name}"
        )
    schema = _local(sides.spec, parameter.get("schema"))
    spec_type = schema.get("type") if isinstance(schema, dict) else None
    rst_type = RST_TYPES.get(row.type.lower(), "array" if row.type.lower().startswith("array") else None)
    if rst_type is None:
        problems.append(f"{about}: Type is {row.type!r} in {page}, which names no OpenAPI type")
    elif rst_type != spec_type:
        problems.append(f"{about}: Type is {row.type!r} in {page} but schema type: {_json(spec_type)} in {yaml_name}")
    description = markdown_text(str(parameter.get("description", "")))
    if row.description != description:
        problems.append(f"{about}: Description is {row.description!r} in {page} but {description!r} in {yaml_name}")
    return problems


def compare_parameters(rows: tuple[RstParameter, ...], operation: SpecOperation, sides: Sides) -> list[str]:
    """Compare the page's Path parameters rows with the spec's parameters, by name."""
    in_path = {p.get("name"): p for p in operation.parameters if p.get("in") == "path"}
    problems = [
        f"parameter {p.get('name')!r} (in: {p.get('in')}) is in {sides.yaml} but not in {sides.page}"
        for p in operation.parameters
        if p.get("in") != "path"
    ]
    seen: set[str] = set()
    for row in rows:
        if row.name in seen:
            problems.append(f"path parameter {row.name!r} has two rows in {sides.page}")
        elif row.name not in in_path:
            problems.append(f"path parameter {row.name!r} is in {sides.page} but not in {sides.yaml}")
        else:
            problems += compare_parameter(row, in_path[row.name], sides)
        seen.add(row.name)
    problems += [
        f"path parameter {name!r} is in {sides.yaml} but not in {sides.page}" for name in in_path if name not in seen
    ]
    return problems


def _response_name(code: str) -> str:
    """Name a response key in a message."""
    return f"status code {code}" if code.isdigit() else f"response {code!r}"


def compare(page_op: RstOperation, operation: SpecOperation, sides: Sides) -> list[str]:
    """List every difference between the page and the spec's operation, one line each."""
    problems = []
    if page_op.method != operation.method:
        problems.append(f"method is {page_op.method!r} in {sides.page} but {operation.method!r} in {sides.yaml}")
    if page_op.uri != operation.path:
        problems.append(f"URI is {page_op.uri!r} in {sides.page} but {operation.path!r} in {sides.yaml}")
    problems += compare_parameters(page_op.parameters, operation, sides)
    problems += [
        f"{_response_name(code)} is in {sides.page} but not in {sides.yaml}"
        for code in page_op.status_codes
        if code not in operation.responses
    ]
    problems += [
        f"{_response_name(code)} is in {sides.yaml} but not in {sides.page}"
        for code in operation.responses
        if code not in page_op.status_codes
    ]
    return problems


def check_transcription(rst: Path, spec: Mapping[str, Any], spec_path: Path) -> tuple[RstOperation, list[str]]:
    """Compare the hand-written spec with the page it transcribes; return the page's operation and the problems."""
    page_op = read_page(rst)
    problems = compare(page_op, read_operation(spec, spec_path), Sides(rst.name, spec_path.name, spec))
    return page_op, [f"modelarts transcription: {problem}" for problem in problems]


# --- Running it -----------------------------------------------------------------------------------------------


def attempt(problems: list[str], step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """Run one step; a CheckError becomes its lines in `problems` and None, so the other checks still run."""
    try:
        return step(*args, **kwargs)
    except CheckError as exc:
        problems.extend(exc.lines)
        return None


def check_spec(path: Path, problems: list[str]) -> tuple[dict[str, Any], str] | None:
    """Load, validate and check the examples of one spec; return it and a few words for the summary."""
    spec = attempt(problems, load_spec, path)
    if spec is None:
        return None
    problems += validate_openapi(spec, path)
    count, bad = check_examples(spec, path)
    problems += bad
    return spec, f"{shown(path)} (OpenAPI {spec.get('openapi')}, {count} examples)"


def run(paths: Paths) -> tuple[list[str], str]:
    """Run every check, each on its own, and return (problems, summary of what passed)."""
    problems: list[str] = []
    gcore_spec_problems: list[str] = []
    gcore = check_spec(paths.gcore_spec, gcore_spec_problems)
    problems += check_gcore.known_defects(gcore_spec_problems, paths.gcore_provenance.parent, shown, gcore is not None)
    modelarts = check_spec(paths.modelarts_spec, problems)
    gcore_problems, gcore_summary = check_gcore.check(paths.gcore_provenance.parent, shown)
    problems += gcore_problems
    problems += attempt(problems, check_pin, paths.modelarts_rst, paths.modelarts_provenance) or []
    page_op = None
    if modelarts is not None:
        outcome = attempt(problems, check_transcription, paths.modelarts_rst, modelarts[0], paths.modelarts_spec)
        page_op, transcription = outcome or (None, [])
        problems += transcription
    specs = " and ".join(spec[1] for spec in (gcore, modelarts) if spec)
    operation = (
        f" ({page_op.method} {page_op.uri}, {len(page_op.parameters)} path parameters,"
        f" status codes {', '.join(page_op.status_codes)})"
        if page_op
        else ""
    )
    summary = (
        f"{specs} are valid and every example matches its schema; the sha256 pins hold; {gcore_summary};"
        f" {shown(paths.modelarts_spec)} transcribes {shown(paths.modelarts_rst)}{operation}"
    )
    # A file missing for two checks is reported once.
    return list(dict.fromkeys(problems)), summary


def main(argv: list[str] | None = None) -> int:
    """Check the specs under --root and print one line per problem, or a one-line summary when all pass."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root holding specs/ (default: this one)")
    args = parser.parse_args(argv)
    problems, summary = run(Paths.under(args.root))
    for line in problems:
        print(f"{PREFIX}: {line}", file=sys.stderr)
    if problems:
        return 1
    print(f"{PREFIX}: ok: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
