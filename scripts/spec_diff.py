"""Compare two OpenAPI specs (3.0 or 3.1) and class every change as breaking or not for a client of the API.

Usage: ``spec_diff.py OLD.yaml NEW.yaml [--json]``. Exit 0 when no change is breaking, 1 when one is, 2 when an
input cannot be read or is not an OpenAPI document (one line on stderr). Local ``$ref``s are resolved (also in
``allOf``, whose parts are merged); operations are matched by method and path template, so renaming a path
parameter is reported as a parameter rename, not as a removed and an added operation.

"Breaking" means: a client written against OLD (a raw HTTP caller, or code calling the client generated from OLD)
can fail against a server that implements NEW. Each kind of change is classed like this:

| kind                         | breaking when                          | why                                     |
|------------------------------|----------------------------------------|-----------------------------------------|
| operation-added              | never                                  | nobody calls it yet                     |
| operation-removed            | always                                 | calls to it fail                        |
| operation-id-changed         | always                                 | the generated function is renamed       |
| operation-deprecated         | never                                  | still served; worth knowing             |
| parameter-added              | the parameter is required              | old calls lack it                       |
| parameter-removed            | always                                 | the generated argument disappears       |
| parameter-renamed            | always                                 | wire name or keyword argument changes   |
| parameter-required           | always (optional -> required)          | old calls may omit it                   |
| parameter-optional           | never (required -> optional)           | old calls still send it                 |
| request-body-added           | the body is required                   | old calls send none                     |
| request-body-removed         | always                                 | the generated argument disappears       |
| request-body-required        | always (optional -> required)          | old calls may omit it                   |
| request-body-optional        | never (required -> optional)           | old calls still send it                 |
| media-type-added             | never                                  | old media types still work              |
| media-type-removed           | always                                 | what the client sends or parses is gone |
| response-added               | a 1xx/2xx/3xx status;                  | a success the client does not know;     |
|                              | 4xx/5xx/default: never                 | errors were always possible             |
| response-removed             | a 1xx/2xx/3xx status;                  | the success the client awaits ends;     |
|                              | 4xx/5xx/default: never                 | a handled error no longer comes         |
| property-added               | required, in a request body            | old calls lack it                       |
| property-removed             | always                                 | sent or read fields vanish              |
| property-required            | in a request (optional -> required)    | old calls may omit it                   |
| property-optional            | in a response (required -> optional)   | the client may rely on it               |
| type-changed                 | unless it only widens what the client  | params, properties, items, bodies       |
|                              | sends or only narrows what it receives |                                         |
| enum-changed                 | values removed from what the client    | same variance as type-changed           |
|                              | sends, or added to what it receives    |                                         |
| security-scheme-added        | never                                  | requirements are reported apart         |
| security-scheme-removed      | always                                 | credentials of that kind are refused    |
| security-scheme-changed      | always (type, in, name, scheme)        | credentials go the old way              |
| security-requirement-changed | an old way to authenticate stops       | e.g. a new required scheme              |
|                              | being enough                           |                                         |
| server-added                 | never                                  | old URLs still listed                   |
| server-removed               | always                                 | clients using that URL break            |
| info-version-changed         | never                                  | names the spec versions compared        |

Not compared: descriptions, examples, response headers, constraints other than enums (lengths, patterns,
ranges), the branches of oneOf/anyOf beyond their types, and servers declared on paths or operations.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
Direction = Literal["request", "response"]
# Scheme fields that decide how credentials travel; a change to any of them breaks existing callers.
SCHEME_FIELDS = ("type", "in", "name", "scheme", "openIdConnectUrl")
_TEMPLATE = re.compile(r"\{([^}]*)\}")
_MAX_DEPTH = 64


class SpecError(Exception):
    """An input that is not a readable OpenAPI 3.x document; the message is one line for the user."""


@dataclass(frozen=True)
class Change:
    """One difference between the two specs, classed for a client."""

    kind: str
    location: str
    detail: str
    breaking: bool


@dataclass(frozen=True)
class Spec:
    """A parsed document plus its name, so every error can say which input is at fault."""

    doc: Mapping[str, Any]
    name: str


# ---------------------------------------------------------------------------------------------------- loading


def load_spec(data: bytes, name: str) -> Spec:
    """Parse YAML (or JSON) bytes into a Spec, refusing anything that is not OpenAPI 3.x."""
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{name}: not valid YAML{where}") from None
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
    """Follow $ref chains of a parameter, body or response object to the object itself."""
    for _ in range(_MAX_DEPTH):
        obj = _mapping(spec, value, where)
        if "$ref" not in obj:
            return obj
        value = _resolve(spec, obj["$ref"])
    raise SpecError(f"{spec.name}: $ref cycle at {where}")


def _flatten(spec: Spec, schema: Any, where: str, depth: int = 0) -> dict[str, Any]:
    """Resolve a schema's $ref and allOf into one mapping: properties and required merged, siblings win."""
    if depth > _MAX_DEPTH:
        raise SpecError(f"{spec.name}: $ref/allOf cycle at {where}")
    if isinstance(schema, bool):
        return {} if schema else {"not": {}}
    own = dict(_mapping(spec, schema, where))
    parts = []
    if "$ref" in own:
        parts.append(_flatten(spec, _resolve(spec, own.pop("$ref")), where, depth + 1))
    parts += [_flatten(spec, sub, where, depth + 1) for sub in _sequence(spec, own.pop("allOf", None), where)]
    merged: dict[str, Any] = {}
    for part in [*parts, own]:
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **_mapping(spec, value, where)}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *_sequence(spec, value, where)]
            else:
                merged[key] = value
    return merged


