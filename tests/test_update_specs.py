"""update-specs takes in a changed vendor page (spec, provenance, report, regenerate, check); a same page is a no-op."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import update_specs
from extract_gcore_spec import extract
from update_specs import main

ROOT = Path(__file__).resolve().parent.parent
HAS_CHECK_SPECS = (ROOT / "scripts" / "check_specs.py").exists()
OLD_VERSION = "2026-05-15T06:37:28.230198+00:00"
STOP = "stopping_an_intelligent_task.rst"
MODELARTS_HISTORY = Path(__file__).resolve().parent / "fixtures" / "modelarts"
NEW_VERSION = "2026-06-01T00:00:00+00:00"
GCORE = ROOT / "specs" / "gcore"
HISTORY = ROOT / "tests" / "fixtures" / "gcore-history"
MINTLIFY = "api-reference/services_docs_mintlify/streaming_api.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the parts of the repository the update touches."""
    root = tmp_path / "repo"
    for name in ("specs", "scripts", "generated"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "ruff.toml", root / "ruff.toml")
    return root


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file under specs/ and generated/."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for folder in ("specs", "generated")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _gcore_page(tmp_path: Path) -> Path:
    """The seed page with the `result` property renamed to `outcome` and a new info.version."""
    text = (GCORE / "seed" / "cancel-ai-task.md").read_text(encoding="utf-8")
    assert text.count("\n        result:\n") == 1 and text.count(OLD_VERSION) == 1
    text = text.replace("\n        result:\n", "\n        outcome:\n").replace(OLD_VERSION, NEW_VERSION)
    page = tmp_path / "gcore-page.txt"
    page.write_text(text, encoding="utf-8")
    return page


def test_unchanged_pages_change_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The committed pages fed back in rewrite no file (same bytes, same mtimes) and exit 0."""
    before = _snapshot(project)
    code = main(
        [
            "--root",
            str(project),
            "--gcore-spec",
            str(GCORE / "streaming_api.yaml"),
            "--gcore-page",
            str(GCORE / "seed" / "cancel-ai-task.md"),
            "--modelarts-rst",
            str(ROOT / "specs" / "modelarts"),  # a folder: every kept page, each unchanged
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert _snapshot(project) == before
    assert "gcore spec: unchanged; nothing to do" in out
    assert "gcore page: unchanged; nothing to do" in out
    assert "modelarts: unchanged; nothing to do" in out


def test_changed_gcore_page_updates_the_seed_and_check_specs_names_the_difference(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A renamed response property on the page: seed files and records updated, the change reported, and check-specs
    names where the slice of the (now older) aggregated spec differs; the generated code is left alone."""
    page = _gcore_page(tmp_path)
    generated = {k: v for k, v in _snapshot(project).items() if k.startswith("generated")}
    code = main(["--root", str(project), "--gcore-page", str(page)])
    captured = capsys.readouterr()
    folder = project / "specs" / "gcore"
    block = extract(page.read_bytes())
    assert code == 1
    assert (folder / "seed" / "cancel-ai-task.yaml").read_bytes() == block
    assert (folder / "seed" / "cancel-ai-task.md").read_bytes() == page.read_bytes()
    records = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    assert records["seed/cancel-ai-task.yaml"]["sha256"] == hashlib.sha256(block).hexdigest()
    assert records["seed/cancel-ai-task.yaml"]["retrieved"] == datetime.date.today().isoformat()
    assert records["seed/cancel-ai-task.yaml"]["info_version"] == NEW_VERSION
    assert records["seed/cancel-ai-task.md"]["sha256"] == hashlib.sha256(page.read_bytes()).hexdigest()
    assert records["seed/cancel-ai-task.md"]["source_seed"] == "004_301c3bd664954392.txt"  # other fields kept
    assert records["streaming_api.yaml"] == json.loads((GCORE / "provenance.json").read_text())["streaming_api.yaml"]
    cancel = "POST /streaming/ai/tasks/{task_id}/cancel response 202 application/json"
    assert (
        f"WARNING (WARN): {cancel}: result: property removed [oasdiff:response-optional-property-removed]"
        in captured.out
    )
    assert f"info.version {OLD_VERSION} -> {NEW_VERSION}" in captured.out
    assert {k: v for k, v in _snapshot(project).items() if k.startswith("generated")} == generated
    assert "first difference at /info/version" in captured.err
    assert "streaming_api.yaml is older" in captured.err


