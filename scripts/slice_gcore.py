"""Cut the operations the library calls out of Gcore's aggregated Streaming spec, so the generator reads only them.

`python scripts/slice_gcore.py` writes specs/gcore/openapi.yaml from specs/gcore/streaming_api.yaml (the vendor's
file, byte-for-byte); `--check` writes nothing and exits 1 when the committed file differs from what it would write.

Slicing keeps what the vendor keeps in its own per-operation pages (the seed page's YAML is exactly such a slice):
`openapi`, `info`, `servers`, `security`, `tags`, the chosen operations (with their path item's shared fields),
every component they reference, followed transitively, and the security schemes named by any `security`
requirement; `x-tagGroups` is dropped. Components keep the vendor's order, so the output is deterministic.

Two rewrites then make the slice say what the vendor means in a shape the generator reads without loss; each
is listed, with every schema it changed, in the header of the file written (REWRITES below):
- allof-siblings: openapi-python-client 0.29.1 ignores the `properties` written beside an `allOf` (it builds the
  model from the `allOf` parts only), which dropped `result` and `processing_time` from `ai_results`. JSON Schema
  gives `{allOf: [A], properties: P}` the meaning of `{allOf: [A, {type: object, properties: P}]}`, so the object
  keywords beside `allOf` move into one more `allOf` part (typed `object`: the only instances they describe).
- null-defaults: the vendor writes `default: null` on properties typed `string`, `integer` or `oneOf` (the task's
  `progress`, `result`, `processing_time.completed_at`, the list's `next`/`previous`), and its own examples carry
  `previous: null`: such a schema also admits null (`type: [T, "null"]`, a `{type: "null"}` branch, or 3.0
  `nullable`), so a null the API sends parses instead of raising. This only widens what a response may hold.
check-specs proves the plain slice against the seed page; check-generated proves that every property documented in
the plain slice has a home in the generated models (scripts/check_models.py).
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec_diff import SpecError, parse_yaml

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "specs" / "gcore"
VENDOR = FOLDER / "streaming_api.yaml"
SLICE = FOLDER / "openapi.yaml"
# The operations src/aitasks/providers/gcore.py calls, by the vendor's operationId.
OPERATIONS = ("post_ai_tasks_cancel", "get_ai_task", "get_ai_tasks_list")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DROPPED = ("x-tagGroups",)
# Keywords an object schema may carry beside `allOf` that constrain its instances; moved into an `allOf` part.
OBJECT_KEYWORDS = ("type", "properties", "required", "additionalProperties", "patternProperties")
REWRITES = {
    "allof-siblings": "object keywords beside `allOf` moved into one more `allOf` part",
    "null-defaults": "a schema whose default is null also admits null",
}
HEADER = (
    "# Made by `make generate` (scripts/slice_gcore.py) from specs/gcore/streaming_api.yaml; do not edit.\n"
    "# Operations: {operations};\n"
    "# with every component they reference, transitively, and the security schemes.\n"
    "# Rewritten for the generator (the script says why):\n"
)


class SliceError(Exception):
    """A vendor file the slicer cannot cut; the message is one line for the user."""


def load(data: bytes, name: str) -> dict[str, Any]:
    """Parse an OpenAPI YAML (or JSON) document, with one line for anything that is not one."""
    try:
        doc = parse_yaml(data, name)
    except SpecError as exc:
        raise SliceError(str(exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        raise SliceError(f"{name}: not an OpenAPI document (no `paths` mapping)")
    return doc


def _refs(node: Any) -> Iterator[str]:
    """Every `$ref` string under a node."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _component(ref: str, name: str) -> tuple[str, str]:
    """Split '#/components/<section>/<name>' into its section and name."""
    parts = ref.split("/")
    if len(parts) != 4 or parts[:2] != ["#", "components"]:
        raise SliceError(f"{name}: $ref {ref!r} is not a local component reference")
    return parts[2], parts[3].replace("~1", "/").replace("~0", "~")


