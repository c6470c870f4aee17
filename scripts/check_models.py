"""Fail when a property a response schema documents has no home in the generated models, so nothing is dropped.

For every operation of each client's spec (Gcore: the plain slice of the vendor's file, before the rewrites made for
the generator, so the rewrites are checked too; ModelArts: its hand-written spec), every response schema is walked
through `$ref`, `allOf` (merged, with the properties written beside it), `oneOf`/`anyOf` (each branch), `items`
and `additionalProperties`, alongside the generated classes that parse it: the classes named in the endpoint's
`_parse_response` return type, then those in each attribute's type. An object schema needs one class with an
attribute for each of its properties; the first class it lacks is named. Run by `make check-generated`.

Usage: ``check_models.py [--generated DIR]`` (default: generated/), in a fresh interpreter, since it imports the
packages found in DIR.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml
from openapi_python_client.strings import PythonIdentifier, snake_case

sys.path.insert(0, str(Path(__file__).resolve().parent))

from slice_gcore import OPERATIONS, VENDOR, load, slice_spec

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FIELD_PREFIX = "field_"  # openapi-python-client's default; neither config sets another


def documented_specs(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """The spec whose documented properties each generated package must hold, by package name."""
    gcore = slice_spec(load(VENDOR.read_bytes(), str(VENDOR)), OPERATIONS, str(VENDOR))
    modelarts_path = root / "specs" / "modelarts" / "openapi.yaml"
    modelarts = yaml.safe_load(modelarts_path.read_bytes())
    return {"aitasks_gcore_api": gcore, "aitasks_modelarts_api": modelarts}


def _resolve(spec: Mapping[str, Any], schema: Any) -> tuple[str, Any]:
    """Follow `$ref`s; return the last component name seen (or '') and the schema."""
    name = ""
    for _ in range(32):
        if not isinstance(schema, dict) or "$ref" not in schema:
            break
        ref = str(schema["$ref"])
        name = ref.rsplit("/", 1)[-1]
        node: Any = spec
        for part in ref[2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
        schema = node
    return name, schema


def _properties(spec: Mapping[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """The properties an instance of schema is documented to have: its own and those of every `allOf` part."""
    _, schema = _resolve(spec, schema)
    if not isinstance(schema, dict) or depth > 32:
        return {}
    found: dict[str, Any] = {}
    for part in schema.get("allOf") or []:
        found.update(_properties(spec, part, depth + 1))
    own = schema.get("properties")
    found.update(own if isinstance(own, dict) else {})
    return found


def _classes(annotation: Any) -> set[type]:
    """The attrs classes anywhere in a type annotation (through unions, lists and dicts)."""
    if isinstance(annotation, type) and attrs.has(annotation):
        return {annotation}
    found: set[type] = set()
    for arg in typing.get_args(annotation):
        found |= _classes(arg)
    return found


def _python_name(name: str) -> str:
    return str(PythonIdentifier(value=name, prefix=FIELD_PREFIX))


class Checker:
    """Walks response schemas beside the generated classes of one package."""

    def __init__(self, spec: Mapping[str, Any], package: str) -> None:
        self.spec = spec
        self.package = package
        self.namespace = dict(vars(importlib.import_module(f"{package}.models")))
        self.namespace.update(vars(importlib.import_module(f"{package}.types")))
        self.problems: dict[str, str] = {}
        self.seen: set[tuple[int, frozenset[type]]] = set()
        self.properties = 0

    def hints(self, obj: Any) -> dict[str, Any]:
        """Type hints, resolving the names the generated modules import only for type checking."""
        return typing.get_type_hints(obj, globalns={**vars(sys.modules[obj.__module__]), **self.namespace})

    def check(self, schema: Any, candidates: set[type], where: str) -> None:
        """Check one schema against the classes that may hold it."""
        name, resolved = _resolve(self.spec, schema)
        if not isinstance(resolved, dict):
            return
        key = (id(resolved), frozenset(candidates))
        if key in self.seen:
            return
        self.seen.add(key)
        label = f"{where} ({name})" if name else where
        for keyword in ("oneOf", "anyOf"):
            for index, branch in enumerate(resolved.get(keyword) or []):
                self.check(branch, candidates, f"{label} {keyword}[{index}]")
        for part in resolved.get("allOf") or []:
            _, part_schema = _resolve(self.spec, part)
            for keyword in ("oneOf", "anyOf", "items"):
                if isinstance(part_schema, dict) and keyword in part_schema:
                    self.check(part_schema, candidates, label)
        if isinstance(resolved.get("items"), dict):
            self.check(resolved["items"], candidates, f"{label}[]")
        documented = _properties(self.spec, resolved)
        extra = resolved.get("additionalProperties")
        if not documented and not isinstance(extra, dict):
            return
        home = self.home(documented, candidates, label)
        if home is None:
            return
        fields = self.hints(home)
        for prop, sub in documented.items():
            self.properties += 1
            self.check(sub, _classes(fields[_python_name(prop)]), f"{label}.{prop}")
        if isinstance(extra, dict) and "additional_properties" in fields:
            self.check(extra, _classes(fields["additional_properties"]), f"{label}.*")

    def home(self, documented: Mapping[str, Any], candidates: set[type], label: str) -> type | None:
        """The class holding every documented property, or None after recording what is missing."""
        wanted = {prop: _python_name(prop) for prop in documented}

        def missing(cls: type) -> list[str]:
            names = {field.name for field in attrs.fields(cls)}
            return [prop for prop, python in wanted.items() if python not in names]

        ranked = sorted(candidates, key=lambda cls: (len(missing(cls)), cls.__name__))
        if ranked and not missing(ranked[0]):
            return ranked[0]
        closest = f"the closest, {ranked[0].__name__}, lacks" if ranked else "no generated class holds"
        gone = missing(ranked[0]) if ranked else list(wanted)
        self.problems.setdefault(label, f"{self.package}: {label}: {closest} {', '.join(gone)}")
        return None

    def operations(self) -> Iterator[tuple[str, Any, set[type]]]:
        """(where, response schema, classes _parse_response returns) for every JSON response of every operation."""
        api = importlib.import_module(f"{self.package}.api")
        modules = {
            info.name.rsplit(".", 1)[-1]: info.name
            for info in pkgutil.walk_packages(api.__path__, f"{api.__name__}.")
            if not info.ispkg
        }
        for path, item in (self.spec.get("paths") or {}).items():
            for method in METHODS:
                operation = item.get(method) if isinstance(item, dict) else None
                if not isinstance(operation, dict):
                    continue
                module_name = modules.get(snake_case(str(operation.get("operationId", ""))))
                where = f"{method.upper()} {path}"
                if module_name is None:
                    self.problems[where] = f"{self.package}: {where}: no generated module for this operation"
                    continue
                module = importlib.import_module(module_name)
                returned = _classes(self.hints(module._parse_response)["return"])
                for status, response in (operation.get("responses") or {}).items():
                    _, response = _resolve(self.spec, response)
                    for media, content in ((response or {}).get("content") or {}).items():
                        if "json" in media and isinstance(content, dict) and "schema" in content:
                            yield f"{where} {status}", content["schema"], returned


def check(generated: Path, specs: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], int]:
    """Return the problems (one line each) and how many documented properties were found a home."""
    sys.path.insert(0, str(generated))
    problems: list[str] = []
    total = 0
    for package, spec in specs.items():
        checker = Checker(spec, package)
        for where, schema, returned in checker.operations():
            checker.check(schema, returned, where)
        problems += checker.problems.values()
        total += checker.properties
    return problems, total


def main(argv: list[str] | None = None) -> int:
    """Check the packages in --generated against the specs; one line per property set without a home."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=Path, default=ROOT / "generated", help="default: generated/")
    args = parser.parse_args(argv)
    problems, total = check(args.generated.resolve(), documented_specs())
    for line in problems:
        print(f"check-models: {line}", file=sys.stderr)
    if problems:
        print("check-models: the generated models drop what the spec documents (see scripts/slice_gcore.py)")
        return 1
    print(f"check-models: every documented response property has a home ({total} properties)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
