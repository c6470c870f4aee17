"""`make demo`: the real aitasks code path against the built-in fake cloud, no account needed.

It starts FakeCloud on loopback, configures aitasks only through the environment variables a user would set,
and walks through a Gcore cancel, an AK/SK-signed ModelArts stop, an "already finished" answer, a not-found and
a retried 503. Each step checks what it shows; any surprise exits 1.
"""

from __future__ import annotations

import logging
import os
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
    fake.add_gcore_task("video-ai-task-1", status="STARTED")
    fake.add_gcore_task("video-ai-task-2", status="PENDING")
    fake.add_modelarts_task("dataset-42", "auto-label-7", status=1)  # 1: running
    env = fake.env()
    env.pop("MODELARTS_TOKEN")  # so ModelArts signs every request with AK/SK (SDK-HMAC-SHA256)
    os.environ.update(env)
    print(f"Fake cloud serving Gcore and ModelArts at {fake.base_url}; configured from the environment:")
    for name in sorted(env):
        print(f"  {name}={'***' if name in ('GCORE_API_KEY', 'HUAWEICLOUD_SDK_SK') else env[name]}")

    with aitasks.Client.from_env(timeout=5) as client:
        print("\n1. Cancel a running Gcore task")
        result = client.cancel("gcore:video-ai-task-1")
        print("   " + _show(result))
        _expect(result.outcome is aitasks.Outcome.CANCELLED, "Gcore cancel should be CANCELLED")
        _expect(fake.task_status("gcore", "video-ai-task-1") == "REVOKED", "the task should now be REVOKED")

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
        result = client.cancel("gcore:video-ai-task-1")
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
        fake.fail_next(503, provider="gcore", task_id="video-ai-task-2", retry_after=1)
        started = time.monotonic()
        result = client.cancel("gcore:video-ai-task-2")
        print(f"   {_show(result)}  ({time.monotonic() - started:.1f} s)")
        _expect(result.attempts == 2 and result.outcome is aitasks.Outcome.CANCELLED, "the retry should succeed")
        _expect(fake.cancel_count("gcore", "video-ai-task-2") == 1, "the task should be cancelled exactly once")


def main() -> int:
    """Run the demo; exit 0 when every step behaved as shown."""
    # stamina reports each scheduled retry as a WARNING; step 5 prints its own account of the retry.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    print(f"aitasks {aitasks.__version__} demo\n")
    try:
        with FakeCloud() as fake:
            run(fake)
    except (DemoFailed, aitasks.AITasksError) as exc:
        print(f"\ndemo FAILED: {exc}", file=sys.stderr)
        return 1
    print("\nFake cloud stopped. Every step behaved as shown.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
