"""Fail when a spec drifts from its source, is invalid, or carries an example its own schema rejects.

Checks, each reported as one line on stderr (exit 1 when there is any):
- both specs are valid OpenAPI (openapi-spec-validator), hold no control character in any text, and every example
  matches its schema (jsonschema);
- the Gcore vendor files and every ModelArts RST page still have the sha256 their provenance.json records;
- slicing the Gcore aggregated spec for the seed page's operation gives the seed page's YAML (check_gcore.py);
- the hand-written ModelArts spec transcribes every table of every page (scripts/transcription.py): method, URI,
  parameters, request and response bodies with every nested object, Mandatory flags, types, "Options:",
  ranges and defaults ("The value ranges from 1 to 100.", "The default value is 10."; every range, length, pattern
  or default the spec sets must be one the page states), status codes and example responses; the error body is the
  one calling_apis_response.rst documents.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote, unquote

import yaml
from jsonschema import Draft4Validator, Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import UnknownType, best_match  # type: ignore[import-untyped]
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4, DRAFT202012

sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_gcore
import transcription
from rst_tables import Page, PageError, one_line, read_page, shown
from spec_diff import SpecLoader

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "check-specs"
# A ModelArts provenance record: every field each page's entry must carry.
PAGE_FIELDS = ("title", "documents", "path", "sha256", "retrieved")  # and "commit", null when not recorded
PAGE_KINDS = ("operation", "error body")
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
    modelarts_provenance: Path  # names the pages (beside it) and pins each

    @classmethod
    def under(cls, root: Path) -> Paths:
        """Lay the files out as this repository does."""
        gcore, modelarts = root / "specs" / "gcore", root / "specs" / "modelarts"
        return cls(
            gcore_spec=gcore / "openapi.yaml",
            gcore_provenance=gcore / "provenance.json",
            modelarts_spec=modelarts / "openapi.yaml",
            modelarts_provenance=modelarts / "provenance.json",
        )


def read_bytes(path: Path) -> bytes:
    """Read a file, turning a missing or unreadable file into one line naming it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CheckError(f"{shown(path)}: file not found") from None
    except OSError as exc:
        raise CheckError(f"{shown(path)}: cannot read the file: {exc.strerror}") from None


# --- YAML and provenance --------------------------------------------------------------------------------------


class _SpecLoader(SpecLoader):
    """spec_diff's loader (timestamps stay strings, the C parser when there is one), refusing a repeated key."""


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
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    return mapping


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
        spec = yaml.load(raw, Loader=_SpecLoader)  # a safe loader
    except yaml.YAMLError as exc:
        raise CheckError(f"{shown(path)}: malformed YAML: {_yaml_problem(exc)}") from None
    if not isinstance(spec, dict):
        raise CheckError(f"{shown(path)}: not an OpenAPI document (the YAML is not a mapping)")
    return spec


def pin_problems(path: Path, expected: str, provenance: Path) -> list[str]:
    """One line when a vendor file's sha256 is not the one recorded."""
    actual = hashlib.sha256(read_bytes(path)).hexdigest()
    if actual == expected:
        return []
    return [
        f"{shown(path)}: sha256 is {actual} but {shown(provenance)} records {expected}; the vendor file must stay"
        " byte-for-byte as retrieved (restore it, or record the new sha256 when the vendor's page changed)"
    ]


def control_characters(node: Any, path: Path, at: str = "") -> list[str]:
    """One line per key or text holding a control character (other than newline and tab): nothing a page shows."""
    problems: list[str] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        where = f"{at}/{_escape(key)}"
        for text, what in ((key, "key"), (value, "text")):
            found = (
                sorted({f"U+{ord(char):04X}" for char in str(text) if _control(char)}) if isinstance(text, str) else []
            )
            if found:
                problems.append(f"{shown(path)}: the {what} at {where} holds control characters ({', '.join(found)})")
        problems += control_characters(value, path, where)
    return problems


def _control(char: str) -> bool:
    """A C0 or C1 control character or DEL, newline and tab apart."""
    return unicodedata.category(char) == "Cc" and char not in "\n\t"


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


# --- The ModelArts pages, transcribed by hand --------------------------------------------------------------


@dataclass(frozen=True)
class PageRecord:
    """One page kept in specs/modelarts/: where it is, what it documents, and the sha256 it is pinned to."""

    file: Path
    documents: str
    sha256: str


