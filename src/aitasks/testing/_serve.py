"""`aitasks fake-cloud`: run FakeCloud in the foreground and print the environment that points at it."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._control import ENDPOINTS
from ._fake_cloud import FakeCloud


def _parser() -> argparse.ArgumentParser:
    width = max(len(route.template) for route, _, _ in ENDPOINTS) + 2
    endpoints = "\n".join(f"  {route.method:<7}{route.template:<{width}}{summary}" for route, _, summary in ENDPOINTS)
    parser = argparse.ArgumentParser(
        prog="aitasks fake-cloud",
        description="Serve fake Gcore and ModelArts task APIs (cancel, get, list) on one base URL until\n"
        "interrupted. Prints KEY=VALUE lines for eval/export; seed tasks with POST /_fake/tasks.",
        epilog="control and faults API (JSON bodies; each {id} is one percent-encoded path segment;\n"
        f"a bad body answers 400 naming what is wrong):\n{endpoints}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--modelarts-stop-delay",
        type=float,
        default=0.5,
        metavar="S",
        help="seconds a stopped ModelArts task stays stopping (4) before it is stopped (5) (default: 0.5)",
    )
    return parser


def _print_env(env: dict[str, str]) -> None:
    """KEY=VALUE lines on stdout; a reader that already went away does not stop the server."""
    try:
        for name, value in env.items():
            print(f"{name}={value}")
        sys.stdout.flush()
    except OSError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM; 0 on a clean stop, 2 on usage errors or when the port is taken."""
    args = _parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"aitasks fake-cloud: invalid port {args.port}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            fake = FakeCloud(args.port, host=args.host, modelarts_stop_delay=args.modelarts_stop_delay).start()
        except ValueError as exc:
            print(f"aitasks fake-cloud: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"aitasks fake-cloud: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
            return 2
        try:
            _print_env(fake.env())
            print(f"aitasks fake-cloud: serving on {fake.base_url}; Ctrl-C to stop", file=sys.stderr, flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            fake.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("aitasks fake-cloud: stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
