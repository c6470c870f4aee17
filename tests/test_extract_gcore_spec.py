"""extract_gcore_spec pulls the one ```yaml block out of a Gcore doc page byte-for-byte, or says why it cannot."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import extract_gcore_spec

ROOT = Path(__file__).resolve().parent.parent

GCORE = ROOT / "specs" / "gcore"
BLOCK = "openapi: 3.1.0\ninfo:\n  title: x\n"


def run_extract(page: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run the script in-process on a page, writing beside it; return the exit code and the stderr lines."""
    code = extract_gcore_spec.main([str(page), "--output", str(page.with_suffix(".yaml"))])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.splitlines()


def test_seed_page_gives_the_committed_spec_byte_for_byte(tmp_path: Path) -> None:
    """Extracting the vendor page reproduces specs/gcore/seed/cancel-ai-task.yaml exactly, and its recorded sha256."""
    out = tmp_path / "openapi.yaml"
    assert extract_gcore_spec.main([str(GCORE / "seed" / "cancel-ai-task.md"), "--output", str(out)]) == 0
    assert out.read_bytes() == (GCORE / "seed" / "cancel-ai-task.yaml").read_bytes()
    recorded = json.loads((GCORE / "provenance.json").read_text())["seed/cancel-ai-task.yaml"]["sha256"]
    assert hashlib.sha256(out.read_bytes()).hexdigest() == recorded


def test_block_goes_to_stdout_unchanged(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """Without --output the block is written to stdout as bytes: CRLF line ends and trailing spaces are kept."""
    page = tmp_path / "page.md"
    page.write_bytes(b"# Title\r\n\r\n```yaml extra words\r\nopenapi: 3.1.0  \r\ninfo: {}\r\n```\r\nafter\r\n")
    assert extract_gcore_spec.main([str(page)]) == 0
    assert capsysbinary.readouterr().out == b"openapi: 3.1.0  \r\ninfo: {}\r\n"


def test_longer_fence_holds_shorter_backtick_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A four-backtick fence (as on the vendor page) is closed only by four or more backticks."""
    page = tmp_path / "page.md"
    page.write_text(f"````yaml /spec.yaml post /x\n{BLOCK}```\nstill: yaml\n````\n")
    assert run_extract(page, capsys) == (0, [])
    assert page.with_suffix(".yaml").read_text() == f"{BLOCK}```\nstill: yaml\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Cancel AI task\n\nNo spec here.\n```json\n{}\n```\n", "no ```yaml fenced block found"),
        (f"intro\n```yaml\n{BLOCK}", "the ```yaml fence opened on line 2 is never closed"),
        (f"```yaml\n{BLOCK}```\n\n```yaml\n{BLOCK}```\n", "2 ```yaml fenced blocks found, expected exactly one"),
        ("```yaml\n  \n```\n", "the ```yaml fenced block is empty"),
    ],
    ids=["no-fence", "unclosed-fence", "two-fences", "empty-fence"],
)
def test_page_without_exactly_one_block_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    """A page with no block, an unclosed one, two, or an empty one fails with one line naming the page, no output."""
    page = tmp_path / "page.md"
    page.write_text(text)
    assert run_extract(page, capsys) == (1, [f"extract_gcore_spec: {page}: {message}"])
    assert not page.with_suffix(".yaml").exists()


def test_missing_page_fails_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page that does not exist fails with one line naming it."""
    page = tmp_path / "nowhere.md"
    assert run_extract(page, capsys) == (1, [f"extract_gcore_spec: cannot read {page}: No such file or directory"])
