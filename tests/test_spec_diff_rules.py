"""spec_diff's oasdiff ids and levels are those of the oasdiff release it names, read from that release's own files."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import spec_diff
from spec_diff import OASDIFF, OASDIFF_RELEASE, OWN, REGRADED, diff_specs, read_spec

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "oasdiff"
PROVENANCE = json.loads((FIXTURE / "provenance.json").read_text(encoding="utf-8"))
HISTORY = Path(__file__).resolve().parent / "fixtures" / "gcore-history"
VERSIONS = [r["file"] for r in json.loads((HISTORY / "provenance.json").read_text(encoding="utf-8"))["files"]]


def oasdiff_levels(rules: str, ids: str) -> dict[str, str]:
    """Every check id of rules.go with its level: rules.go names each rule's id by a Go constant ids.tsv spells."""
    spelled = {}
    for line in ids.splitlines():
        if line and not line.startswith("#"):
            constant, check_id, _ = line.split("\t")
            spelled[constant] = check_id
    levels: dict[str, str] = {}
    for constant, level in re.findall(r"newBackwardCompatibilityRule\((\w+),\s*(ERR|WARN|INFO),", rules):
        check_id = spelled[constant]
        assert levels.setdefault(check_id, level) == level, f"{check_id} has two levels in rules.go"
    return levels


RULES = oasdiff_levels(
    (FIXTURE / "rules.go").read_text(encoding="utf-8"), (FIXTURE / "ids.tsv").read_text(encoding="utf-8")
)


def test_fixture_is_the_release_spec_diff_names() -> None:
    """The kept files have their recorded sha256, and the release they come from is OASDIFF_RELEASE."""
    assert PROVENANCE["release"] == OASDIFF_RELEASE and PROVENANCE["repository"] == "oasdiff/oasdiff"
    assert re.fullmatch(r"[0-9a-f]{40}", PROVENANCE["commit"])
    for name, record in PROVENANCE["files"].items():
        assert hashlib.sha256((FIXTURE / name).read_bytes()).hexdigest() == record["sha256"], name
    assert len(RULES) > 400  # the whole rulebook was read, not a fragment


def test_every_oasdiff_id_has_the_release_level() -> None:
    """Each id spec_diff reports as oasdiff's is one of the release's checks, at the release's level."""
    wrong = {kind: (level, RULES.get(kind)) for kind, level in OASDIFF.items() if RULES.get(kind) != level}
    assert wrong == {}


def test_own_kinds_are_not_oasdiff_ids_and_regrading_is_deliberate() -> None:
    """This script's own kinds never borrow an oasdiff id; each regraded oasdiff check really has another level."""
    assert not OWN.keys() & RULES.keys()
    assert not REGRADED.keys() & OASDIFF.keys()
    for check_id, own in REGRADED.items():
        assert check_id in RULES and own in OWN and OWN[own] != RULES[check_id], check_id


def test_a_table_level_that_drifts_from_the_release_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above is not vacuous: a level edited in the table is caught."""
    monkeypatch.setitem(spec_diff.OASDIFF, "response-optional-property-removed", "INFO")
    with pytest.raises(AssertionError):
        test_every_oasdiff_id_has_the_release_level()


@pytest.mark.parametrize(("old", "new"), list(itertools.pairwise(VERSIONS)), ids=VERSIONS[1:])
def test_every_reported_oasdiff_change_has_the_release_level(old: str, new: str) -> None:
    """Over the vendor's history, every change carrying an oasdiff id has that id's level in the release."""
    for change in diff_specs(read_spec(HISTORY / old), read_spec(HISTORY / new)):
        if change.oasdiff:
            assert RULES[change.kind] == change.level, change
        else:
            assert change.kind not in RULES, change