def test_newer_gcore_spec_is_sliced_reported_and_generated(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The vendor's next version (it moved the file and added RECEIVED): file, record and slice updated, the report
    shows the enum value added, the code is regenerated, and check-specs says the seed page is now the older."""
    new = HISTORY / "mintlify-2ac03f04b.yaml"
    args = ["--gcore-spec", str(new), "--gcore-commit", "2ac03f04b", "--gcore-spec-path", MINTLIFY]
    code = main(["--root", str(project), *args])
    captured = capsys.readouterr()
    folder = project / "specs" / "gcore"
    assert code == 1  # check-specs fails until the page of the same version is taken in
    assert (folder / "streaming_api.yaml").read_bytes() == new.read_bytes()
    record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))["streaming_api.yaml"]
    assert record["sha256"] == hashlib.sha256(new.read_bytes()).hexdigest()
    assert (record["commit"], record["path"], record["info_version"]) == ("2ac03f04b", MINTLIFY, "e43692b643aa")
    assert "commit_date" not in record and record["repository"] == "G-Core/product-documentation"
    assert (
        "WARNING (WARN): GET /streaming/ai/tasks/{task_id} response 200 application/json: status: enum value added:"
        ' "RECEIVED" [oasdiff:response-property-enum-value-added]'
    ) in captured.out
    status = project / "generated" / "aitasks_gcore_api" / "models" / "ai_task_base_status.py"
    assert 'RECEIVED = "RECEIVED"' in status.read_text(encoding="utf-8")
    assert "the seed page is older" in captured.err


def test_changed_modelarts_page_is_taken_in_and_check_specs_names_the_row(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stop page with a status code added, downloaded under another name, replaces the kept page it documents."""
    text = (ROOT / "specs" / "modelarts" / STOP).read_text(encoding="utf-8")
    rst = tmp_path / "new.rst"
    rst.write_text(text.replace("404         Not Found\n", "404         Not Found\n409         Conflict\n"), "utf-8")
    generated = _snapshot(project)
    code = main(["--root", str(project), "--modelarts-rst", str(rst), "--modelarts-commit", "0123abc"])
    captured = capsys.readouterr()
    folder = project / "specs" / "modelarts"
    assert (folder / STOP).read_bytes() == rst.read_bytes()
    record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))["pages"][STOP]
    assert record["sha256"] == hashlib.sha256(rst.read_bytes()).hexdigest()
    assert (record["retrieved"], record["commit"]) == (datetime.date.today().isoformat(), "0123abc")
    assert record["path"] == f"api-ref/source/historical_apis/data_management_old_version/{STOP}"  # kept
    assert {k: v for k, v in _snapshot(project).items() if k.startswith("generated")} == {
        k: v for k, v in generated.items() if k.startswith("generated")
    }
    assert code == 1
    assert f"{STOP}: Status Codes: status code 409 is in {STOP} but not in openapi.yaml" in captured.err
    assert "check-specs failed" in captured.err