# ---------------------------------------------------------------------------------------------------- schemas


def _types(spec: Spec, schema: Mapping[str, Any], where: str) -> frozenset[str]:
    """The set of JSON types a schema admits, as 'type' or 'type(format)'; 'any' when unconstrained."""
    branches = [*_sequence(spec, schema.get("oneOf"), where), *_sequence(spec, schema.get("anyOf"), where)]
    if branches:
        found: set[str] = set()
        for branch in branches:
            found |= _types(spec, _flatten(spec, branch, where), where)
        return frozenset(found)
    declared = schema.get("type")
    names = [declared] if isinstance(declared, str) else list(_sequence(spec, declared, f"{where}: type"))
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


def _enum(schema: Mapping[str, Any]) -> frozenset[str] | None:
    values = schema.get("enum")
    return frozenset(json.dumps(v, sort_keys=True, default=str) for v in values) if isinstance(values, list) else None


def _enum_change(where: str, old: frozenset[str] | None, new: frozenset[str] | None, d: Direction) -> Iterator[Change]:
    if old == new:
        return
    added = "any value" if new is None else ", ".join(sorted(new - (old or frozenset()))) or "none"
    removed = "any value" if old is None else ", ".join(sorted(old - (new or frozenset()))) or "none"
    widened = new is None or (old is not None and not new <= old)
    narrowed = old is None or (new is not None and not old <= new)
    breaking = widened if d == "response" else narrowed
    yield Change("enum-changed", where, f"enum values added: {added}; removed: {removed}", breaking)


Seen = frozenset[tuple[str, str]]


def _at(where: str, pointer: str) -> str:
    return f"{where}: {pointer}" if pointer else where


def _ref_of(raw: Any) -> str:
    return str(raw.get("$ref", "")) if isinstance(raw, dict) else ""


def _compare_schema(
    old: tuple[Spec, Any], new: tuple[Spec, Any], where: str, pointer: str, d: Direction, seen: Seen
) -> Iterator[Change]:
    """Yield type, enum and property changes between two schemas, recursing through properties and items."""
    (os_, oraw), (ns, nraw) = old, new
    refs = (_ref_of(oraw), _ref_of(nraw))
    if refs in seen:
        return  # a recursive schema: this pair is already being compared further up
    if refs != ("", ""):
        seen = seen | {refs}
    if len(seen) > _MAX_DEPTH:
        raise SpecError(f"{ns.name}: schemas nested too deep at {where}")
    o, n = _flatten(os_, oraw, where), _flatten(ns, nraw, where)
    at = _at(where, pointer)
    ot, nt = _types(os_, o, where), _types(ns, n, where)
    if ot != nt:
        breaking = not _covers(ot, nt) if d == "response" else not _covers(nt, ot)
        yield Change("type-changed", at, f"type {_show(ot)} -> {_show(nt)}", breaking)
    yield from _enum_change(at, _enum(o), _enum(n), d)
    if "items" in o and "items" in n:
        yield from _compare_schema((os_, o["items"]), (ns, n["items"]), where, f"{pointer}[]", d, seen)
    yield from _compare_properties((os_, o), (ns, n), where, pointer, d, seen)


