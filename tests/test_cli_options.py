"""`aitasks` options: configuration errors in variable words, options needing another, --quiet, --output, completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from aitasks.__main__ import main
from aitasks._cli import _args
from aitasks.testing import FakeCloud

LIBRARY_VARIABLES = ("GCORE_", "MODELARTS_", "HUAWEICLOUD_SDK_")
GCORE_ID = "00000000-0000-4000-8000-000000000001"


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def _cancels(fake: FakeCloud) -> Counter[str]:
    return Counter(f"gcore:{r.task_id}" for r in fake.requests if r.operation == "cancel")


# --- configuration errors: the provider needed, the variable to set --------------------------------------------


@pytest.fixture
def modelarts_without_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A ModelArts-only setup that forgot its project id (no Gcore variable at all); a refs file for --from."""
    monkeypatch.setenv("MODELARTS_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("MODELARTS_TOKEN", "a-token")
    path = tmp_path / "refs.txt"
    path.write_text("modelarts:ds/t1\n")
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["ls", "modelarts:ds"],
        ["status", "modelarts:ds/t1"],
        ["cancel", "modelarts:ds/t1"],
        ["cancel", "--all", "modelarts:ds", "--yes"],
        ["cancel", "--from", "REFS"],
    ],
)
def test_modelarts_only_setup_is_told_about_its_project_id_only(
    argv: list[str], modelarts_without_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line naming MODELARTS_PROJECT_ID, in variable words: no Gcore key, no `project_id=` argument."""
    argv = [str(modelarts_without_project) if arg == "REFS" else arg for arg in argv]

    code = main(argv)

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, err
    assert "no ModelArts project id: set MODELARTS_PROJECT_ID or HUAWEICLOUD_SDK_PROJECT_ID (see" in err
    assert "Gcore" not in err and "GCORE" not in err and "=" not in err


def test_a_ref_of_an_unconfigured_provider_names_its_variables(
    fake_cloud_env: FakeCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Gcore set, ModelArts without credentials: its refs fail naming the variables; ModelArts-only runs exit 2."""
    for name in ("MODELARTS_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"):
        monkeypatch.delenv(name)
    fake_cloud_env.add_gcore_task(GCORE_ID)

    code = main(["cancel", f"gcore:{GCORE_ID}", "modelarts:ds/t1", "--json"])

    out, err = capsys.readouterr()
    assert code == 1
    records = {r["ref"]: r for r in _lines(out)}
    assert records[f"gcore:{GCORE_ID}"]["outcome"] == "cancelled"
    failed = records["modelarts:ds/t1"]
    assert failed["error"] == "ConfigurationError"
    assert failed["message"].endswith("set MODELARTS_TOKEN, or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK")
    assert "=" not in failed["message"]
    for argv in (["ls", "modelarts:ds"], ["status", "modelarts:ds/t1"], ["cancel", "modelarts:ds/t1"]):
        assert main(argv) == 2  # every provider it needs is unconfigured: nothing to do, a usage error
        err = capsys.readouterr().err
        assert "configuration: no ModelArts credentials: set MODELARTS_TOKEN" in err and "=" not in err
        assert "GCORE" not in err


def test_cli_words_keep_only_the_variables() -> None:
    """The library's advice to callers ("(or pass X=)") goes; the variables and other text stay."""
    from aitasks._cli._config import cli_words

    assert cli_words("no Gcore API key: set GCORE_API_KEY (or pass api_key=)") == "no Gcore API key: set GCORE_API_KEY"
    assert cli_words("no creds: set A, or B and C (or pass token= or access_key=/secret_key=)") == (
        "no creds: set A, or B and C"
    )
    assert cli_words("no endpoint: set E (or pass endpoint=), e.g. https://x") == "no endpoint: set E, e.g. https://x"
    assert cli_words("GCORE_BASE_URL must not carry a query") == "GCORE_BASE_URL must not carry a query"


# --- options that need another: one table, one check ------------------------------------------------------------

NEEDS = {"--status": ["PENDING"], "--yes": [], "--wait-timeout": ["5"]}


@pytest.mark.parametrize(("dest", "flag", "needed", "needed_flag"), _args.REQUIRES)
def test_an_option_without_the_one_it_needs_is_a_usage_error(
    dest: str,
    flag: str,
    needed: str,
    needed_flag: str,
    fake_cloud_env: FakeCloud,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`cancel gcore:abc --yes` is refused as `--status` without `--all` is: same check, same words, nothing sent."""
    code = main(["cancel", "gcore:abc", flag, *NEEDS[flag]])

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"aitasks: error: {flag} needs {needed_flag} (see 'aitasks cancel --help')\n"
    assert fake_cloud_env.requests == []


def test_every_option_of_the_table_exists_and_defaults_to_not_given() -> None:
    """The table names real options (a typo would make its check silently never fire)."""
    parser = _args.parser()
    cancel = parser.parse_args(["cancel", "gcore:abc"])
    for dest, flag, needed, needed_flag in _args.REQUIRES:
        assert getattr(cancel, dest) in (None, False) and getattr(cancel, needed) in (None, False), dest
        assert flag in str(_help("cancel")) and needed_flag.split()[0] in str(_help("cancel"))


def _help(command: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "aitasks", command, "--help"], capture_output=True, text=True, timeout=30
    )
    return run.stdout


# --- --quiet ------------------------------------------------------------------------------------------------------


def test_quiet_prints_the_records_and_nothing_else(
    fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """cancel and ls with --quiet: records on stdout, an empty stderr; an error still reaches stderr."""
    fake_cloud_env.add_gcore_task(GCORE_ID)
    earlier = tmp_path / "out1.jsonl"
    earlier.write_text(json.dumps({"ref": "gcore:other", "outcome": "cancelled"}) + "\n")

    assert main(["cancel", f"gcore:{GCORE_ID}", "--json", "--quiet", "--resume", str(earlier)]) == 0
    out, err = capsys.readouterr()
    assert ([r["ref"] for r in _lines(out)], err) == ([f"gcore:{GCORE_ID}"], "")

    assert main(["ls", "gcore", "--json", "-q"]) == 0
    out, err = capsys.readouterr()
    assert ([r["ref"] for r in _lines(out)], err) == ([f"gcore:{GCORE_ID}"], "")

    missing = tmp_path / "missing.txt"
    assert main(["cancel", "--from", str(missing), "--quiet"]) == 2
    assert f"cannot read {missing}" in capsys.readouterr().err


# --- --output FILE --------------------------------------------------------------------------------------------------


def test_output_appends_records_and_resumes_from_them(
    fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same command run twice: records appended to FILE, each ref sent once, stdout untouched, a torn line ended."""
    for name in "abcd":
        fake_cloud_env.add_gcore_task(name)
    output = tmp_path / "out.jsonl"

    assert main(["cancel", "gcore:a", "gcore:b", "--output", str(output)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "resuming" not in err
    with open(output, "a", encoding="utf-8") as file:
        file.write('{"ref": "gcore:c", "outc')  # a run killed while writing
    assert main(["cancel", "gcore:a", "gcore:b", "gcore:c", "gcore:d", "--output", str(output)]) == 0

    out, err = capsys.readouterr()
    lines = output.read_text().splitlines()
    assert out == ""
    assert f"resuming from {output}: 2 records; its torn last line ignored" in err
    assert sorted(json.loads(line)["ref"] for line in lines[:2]) == ["gcore:a", "gcore:b"]
    assert lines[2] == '{"ref": "gcore:c", "outc'
    assert sorted(json.loads(line)["ref"] for line in lines[3:]) == ["gcore:c", "gcore:d"]
    assert _cancels(fake_cloud_env) == Counter({"gcore:a": 1, "gcore:b": 1, "gcore:c": 1, "gcore:d": 1})


def test_output_refuses_a_file_that_is_not_a_checkpoint(
    fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--output onto text, the --from file or a device is a usage error that leaves the file as it was."""
    refs = tmp_path / "refs.txt"
    refs.write_text("gcore:a\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")

    assert main(["cancel", "gcore:a", "--output", str(notes)]) == 2
    assert "holds lines that are not aitasks records" in capsys.readouterr().err
    assert main(["cancel", "--from", str(refs), "--output", str(refs)]) == 2
    assert "is the --from file" in capsys.readouterr().err
    assert main(["cancel", "gcore:a", "--output", os.devnull]) == 2
    assert "is not a regular file" in capsys.readouterr().err
    assert (notes.read_text(), refs.read_text()) == ("my notes\n", "gcore:a\n")
    assert fake_cloud_env.requests == []


def test_output_with_dry_run_shows_what_is_left_and_writes_nothing(
    fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run --output FILE: FILE's records are skipped, FILE is not touched (nor created)."""
    output = tmp_path / "out.jsonl"
    output.write_text(json.dumps({"ref": "gcore:a", "outcome": "cancelled"}) + "\n")
    before = output.read_bytes()

    assert main(["cancel", "gcore:a", "gcore:b", "--dry-run", "--output", str(output)]) == 0
    assert capsys.readouterr().out == "gcore:b\n"
    assert output.read_bytes() == before
    assert main(["cancel", "gcore:a", "--dry-run", "--output", str(tmp_path / "new.jsonl")]) == 0
    assert not (tmp_path / "new.jsonl").exists()


# --- shell completion ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("aitasks ", {"cancel", "ls", "status", "fake-cloud", "-h", "--help", "--version"}),
        ("aitasks cancel --w", {"--wait", "--wait-timeout"}),
        ("aitasks cancel --q", {"--quiet"}),
        ("aitasks ls m", {"modelarts", "modelarts:"}),
        ("aitasks cancel --all g", {"gcore"}),
        ("aitasks ls gcore --status RE", {"RECEIVED", "RETRY", "REVOKED"}),
    ],
)
def test_completion_lists_commands_options_and_values(line: str, expected: set[str], tmp_path: Path) -> None:
    """The hook answers a shell's request (argcomplete's COMP_ variables) as bash would receive it."""
    pytest.importorskip("argcomplete")
    answer = tmp_path / "completions"
    env = {k: v for k, v in os.environ.items() if not k.startswith(LIBRARY_VARIABLES)} | {
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
    }
    run = subprocess.run([sys.executable, "-m", "aitasks"], env=env, capture_output=True, timeout=30, check=False)

    assert run.returncode == 0, run.stderr
    assert {word.strip() for word in answer.read_text().split("\v")} == expected


def test_help_says_how_to_turn_completion_on(capsys: pytest.CaptureFixture[str]) -> None:
    """`aitasks --help` names the command that installs completion, the extra that brings it, and exit code 141."""
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert 'eval "$(register-python-argcomplete aitasks)"' in out and "cli extra" in out
    assert "  141  stdout was closed" in out
