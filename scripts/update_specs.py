"""Take in a newly published vendor page, so a spec update is one command that says what it breaks.

`make update-specs GCORE_SPEC=path GCORE_PAGE=path MODELARTS_RST=path` (any of them) runs this script.
- GCORE_SPEC, the vendor's aggregated Streaming spec (with GCORE_COMMIT and GCORE_SPEC_PATH, where it came from):
  replaces specs/gcore/streaming_api.yaml, re-slices specs/gcore/openapi.yaml from it (scripts/slice_gcore.py),
  updates its provenance record, and prints the breaking-change report, committed slice against the new one.
- GCORE_PAGE, the doc page of the cancel operation: extracts its YAML block verbatim into
  specs/gcore/seed/cancel-ai-task.yaml, keeps the page as seed/cancel-ai-task.md, updates their records, and prints
  the report, committed seed YAML against the new one. check-specs then proves the slicer against it.
- MODELARTS_RST, a page or a folder of pages: each replaces the kept page of the same file name, else the one
  documenting the same METHOD and URI, and updates that page's record in specs/modelarts/provenance.json (sha256,
  retrieval date, and MODELARTS_COMMIT, the vendor commit the pages were downloaded at; null when not given).
Then it regenerates generated/ when the spec the generator reads changed, and runs check-specs, which after an RST
change names the rows of the hand-written specs/modelarts/openapi.yaml that must change.

A page identical to the one kept rewrites nothing. Every input is read and checked before anything is written.
Exit 0: updated (or unchanged), nothing at or above --fail-on in the report, checks pass. Exit 1: files were
updated but the report has a change at or above --fail-on (FAIL_ON=ERR, the default: a breaking change; FAIL_ON=WARN:
also a change to review) or a later step failed; review before committing. Exit 2: bad input; nothing was written.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_gcore_spec import ExtractError, extract
from rst_tables import PageError, parse_rst, read_uri
from slice_gcore import OPERATIONS, SliceError, build, slice_spec
from slice_gcore import load as load_vendor
from spec_diff import Change, SpecError, diff_specs, failing, format_report, load_spec

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "update-specs"


class UpdateError(Exception):
    """Input that cannot be taken in; the message is one line for the user and nothing has been written."""


@dataclass
class Plan:
    """What one provider's update will write, and what the new spec changes for clients."""

    provider: str
    writes: dict[Path, bytes] = field(default_factory=dict)
    changes: list[Change] | None = None  # None: no spec was compared
    spec_changed: bool = False
    compared: tuple[str, str] = ("", "")  # how the report names the old and the new spec
    # Updates to specs/gcore/provenance.json by file name (None removes a field), applied when written, so the
    # spec's and the page's plans both land in the one file.
    records: dict[str, dict[str, str | None]] = field(default_factory=dict)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UpdateError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _provenance(path: Path, **fields: str) -> bytes:
    """The provenance record at path with fields set, in the file's own layout (indent 2, UTF-8, final newline)."""
    try:
        record: dict[str, Any] = json.loads(_read(path, "provenance"))
    except json.JSONDecodeError as exc:
        raise UpdateError(f"{path}: not valid JSON (line {exc.lineno})") from None
    record.update(fields)
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _stage(plan: Plan, path: Path, data: bytes) -> None:
    """Record a write only when the bytes differ, so an unchanged file keeps its mtime."""
    if not path.exists() or path.read_bytes() != data:
        plan.writes[path] = data


def _records(path: Path) -> dict[str, Any]:
    """The Gcore provenance records by file name."""
    try:
        records = json.loads(_read(path, "provenance"))
    except json.JSONDecodeError as exc:
        raise UpdateError(f"{path}: not valid JSON (line {exc.lineno})") from None
    if not isinstance(records, dict):
        raise UpdateError(f"{path}: not a JSON object of records by file name")
    return records


