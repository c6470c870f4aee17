"""`make demo` runs every step against the fake cloud and says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_every_step_and_exits_zero() -> None:
    """The demo cancels, stops with AK/SK, sees already-finished, a not-found and a retried 503."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "gcore:video-ai-task-1" in out and "cancelled         HTTP 202" in out
    assert "modelarts:dataset-42/auto-label-7" in out and "HTTP 204" in out
    assert "SignedHeaders=host;x-project-id;x-sdk-date" in out
    assert "already_finished  HTTP 412" in out
    assert "raised TaskNotFound: gcore: HTTP 404 Task not found" in out
    assert "HTTP 202  2 attempts" in out
    assert "Every step behaved as shown." in out
    assert "fake-gcore-api-key" not in out + proc.stderr and "fake-secret-key" not in out + proc.stderr
    assert proc.stderr == ""
