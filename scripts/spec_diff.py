"""Compare two OpenAPI specs (3.0 or 3.1) and say, change by change, how much each one can hurt a client.

Usage: ``spec_diff.py OLD.yaml NEW.yaml [--json] [--fail-on ERR|WARN]``. Exit 0 when no change reaches the
--fail-on level (default ERR: no change is breaking; WARN: none is breaking or to review either), 1 when one does,
2 when an input cannot be read or is not an OpenAPI document (one line on stderr). Local ``$ref``s are resolved;
operations are matched by method and path template, so renaming a path parameter is a parameter rename, not a
removed and an added operation.

Each change has a level, as oasdiff (github.com/oasdiff/oasdiff) grades its checks: ERR, a client written against
OLD (a raw HTTP caller, or code generated from OLD) can fail against a server implementing NEW, so it is breaking;
WARN, it may, so it is shown for review; INFO, it cannot. Where oasdiff has a check for a kind of change, the change
carries that check's id and level (`oasdiff:ID` in the report, `"oasdiff": true` in JSON) as the oasdiff release
OASDIFF_RELEASE names defines them in `checker/rules.go`; the report's last line names that release.
Other changes, and the few this script grades otherwise on purpose (REGRADED, each with its reason), carry this
script's own kind (`aitasks:KIND`). The tables below are the mapping.

Schemas are compared as compositions. `allOf` parts named by `$ref` are matched by name: a part only one side has is
one change (`*-all-of-added`/`-removed`), and the properties of the parts both sides have (with the schema's own and
those of inline parts) are compared one by one. `oneOf`/`anyOf` branches are matched the same way (by `$ref` name,
inline ones by position) and compared branch by branch; a property that moved into a branch is not "removed".

| oasdiff check (level)                                     | when                                              |
|-----------------------------------------------------------|---------------------------------------------------|
| endpoint-added (INFO)                                     | an operation is added                             |
| api-removed-without-deprecation (ERR)                     | an operation is removed (-with-deprecation, INFO, |
|                                                           | when it was deprecated)                           |
| api-operation-id-removed, api-operation-id-added (INFO)   | the operationId changes (the generated function   |
|                                                           | is renamed: callers must follow)                  |
| endpoint-deprecated (INFO)                                | an operation is marked deprecated                 |
| new-required-request-parameter (ERR),                     | a parameter is added                              |
| new-optional-request-parameter (INFO),                    |                                                   |
| new-request-path-parameter (ERR)                          |                                                   |
| request-parameter-removed (WARN)                          | a parameter is removed                            |
| request-parameter-became-required (ERR), -optional (INFO) | a parameter's required flag flips                 |
| request-body-added-required (ERR), -optional (INFO)       | a request body is added                           |
| request-body-removed (ERR)                                | the request body is removed                       |
| request-body-became-required (ERR), -optional (INFO)      | the body's required flag flips                    |
| request-body-media-type-added (INFO), -removed (ERR)      | a request media type comes or goes                |
| response-success-status-added (INFO), -removed (ERR)      | a 1xx/2xx/3xx response comes or goes              |
| response-non-success-status-added, -removed (INFO)        | a 4xx/5xx/default response comes or goes          |
| response-media-type-added (INFO), -removed (ERR)          | a response media type comes or goes               |
| new-required-request-property (ERR),                      | a request property is added                       |
| new-optional-request-property (INFO)                      |                                                   |
| request-property-removed (WARN)                           | a request property is removed                     |
| request-property-became-required (ERR), -optional (INFO)  | a request property's required flag flips          |
| response-required-property-added,                         | a response property is added                      |
| response-optional-property-added (INFO)                   |                                                   |
| response-required-property-removed (ERR),                 | a response property is removed                    |
| response-optional-property-removed (WARN)                 |                                                   |
| response-property-became-optional (ERR), -required (INFO) | a response property's required flag flips         |
| request-parameter-type-changed (ERR), -generalized (INFO) | a type changes (`-generalized`: only widened;     |
| request-body-type-changed (ERR), -generalized (INFO)      | request `-became-nullable`: null added, INFO;     |
| request-property-type-changed (ERR), -generalized (INFO)  | `-became-not-nullable`: null removed, ERR;        |
| response-body-type-changed, -generalized (ERR),           | response `-specialized`: only narrowed, INFO;     |
| -specialized (INFO)                                       | `-became-nullable`: null added, ERR;              |
| response-property-type-changed, -generalized (ERR),       | `-became-not-nullable`: null removed, INFO)       |
| -specialized (INFO)                                       |                                                   |
| response-property-enum-value-added (WARN)                 | a response enum gains a value: the generated      |
|                                                           | clients here keep unlisted values (open enums)    |
| response-property-enum-value-removed,                     | a response enum loses a value                     |
| response-mediatype-enum-value-removed (INFO)              |                                                   |
| request-parameter-enum-value-added (INFO), -removed (ERR) | a request enum gains or loses a value (-body-,    |
| request-property-enum-value-added (INFO), -removed (ERR)  | -became-enum: a request becomes an enum, ERR)     |
| request-*-one-of-added (INFO), -removed (ERR)             | a oneOf branch comes or goes (* = body, property) |
| response-*-one-of-added (ERR), -removed (INFO)            |                                                   |
| request-body-wrapped-in-one-of,                           | a body without oneOf becomes one (its properties  |
| response-body-wrapped-in-one-of (ERR)                     | move into the branches)                           |
| request-*-any-of-added (INFO), -removed (ERR)             | an anyOf branch comes or goes                     |
| response-*-any-of-removed (INFO)                          | (added in a response: response-any-of-added)      |
| request-*-all-of-added (ERR), -removed (WARN)             | a named allOf part comes or goes (one the other   |
| response-*-all-of-added (INFO)                            | side shares no property with; removed from a      |
|                                                           | response: response-all-of-removed)                |
| api-security-added, api-global-security-added (INFO)      | an operation's (or the global) security gains an  |
|                                                           | alternative (removed: security-alternative-...)   |
| request-parameter-min-set, -max-set (WARN),               | a request minimum or maximum is set, raised or    |
| -min-increased, -max-decreased (ERR),                     | lowered (-body-, -property- alike); a bound       |
| -min-decreased, -max-increased (INFO)                     | removed is not reported                           |
| request-parameter-max-length-set (WARN), -decreased (ERR),| a request maxLength / minLength is set or changed |
| -increased (INFO); -min-length-increased (ERR),           | (-body-, -property- alike; a minLength set where  |
| -min-length-decreased (INFO)                              | there was none: request-min-length-set)           |
| response-property-max-increased, -min-decreased,          | a response bound widens or a maxLength goes       |
| -max-length-increased, -max-length-unset,                 | (-body- alike): the client may get values it      |
| -min-length-decreased (ERR)                               | never saw; narrowing is not reported              |
| request-parameter-pattern-added (ERR), -changed (WARN),   | a pattern comes, changes (to ".*": generalized)   |
| -generalized, -removed (INFO); request-property- alike;   | or goes (a pattern on a whole body is not         |
| response-property-pattern-added, -changed, -removed (INFO)| compared: oasdiff has no check for it)            |
| request-parameter-default-value-added, -changed,          | a default comes, changes or goes (`default: null` |
| -removed (ERR, a parameter optional on both sides);       | is no default); what the server assumes when the  |
| request-/response-body-/property-default-value-* (INFO)   | client sends nothing                              |
| api-security-component-added, -removed,                   | a security scheme comes, goes or changes type     |
| api-security-component-type-changed (INFO)                |                                                   |

| this script's kind (level)                | when                                                                  |
|-------------------------------------------|-----------------------------------------------------------------------|
| parameter-renamed (ERR)                   | a removed and an added parameter in the same place of one location    |
|                                           | (query, header, cookie: callers send the old name, which is ignored)  |
| path-parameter-renamed (WARN)             | the same for a path parameter: the URL is the same, but the generated |
|                                           | function's keyword argument is renamed (oasdiff reports nothing)      |
| path-variant-removed (WARN)               | a `METHOD /path#fragment` the vendor used to document one body of an  |
|                                           | operation is gone while `METHOD /path` stays (no fragment is sent)    |
| security-anonymous-access-removed (ERR)   | calls without credentials were allowed and are not any more           |
| security-first-documented (WARN)          | the same, when OLD has no security scheme at all (it said nothing)    |
| security-alternative-removed (ERR)        | a security alternative no remaining one covers goes (its callers get  |
|                                           | 401; oasdiff's api-security-removed and -global- are INFO)            |
| response-any-of-added (ERR)               | a response anyOf gains a branch: a value of the new branch only is    |
|                                           | one a client generated from OLD cannot read (oasdiff: INFO)           |
| response-all-of-removed (ERR)             | a named response allOf part goes and NEW documents none of its        |
|                                           | properties: they are gone (oasdiff: INFO)                             |
| request-min-length-set (WARN)             | a request minLength where there was none (oasdiff has no check; as    |
|                                           | its max-length-set)                                                   |
| security-scheme-changed (ERR)             | a scheme's `in`, `name`, `scheme` or `openIdConnectUrl` changes       |
| one-of-became-any-of, any-of-became-one-of | the same branches under the other keyword (WARN in responses: anyOf   |
|                                           | admits an object several branches accept; INFO in requests)           |
| enum-added (INFO in responses, ERR in     | a value that was free becomes an enum                                 |
| requests: request-*-became-enum)          |                                                                       |
| enum-dropped (WARN in responses, INFO in  | an enum becomes a free value                                          |
| requests)                                 |                                                                       |
| server-removed (ERR), server-added (INFO) | a server URL goes or comes                                            |
| info-version-changed (INFO)               | names the spec versions compared                                      |

Not compared: descriptions, examples, response headers, exclusive bounds, item counts, a readOnly property's
constraints in requests (a writeOnly one's in responses), discriminators, and servers declared on paths or
operations.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
Direction = Literal["request", "response"]
# Scheme fields that decide how credentials travel; a change to any of them breaks existing callers.
SCHEME_FIELDS = ("in", "name", "scheme", "openIdConnectUrl")
_TEMPLATE = re.compile(r"\{([^}]*)\}")
_MAX_DEPTH = 64
LEVELS = ("ERR", "WARN", "INFO")
# The oasdiff release whose check ids and levels OASDIFF follows (github.com/oasdiff/oasdiff, checker/rules.go);
# tests/fixtures/oasdiff/ keeps that file and the ids it names, and tests/test_spec_diff_rules.py holds OASDIFF to it.
OASDIFF_RELEASE = "v1.28.0"
# Numeric constraints, as oasdiff names them in its check ids.
BOUNDS = (("maximum", "max"), ("minimum", "min"), ("maxLength", "max-length"), ("minLength", "min-length"))
# oasdiff's checks this script reports, with the level OASDIFF_RELEASE's checker/rules.go gives each.
OASDIFF = {
    "endpoint-added": "INFO",
    "endpoint-deprecated": "INFO",
    "api-removed-without-deprecation": "ERR",
    "api-removed-with-deprecation": "INFO",
    "api-operation-id-removed": "INFO",
    "api-operation-id-added": "INFO",
    "new-required-request-parameter": "ERR",
    "new-optional-request-parameter": "INFO",
    "new-request-path-parameter": "ERR",
    "request-parameter-removed": "WARN",
    "request-parameter-removed-with-deprecation": "INFO",
    "request-parameter-became-required": "ERR",
    "request-parameter-became-optional": "INFO",
    "request-parameter-type-changed": "ERR",
    "request-parameter-type-generalized": "INFO",
    "request-parameter-became-nullable": "INFO",
    "request-parameter-became-not-nullable": "ERR",
    "request-parameter-became-enum": "ERR",
    "request-parameter-enum-value-added": "INFO",
    "request-parameter-enum-value-removed": "ERR",
    "request-body-added-required": "ERR",
    "request-body-added-optional": "INFO",
    "request-body-removed": "ERR",
    "request-body-became-required": "ERR",
    "request-body-became-optional": "INFO",
    "request-body-media-type-added": "INFO",
    "request-body-media-type-removed": "ERR",
    "request-body-type-changed": "ERR",
    "request-body-type-generalized": "INFO",
    "request-body-became-nullable": "INFO",
    "request-body-became-not-nullable": "ERR",
    "request-body-became-enum": "ERR",
    "request-body-enum-value-removed": "ERR",
    "new-required-request-property": "ERR",
    "new-optional-request-property": "INFO",
    "request-property-removed": "WARN",
    "request-property-became-required": "ERR",
    "request-property-became-optional": "INFO",
    "request-property-type-changed": "ERR",
    "request-property-type-generalized": "INFO",
    "request-property-became-nullable": "INFO",
    "request-property-became-not-nullable": "ERR",
    "request-property-became-enum": "ERR",
    "request-property-enum-value-added": "INFO",
    "request-property-enum-value-removed": "ERR",
    "response-success-status-added": "INFO",
    "response-success-status-removed": "ERR",
    "response-non-success-status-added": "INFO",
    "response-non-success-status-removed": "INFO",
    "response-media-type-added": "INFO",
    "response-media-type-removed": "ERR",
    "response-required-property-added": "INFO",
    "response-optional-property-added": "INFO",
    "response-required-property-removed": "ERR",
    "response-optional-property-removed": "WARN",
    "response-property-became-optional": "ERR",
    "response-property-became-required": "INFO",
    "response-body-type-changed": "ERR",
    "response-body-type-generalized": "ERR",
    "response-body-type-specialized": "INFO",
    "response-body-became-nullable": "ERR",
    "response-body-became-not-nullable": "INFO",
    "response-property-type-changed": "ERR",
    "response-property-type-generalized": "ERR",
    "response-property-type-specialized": "INFO",
    "response-property-became-nullable": "ERR",
    "response-property-became-not-nullable": "INFO",
    "response-property-enum-value-added": "WARN",
    "response-property-enum-value-removed": "INFO",
    "response-mediatype-enum-value-removed": "INFO",
    "request-body-one-of-added": "INFO",
    "request-body-one-of-removed": "ERR",
    "request-property-one-of-added": "INFO",
    "request-property-one-of-removed": "ERR",
    "response-body-one-of-added": "ERR",
    "response-body-one-of-removed": "INFO",
    "response-property-one-of-added": "ERR",
    "response-property-one-of-removed": "INFO",
    "request-body-wrapped-in-one-of": "ERR",
    "response-body-wrapped-in-one-of": "ERR",
    "request-body-any-of-added": "INFO",
    "request-body-any-of-removed": "ERR",
    "request-property-any-of-added": "INFO",
    "request-property-any-of-removed": "ERR",
    "response-body-any-of-removed": "INFO",
    "response-property-any-of-removed": "INFO",
    "request-body-all-of-added": "ERR",
    "request-body-all-of-removed": "WARN",
    "request-property-all-of-added": "ERR",
    "request-property-all-of-removed": "WARN",
    "response-body-all-of-added": "INFO",
    "response-property-all-of-added": "INFO",
    "api-security-added": "INFO",
    "api-global-security-added": "INFO",
    "api-security-component-added": "INFO",
    "api-security-component-removed": "INFO",
    "api-security-component-type-changed": "INFO",
    # Constraints: ranges, lengths, patterns, defaults.
    "request-body-default-value-added": "INFO",
    "request-body-default-value-changed": "INFO",
    "request-body-default-value-removed": "INFO",
    "request-body-max-decreased": "ERR",
    "request-body-max-increased": "INFO",
    "request-body-max-length-decreased": "ERR",
    "request-body-max-length-increased": "INFO",
    "request-body-max-length-set": "WARN",
    "request-body-max-set": "WARN",
    "request-body-min-decreased": "INFO",
    "request-body-min-increased": "ERR",
    "request-body-min-length-decreased": "INFO",
    "request-body-min-length-increased": "ERR",
    "request-body-min-set": "WARN",
    "request-parameter-default-value-added": "ERR",
    "request-parameter-default-value-changed": "ERR",
    "request-parameter-default-value-removed": "ERR",
    "request-parameter-max-decreased": "ERR",
    "request-parameter-max-increased": "INFO",
    "request-parameter-max-length-decreased": "ERR",
    "request-parameter-max-length-increased": "INFO",
    "request-parameter-max-length-set": "WARN",
    "request-parameter-max-set": "WARN",
    "request-parameter-min-decreased": "INFO",
    "request-parameter-min-increased": "ERR",
    "request-parameter-min-length-decreased": "INFO",
    "request-parameter-min-length-increased": "ERR",
    "request-parameter-min-set": "WARN",
    "request-parameter-pattern-added": "ERR",
    "request-parameter-pattern-changed": "WARN",
    "request-parameter-pattern-generalized": "INFO",
    "request-parameter-pattern-removed": "INFO",
    "request-property-default-value-added": "INFO",
    "request-property-default-value-changed": "INFO",
    "request-property-default-value-removed": "INFO",
    "request-property-max-decreased": "ERR",
    "request-property-max-increased": "INFO",
    "request-property-max-length-decreased": "ERR",
    "request-property-max-length-increased": "INFO",
    "request-property-max-length-set": "WARN",
    "request-property-max-set": "WARN",
    "request-property-min-decreased": "INFO",
    "request-property-min-increased": "ERR",
    "request-property-min-length-decreased": "INFO",
    "request-property-min-length-increased": "ERR",
    "request-property-min-set": "WARN",
    "request-property-pattern-added": "ERR",
    "request-property-pattern-changed": "WARN",
    "request-property-pattern-generalized": "INFO",
    "request-property-pattern-removed": "INFO",
    "response-body-default-value-added": "INFO",
    "response-body-default-value-changed": "INFO",
    "response-body-default-value-removed": "INFO",
    "response-body-max-increased": "ERR",
    "response-body-max-length-increased": "ERR",
    "response-body-max-length-unset": "ERR",
    "response-body-min-decreased": "ERR",
    "response-body-min-length-decreased": "ERR",
    "response-property-default-value-added": "INFO",
    "response-property-default-value-changed": "INFO",
    "response-property-default-value-removed": "INFO",
    "response-property-max-increased": "ERR",
    "response-property-max-length-increased": "ERR",
    "response-property-max-length-unset": "ERR",
    "response-property-min-decreased": "ERR",
    "response-property-min-length-decreased": "ERR",
    "response-property-pattern-added": "INFO",
    "response-property-pattern-changed": "INFO",
    "response-property-pattern-removed": "INFO",
}
# Changes oasdiff grades otherwise, graded here on purpose under this script's own kind (in OWN), and why.
REGRADED = {
    # A response value of the new branch only is one the client generated from OLD cannot parse (oasdiff: INFO).
    "response-body-any-of-added": "response-any-of-added",
    "response-property-any-of-added": "response-any-of-added",
    # Reported only when NEW documents none of the part's properties: they are gone from the response (oasdiff: INFO).
    "response-body-all-of-removed": "response-all-of-removed",
    "response-property-all-of-removed": "response-all-of-removed",
    # Reported only when no remaining alternative covers it: its callers get 401 (oasdiff: INFO).
    "api-security-removed": "security-alternative-removed",
    "api-global-security-removed": "security-alternative-removed",
}
# This script's own kinds, for changes oasdiff has no check for (levels that depend on direction are given there).
OWN = {
    "parameter-renamed": "ERR",
    "path-parameter-renamed": "WARN",
    "path-variant-removed": "WARN",
    "security-first-documented": "WARN",
    "request-min-length-set": "WARN",
    "response-any-of-added": "ERR",
    "response-all-of-removed": "ERR",
    "security-alternative-removed": "ERR",
    "security-anonymous-access-removed": "ERR",
    "security-scheme-changed": "ERR",
    "server-removed": "ERR",
    "server-added": "INFO",
    "info-version-changed": "INFO",
}


class SpecError(Exception):
    """An input that is not a readable OpenAPI 3.x document; the message is one line for the user."""


@dataclass(frozen=True)
class Change:
    """One difference between the two specs, with its kind and level (oasdiff's where it has a check)."""

    kind: str
    location: str
    detail: str
    level: str
    oasdiff: bool

    @property
    def breaking(self) -> bool:
        """An ERR change: a client written against the old spec can fail against the new one."""
        return self.level == "ERR"

    def as_json(self) -> dict[str, Any]:
        """The change as --json prints it."""
        return {
            "kind": self.kind,
            "location": self.location,
            "detail": self.detail,
            "level": self.level,
            "breaking": self.breaking,
            "oasdiff": self.oasdiff,
        }


def _change(kind: str, location: str, detail: str, level: str | None = None) -> Change:
    """A change of an oasdiff check (its level) or of this script's own kind (the level given, or OWN's)."""
    kind = REGRADED.get(kind, kind)
    if kind in OASDIFF:
        return Change(kind, location, detail, OASDIFF[kind], True)
    return Change(kind, location, detail, level or OWN[kind], False)


@dataclass(frozen=True)
class Spec:
    """A parsed document plus its name, so every error can say which input is at fault."""

    doc: Mapping[str, Any]
    name: str


# ---------------------------------------------------------------------------------------------------- loading


class SpecLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """YAML read as JSON would (a timestamp stays text), by the C parser when PyYAML has it: specs run to 330 KB."""


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(data: bytes, name: str) -> Any:
    """Parse YAML (or JSON) bytes, with one line naming the file and the line for anything malformed."""
    try:
        return yaml.load(data, Loader=SpecLoader)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{name}: not valid YAML{where}") from None


def load_spec(data: bytes, name: str) -> Spec:
    """Parse YAML (or JSON) bytes into a Spec, refusing anything that is not OpenAPI 3.x."""
    doc = parse_yaml(data, name)
    if not isinstance(doc, dict):
        raise SpecError(f"{name}: not an OpenAPI document (top level is not a mapping)")
    version = doc.get("openapi")
    if not isinstance(version, (str, float)) or not str(version).startswith("3."):
        raise SpecError(f"{name}: not an OpenAPI 3.x document (no `openapi: 3.x` field)")
    spec = Spec(doc, name)
    _mapping(spec, doc.get("paths"), "paths")
    return spec


def read_spec(path: Path) -> Spec:
    """Read and parse the spec at path."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return load_spec(data, str(path))


def _mapping(spec: Spec, value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError(f"{spec.name}: {where} must be a mapping")
    return value


def _sequence(spec: Spec, value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SpecError(f"{spec.name}: {where} must be a list")
    return value


def _resolve(spec: Spec, ref: Any) -> Any:
    """Follow one local JSON pointer such as '#/components/schemas/x'."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        raise SpecError(f"{spec.name}: only local $refs are supported, found {ref!r}")
    node: Any = spec.doc
    for raw in ref[1:].split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SpecError(f"{spec.name}: $ref {ref!r} does not resolve")
    return node


def _deref(spec: Spec, value: Any, where: str) -> Mapping[str, Any]:
    """Follow $ref chains of a parameter, body, response or schema object to the object itself."""
    for _ in range(_MAX_DEPTH):
        if isinstance(value, bool):
            return {} if value else {"not": {}}
        obj = _mapping(spec, value, where)
        if "$ref" not in obj:
            return obj
        value = _resolve(spec, obj["$ref"])
    raise SpecError(f"{spec.name}: $ref cycle at {where}")


# ---------------------------------------------------------------------------------------------------- schemas


def _ref_name(raw: Any) -> str:
    """The component a `$ref` names (its last segment), or '' for an inline schema."""
    ref = raw.get("$ref") if isinstance(raw, dict) else None
    return str(ref).rsplit("/", 1)[-1] if isinstance(ref, str) else ""


def _branches(spec: Spec, schema: Mapping[str, Any], keyword: str, where: str) -> dict[str, Any]:
    """The branches of a oneOf/anyOf (or the named parts of an allOf), keyed by `$ref` name or inline position."""
    found: dict[str, Any] = {}
    for index, raw in enumerate(_sequence(spec, schema.get(keyword), f"{where}: {keyword}")):
        name = _ref_name(raw)
        key = name or f"#{index}"
        while key in found:
            key += "'"
        found[key] = raw
    return found


@dataclass(frozen=True)
class View:
    """A schema as compared: its keywords, properties and required names (own, inline allOf parts, matched parts)."""

    schema: Mapping[str, Any]
    properties: Mapping[str, Any]
    required: frozenset[str]


def _view(spec: Spec, schema: Mapping[str, Any], parts: set[str], where: str, depth: int = 0) -> View:
    """Merge a schema with its inline allOf parts and the named parts in `parts` (siblings win)."""
    if depth > _MAX_DEPTH:
        raise SpecError(f"{spec.name}: allOf nested too deep at {where}")
    merged: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    required: set[str] = set()
    for key, raw in _branches(spec, schema, "allOf", where).items():
        if key.startswith("#") or key in parts:
            part = _deref(spec, raw, where)
            inner = _view(spec, part, set(_branches(spec, part, "allOf", where)), where, depth + 1)
            merged.update({k: v for k, v in inner.schema.items() if k not in ("properties", "required", "allOf")})
            properties.update(inner.properties)
            required |= inner.required
    merged.update({k: v for k, v in schema.items() if k not in ("properties", "required", "allOf")})
    properties.update(_mapping(spec, schema.get("properties"), f"{where}: properties"))
    required |= _names(spec, schema.get("required"), f"{where}: required")
    if properties:
        merged["properties"] = properties
    return View(merged, properties, frozenset(required))


def _all_parts(spec: Spec, schema: Mapping[str, Any], where: str) -> set[str]:
    return {key for key in _branches(spec, schema, "allOf", where) if not key.startswith("#")}


def _part_properties(spec: Spec, raw: Any, where: str) -> set[str]:
    part = _deref(spec, raw, where)
    return set(_view(spec, part, _all_parts(spec, part, where), where).properties)


def _names(spec: Spec, value: Any, where: str) -> set[str]:
    """A list of property names, such as `required`."""
    names = _sequence(spec, value, where)
    if not all(isinstance(name, str) for name in names):
        raise SpecError(f"{spec.name}: {where} must be a list of names")
    return set(names)


def _branch_properties(spec: Spec, schema: Mapping[str, Any], where: str) -> set[str]:
    """Every property documented in a schema's oneOf/anyOf branches (where properties go when a body is split)."""
    found: set[str] = set()
    for keyword in ("oneOf", "anyOf"):
        for raw in _branches(spec, schema, keyword, where).values():
            branch = _deref(spec, raw, where)
            found |= set(_view(spec, branch, set(_branches(spec, branch, "allOf", where)), where).properties)
    return found


def _types(spec: Spec, schema: Mapping[str, Any], where: str, depth: int = 0) -> frozenset[str]:
    """The set of JSON types a schema admits, as 'type' or 'type(format)'; 'any' when unconstrained."""
    if depth > _MAX_DEPTH:
        raise SpecError(f"{spec.name}: schemas nested too deep at {where}")
    branches = [*_sequence(spec, schema.get("oneOf"), where), *_sequence(spec, schema.get("anyOf"), where)]
    declared = schema.get("type")
    names = [declared] if isinstance(declared, str) else list(_sequence(spec, declared, f"{where}: type"))
    if branches and not [name for name in names if name != "null"]:
        found: set[str] = set()
        for branch in branches:
            found |= _types(spec, _deref(spec, branch, where), where, depth + 1)
        found |= {"null"} if "null" in names or schema.get("nullable") is True else set()
        return frozenset(found)
    if not names:
        names = ["object"] if "properties" in schema else ["any"]
    fmt = schema.get("format")
    types = {f"{t}({fmt})" if fmt and t != "null" else str(t) for t in names}
    if schema.get("nullable") is True:
        types.add("null")
    return frozenset(types)


def _admits(wide: frozenset[str], one: str) -> bool:
    base = one.split("(")[0]
    return "any" in wide or one in wide or base in wide or (base == "integer" and "number" in wide)


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(_admits(wide, one) for one in narrow)


def _show(types: frozenset[str]) -> str:
    return " | ".join(sorted(types))


def _enum(schema: Mapping[str, Any]) -> list[str] | None:
    values = schema.get("enum")
    return [json.dumps(v, sort_keys=True, default=str) for v in values] if isinstance(values, list) else None


Seen = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Place:
    """Where a schema sits: the direction data flows, what it is (parameter, body, property), and how it is named."""

    direction: Direction
    subject: Literal["parameter", "body", "property"]
    where: str
    pointer: str

    @property
    def label(self) -> str:
        """The location a change is reported at."""
        return f"{self.where}: {self.pointer}" if self.pointer else self.where

    def prefix(self) -> str:
        """The start of oasdiff's check ids for this place (request-parameter, request-body, response-property...)."""
        return f"{self.direction}-{self.subject}"

    def inner(self, pointer: str) -> Place:
        """A place below this one: a property, an item, a branch (a parameter's insides stay the parameter's)."""
        return Place(self.direction, "parameter" if self.subject == "parameter" else "property", self.where, pointer)


def _type_changes(place: Place, old: frozenset[str], new: frozenset[str]) -> Iterator[Change]:
    """Class a type change: a nullable flip, then widening or narrowing of the rest, by direction."""
    if old == new:
        return
    detail = f"type {_show(old)} -> {_show(new)}"
    prefix = place.prefix()
    if ("null" in old) != ("null" in new) and old - {"null"} and new - {"null"}:
        became = "became-nullable" if "null" in new else "became-not-nullable"
        yield _change(f"{prefix}-{became}", place.label, detail)
        old, new = old - {"null"}, new - {"null"}
        if old == new:
            return
        detail = f"type {_show(old)} -> {_show(new)}"
    widened, narrowed = _covers(new, old), _covers(old, new)
    if place.direction == "response":
        suffix = "generalized" if widened else "specialized" if narrowed else "changed"
    else:
        suffix = "generalized" if widened else "changed"
    yield _change(f"{prefix}-type-{suffix}", place.label, detail)


def _enum_changes(place: Place, old: list[str] | None, new: list[str] | None) -> Iterator[Change]:
    """Values added to and removed from an enum, each change once, at the level its direction gives it."""
    if old == new:
        return
    prefix, label = place.prefix(), place.label
    response = place.direction == "response"
    if old is None and new is not None:
        if response:
            yield _change("enum-added", label, f"restricted to the enum {', '.join(new)}", "INFO")
        else:
            yield _change(f"{prefix}-became-enum", label, f"restricted to the enum {', '.join(new)}")
        return
    if new is None:
        yield _change("enum-dropped", label, "no longer an enum", "WARN" if response else "INFO")
        return
    added = [value for value in new if value not in (old or [])]
    removed = [value for value in old or [] if value not in new]
    if added:
        kind = "response-property-enum-value-added" if response else f"{prefix}-enum-value-added"
        if place.subject == "body" and not response:
            kind = "request-property-enum-value-added"
        yield _change(kind, label, f"enum value added: {', '.join(added)}")
    if removed:
        if response:
            kind = (
                "response-mediatype-enum-value-removed" if place.subject == "body" else f"{prefix}-enum-value-removed"
            )
        else:
            kind = f"{prefix}-enum-value-removed"
        yield _change(kind, label, f"enum value removed: {', '.join(removed)}")


def _bound(value: Any) -> int | float | None:
    """A numeric constraint's value; None when it is absent (or not a number, which no validator applies)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _constraint_changes(place: Place, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    """Ranges, lengths, patterns and defaults set, raised, lowered or removed, where oasdiff has a check for them."""
    if (place.direction == "request" and new.get("readOnly") is True) or (
        place.direction == "response" and new.get("writeOnly") is True
    ):
        return  # a value that does not travel that way (oasdiff grades these INFO or not at all)
    prefix = place.prefix()
    for keyword, name in BOUNDS:
        was, now = _bound(old.get(keyword)), _bound(new.get(keyword))
        if was == now:
            continue
        action = "set" if was is None else "unset" if now is None else "increased" if now > was else "decreased"
        kind = f"{prefix}-{name}-{action}"
        if kind not in OASDIFF and place.direction == "request" and kind.endswith("-min-length-set"):
            kind = "request-min-length-set"  # oasdiff grades max-length-set only; a new minimum is as risky
        if kind in OASDIFF or kind in OWN:
            yield _change(kind, place.label, f"{keyword} {_shown(was)} -> {_shown(now)}")
    was_pattern, now_pattern = old.get("pattern"), new.get("pattern")
    if was_pattern != now_pattern:
        action = "added" if was_pattern is None else "removed" if now_pattern is None else "changed"
        if action == "changed" and now_pattern == ".*" and place.direction == "request":
            action = "generalized"
        kind = f"{prefix}-pattern-{action}"
        if kind in OASDIFF:
            yield _change(kind, place.label, f"pattern {_shown(was_pattern)} -> {_shown(now_pattern)}")
    if place.subject != "parameter":  # a parameter's default is graded with its required flag (_compare_param)
        yield from _default_change(place, old, new)


def _default_change(place: Place, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    """A default added, removed or changed (what a server assumes when the client sends nothing)."""
    was, now = old.get("default"), new.get("default")  # `default: null` is no default, as oasdiff reads it
    if _shown(was) == _shown(now):
        return
    action = "added" if was is None else "removed" if now is None else "changed"
    yield _change(f"{place.prefix()}-default-value-{action}", place.label, f"default {_shown(was)} -> {_shown(now)}")


def _shown(value: Any) -> str:
    """A constraint's value as the report shows it ("none" when absent)."""
    return "none" if value is None else json.dumps(value, sort_keys=True, default=str)


def _join(pointer: str, name: str) -> str:
    return f"{pointer}.{name}" if pointer else name


def _compare_schema(old: tuple[Spec, Any], new: tuple[Spec, Any], place: Place, seen: Seen) -> Iterator[Change]:
    """Yield the changes between two schemas: type, enum, compositions, properties, items, recursively."""
    (os_, oraw), (ns, nraw) = old, new
    refs = (_ref_name(oraw), _ref_name(nraw))
    if refs != ("", "") and refs in seen:
        return  # a recursive schema: this pair is already being compared further up
    if refs != ("", ""):
        seen = seen | {refs}
    if len(seen) > _MAX_DEPTH:
        raise SpecError(f"{ns.name}: schemas nested too deep at {place.where}")
    o, n = _deref(os_, oraw, place.where), _deref(ns, nraw, place.where)
    oparts, nparts = _branches(os_, o, "allOf", place.where), _branches(ns, n, "allOf", place.where)
    onamed, nnamed = _all_parts(os_, o, place.where), _all_parts(ns, n, place.where)
    # A named part only one side has is merged like the others when the other side documents any of its properties
    # (the vendor inlined it, or moved properties into it, adding some); else it is reported as one part.
    ofull, nfull = _view(os_, o, onamed, place.where), _view(ns, n, nnamed, place.where)
    odocumented = set(ofull.properties) | _branch_properties(os_, ofull.schema, place.where)
    ndocumented = set(nfull.properties) | _branch_properties(ns, nfull.schema, place.where)
    okeep = {k for k in onamed if k in nnamed or _part_properties(os_, oparts[k], place.where) & ndocumented}
    nkeep = {k for k in nnamed if k in onamed or _part_properties(ns, nparts[k], place.where) & odocumented}
    ov, nv = _view(os_, o, okeep, place.where), _view(ns, n, nkeep, place.where)
    yield from _type_changes(place, _types(os_, ov.schema, place.where), _types(ns, nv.schema, place.where))
    yield from _enum_changes(place, _enum(ov.schema), _enum(nv.schema))
    yield from _constraint_changes(place, ov.schema, nv.schema)
    yield from _compare_all_of(place, sorted(onamed - okeep), sorted(nnamed - nkeep))
    yield from _compare_choices((os_, ov.schema), (ns, nv.schema), place, seen)
    if "items" in ov.schema and "items" in nv.schema:
        items = place.inner(f"{place.pointer}[]")
        yield from _compare_schema((os_, ov.schema["items"]), (ns, nv.schema["items"]), items, seen)
    yield from _compare_properties((os_, ov), (ns, nv), place, seen)


def _composition(place: Place, keyword: str, change: str) -> str:
    return f"{place.direction}-{'body' if place.subject == 'body' else 'property'}-{keyword}-{change}"


def _compare_all_of(place: Place, removed: list[str], added: list[str]) -> Iterator[Change]:
    """Named allOf parts only one side has, whose properties the other side does not document."""
    for key in removed:
        yield _change(_composition(place, "all-of", "removed"), place.label, f"allOf part {key} removed")
    for key in added:
        yield _change(_composition(place, "all-of", "added"), place.label, f"allOf part {key} added")


def _compare_choices(
    old: tuple[Spec, Mapping[str, Any]], new: tuple[Spec, Mapping[str, Any]], place: Place, seen: Seen
) -> Iterator[Change]:
    """Compare oneOf/anyOf branch by branch; the other keyword over the branches is one change, not a rebuild."""
    (os_, o), (ns, n) = old, new
    ob = {kw: _branches(os_, o, kw, place.where) for kw in ("oneOf", "anyOf")}
    nb = {kw: _branches(ns, n, kw, place.where) for kw in ("oneOf", "anyOf")}
    pairs = [("oneOf", ob["oneOf"], nb["oneOf"]), ("anyOf", ob["anyOf"], nb["anyOf"])]
    for first, second in (("oneOf", "anyOf"), ("anyOf", "oneOf")):
        if ob[first] and not ob[second] and nb[second] and not nb[first]:
            kind = "one-of-became-any-of" if first == "oneOf" else "any-of-became-one-of"
            level = "WARN" if place.direction == "response" and first == "oneOf" else "INFO"
            yield _change(kind, place.label, f"{first} -> {second}", level)
            pairs = [(second, ob[first], nb[second])]
    for keyword, obr, nbr in pairs:
        dashed = "one-of" if keyword == "oneOf" else "any-of"
        if keyword == "oneOf" and place.subject == "body" and nbr and not obr and not ob["anyOf"]:
            detail = f"restructured into a oneOf of {', '.join(nbr)}"
            yield _change(f"{place.direction}-body-wrapped-in-one-of", place.label, detail)
        else:
            for key in [key for key in obr if key not in nbr]:
                yield _change(_composition(place, dashed, "removed"), place.label, f"{keyword} branch {key} removed")
            for key in [key for key in nbr if key not in obr]:
                yield _change(_composition(place, dashed, "added"), place.label, f"{keyword} branch {key} added")
        for key in [key for key in obr if key in nbr]:
            branch = place.inner(f"{place.pointer}<{keyword} {key}>")
            yield from _compare_schema((os_, obr[key]), (ns, nbr[key]), branch, seen)


def _compare_properties(old: tuple[Spec, View], new: tuple[Spec, View], place: Place, seen: Seen) -> Iterator[Change]:
    """Yield added, removed and required-flipped properties, then recurse into the ones both sides have."""
    (os_, o), (ns, n) = old, new
    response = place.direction == "response"
    moved_out = _branch_properties(ns, n.schema, place.where)  # now documented in a oneOf/anyOf branch
    moved_in = _branch_properties(os_, o.schema, place.where)
    for name in sorted(o.properties.keys() - n.properties.keys(), key=str):
        if name in moved_out:
            continue
        at = place.inner(_join(place.pointer, str(name))).label
        if response:
            kind = "response-required-property-removed" if name in o.required else "response-optional-property-removed"
        else:
            kind = "request-property-removed"
        yield _change(kind, at, "property removed")
    for name in sorted(n.properties.keys() - o.properties.keys(), key=str):
        if name in moved_in:
            continue
        at = place.inner(_join(place.pointer, str(name))).label
        required = name in n.required
        if response:
            kind = "response-required-property-added" if required else "response-optional-property-added"
        else:
            kind = "new-required-request-property" if required else "new-optional-request-property"
        yield _change(kind, at, f"{'required' if required else 'optional'} property added")
    for name in sorted(o.properties.keys() & n.properties.keys(), key=str):
        inner = place.inner(_join(place.pointer, str(name)))
        if name in n.required and name not in o.required:
            kind = "response-property-became-required" if response else "request-property-became-required"
            yield _change(kind, inner.label, "optional -> required")
        if name in o.required and name not in n.required:
            kind = "response-property-became-optional" if response else "request-property-became-optional"
            yield _change(kind, inner.label, "required -> optional")
        yield from _compare_schema((os_, o.properties[name]), (ns, n.properties[name]), inner, seen)


def _compare_content(old: tuple[Spec, Any], new: tuple[Spec, Any], where: str, d: Direction) -> Iterator[Change]:
    """Yield media types added or removed, and schema changes of the media types both sides have."""
    (os_, oc), (ns, nc) = old, new
    ocontent, ncontent = _mapping(os_, oc, f"{where}: content"), _mapping(ns, nc, f"{where}: content")
    prefix = "request-body" if d == "request" else "response"
    for media in sorted(ocontent.keys() - ncontent.keys(), key=str):
        yield _change(f"{prefix}-media-type-removed", f"{where} {media}", "media type removed")
    for media in sorted(ncontent.keys() - ocontent.keys(), key=str):
        yield _change(f"{prefix}-media-type-added", f"{where} {media}", "media type added")
    for media in sorted(ocontent.keys() & ncontent.keys(), key=str):
        at = f"{where} {media}"
        oschema = _mapping(os_, ocontent[media], at).get("schema", {})
        nschema = _mapping(ns, ncontent[media], at).get("schema", {})
        yield from _compare_schema((os_, oschema), (ns, nschema), Place(d, "body", at, ""), frozenset())


# ------------------------------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class Operation:
    """One method on one path, with its parameters merged from the path item and keyed by (in, name)."""

    spec: Spec
    method: str
    path: str
    body: Mapping[str, Any]
    params: dict[tuple[str, str], Mapping[str, Any]]

    @property
    def label(self) -> str:
        """How the operation is named in reports."""
        return f"{self.method.upper()} {self.path}"


def _operations(spec: Spec) -> dict[tuple[str, str], Operation]:
    """Every operation keyed by (method, path template with parameter names blanked)."""
    found: dict[tuple[str, str], Operation] = {}
    for path, raw_item in _mapping(spec, spec.doc.get("paths"), "paths").items():
        item = _deref(spec, raw_item, f"paths.{path}")
        shared = _params(spec, item.get("parameters"), f"{path}: parameters")
        for method in METHODS:
            if method not in item:
                continue
            body = _mapping(spec, item[method], f"{method.upper()} {path}")
            params = {**shared, **_params(spec, body.get("parameters"), f"{method.upper()} {path}: parameters")}
            key = (method, _TEMPLATE.sub("{}", str(path)))
            if key in found:
                raise SpecError(f"{spec.name}: paths {found[key].path} and {path} differ only in parameter names")
            found[key] = Operation(spec, method, str(path), body, params)
    return found


def _params(spec: Spec, raw: Any, where: str) -> dict[tuple[str, str], Mapping[str, Any]]:
    params: dict[tuple[str, str], Mapping[str, Any]] = {}
    for entry in _sequence(spec, raw, where):
        param = _deref(spec, entry, where)
        name, location = param.get("name"), param.get("in")
        if not isinstance(name, str) or not isinstance(location, str):
            raise SpecError(f"{spec.name}: {where}: a parameter lacks `name` or `in`")
        params[(location, name)] = param
    return params


def _param_order(op: Operation, location: str) -> list[str]:
    """Names of one location's parameters in order: template order for path ones, declaration order otherwise."""
    declared = [name for (where, name) in op.params if where == location]
    if location != "path":
        return declared
    template = _TEMPLATE.findall(op.path)
    return sorted(declared, key=lambda name: template.index(name) if name in template else len(template))


def _param_schema(param: Mapping[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    content = param.get("content")
    if isinstance(content, dict) and content:
        first = next(iter(content.values()))
        return first.get("schema", {}) if isinstance(first, dict) else {}
    return {}


def _compare_param(old: Operation, new: Operation, okey: tuple[str, str], nkey: tuple[str, str]) -> Iterator[Change]:
    op, np_ = old.params[okey], new.params[nkey]
    where = f"{new.label} {nkey[0]} parameter {nkey[1]}"
    oreq, nreq = op.get("required") is True, np_.get("required") is True
    if nreq and not oreq:
        yield _change("request-parameter-became-required", where, "optional -> required")
    if oreq and not nreq:
        yield _change("request-parameter-became-optional", where, "required -> optional")
    oschema, nschema = (old.spec, _param_schema(op)), (new.spec, _param_schema(np_))
    place = Place("request", "parameter", where, "")
    yield from _compare_schema(oschema, nschema, place, frozenset())
    if not oreq and not nreq:  # oasdiff grades the default of a parameter that stays optional, as here
        odefault = _deref(old.spec, oschema[1], where)
        ndefault = _deref(new.spec, nschema[1], where)
        yield from _default_change(place, odefault, ndefault)


def _compare_params(old: Operation, new: Operation) -> Iterator[Change]:
    """Yield parameter changes; a removed and an added parameter at the same place in one location is a rename."""
    for location in sorted({loc for loc, _ in old.params} | {loc for loc, _ in new.params}):
        oorder, norder = _param_order(old, location), _param_order(new, location)
        removed = [n for n in oorder if (location, n) not in new.params]
        added = [n for n in norder if (location, n) not in old.params]
        renamed: dict[str, str] = {}
        for name in removed:
            index = oorder.index(name)
            if index < len(norder) and norder[index] in added and norder[index] not in renamed.values():
                renamed[name] = norder[index]
        for name in removed:
            where = f"{new.label} {location} parameter {name}"
            if name in renamed:
                kind = "path-parameter-renamed" if location == "path" else "parameter-renamed"
                yield _change(kind, where, f"renamed to {renamed[name]}")
                yield from _compare_param(old, new, (location, name), (location, renamed[name]))
            elif old.params[(location, name)].get("deprecated") is True:
                yield _change("request-parameter-removed-with-deprecation", where, "deprecated parameter removed")
            else:
                yield _change("request-parameter-removed", where, "parameter removed")
        for name in added:
            if name not in renamed.values():
                required = new.params[(location, name)].get("required") is True
                kind = "new-request-path-parameter" if location == "path" else "new-optional-request-parameter"
                kind = "new-required-request-parameter" if required and location != "path" else kind
                detail = f"{'required' if required else 'optional'} parameter added"
                yield _change(kind, f"{new.label} {location} parameter {name}", detail)
        for name in oorder:
            if (location, name) in new.params:
                yield from _compare_param(old, new, (location, name), (location, name))


def _compare_body(old: Operation, new: Operation) -> Iterator[Change]:
    """Yield request body changes: presence, required flag, media types and schemas."""
    where = f"{new.label} request body"
    has_old, has_new = "requestBody" in old.body, "requestBody" in new.body
    ob = _deref(old.spec, old.body.get("requestBody"), where)
    nb = _deref(new.spec, new.body.get("requestBody"), where)
    oreq, nreq = ob.get("required") is True, nb.get("required") is True
    if has_old and not has_new:
        yield _change("request-body-removed", where, "request body removed")
    elif has_new and not has_old:
        kind = "request-body-added-required" if nreq else "request-body-added-optional"
        yield _change(kind, where, f"{'required' if nreq else 'optional'} request body added")
    elif has_old and has_new:
        if nreq and not oreq:
            yield _change("request-body-became-required", where, "optional -> required")
        if oreq and not nreq:
            yield _change("request-body-became-optional", where, "required -> optional")
        yield from _compare_content((old.spec, ob.get("content")), (new.spec, nb.get("content")), where, "request")


def _is_success(status: str) -> bool:
    return status[:1] in ("1", "2", "3")


def _compare_responses(old: Operation, new: Operation) -> Iterator[Change]:
    """Yield statuses added or removed and the content changes of the statuses both sides document."""
    oresp = _mapping(old.spec, old.body.get("responses"), f"{old.label}: responses")
    nresp = _mapping(new.spec, new.body.get("responses"), f"{new.label}: responses")
    ostatus, nstatus = {str(s): s for s in oresp}, {str(s): s for s in nresp}
    for status in sorted(ostatus.keys() - nstatus.keys(), key=str):
        kind = "response-success-status-removed" if _is_success(status) else "response-non-success-status-removed"
        yield _change(kind, f"{new.label} response {status}", "status no longer documented")
    for status in sorted(nstatus.keys() - ostatus.keys(), key=str):
        kind = "response-success-status-added" if _is_success(status) else "response-non-success-status-added"
        yield _change(kind, f"{new.label} response {status}", "status newly documented")
    for status in sorted(ostatus.keys() & nstatus.keys(), key=str):
        where = f"{new.label} response {status}"
        o = _deref(old.spec, oresp[ostatus[status]], where)
        n = _deref(new.spec, nresp[nstatus[status]], where)
        yield from _compare_content((old.spec, o.get("content")), (new.spec, n.get("content")), where, "response")


def _compare_operations(old: Spec, new: Spec) -> Iterator[Change]:
    """Yield every change to operations, their parameters, bodies, responses and security requirements."""
    oops, nops = _operations(old), _operations(new)
    for key in sorted(oops.keys() - nops.keys(), key=str):
        method, path = key
        if "#" in path and (method, path.split("#", 1)[0]) in nops:
            # A fragment never goes on the wire: the vendor documented one body of the same operation, which stays.
            detail = f"this documented variant is gone; {method.upper()} {path.split('#', 1)[0]} stays"
            yield _change("path-variant-removed", oops[key].label, detail)
            continue
        deprecated = oops[key].body.get("deprecated") is True
        kind = "api-removed-with-deprecation" if deprecated else "api-removed-without-deprecation"
        yield _change(kind, oops[key].label, "operation removed")
    for key in sorted(nops.keys() - oops.keys(), key=str):
        yield _change("endpoint-added", nops[key].label, "operation added")
    for key in sorted(oops.keys() & nops.keys(), key=str):
        o, n = oops[key], nops[key]
        oid, nid = o.body.get("operationId"), n.body.get("operationId")
        if oid != nid:
            kind = "api-operation-id-added" if oid is None else "api-operation-id-removed"
            yield _change(kind, n.label, f"operationId {oid} -> {nid} (the generated function is renamed)")
        if n.body.get("deprecated") is True and o.body.get("deprecated") is not True:
            yield _change("endpoint-deprecated", n.label, "operation deprecated")
        yield from _compare_params(o, n)
        yield from _compare_body(o, n)
        yield from _compare_responses(o, n)
        if "security" in o.body or "security" in n.body:
            yield from _compare_requirements(o, n)


# --------------------------------------------------------------------------------------- security and servers

Requirement = frozenset[frozenset[str]]


def _requirement(spec: Spec, raw: Any, where: str) -> Requirement:
    """The alternatives (each a set of scheme names) that authenticate a call; {{}} when none is needed."""
    alternatives = _sequence(spec, raw, where)
    if not alternatives:
        return frozenset({frozenset()})
    return frozenset(frozenset(str(name) for name in _mapping(spec, alt, where)) for alt in alternatives)


def _show_requirement(alternative: frozenset[str]) -> str:
    return " + ".join(sorted(alternative)) or "none"


def _requirement_changes(
    oreq: Requirement, nreq: Requirement, where: str, scope: str, documented: bool
) -> Iterator[Change]:
    """Alternatives that stop being enough (anonymous access apart) and alternatives added."""
    for alternative in sorted(oreq - nreq, key=sorted):
        if any(new <= alternative for new in nreq):
            continue  # callers using this alternative still satisfy a remaining one
        if not alternative:
            # An old spec without a single security scheme did not say calls were anonymous: it said nothing.
            kind = "security-anonymous-access-removed" if documented else "security-first-documented"
            yield _change(kind, where, f"security none -> {_alternatives(nreq)}")
        else:
            yield _change(f"{scope}-removed", where, f"security alternative {_show_requirement(alternative)} removed")
    for alternative in sorted(nreq - oreq, key=sorted):
        if alternative:
            yield _change(f"{scope}-added", where, f"security alternative {_show_requirement(alternative)} added")


def _alternatives(req: Requirement) -> str:
    return " or ".join(sorted(_show_requirement(alt) for alt in req))


def _compare_requirements(old: Operation, new: Operation) -> Iterator[Change]:
    """Changes to the security an operation that declares its own demands."""
    oraw = old.body["security"] if "security" in old.body else old.spec.doc.get("security")
    nraw = new.body["security"] if "security" in new.body else new.spec.doc.get("security")
    oreq = _requirement(old.spec, oraw, f"{old.label}: security")
    nreq = _requirement(new.spec, nraw, f"{new.label}: security")
    yield from _requirement_changes(oreq, nreq, f"{new.label} security", "api-security", bool(_schemes(old.spec)))


def _compare_global_security(old: Spec, new: Spec) -> Iterator[Change]:
    """Changes to the top-level security, which every operation without its own inherits."""
    oreq = _requirement(old, old.doc.get("security"), "security")
    nreq = _requirement(new, new.doc.get("security"), "security")
    yield from _requirement_changes(oreq, nreq, "security", "api-global-security", bool(_schemes(old)))


def _schemes(spec: Spec) -> Mapping[str, Any]:
    components = _mapping(spec, spec.doc.get("components"), "components")
    return _mapping(spec, components.get("securitySchemes"), "components.securitySchemes")


def _compare_schemes(old: Spec, new: Spec) -> Iterator[Change]:
    """Yield security schemes removed, added, or changed in how the credential is sent."""
    oschemes, nschemes = _schemes(old), _schemes(new)
    for name in sorted(oschemes.keys() - nschemes.keys(), key=str):
        yield _change("api-security-component-removed", f"security scheme {name}", "scheme removed")
    for name in sorted(nschemes.keys() - oschemes.keys(), key=str):
        yield _change("api-security-component-added", f"security scheme {name}", "scheme added")
    for name in sorted(oschemes.keys() & nschemes.keys(), key=str):
        where = f"security scheme {name}"
        o, n = _deref(old, oschemes[name], where), _deref(new, nschemes[name], where)
        if o.get("type") != n.get("type"):
            yield _change("api-security-component-type-changed", where, f"type {o.get('type')} -> {n.get('type')}")
        diffs = [f"{field} {o.get(field)} -> {n.get(field)}" for field in SCHEME_FIELDS if o.get(field) != n.get(field)]
        if diffs:
            yield _change("security-scheme-changed", where, "; ".join(diffs))


def _servers(spec: Spec) -> list[str]:
    servers = _sequence(spec, spec.doc.get("servers"), "servers")
    urls = [str(_mapping(spec, s, "servers").get("url")) for s in servers]
    return urls or ["/"]


def _compare_servers(old: Spec, new: Spec) -> Iterator[Change]:
    """Yield server URLs removed and added."""
    ourls, nurls = _servers(old), _servers(new)
    for url in ourls:
        if url not in nurls:
            yield _change("server-removed", "servers", f"server {url} removed")
    for url in nurls:
        if url not in ourls:
            yield _change("server-added", "servers", f"server {url} added")


def _compare_info(old: Spec, new: Spec) -> Iterator[Change]:
    oinfo = _mapping(old, old.doc.get("info"), "info")
    ninfo = _mapping(new, new.doc.get("info"), "info")
    if oinfo.get("version") != ninfo.get("version"):
        detail = f"info.version {oinfo.get('version')} -> {ninfo.get('version')}"
        yield _change("info-version-changed", "info", detail)


def diff_specs(old: Spec, new: Spec) -> list[Change]:
    """Every change from old to new, in report order."""
    return [
        *_compare_info(old, new),
        *_compare_servers(old, new),
        *_compare_schemes(old, new),
        *_compare_global_security(old, new),
        *_compare_operations(old, new),
    ]


# ------------------------------------------------------------------------------------------------------ output

LABELS = {"ERR": "BREAKING", "WARN": "WARNING", "INFO": "non-breaking"}


def format_report(changes: Sequence[Change], old: str, new: str) -> str:
    """One line per change, ERR first, then WARN, then INFO, then a summary line."""
    ordered = [c for level in LEVELS for c in changes if c.level == level]
    lines = [
        f"{LABELS[c.level]} ({c.level}): {c.location}: {c.detail} [{'oasdiff' if c.oasdiff else 'aitasks'}:{c.kind}]"
        for c in ordered
    ]
    lines.append(summary(changes, old, new))
    return "\n".join(lines)


def summary(changes: Sequence[Change], old: str, new: str) -> str:
    """The report's last line: how many changes of each level."""
    if not changes:
        return f"no changes between {old} and {new}"
    count = {level: sum(c.level == level for c in changes) for level in LEVELS}
    return (
        f"{len(changes)} change(s) between {old} and {new} (levels as oasdiff {OASDIFF_RELEASE}):"
        f" {count['ERR']} breaking (ERR), {count['WARN']} to review (WARN), {count['INFO']} non-breaking (INFO)"
    )


def failing(changes: Sequence[Change], fail_on: str) -> bool:
    """Whether a change reaches the level the exit code fails on (ERR: breaking only; WARN: also those to review)."""
    worst = LEVELS[: LEVELS.index(fail_on) + 1]
    return any(c.level in worst for c in changes)


def main(argv: list[str] | None = None) -> int:
    """Print the changes from OLD to NEW; exit 1 if any reaches --fail-on, 2 on unreadable input."""
    parser = argparse.ArgumentParser(
        description=f"{__doc__.splitlines()[0]} Levels and check ids: oasdiff {OASDIFF_RELEASE} (checker/rules.go).",
        epilog="Exit 0: no change at or above --fail-on; 1: one is; 2: an input cannot be read.",
    )
    parser.add_argument("old", type=Path, help="the spec clients were written against")
    parser.add_argument("new", type=Path, help="the spec to compare with it")
    parser.add_argument(
        "--json", action="store_true", help="print a JSON list of {kind, location, detail, level, breaking, oasdiff}"
    )
    parser.add_argument(
        "--fail-on",
        choices=("ERR", "WARN"),
        default="ERR",
        help="exit 1 when a change has this level or a worse one (default ERR: breaking changes; WARN: also the"
        " changes to review), as oasdiff's --fail-on",
    )
    args = parser.parse_args(argv)
    try:
        changes = diff_specs(read_spec(args.old), read_spec(args.new))
    except SpecError as exc:
        print(f"spec_diff: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([c.as_json() for c in changes], indent=2))
    else:
        print(format_report(changes, str(args.old), str(args.new)))
    return 1 if failing(changes, args.fail_on) else 0


if __name__ == "__main__":
    sys.exit(main())