def _compare_properties(
    old: tuple[Spec, Mapping[str, Any]],
    new: tuple[Spec, Mapping[str, Any]],
    where: str,
    pointer: str,
    d: Direction,
    seen: Seen,
) -> Iterator[Change]:
    """Yield added, removed and required-flipped properties, then recurse into the ones both sides have."""
    (os_, o), (ns, n) = old, new
    oprops = _mapping(os_, o.get("properties"), f"{where}: properties")
    nprops = _mapping(ns, n.get("properties"), f"{where}: properties")
    oreq = _names(os_, o.get("required"), f"{where}: required")
    nreq = _names(ns, n.get("required"), f"{where}: required")
    for name in sorted(oprops.keys() - nprops.keys(), key=str):
        yield Change("property-removed", _at(where, _join(pointer, str(name))), "property removed", True)
    for name in sorted(nprops.keys() - oprops.keys(), key=str):
        required = name in nreq
        detail = f"{'required' if required else 'optional'} property added"
        yield Change("property-added", _at(where, _join(pointer, str(name))), detail, required and d == "request")
    for name in sorted(oprops.keys() & nprops.keys(), key=str):
        at = _at(where, _join(pointer, str(name)))
        if name in nreq and name not in oreq:
            yield Change("property-required", at, "optional -> required", d == "request")
        if name in oreq and name not in nreq:
            yield Change("property-optional", at, "required -> optional", d == "response")
        yield from _compare_schema((os_, oprops[name]), (ns, nprops[name]), where, _join(pointer, str(name)), d, seen)


def _names(spec: Spec, value: Any, where: str) -> set[str]:
    """A list of property names, such as `required`."""
    names = _sequence(spec, value, where)
    if not all(isinstance(name, str) for name in names):
        raise SpecError(f"{spec.name}: {where} must be a list of names")
    return set(names)


def _join(pointer: str, name: str) -> str:
    return f"{pointer}.{name}" if pointer else name


def _compare_content(old: tuple[Spec, Any], new: tuple[Spec, Any], where: str, d: Direction) -> Iterator[Change]:
    """Yield media types added or removed, and schema changes of the media types both sides have."""
    (os_, oc), (ns, nc) = old, new
    ocontent, ncontent = _mapping(os_, oc, f"{where}: content"), _mapping(ns, nc, f"{where}: content")
    for media in sorted(ocontent.keys() - ncontent.keys(), key=str):
        yield Change("media-type-removed", f"{where} {media}", "media type removed", True)
    for media in sorted(ncontent.keys() - ocontent.keys(), key=str):
        yield Change("media-type-added", f"{where} {media}", "media type added", False)
    for media in sorted(ocontent.keys() & ncontent.keys(), key=str):
        at = f"{where} {media}"
        oschema = _mapping(os_, ocontent[media], at).get("schema", {})
        nschema = _mapping(ns, ncontent[media], at).get("schema", {})
        yield from _compare_schema((os_, oschema), (ns, nschema), at, "", d, frozenset())


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
        yield Change("parameter-required", where, "optional -> required", True)
    if oreq and not nreq:
        yield Change("parameter-optional", where, "required -> optional", False)
    oschema, nschema = (old.spec, _param_schema(op)), (new.spec, _param_schema(np_))
    yield from _compare_schema(oschema, nschema, where, "", "request", frozenset())


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
                yield Change("parameter-renamed", where, f"renamed to {renamed[name]}", True)
                yield from _compare_param(old, new, (location, name), (location, renamed[name]))
            else:
                yield Change("parameter-removed", where, "parameter removed", True)
        for name in added:
            if name not in renamed.values():
                required = new.params[(location, name)].get("required") is True
                detail = f"{'required' if required else 'optional'} parameter added"
                yield Change("parameter-added", f"{new.label} {location} parameter {name}", detail, required)
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
        yield Change("request-body-removed", where, "request body removed", True)
    elif has_new and not has_old:
        yield Change("request-body-added", where, f"{'required' if nreq else 'optional'} request body added", nreq)
    elif has_old and has_new:
        if nreq and not oreq:
            yield Change("request-body-required", where, "optional -> required", True)
        if oreq and not nreq:
            yield Change("request-body-optional", where, "required -> optional", False)
        yield from _compare_content((old.spec, ob.get("content")), (new.spec, nb.get("content")), where, "request")


