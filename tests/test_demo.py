"""`make demo` runs every step against the fake cloud and says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_every_step_and_exits_zero() -> None:
    """The demo cancels, stops with AK/SK, sees already-finished, a not-found, a retried 503, then the lifecycle."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "gcore:3f9c1e2a-0000-4000-8000-000000000001" in out and "cancelled         HTTP 202" in out
    assert "modelarts:dataset-42/auto-label-7" in out and "HTTP 204" in out
    assert "SignedHeaders=host;x-project-id;x-sdk-date" in out
    assert "already_finished  HTTP 412" in out
    assert "raised TaskNotFound: gcore: HTTP 404 Task not found" in out
    assert "HTTP 202  2 attempts" in out
    assert "$ aitasks ls gcore --active --json" in out and '"state": "RUNNING", "status": "RETRY"' in out
    assert "$ aitasks cancel --all modelarts --yes --wait --json" in out  # every dataset of the project
    assert '"ref": "modelarts:dataset-7/job-0"' in out and '"ref": "modelarts:dataset-8/job-1"' in out
    assert "3 cancelled, 0 already finished, 0 failed (3 refs)" in out and "task states: 2 CANCELLED" in out
    assert out.count("aitasks: 0 tasks") == 2
    assert "Every step behaved as shown." in out
    assert "fake-gcore-api-key" not in out + proc.stderr and "fake-secret-key" not in out + proc.stderr
    assert proc.stderr == ""