def _write_records(path: Path, updates: dict[str, dict[str, str | None]]) -> None:
    """Apply record updates to the Gcore provenance.json, keeping its layout (indent 2, UTF-8, final newline)."""
    records = _records(path)
    for name, fields in updates.items():
        record = dict(records.get(name) or {})
        record.update({key: value for key, value in fields.items() if value is not None})
        for key in [key for key, value in fields.items() if value is None]:
            record.pop(key, None)
        records[name] = record
    _write(path, (json.dumps(records, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _report_changes(old: bytes | None, new: bytes, old_name: str, new_name: str) -> list[Change] | None:
    if old is None:
        return None
    try:
        return diff_specs(load_spec(old, old_name), load_spec(new, new_name))
    except SpecError as exc:
        raise UpdateError(f"the committed spec cannot be compared: {exc}") from None


def _version(doc: Any) -> str | None:
    info = doc.get("info") if isinstance(doc, dict) else None
    return str(info["version"]) if isinstance(info, dict) and "version" in info else None


def plan_gcore(root: Path, page_path: Path) -> Plan:
    """Plan the Gcore seed update from a doc page: the page, its YAML block, their provenance, and the report."""
    plan = Plan("gcore page", compared=("the committed specs/gcore/seed/cancel-ai-task.yaml", "the new page's YAML"))
    folder = root / "specs" / "gcore"
    page = _read(page_path, "Gcore page")
    try:
        block = extract(page, str(page_path))
        new = load_spec(block, f"{page_path} (YAML block)")
    except (ExtractError, SpecError) as exc:
        raise UpdateError(str(exc)) from None
    spec_path, page_file = folder / "seed" / "cancel-ai-task.yaml", folder / "seed" / "cancel-ai-task.md"
    old_block = spec_path.read_bytes() if spec_path.exists() else None
    if old_block == block and page_file.exists() and page_file.read_bytes() == page:
        return plan
    if old_block != block:
        plan.changes = _report_changes(old_block, block, str(spec_path.relative_to(root)), str(page_path))
    _stage(plan, page_file, page)
    _stage(plan, spec_path, block)
    _records(folder / "provenance.json")  # readable before anything is written
    today = _today()
    plan.records["seed/cancel-ai-task.md"] = {"sha256": _sha256(page), "retrieved": today}
    plan.records["seed/cancel-ai-task.yaml"] = {
        "sha256": _sha256(block),
        "retrieved": today,
        "info_version": _version(new.doc),
    }
    return plan


def plan_gcore_spec(root: Path, spec_file: Path, commit: str | None, repo_path: str | None) -> Plan:
    """Plan the Gcore update from the vendor's aggregated spec: the file, its record, the new slice, the report."""
    plan = Plan("gcore spec", compared=("the committed specs/gcore/openapi.yaml", "the slice of the new spec"))
    folder = root / "specs" / "gcore"
    data = _read(spec_file, "Gcore aggregated spec")
    try:
        vendor = load_vendor(data, str(spec_file))
        slice_spec(vendor, OPERATIONS, str(spec_file))  # refuse a file without the operations the library calls
        made = build(data, str(spec_file))
    except SliceError as exc:
        raise UpdateError(str(exc)) from None
    target, slice_path = folder / "streaming_api.yaml", folder / "openapi.yaml"
    if target.exists() and target.read_bytes() == data:
        return plan
    old_slice = slice_path.read_bytes() if slice_path.exists() else None
    if old_slice != made:
        plan.spec_changed = True
        plan.changes = _report_changes(old_slice, made, str(slice_path.relative_to(root)), f"the slice of {spec_file}")
    _stage(plan, target, data)
    _stage(plan, slice_path, made)
    fields: dict[str, str | None] = {
        "sha256": _sha256(data),
        "retrieved": _today(),
        "info_version": _version(vendor),
        "commit": commit,  # None (not known) removes the old commit and its date, which no longer apply
        "commit_date": None,
    }
    if repo_path:
        fields["path"] = repo_path
    _records(folder / "provenance.json")  # readable before anything is written
    plan.records["streaming_api.yaml"] = fields
    return plan


def plan_modelarts(root: Path, rst_path: Path, commit: str | None = None) -> Plan:
    """Plan the ModelArts update from RST pages (a file, or a folder of them): each replaces the kept page it is."""
    plan = Plan("modelarts")
    folder = root / "specs" / "modelarts"
    provenance = folder / "provenance.json"
    try:
        record: dict[str, Any] = json.loads(_read(provenance, "provenance"))
        pages: dict[str, Any] = record["pages"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise UpdateError(f'{provenance}: no "pages" record to update (see docs/specs.md)') from None
    if commit is not None and not re.fullmatch(r"[0-9a-f]{7,40}", commit):
        raise UpdateError(f"MODELARTS_COMMIT {commit!r} is not a commit id (7 to 40 lowercase hex digits)")
    incoming = sorted(rst_path.glob("*.rst")) if rst_path.is_dir() else [rst_path]
    if not incoming:
        raise UpdateError(f"{rst_path}: a folder with no .rst page in it")
    for path in incoming:
        page = _read(path, "ModelArts page")
        try:
            page.decode("utf-8")
        except UnicodeDecodeError:
            raise UpdateError(f"{path}: not UTF-8 text, so not an RST page") from None
        name = _kept_page(folder, pages, path)
        if (folder / name).exists() and (folder / name).read_bytes() == page:
            continue
        _stage(plan, folder / name, page)
        pages[name].update(sha256=_sha256(page), retrieved=_today(), commit=commit)
    if plan.writes:
        plan.writes[provenance] = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return plan


def _kept_page(folder: Path, pages: dict[str, Any], path: Path) -> str:
    """The kept page a downloaded one replaces: the one of the same file name, else the one of the same operation."""
    if path.name in pages:
        return path.name
    try:
        operation = _operation(path)
    except PageError as exc:
        raise UpdateError(f"{path} is named like no kept page and cannot be read as one: {exc.line}") from None
    for name in pages:
        kept = folder / name
        try:
            if kept.exists() and _operation(kept) == operation:
                return name
        except PageError:
            continue  # the error body page documents no operation
    kept_names = ", ".join(sorted(pages))
    raise UpdateError(f"{path} documents {' '.join(operation)}, which no kept page does (kept: {kept_names})")


def _operation(path: Path) -> tuple[str, str]:
    """The METHOD and URI a page documents."""
    return read_uri(parse_rst(path), path)


def _today() -> str:
    return datetime.date.today().isoformat()


def _write(path: Path, data: bytes) -> None:
    """Replace path atomically, keeping its permission bits (the vendor pages are kept read-only)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run_step(root: Path, script: str, name: str) -> bool:
    """Run one of the repository's scripts under root, echo its output, and say whether it passed."""
    proc = subprocess.run([sys.executable, str(root / "scripts" / script)], cwd=root, capture_output=True, text=True)
    for stream, text in ((sys.stdout, proc.stdout), (sys.stderr, proc.stderr)):
        if text:
            print(text.rstrip("\n"), file=stream)
    if proc.returncode != 0:
        print(f"{PREFIX}: {name} failed (exit {proc.returncode})", file=sys.stderr)
    return proc.returncode == 0


def _report(root: Path, plan: Plan) -> None:
    written = [*plan.writes, *([root / "specs" / "gcore" / "provenance.json"] if plan.records else [])]
    names = ", ".join(str(p.relative_to(root)) for p in dict.fromkeys(written))
    print(f"{PREFIX}: {plan.provider}: updated {names}")
    if plan.provider.startswith("gcore") and plan.changes is not None:
        print(f"{PREFIX}: {plan.provider}: breaking-change report, {plan.compared[0]} -> {plan.compared[1]}:")
        print(format_report(plan.changes, *plan.compared))
    elif plan.provider == "gcore page":
        print(f"{PREFIX}: gcore page: the YAML block is unchanged; only the page around it changed")
    elif plan.provider == "gcore spec":
        print(f"{PREFIX}: gcore spec: the slice is unchanged; only operations the library does not call changed")
    else:
        print(f"{PREFIX}: modelarts: check-specs below names the rows of specs/modelarts/openapi.yaml to change")


def _follow_up(root: Path, plans: list[Plan]) -> bool:
    """Regenerate when a spec changed, then run check-specs; say whether both passed."""
    ok = True
    if any(p.spec_changed for p in plans):
        ok = _run_step(root, "generate.py", "generate")
    else:
        print(f"{PREFIX}: no spec file changed; generated/ left as it is")
    if not (root / "scripts" / "check_specs.py").exists():
        print(f"{PREFIX}: check-specs skipped: scripts/check_specs.py is missing", file=sys.stderr)
        return False
    return _run_step(root, "check_specs.py", "check-specs") and ok


def main(argv: list[str] | None = None) -> int:
    """Plan every update, write it, report, regenerate and check."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gcore-spec", type=Path, help="the vendor's aggregated Streaming spec (GCORE_SPEC)")
    parser.add_argument("--gcore-commit", help="the vendor repository's commit it was taken from (GCORE_COMMIT)")
    parser.add_argument("--gcore-spec-path", help="its path in the vendor repository (GCORE_SPEC_PATH)")
    parser.add_argument("--gcore-page", type=Path, help="a newly downloaded Gcore doc page (GCORE_PAGE)")
    parser.add_argument(
        "--modelarts-rst", type=Path, help="a newly downloaded ModelArts RST page, or a folder of them (MODELARTS_RST)"
    )
    parser.add_argument(
        "--modelarts-commit", help="the vendor commit the ModelArts pages were downloaded at (MODELARTS_COMMIT)"
    )
    parser.add_argument(
        "--fail-on",
        choices=("ERR", "WARN"),
        default="ERR",
        help="exit 1 when the breaking-change report has a change of this level or worse (FAIL_ON; default ERR)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root holding specs/ (default: this one)")
    args = parser.parse_args(argv)
    if args.gcore_spec is None and args.gcore_page is None and args.modelarts_rst is None:
        parser.error("nothing to update: give GCORE_SPEC=path, GCORE_PAGE=path and/or MODELARTS_RST=path")
    root: Path = args.root.resolve()
    try:
        spec = args.gcore_spec
        plans = [plan_gcore_spec(root, spec, args.gcore_commit, args.gcore_spec_path)] if spec else []
        plans += [plan_gcore(root, args.gcore_page)] if args.gcore_page else []
        plans += [plan_modelarts(root, args.modelarts_rst, args.modelarts_commit)] if args.modelarts_rst else []
    except UpdateError as exc:
        print(f"{PREFIX}: {exc}; nothing was written", file=sys.stderr)
        return 2
    for plan in plans:
        if not plan.writes:
            print(f"{PREFIX}: {plan.provider}: unchanged; nothing to do")
    changed = [plan for plan in plans if plan.writes]
    if not changed:
        return 0
    for plan in changed:
        for path, data in plan.writes.items():
            _write(path, data)
        if plan.records:
            _write_records(root / "specs" / "gcore" / "provenance.json", plan.records)
        _report(root, plan)
    reported = [c for plan in changed for c in plan.changes or []]
    breaking, failed = any(c.breaking for c in reported), failing(reported, args.fail_on)
    checks_ok = _follow_up(root, changed)
    verdict = "BREAKING changes above; adapt src/aitasks" if breaking else "no breaking change"
    if failed and not breaking:
        verdict += f"; changes to review above (--fail-on {args.fail_on})"
    print(f"{PREFIX}: {verdict}; {'checks pass' if checks_ok else 'fix what failed'}; review `git diff`, then commit")
    return 1 if failed or not checks_ok else 0


if __name__ == "__main__":
    sys.exit(main())