def _is_success(status: str) -> bool:
    return status[:1] in ("1", "2", "3")


def _compare_responses(old: Operation, new: Operation) -> Iterator[Change]:
    """Yield statuses added or removed and the content changes of the statuses both sides document."""
    oresp = _mapping(old.spec, old.body.get("responses"), f"{old.label}: responses")
    nresp = _mapping(new.spec, new.body.get("responses"), f"{new.label}: responses")
    ostatus, nstatus = {str(s): s for s in oresp}, {str(s): s for s in nresp}
    for status in sorted(ostatus.keys() - nstatus.keys(), key=str):
        kind = "success" if _is_success(status) else "error"
        detail = f"{kind} status no longer documented"
        yield Change("response-removed", f"{new.label} response {status}", detail, _is_success(status))
    for status in sorted(nstatus.keys() - ostatus.keys(), key=str):
        kind = "success" if _is_success(status) else "error"
        detail = f"{kind} status newly documented"
        yield Change("response-added", f"{new.label} response {status}", detail, _is_success(status))
    for status in sorted(ostatus.keys() & nstatus.keys(), key=str):
        where = f"{new.label} response {status}"
        o = _deref(old.spec, oresp[ostatus[status]], where)
        n = _deref(new.spec, nresp[nstatus[status]], where)
        yield from _compare_content((old.spec, o.get("content")), (new.spec, n.get("content")), where, "response")


def _compare_operations(old: Spec, new: Spec) -> Iterator[Change]:
    """Yield every change to operations, their parameters, bodies, responses and security requirements."""
    oops, nops = _operations(old), _operations(new)
    for key in sorted(oops.keys() - nops.keys(), key=str):
        yield Change("operation-removed", oops[key].label, "operation removed", True)
    for key in sorted(nops.keys() - oops.keys(), key=str):
        yield Change("operation-added", nops[key].label, "operation added", False)
    for key in sorted(oops.keys() & nops.keys(), key=str):
        o, n = oops[key], nops[key]
        oid, nid = o.body.get("operationId"), n.body.get("operationId")
        if oid != nid:
            yield Change("operation-id-changed", n.label, f"operationId {oid} -> {nid}", True)
        if n.body.get("deprecated") is True and o.body.get("deprecated") is not True:
            yield Change("operation-deprecated", n.label, "operation deprecated", False)
        yield from _compare_params(o, n)
        yield from _compare_body(o, n)
        yield from _compare_responses(o, n)
        yield from _compare_requirements(o, n)


# --------------------------------------------------------------------------------------- security and servers

Requirement = frozenset[frozenset[str]]


def _requirement(spec: Spec, raw: Any, where: str) -> Requirement:
    """The alternatives (each a set of scheme names) that authenticate a call; {{}} when none is needed."""
    alternatives = _sequence(spec, raw, where)
    if not alternatives:
        return frozenset({frozenset()})
    return frozenset(frozenset(str(name) for name in _mapping(spec, alt, where)) for alt in alternatives)


def _show_requirement(req: Requirement) -> str:
    return " or ".join(sorted(" + ".join(sorted(alt)) or "none" for alt in req))


def _compare_requirements(old: Operation, new: Operation) -> Iterator[Change]:
    """Yield a change when the security an operation demands differs; breaking when old credentials stop working."""
    oraw = old.body["security"] if "security" in old.body else old.spec.doc.get("security")
    nraw = new.body["security"] if "security" in new.body else new.spec.doc.get("security")
    oreq = _requirement(old.spec, oraw, f"{old.label}: security")
    nreq = _requirement(new.spec, nraw, f"{new.label}: security")
    if oreq == nreq:
        return
    # A client satisfies one old alternative; it still works if some new alternative asks for no more than that.
    breaking = any(not any(alt_new <= alt_old for alt_new in nreq) for alt_old in oreq)
    detail = f"security {_show_requirement(oreq)} -> {_show_requirement(nreq)}"
    yield Change("security-requirement-changed", f"{new.label} security", detail, breaking)