def _operations(doc: Mapping[str, Any], wanted: Iterable[str], name: str) -> dict[str, dict[str, Any]]:
    """The path items holding the wanted operations, each cut down to those operations, in document order."""
    wanted = list(wanted)
    found: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for path, item in doc["paths"].items():
        if not isinstance(item, dict):
            continue
        methods = [m for m in METHODS if isinstance(item.get(m), dict) and item[m].get("operationId") in wanted]
        if not methods:
            continue
        seen.update(item[m]["operationId"] for m in methods)
        found[path] = {key: value for key, value in item.items() if key not in METHODS or key in methods}
    missing = [op for op in wanted if op not in seen]
    if missing:
        raise SliceError(f"{name}: no operation with operationId {', '.join(missing)}")
    return found


def slice_spec(doc: Mapping[str, Any], operations: Iterable[str], name: str = "spec") -> dict[str, Any]:
    """The vendor's own kind of slice: the operations, every component they reach, and the security schemes."""
    paths = _operations(doc, operations, name)
    raw_components = doc.get("components")
    components: Mapping[str, Any] = raw_components if isinstance(raw_components, dict) else {}
    needed: set[tuple[str, str]] = set()
    pending = list(_refs(paths))
    while pending:
        section_name, entry_name = _component(pending.pop(), name)
        if (section_name, entry_name) in needed:
            continue
        section = components.get(section_name)
        if not isinstance(section, dict) or entry_name not in section:
            raise SliceError(f"{name}: $ref '#/components/{section_name}/{entry_name}' does not resolve")
        needed.add((section_name, entry_name))
        pending.extend(_refs(section[entry_name]))
    requirements = [doc.get("security")] + [op.get("security") for item in paths.values() for op in item.values()]
    needed |= {
        ("securitySchemes", scheme)
        for requirement in requirements
        if isinstance(requirement, list)
        for alternative in requirement
        if isinstance(alternative, dict)
        for scheme in alternative
    }
    kept: dict[str, Any] = {}
    for section_name, entries in components.items():
        if isinstance(entries, dict):
            chosen = {entry: value for entry, value in entries.items() if (section_name, entry) in needed}
            if chosen:
                kept[section_name] = chosen
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in DROPPED:
            continue
        out[key] = paths if key == "paths" else kept if key == "components" else value
    return copy.deepcopy(out)


SUBSCHEMA = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def _escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _subschemas(schema: dict[str, Any], pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """A schema and every schema written inside it, depth first, with their JSON pointers."""
    yield pointer, schema
    for key in SUBSCHEMA:
        if isinstance(schema.get(key), dict):
            yield from _subschemas(schema[key], f"{pointer}/{key}")
    for key in SUBSCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key) or []):
            if isinstance(sub, dict):
                yield from _subschemas(sub, f"{pointer}/{key}/{index}")
    properties = schema.get("properties")
    for name, sub in properties.items() if isinstance(properties, dict) else []:
        if isinstance(sub, dict):
            yield from _subschemas(sub, f"{pointer}/properties/{_escape(name)}")


