"""The Gcore part of check-specs: the vendor's files keep their pins, and the slicer reproduces the vendor's own slice.

The seed page's YAML (specs/gcore/seed/cancel-ai-task.yaml) is the vendor's own slice of its aggregated spec for the
page's operation. Slicing specs/gcore/streaming_api.yaml for the same operations must give the same document, as
parsed; otherwise the first differing JSON pointer is named, and when the two files carry different `info.version`s
the message says which is older. specs/gcore/openapi.yaml is made by the same slicer, so this proves the code that
makes the spec the generator reads.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from slice_gcore import SliceError, load, slice_spec

VENDOR = "streaming_api.yaml"
DEFECTS = "vendor-defects.json"
SEED_PAGE = "seed/cancel-ai-task.md"
SEED_YAML = "seed/cancel-ai-task.yaml"
PINNED = (VENDOR, SEED_PAGE, SEED_YAML)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_ABSENT = object()


class _Stop(Exception):
    """A file the check cannot use; its one line is the message."""


def _read(path: Path, shown: Callable[[Path], str]) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _Stop(f"{shown(path)}: file not found") from None
    except OSError as exc:
        raise _Stop(f"{shown(path)}: cannot read the file: {exc.strerror}") from None


def read_provenance(folder: Path, shown: Callable[[Path], str]) -> dict[str, dict[str, Any]]:
    """The provenance records, one per vendor file, each with a sha256; one line for a bad record."""
    path = folder / "provenance.json"
    try:
        records = json.loads(_read(path, shown))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _Stop(f"{shown(path)}: malformed JSON: {' '.join(str(exc).split())}") from None
    if not isinstance(records, dict):
        raise _Stop(f"{shown(path)}: not a JSON object of records by file name")
    for name in PINNED:
        record = records.get(name)
        sha = record.get("sha256") if isinstance(record, dict) else None
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise _Stop(f'{shown(path)}: no record for {name} with a "sha256" field holding 64 lowercase hex digits')
    return records


def check_pins(folder: Path, records: Mapping[str, Mapping[str, Any]], shown: Callable[[Path], str]) -> list[str]:
    """Each vendor file still has the sha256 its record pins."""
    problems = []
    for name in PINNED:
        path, expected = folder / name, records[name]["sha256"]
        try:
            actual = hashlib.sha256(_read(path, shown)).hexdigest()
        except _Stop as exc:
            problems.append(str(exc))
            continue
        if actual != expected:
            problems.append(
                f"{shown(path)}: sha256 is {actual} but {shown(folder / 'provenance.json')} records {expected};"
                " the vendor file must stay byte-for-byte as retrieved (restore it, or take the new one in with"
                " `make update-specs`)"
            )
    return problems


def _escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def differences(left: Any, right: Any, pointer: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Yield (JSON pointer, left value, right value) where two parsed documents differ, in document order."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in [*left, *(key for key in right if key not in left)]:
            yield from differences(left.get(key, _ABSENT), right.get(key, _ABSENT), f"{pointer}/{_escape(key)}")
    elif isinstance(left, list) and isinstance(right, list):
        for index in range(max(len(left), len(right))):
            a = left[index] if index < len(left) else _ABSENT
            b = right[index] if index < len(right) else _ABSENT
            yield from differences(a, b, f"{pointer}/{index}")
    elif left != right or type(left) is not type(right):
        yield pointer or "/", left, right


def _shown_value(value: Any) -> str:
    if value is _ABSENT:
        return "absent"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 160 else text[:159] + "…"


def _date(version: Any, record: Mapping[str, Any]) -> tuple[datetime.date | None, str]:
    """When a file's version was published: its `info.version` when that is a timestamp, else its record's date."""
    try:
        return datetime.datetime.fromisoformat(str(version)).date(), "info.version"
    except ValueError:
        pass
    for field in ("commit_date", "retrieved"):
        try:
            return datetime.date.fromisoformat(str(record.get(field))), f"{field} in provenance.json"
        except ValueError:
            continue
    return None, "no date"


def version_note(seed: Mapping[str, Any], vendor: Mapping[str, Any], records: Mapping[str, Any]) -> str:
    """Say which of two files with different `info.version`s is older ('' when the versions are equal)."""
    versions = [(doc.get("info") or {}).get("version") for doc in (seed, vendor)]
    if versions[0] == versions[1]:
        return ""
    (seed_date, seed_how), (vendor_date, vendor_how) = (
        _date(versions[0], records.get(SEED_YAML) or {}),
        _date(versions[1], records.get(VENDOR) or {}),
    )
    said = f"the seed page's YAML is info.version {versions[0]}, {VENDOR} is info.version {versions[1]}"
    if seed_date is None or vendor_date is None or seed_date == vendor_date:
        return f"{said}: which is older cannot be told from them"
    older = "the seed page" if seed_date < vendor_date else VENDOR
    return (
        f"{said}: {older} is older ({seed_date} by {seed_how} against {vendor_date} by {vendor_how});"
        " take in the newer version of the other with `make update-specs`"
    )


def _operation_ids(doc: Mapping[str, Any]) -> list[str]:
    paths = doc.get("paths")
    return [
        str(item[method]["operationId"])
        for item in (paths.values() if isinstance(paths, dict) else [])
        if isinstance(item, dict)
        for method in METHODS
        if isinstance(item.get(method), dict) and "operationId" in item[method]
    ]


def check_seed_slice(folder: Path, records: Mapping[str, Any], shown: Callable[[Path], str]) -> tuple[list[str], str]:
    """Slice the aggregated spec for the seed page's operations and compare with the page's YAML, as parsed."""
    seed_path, vendor_path = folder / SEED_YAML, folder / VENDOR
    try:
        seed = load(_read(seed_path, shown), shown(seed_path))
        vendor = load(_read(vendor_path, shown), shown(vendor_path))
        operations = _operation_ids(seed)
        cut = slice_spec(vendor, operations, shown(vendor_path))
    except SliceError as exc:
        return [str(exc)], ""
    found = next(differences(seed, cut), None)
    if found is None:
        return [], f"the slice of {', '.join(operations)} from {VENDOR} equals the seed page's YAML"
    pointer, in_seed, in_cut = found
    note = version_note(seed, vendor, records)
    return [
        f"gcore slice: slicing {shown(vendor_path)} for {', '.join(operations)} does not give the seed page's YAML"
        f" ({shown(seed_path)}): first difference at {pointer}: {_shown_value(in_seed)} in the seed page,"
        f" {_shown_value(in_cut)} in the slice" + (f"; {note}" if note else "")
    ], ""


def known_defects(lines: list[str], folder: Path, shown: Callable[[Path], str], checked: bool = True) -> list[str]:
    """Drop the example failures vendor-defects.json lists, and name the entries no longer true (when checked)."""
    path = folder / DEFECTS
    try:
        listed = json.loads(_read(path, shown)).get("examples")
    except _Stop as exc:
        return [*lines, str(exc)]
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        listed = None
    if not isinstance(listed, dict):
        return [*lines, f'{shown(path)}: not a JSON object with an "examples" object of pointer: reason']
    kept, seen = [], set()
    for line in lines:
        match = re.search(r": example at (\S+) does not match its schema ", line)
        if match and match[1] in listed:
            seen.add(match[1])
        else:
            kept.append(line)
    kept += [
        f"{shown(path)}: the example at {pointer} now matches its schema; remove its entry"
        for pointer in listed
        if checked and pointer not in seen
    ]
    return kept


def check(folder: Path, shown: Callable[[Path], str] = str) -> tuple[list[str], str]:
    """Run the Gcore checks on specs/gcore/; return the problems (one line each) and a summary of what held."""
    try:
        records = read_provenance(folder, shown)
    except _Stop as exc:
        return [str(exc)], ""
    problems = check_pins(folder, records, shown)
    try:
        seed_problems, summary = check_seed_slice(folder, records, shown)
    except _Stop as exc:
        seed_problems, summary = [str(exc)], ""
    return problems + [line for line in seed_problems if line not in problems], summary