def _schemes(spec: Spec) -> Mapping[str, Any]:
    components = _mapping(spec, spec.doc.get("components"), "components")
    return _mapping(spec, components.get("securitySchemes"), "components.securitySchemes")


def _compare_schemes(old: Spec, new: Spec) -> Iterator[Change]:
    """Yield security schemes removed, added, or changed in how the credential is sent."""
    oschemes, nschemes = _schemes(old), _schemes(new)
    for name in sorted(oschemes.keys() - nschemes.keys(), key=str):
        yield Change("security-scheme-removed", f"security scheme {name}", "scheme removed", True)
    for name in sorted(nschemes.keys() - oschemes.keys(), key=str):
        yield Change("security-scheme-added", f"security scheme {name}", "scheme added", False)
    for name in sorted(oschemes.keys() & nschemes.keys(), key=str):
        where = f"security scheme {name}"
        o, n = _deref(old, oschemes[name], where), _deref(new, nschemes[name], where)
        diffs = [f"{field} {o.get(field)} -> {n.get(field)}" for field in SCHEME_FIELDS if o.get(field) != n.get(field)]
        if diffs:
            yield Change("security-scheme-changed", where, "; ".join(diffs), True)


def _servers(spec: Spec) -> list[str]:
    servers = _sequence(spec, spec.doc.get("servers"), "servers")
    urls = [str(_mapping(spec, s, "servers").get("url")) for s in servers]
    return urls or ["/"]


def _compare_servers(old: Spec, new: Spec) -> Iterator[Change]:
    """Yield server URLs removed (breaking) and added (not)."""
    ourls, nurls = _servers(old), _servers(new)
    for url in ourls:
        if url not in nurls:
            yield Change("server-removed", "servers", f"server {url} removed", True)
    for url in nurls:
        if url not in ourls:
            yield Change("server-added", "servers", f"server {url} added", False)


def _compare_info(old: Spec, new: Spec) -> Iterator[Change]:
    oinfo = _mapping(old, old.doc.get("info"), "info")
    ninfo = _mapping(new, new.doc.get("info"), "info")
    if oinfo.get("version") != ninfo.get("version"):
        detail = f"info.version {oinfo.get('version')} -> {ninfo.get('version')}"
        yield Change("info-version-changed", "info", detail, False)


def diff_specs(old: Spec, new: Spec) -> list[Change]:
    """Every change from old to new, in report order."""
    return [
        *_compare_info(old, new),
        *_compare_servers(old, new),
        *_compare_schemes(old, new),
        *_compare_operations(old, new),
    ]


# ------------------------------------------------------------------------------------------------------ output


def format_report(changes: Sequence[Change], old: str, new: str) -> str:
    """One line per change, breaking ones first, then a summary line."""
    ordered = [c for c in changes if c.breaking] + [c for c in changes if not c.breaking]
    lines = [f"{'BREAKING' if c.breaking else 'non-breaking'}: {c.location}: {c.detail} [{c.kind}]" for c in ordered]
    breaking = sum(c.breaking for c in changes)
    if not changes:
        lines.append(f"no changes between {old} and {new}")
    else:
        lines.append(f"{len(changes)} change(s) between {old} and {new}: {breaking} breaking")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the changes from OLD to NEW; exit 1 if any is breaking, 2 on unreadable input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the spec clients were written against")
    parser.add_argument("new", type=Path, help="the spec to compare with it")
    parser.add_argument("--json", action="store_true", help="print a JSON list of {kind, location, detail, breaking}")
    args = parser.parse_args(argv)
    try:
        changes = diff_specs(read_spec(args.old), read_spec(args.new))
    except SpecError as exc:
        print(f"spec_diff: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([asdict(c) for c in changes], indent=2))
    else:
        print(format_report(changes, str(args.old), str(args.new)))
    return 1 if any(c.breaking for c in changes) else 0


if __name__ == "__main__":
    sys.exit(main())