def schemas(doc: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema in an OpenAPI document (components, parameters, bodies, responses), with its pointer."""
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, list):
            stack.extend((f"{pointer}/{index}", item) for index, item in reversed(list(enumerate(node))))
            continue
        if not isinstance(node, dict):
            continue
        found: list[tuple[str, Any]] = []
        for key, value in node.items():
            at = f"{pointer}/{_escape(key)}"
            if key in ("example", "examples") or str(key).startswith("x-"):
                continue
            if key == "schema" and isinstance(value, dict):
                yield from _subschemas(value, at)
            elif key == "schemas" and pointer == "/components" and isinstance(value, dict):
                for name, schema in value.items():
                    if isinstance(schema, dict):
                        yield from _subschemas(schema, f"{at}/{_escape(name)}")
            else:
                found.append((at, value))
        stack.extend(reversed(found))


def rewrite_allof_siblings(doc: dict[str, Any]) -> list[str]:
    """Move object keywords written beside `allOf` into one more `allOf` part; return the pointers rewritten."""
    done: list[str] = []
    for pointer, schema in list(schemas(doc)):
        parts = schema.get("allOf")
        moved = {key: schema[key] for key in OBJECT_KEYWORDS if key in schema}
        if not isinstance(parts, list) or not ({"properties", "required"} & moved.keys()):
            continue
        for key in moved:
            del schema[key]
        parts.append({"type": "object", **moved} if "type" not in moved else moved)
        done.append(pointer)
    return done


def rewrite_null_defaults(doc: dict[str, Any]) -> list[str]:
    """Let a schema whose `default` is null also admit null; return the pointers rewritten."""
    done: list[str] = []
    openapi_30 = str(doc.get("openapi", "")).startswith("3.0")
    for pointer, schema in list(schemas(doc)):
        if "default" not in schema or schema["default"] is not None:
            continue
        if openapi_30:
            if schema.get("nullable") is True:
                continue
            schema["nullable"] = True
        elif "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if "null" in types:
                continue
            schema["type"] = [*types, "null"]
        elif isinstance(schema.get("oneOf"), list) or isinstance(schema.get("anyOf"), list):
            branches = schema["oneOf" if "oneOf" in schema else "anyOf"]
            if {"type": "null"} in branches:
                continue
            branches.append({"type": "null"})
        elif {"$ref", "allOf"} & schema.keys():
            raise SliceError(f"the null default at {pointer} needs a rewrite this script does not make yet")
        else:
            continue  # a schema without a type admits null already
        done.append(pointer)
    return done


def for_generator(doc: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The slice with the documented rewrites applied (see REWRITES), and the pointers each one changed."""
    out = copy.deepcopy(dict(doc))
    nulls = rewrite_null_defaults(out)  # first, so its pointers are the vendor's
    return out, {"allof-siblings": rewrite_allof_siblings(out), "null-defaults": nulls}


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, so a description reads as the vendor wrote it."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def render(doc: Mapping[str, Any], rewritten: Mapping[str, list[str]], operations: Iterable[str] = OPERATIONS) -> bytes:
    """Write the spec as YAML with a header naming how it was made; the same input gives the same bytes."""
    header = HEADER.format(operations=", ".join(operations))
    for name, pointers in rewritten.items():
        header += f"# - {name}: {REWRITES[name]}, at:\n" + "".join(f"#     {pointer}\n" for pointer in pointers)
    body = yaml.dump(dict(doc), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    return (header + body).encode("utf-8")


def build(vendor: bytes, name: str = "specs/gcore/streaming_api.yaml") -> bytes:
    """The bytes of specs/gcore/openapi.yaml made from the vendor's aggregated spec."""
    return render(*for_generator(slice_spec(load(vendor, name), OPERATIONS, name)))


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the sliced spec."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", type=Path, default=VENDOR, help="default: specs/gcore/streaming_api.yaml")
    parser.add_argument("--output", type=Path, default=SLICE, help="default: specs/gcore/openapi.yaml")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if --output differs")
    args = parser.parse_args(argv)
    try:
        made = build(args.vendor.read_bytes(), str(args.vendor))
    except OSError as exc:
        print(f"slice_gcore: cannot read {args.vendor}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except SliceError as exc:
        print(f"slice_gcore: {exc}", file=sys.stderr)
        return 1
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else None
        if current != made:
            print(
                f"slice_gcore: {args.output} is not what the slicer makes of {args.vendor}; run `make generate`",
                file=sys.stderr,
            )
            return 1
        print(f"slice_gcore: {args.output} matches {args.vendor}")
        return 0
    if not args.output.exists() or args.output.read_bytes() != made:
        args.output.write_bytes(made)
    print(f"slice_gcore: wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