def test_older_stop_page_then_todays_round_trip(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The 2022 page taken in is named row by row; today's pages (a folder) restore every byte but the dates."""
    before = _snapshot(project)
    old = MODELARTS_HISTORY / "stopping_an_intelligent_task@10a5d88.rst"
    assert main(["--root", str(project), "--modelarts-rst", str(old), "--modelarts-commit", "10a5d88"]) == 1
    assert "row 'project_id': Description is" in capsys.readouterr().err
    assert main(["--root", str(project), "--modelarts-rst", str(ROOT / "specs" / "modelarts")]) == 0
    record = json.loads((project / "specs" / "modelarts" / "provenance.json").read_text(encoding="utf-8"))
    assert record["pages"][STOP]["commit"] is None  # not given this time: unknown, not the old value
    record["pages"][STOP].update(
        commit="1ba1873d",
        retrieved=json.loads((ROOT / "specs" / "modelarts" / "provenance.json").read_text(encoding="utf-8"))["pages"][
            STOP
        ]["retrieved"],
    )
    (project / "specs" / "modelarts" / "provenance.json").write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    assert {k: v[0] for k, v in _snapshot(project).items()} == {k: v[0] for k, v in before.items()}


@pytest.mark.parametrize(
    ("page", "commit", "message"),
    [
        ("Ping\n====\n\nURI\n---\n\nGET /v9/ping\n", None, "documents GET /v9/ping, which no kept page does"),
        ("Changed\n=======\n", None, "is named like no kept page and cannot be read as one: "),
        (None, "HEAD", "MODELARTS_COMMIT 'HEAD' is not a commit id"),
    ],
    ids=["another operation", "unreadable", "bad commit"],
)
def test_modelarts_page_that_is_no_kept_page_writes_nothing(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    page: str | None,
    commit: str | None,
    message: str,
) -> None:
    """A page that replaces none of the kept ones, or a commit that is not one, exits 2 with one line."""
    rst = tmp_path / "new.rst"
    rst.write_text(page or "", encoding="utf-8")
    before = _snapshot(project)
    args = [
        "--root",
        str(project),
        "--modelarts-rst",
        str(ROOT / "specs" / "modelarts" / STOP if page is None else rst),
    ]
    assert main(args + (["--modelarts-commit", commit] if commit else [])) == 2
    err = capsys.readouterr().err
    assert message in err and "nothing was written" in err and err.count("\n") == 1
    assert _snapshot(project) == before


@pytest.mark.parametrize(
    ("page_text", "message"),
    [
        ("# A page\n\nno fence here\n", "no ```yaml fenced block found"),
        ("```yaml\nopenapi: 3.1.0\npaths: [\n```\n", "not valid YAML"),
    ],
    ids=["no YAML block", "malformed YAML block"],
)
def test_bad_page_writes_nothing_and_exits_2(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], page_text: str, message: str
) -> None:
    """A page without a usable YAML block is refused with one line, before anything is written."""
    page = tmp_path / "page.txt"
    page.write_text(page_text, encoding="utf-8")
    rst = tmp_path / "new.rst"
    rst.write_text("Changed\n=======\n", encoding="utf-8")
    before = _snapshot(project)
    assert main(["--root", str(project), "--gcore-page", str(page), "--modelarts-rst", str(rst)]) == 2
    err = capsys.readouterr().err
    assert message in err and "nothing was written" in err and err.count("\n") == 1
    assert _snapshot(project) == before


def test_no_page_given_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Without GCORE_PAGE or MODELARTS_RST the command says what to pass and exits 2."""
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "give GCORE_SPEC=path, GCORE_PAGE=path and/or MODELARTS_RST=path" in capsys.readouterr().err


def test_make_target_passes_either_page(tmp_path: Path) -> None:
    """`make update-specs` hands GCORE_PAGE and MODELARTS_RST to the script, quoted, and only those given."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    cmd = ["make", "-n", "-C", str(ROOT), "update-specs", "MODELARTS_RST=/tmp/a b.rst"]
    dry = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
    assert "scripts/update_specs.py" in dry and "--modelarts-rst '/tmp/a b.rst'" in dry and "--gcore-page" not in dry
    assert "--modelarts-commit" not in dry
    dry = subprocess.run([*cmd, "MODELARTS_COMMIT=1ba1873d"], capture_output=True, text=True, timeout=30).stdout
    assert "--modelarts-commit '1ba1873d'" in dry
    cmd = ["make", "-n", "-C", str(ROOT), "update-specs", "GCORE_SPEC=/tmp/s.yaml", "GCORE_COMMIT=abc"]
    dry = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
    assert "--gcore-spec '/tmp/s.yaml'" in dry and "--gcore-commit 'abc'" in dry and "--gcore-spec-path" not in dry


@pytest.mark.parametrize(("fail_on", "code"), [(None, 0), ("ERR", 0), ("WARN", 1)])
def test_fail_on_decides_whether_changes_to_review_fail(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fail_on: str | None,
    code: int,
) -> None:
    """A report whose worst change is WARN (a response property renamed) fails only under --fail-on WARN."""
    monkeypatch.setattr(update_specs, "_follow_up", lambda root, plans: True)  # the checks are another test's
    page = _gcore_page(tmp_path)
    assert (
        main(["--root", str(project), "--gcore-page", str(page), *(["--fail-on", fail_on] if fail_on else [])]) == code
    )
    out = capsys.readouterr().out
    assert "WARNING (WARN):" in out and "BREAKING (ERR)" not in out
    assert ("changes to review above (--fail-on WARN)" in out) == (fail_on == "WARN")


def test_make_target_passes_fail_on() -> None:
    """`make update-specs` hands FAIL_ON to the script, ERR when not given."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    cmd = ["make", "-n", "-C", str(ROOT), "update-specs", "MODELARTS_RST=/tmp/a.rst"]
    assert "--fail-on 'ERR'" in subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
    dry = subprocess.run([*cmd, "FAIL_ON=WARN"], capture_output=True, text=True, timeout=30).stdout
    assert "--fail-on 'WARN'" in dry
