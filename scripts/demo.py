"""`make demo`: the real aitasks code path against the built-in fake cloud, no account needed.

It starts FakeCloud on loopback, configures aitasks only through the environment variables a user would set,
and walks through a Gcore cancel, an AK/SK-signed ModelArts stop, an "already finished" answer, a not-found and
a retried 503; then the lifecycle on the command line: list what runs on both clouds, cancel all of it with
--wait, and see each task CANCELLED. Each step checks what it shows; any surprise exits 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import aitasks
from aitasks.testing import FakeCloud


class DemoFailed(Exception):
    """A step did not behave as the demo says it does."""


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise DemoFailed(what)


def _show(result: aitasks.CancelResult) -> str:
    attempts = f"{result.attempts} attempt" + ("s" if result.attempts != 1 else "")
    message = f'  "{result.message}"' if result.message else ""
    return f"{result.ref!s:<40} {result.outcome.value:<17} HTTP {result.status_code}  {attempts}{message}"


def run(fake: FakeCloud) -> None:
    """The demo's five steps, each printed and checked."""
    fake.add_gcore_task("3f9c1e2a-0000-4000-8000-000000000001", status="STARTED")
    fake.add_gcore_task("3f9c1e2a-0000-4000-8000-000000000002", status="PENDING")
    fake.add_modelarts_task("dataset-42", "auto-label-7", status=1)  # 1: running
    env = fake.env()
    env.pop("MODELARTS_TOKEN")  # so ModelArts signs every request with AK/SK (SDK-HMAC-SHA256)
    os.environ.update(env)
    print(f"Fake cloud serving Gcore and ModelArts at {fake.base_url}; configured from the environment:")
    for name in sorted(env):
        print(f"  {name}={'***' if name in ('GCORE_API_KEY', 'HUAWEICLOUD_SDK_SK') else env[name]}")

    with aitasks.Client.from_env(timeout=5) as client:
        print("\n1. Cancel a running Gcore task")
        result = client.cancel("gcore:3f9c1e2a-0000-4000-8000-000000000001")
        print("   " + _show(result))
        _expect(result.outcome is aitasks.Outcome.CANCELLED, "Gcore cancel should be CANCELLED")
        revoked = fake.task_status("gcore", "3f9c1e2a-0000-4000-8000-000000000001") == "REVOKED"
        _expect(revoked, "the task should now be REVOKED")

        print("\n2. Stop a running ModelArts task, the request signed with AK/SK")
        result = client.cancel("modelarts:dataset-42/auto-label-7")
        print("   " + _show(result))
        signed = fake.requests[-1].headers["Authorization"].split(", ")[1]
        print(f"   Authorization: SDK-HMAC-SHA256 Access=…, {signed}, Signature=…")
        _expect(result.outcome is aitasks.Outcome.CANCELLED, "ModelArts stop should be CANCELLED")
        status = fake.task_status("modelarts", "auto-label-7", "dataset-42")
        print(f"   task status now {status} (4: stopping; 5: stopped once the stop completes)")
        _expect(status in (4, 5), "the task should be stopping or stopped")

        print("\n3. Cancel the same Gcore task again")
        result = client.cancel("gcore:3f9c1e2a-0000-4000-8000-000000000001")
        print("   " + _show(result))
        _expect(result.outcome is aitasks.Outcome.ALREADY_FINISHED, "a second cancel should be ALREADY_FINISHED")

        print("\n4. Cancel a task that does not exist")
        try:
            client.cancel("gcore:no-such-task")
        except aitasks.TaskNotFound as exc:
            print(f"   raised {type(exc).__name__}: {exc}")
        else:
            raise DemoFailed("an unknown task should raise TaskNotFound")

        print("\n5. Gcore answers 503 with Retry-After: 1 once; the client waits and retries")
        fake.fail_next(503, provider="gcore", task_id="3f9c1e2a-0000-4000-8000-000000000002", retry_after=1)
        started = time.monotonic()
        result = client.cancel("gcore:3f9c1e2a-0000-4000-8000-000000000002")
        print(f"   {_show(result)}  ({time.monotonic() - started:.1f} s)")
        _expect(result.attempts == 2 and result.outcome is aitasks.Outcome.CANCELLED, "the retry should succeed")
        once = fake.cancel_count("gcore", "3f9c1e2a-0000-4000-8000-000000000002") == 1
        _expect(once, "the task should be cancelled exactly once")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `aitasks ARGS` as a user would, with the environment the demo set up; echo what it prints."""
    print(f"\n   $ aitasks {' '.join(args)}")
    run = subprocess.run(
        [sys.executable, "-m", "aitasks", *args], capture_output=True, text=True, timeout=120, check=False
    )
    for line in (run.stdout + run.stderr).splitlines():
        print(f"   {line}")
    return run


def lifecycle(fake: FakeCloud) -> None:
    """Find what runs, stop it all, and confirm it stopped, with the command line on both clouds."""
    for number, status in enumerate(["RECEIVED", "STARTED", "RETRY", "SUCCESS"]):
        fake.add_gcore_task(f"7b0d44c1-0000-4000-8000-00000000000{number}", status=status)
    for number, code in enumerate([-1, 1, 3]):  # queuing, running, succeeded
        fake.add_modelarts_task("dataset-7", f"job-{number}", status=code)

    print("\n6. Find what is still running on both clouds")
    for listing in ("gcore", "modelarts:dataset-7"):
        run = _cli("ls", listing, "--active", "--json")
        _expect(run.returncode == 0, f"aitasks ls {listing} should exit 0")
        states = {json.loads(line)["state"] for line in run.stdout.splitlines()}
        _expect(states <= {"QUEUED", "RUNNING", "STOPPING"}, f"--active should list only running tasks: {states}")

    print("\n7. Cancel everything that runs, and wait until each task has really stopped")
    for listing in ("gcore", "modelarts:dataset-7"):
        run = _cli("cancel", "--all", listing, "--yes", "--wait", "--json")
        records = [json.loads(line) for line in run.stdout.splitlines()]
        _expect(run.returncode == 0 and bool(records), f"cancel --all {listing} should cancel something and exit 0")
        _expect({r["state"] for r in records} == {"CANCELLED"}, f"every task should end CANCELLED: {records}")

    print("\n8. Nothing is left running")
    for listing in ("gcore", "modelarts:dataset-7"):
        run = _cli("ls", listing, "--active", "--json")
        _expect(run.returncode == 0 and not run.stdout.strip(), f"nothing should be active on {listing}")


def main() -> int:
    """Run the demo; exit 0 when every step behaved as shown."""
    print(f"aitasks {aitasks.__version__} demo\n")
    try:
        with FakeCloud(modelarts_stop_delay=1.0) as fake:
            run(fake)
            lifecycle(fake)
    except (DemoFailed, aitasks.AITasksError) as exc:
        print(f"\ndemo FAILED: {exc}", file=sys.stderr)
        return 1
    print("\nFake cloud stopped. Every step behaved as shown.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
