"""The argument parser: checked options, one-line usage errors, help that lists every variable and exit code."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeVar

from ._exit import EXIT_CODES, USAGE, UsageError

__all__ = ["parse_args"]

DEFAULT_CONCURRENCY = 16
MAX_CONCURRENCY = 100  # httpx's default pool size: more calls would only wait for a connection inside the client

EPILOG = """\
environment:
  GCORE_API_KEY                   Gcore API key (sent as "Authorization: apikey <key>")
  GCORE_BASE_URL                  Gcore API base URL (default https://api.gcore.com)
  MODELARTS_ENDPOINT              ModelArts endpoint, e.g. https://modelarts.eu-de.otc.t-systems.com
  MODELARTS_PROJECT_ID            ModelArts project id
  HUAWEICLOUD_SDK_PROJECT_ID      ModelArts project id, used when MODELARTS_PROJECT_ID is not set
  MODELARTS_TOKEN                 IAM token sent as X-Auth-Token (preferred over AK/SK when both are set)
  HUAWEICLOUD_SDK_AK              access key for AK/SK request signing
  HUAWEICLOUD_SDK_SK              secret key for AK/SK request signing
  HUAWEICLOUD_SDK_SECURITY_TOKEN  security token of temporary AK/SK credentials
  A provider whose variables are missing is skipped; its refs then fail with ConfigurationError.

exit codes:
""" + "".join(f"  {code:<5}{meaning}\n" for code, meaning in EXIT_CODES)

CANCEL_DESCRIPTION = """\
Cancel AI tasks on Gcore Streaming and ModelArts. A ref is provider:native-ref:
gcore:TASK_ID or modelarts:DATASET_ID/TASK_ID. Each ref gets exactly one line on stdout
(one JSON object with --json) as soon as its call completes; progress (on a terminal) and a
summary go to stderr. Ctrl-C (or SIGTERM) stops sending new refs, lets the calls in flight
finish and reports them; a second Ctrl-C abandons them (reported as "Interrupted").
"""

JSON_FORMAT = '{"ref", "outcome": "cancelled"|"already_finished"|"error", "status_code", "error", "message"}'

_Number = TypeVar("_Number", int, float)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The `cancel` arguments; SystemExit for --help, --version and argparse errors, UsageError for the rest."""
    args = _parser().parse_args(argv)
    if args.command is None:
        raise UsageError("a command is required: cancel or fake-cloud (see 'aitasks --help')")
    if args.refs and args.source is not None:
        raise UsageError("give refs as arguments or with --from, not both")
    if not args.refs and args.source is None:
        raise UsageError("no refs: give REF arguments or --from FILE (see 'aitasks cancel --help')")
    return args


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (no usage dump), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _convert(text: str, kind: Callable[[str], _Number], noun: str) -> _Number:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = _convert(text, int, "a whole number")
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is out of range ({bound})")
        return value

    return parse


def _seconds(text: str) -> float:
    value = _convert(text, float, "a number of seconds")
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text} must be a positive number of seconds, at most 86400 (one day)")
    return value


def _parser() -> argparse.ArgumentParser:
    from .._version import __version__

    parser = _Parser(
        prog="aitasks",
        description="Cancel running AI tasks on Gcore Streaming and ModelArts.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"aitasks {__version__}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    cancel = commands.add_parser(
        "cancel",
        help="cancel tasks given as arguments or read from a file",
        description=CANCEL_DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cancel.add_argument("refs", nargs="*", metavar="REF", help="gcore:TASK_ID or modelarts:DATASET_ID/TASK_ID")
    cancel.add_argument(
        "--from",
        dest="source",
        metavar="FILE",
        help="read refs from FILE ('-' for stdin), one per line; blank lines and lines starting with # are skipped",
    )
    cancel.add_argument(
        "--concurrency",
        type=_whole(1, MAX_CONCURRENCY),
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"calls in flight at once, 1-{MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY})",
    )
    cancel.add_argument("--json", action="store_true", help=f"one JSON object per ref on stdout: {JSON_FORMAT}")
    cancel.add_argument(
        "--strict", action="store_true", help="count a task that had already finished as failed (TaskAlreadyFinished)"
    )
    cancel.add_argument(
        "--timeout",
        type=_seconds,
        default=30.0,
        metavar="S",
        help="deadline of each HTTP attempt as a whole, from connecting to the last byte of the answer, wall clock "
        "(default 30, at most 86400)",
    )
    cancel.add_argument(
        "--max-retries",
        type=_whole(0),
        default=2,
        metavar="N",
        help="retries after a 429, a 5xx, Gcore's 'Queue limit reached', a timeout or a dropped connection (default 2)",
    )
    commands.add_parser(
        "fake-cloud",
        add_help=False,
        help="serve a fake of both clouds on 127.0.0.1 for trying things out (see 'aitasks fake-cloud --help')",
    )
    return parser