def page_records(provenance: Path) -> list[PageRecord]:
    """Read the ModelArts provenance: a record per page, each with every field, or one line saying what is wrong."""
    try:
        record = json.loads(read_bytes(provenance))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckError(f"{shown(provenance)}: malformed JSON: {one_line(str(exc))}") from None
    pages = record.get("pages") if isinstance(record, dict) else None
    if not isinstance(pages, dict) or not pages:
        raise CheckError(f'{shown(provenance)}: no "pages" object naming the kept pages')
    records = []
    for name, entry in pages.items():
        where = f"{shown(provenance)}: pages.{name}"
        missing = [key for key in PAGE_FIELDS if not isinstance(entry, dict) or not isinstance(entry.get(key), str)]
        if missing:
            raise CheckError(f"{where}: no {', '.join(repr(key) for key in missing)} (each page records {PAGE_FIELDS})")
        if not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]):
            raise CheckError(f'{where}: "sha256" is not 64 lowercase hex digits')
        commit = entry.get("commit", "")
        if commit is not None and not (isinstance(commit, str) and re.fullmatch(r"[0-9a-f]{7,40}", commit)):
            raise CheckError(f'{where}: "commit" is neither the vendor commit (7 to 40 hex digits) nor null (unknown)')
        if entry["documents"] not in PAGE_KINDS:
            raise CheckError(f'{where}: "documents" is {entry["documents"]!r}, expected one of {PAGE_KINDS}')
        if Path(name).name != name or not name.endswith(".rst"):
            raise CheckError(f"{where}: a page is named by its file name beside provenance.json (NAME.rst)")
        records.append(PageRecord(provenance.parent / name, entry["documents"], entry["sha256"]))
    return records


def check_modelarts(spec: Mapping[str, Any], spec_path: Path, provenance: Path) -> tuple[list[str], str]:
    """Pin every kept page, compare each with the spec, and account for every operation and schema of the spec."""
    problems: list[str] = []
    records = page_records(provenance)
    for record in records:
        problems += attempt(problems, pin_problems, record.file, record.sha256, provenance) or []
    kept = {record.file.name for record in records}
    problems += [
        f"{shown(path)}: a page with no record in {shown(provenance)}; record where it came from or remove it"
        for path in sorted(provenance.parent.glob("*.rst"))
        if path.name not in kept
    ]
    documented: set[tuple[str, str]] = set()
    reached = {"Error"}
    described = []
    unread = False
    for record in records:
        if record.documents == "error body":
            problems += _transcription_lines(attempt(problems, _error_body, record.file, spec, spec_path.name))
            continue
        try:
            page = read_page(record.file)
        except PageError as exc:
            problems.append(exc.line)
            unread = True
            continue
        comparison = transcription.compare_page(page, spec, spec_path.name)
        problems += _transcription_lines(comparison.problems)
        documented.add((page.method, page.uri))
        reached |= comparison.reached
        described.append(f"{page.method} {page.uri}: {_extent(page)}")
    if unread:  # what the unread page documents is unknown: do not call its operation and schemas unaccounted for
        return problems, ""
    problems += _transcription_lines(
        [
            f"{spec_path.name}: operation {method} {uri} is documented by no page in {provenance.name}"
            for method, uri in transcription.operations(spec)
            if (method, uri) not in documented
        ]
    )
    schemas = spec.get("components", {}).get("schemas", {})
    problems += _transcription_lines(
        [
            f"{spec_path.name}: schema {name!r} (/components/schemas/{name}) transcribes no table of any page"
            for name in (schemas if isinstance(schemas, dict) else {})
            if name not in reached
        ]
    )
    summary = f"{shown(spec_path)} transcribes {len(described)} pages ({'; '.join(described)})"
    return problems, summary


def _extent(page: Page) -> str:
    """How much of a page was compared: its tables and their rows, and the status codes."""
    bodies = [page.request_body, page.response_body, *page.other_responses.values(), *page.objects.values()]
    tables = [table for table in bodies if table is not None]
    count = len({parameter.table for parameter in page.parameters}) + len(tables)
    rows = len(page.parameters) + sum(len(table.fields) for table in tables)
    codes = ", ".join(str(code) for code in page.status_codes)
    return f"{count} tables, {rows} rows, status codes {codes}"


def _error_body(page_path: Path, spec: Mapping[str, Any], spec_name: str) -> list[str]:
    """The error body page, compared with the spec's Error schema; a page it cannot read is one line."""
    try:
        return transcription.compare_error_page(page_path, spec, spec_name)
    except PageError as exc:
        raise CheckError(exc.line) from None


def _transcription_lines(problems: list[str] | None) -> list[str]:
    """Mark each difference between a page and the spec as a transcription problem."""
    return [f"modelarts transcription: {problem}" for problem in problems or []]


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
    problems += control_characters(spec, path)
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
    transcribed = ""
    if modelarts is not None:
        outcome = attempt(problems, check_modelarts, modelarts[0], paths.modelarts_spec, paths.modelarts_provenance)
        found, transcribed = outcome or ([], "")
        problems += found
    specs = " and ".join(spec[1] for spec in (gcore, modelarts) if spec)
    summary = (
        f"{specs} are valid and every example matches its schema; the sha256 pins hold; {gcore_summary}; {transcribed}"
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
