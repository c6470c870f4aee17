"""spec_diff on the vendor's real history: six versions of Gcore's aggregated spec, every consecutive pair."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from spec_diff import Change, diff_specs, format_report, main, read_spec, summary

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "tests" / "fixtures" / "gcore-history"
VENDOR = ROOT.parent / "shared" / "vendor" / "gcore"
RECORDS: list[dict[str, Any]] = json.loads((HISTORY / "provenance.json").read_text(encoding="utf-8"))["files"]
PAIRS = [(RECORDS[i]["file"], RECORDS[i + 1]["file"]) for i in range(len(RECORDS) - 1)]
# What spec_diff finds between consecutive versions (counts of ERR, WARN, INFO changes), reviewed by hand.
SUMMARIES = {
    ("documented-6efb20598.yaml", "documented-0ad570c11.yaml"): (2, 9, 9),
    ("documented-0ad570c11.yaml", "documented-47a0eb1a8.yaml"): (0, 0, 11),
    ("documented-47a0eb1a8.yaml", "documented-b4544e8f2.yaml"): (0, 0, 6),
    ("documented-b4544e8f2.yaml", "mintlify-2ac03f04b.yaml"): (4, 22, 97),
    ("mintlify-2ac03f04b.yaml", "mintlify-57bbc0b39.yaml"): (0, 0, 11),
}
AI = "/streaming/ai/tasks"


def _diff(old: str, new: str) -> list[Change]:
    return diff_specs(read_spec(HISTORY / old), read_spec(HISTORY / new))


def test_fixtures_are_the_vendors_files_in_date_order() -> None:
    """Each fixture has the sha256 its record gives (and is the vendor's file, where ../shared is beside us)."""
    dates = [record["commit_date"] for record in RECORDS]
    assert dates == sorted(dates) and len(RECORDS) == 6
    for record in RECORDS:
        data = (HISTORY / record["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"], record["file"]
        name = record["file"]
        vendor = VENDOR / "history" / name if not name.endswith("b4544e8f2.yaml") else VENDOR / "streaming_api.yaml"
        if vendor.exists():
            assert vendor.read_bytes() == data
    pinned = next(r for r in RECORDS if r["commit"] == "b4544e8f2")
    assert (HISTORY / pinned["file"]).read_bytes() == (ROOT / "specs" / "gcore" / "streaming_api.yaml").read_bytes()


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_consecutive_versions_diff_and_json_gives_the_same_findings(
    old: str, new: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each pair diffs without error; the text report and --json carry the same changes; the counts are as reviewed."""
    code = main([str(HISTORY / old), str(HISTORY / new)])
    text = capsys.readouterr().out
    json_code = main([str(HISTORY / old), str(HISTORY / new), "--json"])
    found = json.loads(capsys.readouterr().out)
    changes = [Change(c["kind"], c["location"], c["detail"], c["level"], c["oasdiff"]) for c in found]
    assert all(c["breaking"] == (c["level"] == "ERR") for c in found)
    assert text == format_report(changes, str(HISTORY / old), str(HISTORY / new)) + "\n"
    errors, warnings, infos = SUMMARIES[(old, new)]
    assert text.splitlines()[-1] == summary(changes, str(HISTORY / old), str(HISTORY / new))
    assert text.splitlines()[-1].endswith(
        f": {errors} breaking (ERR), {warnings} to review (WARN), {infos} non-breaking (INFO)"
    )
    assert code == json_code == (1 if errors else 0)


def test_move_to_mintlify_is_read_as_compositions() -> None:
    """The vendor's June 2026 move: the create body became a oneOf (one change, not seven removed properties), the
    content-moderation task_data inlined its allOf base (nothing removed), result went oneOf -> anyOf."""
    changes = _diff("documented-b4544e8f2.yaml", "mintlify-2ac03f04b.yaml")
    body = [c for c in changes if c.location.startswith(f"POST {AI} request body")]
    assert [(c.kind, c.level) for c in body] == [("request-body-wrapped-in-one-of", "ERR")]
    assert body[0].detail.startswith("restructured into a oneOf of ai_transcribe, ai_contentmoderation_nsfw")
    assert not [c for c in changes if c.kind == "request-property-removed" and AI in c.location]
    assert not [c for c in changes if "all-of" in c.kind and AI in c.location]
    swap = [c for c in changes if c.kind == "one-of-became-any-of"]
    assert [(c.location.split(": ")[-1], c.level, c.oasdiff) for c in swap] == [("result", "WARN", False)]
    inlined = f"GET {AI} response 200 application/json: results[].task_data<oneOf ai_contentmoderation_nsfw>"
    assert f"{inlined}.client_id" in {c.location for c in changes if c.kind == "response-optional-property-added"}


def test_received_is_shown_at_its_own_level_not_breaking() -> None:
    """RECEIVED joining the task status is oasdiff's response-property-enum-value-added: WARN, so not breaking."""
    changes = _diff("documented-b4544e8f2.yaml", "mintlify-2ac03f04b.yaml")
    received = [c for c in changes if '"RECEIVED"' in c.detail]
    assert [(c.location, c.kind, c.level, c.oasdiff, c.breaking) for c in received] == [
        (f"GET {AI} response 200 application/json: results[].status", "response-property-enum-value-added", "WARN",
         True, False),
        (f"GET {AI}/{{task_id}} response 200 application/json: status", "response-property-enum-value-added", "WARN",
         True, False),
    ]  # fmt: skip


def test_security_added_to_every_operation_is_reported_once() -> None:
    """The vendor's first change documented an API key everywhere: one global change; the first version had no
    security scheme at all, so it never said calls were anonymous, and the change is for review, not breaking."""
    changes = _diff("documented-6efb20598.yaml", "documented-0ad570c11.yaml")
    security = [(c.location, c.kind, c.level) for c in changes if "security" in c.kind]
    assert security == [
        ("security scheme APIKey", "api-security-component-added", "INFO"),
        ("security", "security-first-documented", "WARN"),
        ("security", "api-global-security-added", "INFO"),
    ]


def test_what_is_breaking_in_the_history() -> None:
    """Every ERR across the history, reviewed: a removed operation, removed enum values a caller may send, fields that
    became nullable, and the create body split into a oneOf. Documentation variants (`#fragment` paths) of an
    operation that stays, and properties moved into a named allOf part, are not among them."""
    found = [
        (c.location.replace(" response 200 application/json", ""), c.kind)
        for old, new in PAIRS
        for c in _diff(old, new)
        if c.breaking
    ]
    assert found == [
        ("GET /streaming/statistics/meet", "api-removed-without-deprecation"),
        (f"POST {AI} request body application/json: category", "request-property-enum-value-removed"),
        (f"GET {AI}/{{task_id}}: processing_time.completed_at", "response-property-became-nullable"),
        (f"GET {AI}/{{task_id}}: processing_time.total_time_sec", "response-property-became-nullable"),
        (f"GET {AI}/{{task_id}}: result", "response-property-became-nullable"),
        (f"POST {AI} request body application/json", "request-body-wrapped-in-one-of"),
    ]
    variants = [c for c in _diff("documented-b4544e8f2.yaml", "mintlify-2ac03f04b.yaml") if "#" in c.location]
    assert {(c.kind, c.level) for c in variants} == {("path-variant-removed", "WARN")} and len(variants) == 5
    details = [
        c for c in _diff("documented-b4544e8f2.yaml", "mintlify-2ac03f04b.yaml") if "videos/{video_id}" in c.location
    ]
    assert not [c for c in details if c.kind.endswith("property-removed")]
