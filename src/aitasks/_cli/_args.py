"""The argument parser: checked options, one-line usage errors, help that lists every variable and exit code."""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

from ._exit import EXIT_CODES, USAGE, UsageError

DEFAULT_CONCURRENCY = 16
MAX_CONCURRENCY = 100  # httpx's default pool size: more calls would only wait for a connection inside the client


def _epilog() -> str:
    """Every variable of every registered provider, then the exit codes."""
    from .. import providers

    variables = {name: text for p in providers.names() for name, text in providers.get(p).variables.items()}
    width = max(map(len, variables)) + 2
    lines = "".join(f"  {name:<{width}}{text}\n" for name, text in variables.items())
    codes = "".join(
        textwrap.fill(meaning, 100, initial_indent=f"  {code:<5}", subsequent_indent=" " * 7) + "\n"
        for code, meaning in EXIT_CODES
    )
    skipped = (
        "  A LISTING, or REF arguments, of providers none of which is configured is a configuration\n"
        "  error (exit 2) naming the variables to set for those providers; otherwise each ref of an\n"
        "  unconfigured provider fails with a ConfigurationError record naming them.\n"
    )
    return f"environment:\n{lines}{skipped}\nexit codes:\n{codes}"


def _grammar() -> tuple[str, str, str]:
    """(refs, listings, statuses) in words, from the provider registry."""
    from .. import providers

    refs, listings, statuses = [], [], []
    for name in providers.names():
        p = providers.get(name)
        scope = p.scope.upper().replace(" ", "_") if p.scope else None
        refs.append(f"{name}:{scope}/TASK_ID" if scope else f"{name}:TASK_ID")
        listings += [name, f"{name}:{scope}"] if scope else [name]
        statuses.append(f"{name}: {' '.join(map(str, p.states))}")
    return " or ".join(refs), ", ".join(listings), "; ".join(statuses)


COMPLETION = """
shell completion (bash; zsh with bashcompinit), with argcomplete, installed by the cli extra:
  eval "$(register-python-argcomplete aitasks)"   # once per shell, e.g. in ~/.bashrc
  completes commands, options, listings (gcore, modelarts, modelarts:) and the --status values.
"""

# Options that mean something only with another one: (option's dest, as written, the dest it needs, as written).
# One table, one check, whatever the command: an option a command does not have is skipped.
REQUIRES = (
    ("statuses", "--status", "scope", "--all LISTING"),
    ("yes", "--yes", "scope", "--all LISTING"),
    ("wait_timeout", "--wait-timeout", "wait", "--wait"),
)


def _description() -> str:
    refs, listings, statuses = _grammar()
    return textwrap.fill(
        f"Find, cancel and confirm AI tasks on every registered cloud. A ref is provider:native-ref: {refs}; "
        f"a listing is {listings} (a provider alone: all it has, e.g. every dataset of a ModelArts project). "
        "A listing that cannot be read whole (an item naming no task, a page repeating earlier ones, the page cap) "
        "prints what it could, one error per problem, exit 1. Statuses are the providers' own: "
        f"{statuses} (ModelArts: -1 queuing, 0 initializing, 1 running, 2 failed, 3 succeeded, 4 stopping, "
        "5 stopped).",
        100,
    )


CANCEL_DESCRIPTION = """\
Cancel AI tasks: the REFs given, those read from a file (--from), or every task of a listing
that matches (--all; the tasks not in a final state unless --status says which). Each ref gets
exactly one line on stdout (one JSON object with --json) as soon as its call completes;
progress (on a terminal) and a summary go to stderr. Ctrl-C (or SIGTERM) stops sending new
refs, lets the calls in flight finish and reports them; a second Ctrl-C abandons them
(reported as "Interrupted").

--all first says how many tasks match, then asks on a terminal; without one it needs --yes.
Each task listed is cancelled once per run. An item of the listing that names no task gets a
failed record ("ref": the listing, "error": "IncompleteListing", "message": which item, why).

--wait keeps the cancel's own fields whatever the wait does; a wait that fails adds
"wait_error" (class name) and "wait_message", counts apart in the summary, and exits 1.

--output FILE appends the JSON records to FILE instead of printing them, and first reads the
records FILE already holds: a ref with a record is not sent again. Running the same command
again thus resumes a run that was killed or interrupted, and no shell redirection can empty
the checkpoint. --resume FILE (the --json output of an earlier run) skips the refs FILE holds
a record for without writing to it; it may be given more than once, and with --output.
A record counts when it is a whole line (a torn last line, cut by a kill, is none) and its
outcome is known: refs abandoned by a second Ctrl-C ("Interrupted") are sent again (a cancel
is idempotent: the second answers "already finished"). Lines that are not records (text,
other JSON, binary junk, JSON nested too deep, a line over 1 MiB) are skipped and counted;
a --resume file with no record at all is a usage error.

--quiet prints the records and the errors only: no progress, no counts, no summary.
"""

TASKS_DESCRIPTION = """\
One line per task on stdout: a table when stdout is a terminal, else (or with --json) one
JSON object per task: {"ref", "state", "status", "progress", "name", "type", "created_at",
"started_at", "finished_at"}. state is one of QUEUED RUNNING STOPPING SUCCEEDED FAILED
CANCELLED UNKNOWN; status and progress are the provider's own values.
"""

JSON_FORMAT = (
    '{"ref", "outcome": "cancelled"|"already_finished"|"error", "status_code", "error", "message"}, '
    'and "state" (the final state, or the last seen) with --wait, plus "wait_error" and "wait_message" when the '
    "wait failed"
)

_Number = TypeVar("_Number", int, float)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The arguments; SystemExit for --help, --version and argparse errors, UsageError for the rest."""
    if list(argv) == ["--version"]:  # answered before the parser, whose help reads every provider's module
        from .._version import __version__

        print(f"aitasks {__version__}")
        raise SystemExit(0)
    args = parser().parse_args(_joined(argv))
    if args.command is None:
        raise UsageError("a command is required: cancel, ls, status or fake-cloud (see 'aitasks --help')")
    _check_requires(args)
    if args.command == "cancel":
        _check_cancel(args)
    return args


def _joined(argv: Sequence[str]) -> list[str]:
    """`--status -1,4` as `--status=-1,4`: argparse takes a word starting with "-" and a digit for an option."""
    joined: list[str] = []
    for arg in argv:
        if joined and joined[-1] == "--status" and re.match(r"-\.?\d", arg):
            joined[-1] = f"--status={arg}"
        else:
            joined.append(arg)
    return joined


def _given(args: argparse.Namespace, dest: str) -> bool:
    """Whether an option was given: every option of REQUIRES defaults to None or False."""
    return getattr(args, dest, None) not in (None, False)


def _check_requires(args: argparse.Namespace) -> None:
    """An option given without the one it needs is a usage error, worded the same for each (REQUIRES)."""
    for dest, flag, needed, needed_flag in REQUIRES:
        if _given(args, dest) and hasattr(args, needed) and not _given(args, needed):
            raise UsageError(f"{flag} needs {needed_flag} (see 'aitasks {args.command} --help')")


def _check_cancel(args: argparse.Namespace) -> None:
    """The rule argparse cannot say: exactly one source of refs."""
    given = [name for name, present in (("REF arguments", args.refs), ("--from", args.source is not None),
                                        ("--all", args.scope is not None)) if present]  # fmt: skip
    if len(given) > 1:
        raise UsageError(f"give refs one way: {' or '.join(given)}, not both")
    if not given:
        raise UsageError("no refs: give REF arguments, --from FILE or --all LISTING (see 'aitasks cancel --help')")


def _statuses(text: str) -> list[str]:
    """`S,S,...`: each status once, in order; checked against the provider's own list when the command runs."""
    values = list(dict.fromkeys(part.strip() for part in text.split(",")))
    if "" in values:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of statuses")
    return values


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


def parser() -> argparse.ArgumentParser:
    """The whole command line, for parsing and for shell completion."""
    from .._version import __version__

    parser = _Parser(
        prog="aitasks",
        description=_description(),
        epilog=_epilog() + COMPLETION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"aitasks {__version__}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    cancel = commands.add_parser(
        "cancel",
        help="cancel tasks given as arguments, read from a file, or every task of a listing that matches",
        description=CANCEL_DESCRIPTION,
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cancel.add_argument("refs", nargs="*", metavar="REF", help="gcore:TASK_ID or modelarts:DATASET_ID/TASK_ID")
    cancel.add_argument(
        "--from",
        dest="source",
        metavar="FILE",
        help="read refs from FILE ('-' for stdin), one per line; blank lines and lines starting with # are skipped",
    )
    _complete(
        cancel.add_argument(
            "--all",
            dest="scope",
            metavar="LISTING",
            help="cancel every task of LISTING (gcore, modelarts or modelarts:DATASET_ID) that is not in a final "
            "state, or that has one of the --status values",
        ),
        _listings,
    )
    _add_status(cancel, "with --all: cancel the tasks with one of these statuses (default: every task not in a "
                "final state)")  # fmt: skip
    cancel.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be cancelled (the tasks of --all, else the refs that would be sent) and send nothing",
    )
    cancel.add_argument("--yes", action="store_true", help="with --all: cancel without asking (needed off a terminal)")
    cancel.add_argument(
        "--wait",
        action="store_true",
        help='after each cancel, poll the task until it reaches a final state and report it ("state" with --json)',
    )
    cancel.add_argument(
        "--wait-timeout",
        type=_seconds,
        metavar="S",
        help="with --wait: give up waiting on a task after S seconds, reported as a WaitTimeout error with the "
        "last state seen (default 300, at most 86400)",
    )
    cancel.add_argument(
        "--resume",
        action="append",
        metavar="FILE",
        help="skip every ref that FILE (the --json output of an earlier run) holds a record of a known outcome "
        "for; may be given more than once",
    )
    cancel.add_argument(
        "--output",
        metavar="FILE",
        help="append the JSON records to FILE instead of printing them; refs FILE already holds a record for are "
        "not sent again (the same command run again resumes)",
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
    _add_quiet(cancel, "only the records (stdout) and the errors (stderr): no progress, no counts, no summary")
    _add_http(cancel)
    ls = _tasks_parser(commands, "ls", "list the tasks of gcore, modelarts or modelarts:DATASET_ID, page by page")
    _complete(ls.add_argument("scope", metavar="LISTING", help="gcore, modelarts or modelarts:DATASET_ID"), _listings)
    _add_status(ls, "only the tasks with one of these statuses")
    ls.add_argument("--active", action="store_true", help="only the tasks not in a final state")
    status = _tasks_parser(commands, "status", "print the state of each task named")
    status.add_argument("refs", nargs="+", metavar="REF", help="gcore:TASK_ID or modelarts:DATASET_ID/TASK_ID")
    commands.add_parser(
        "fake-cloud",
        add_help=False,
        help="serve a fake of both clouds on 127.0.0.1 for trying things out (see 'aitasks fake-cloud --help')",
    )
    return parser


def _tasks_parser(commands: Any, name: str, help: str) -> argparse.ArgumentParser:
    """`ls` and `status`: the same output, and the same HTTP options as `cancel`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=f"{help[0].upper()}{help[1:]}.\n\n{TASKS_DESCRIPTION}",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="JSON lines even when stdout is a terminal")
    _add_quiet(parser, "no count of the tasks printed on stderr (errors still are)")
    _add_http(parser)
    return parser


def _add_status(parser: argparse.ArgumentParser, help: str) -> None:
    action = parser.add_argument(
        "--status",
        dest="statuses",
        type=_statuses,
        metavar="S,...",
        help=f"{help}; Gcore words such as PENDING,STARTED, ModelArts integers such as 1,4",
    )
    _complete(action, _statuses_known)


def _statuses_known() -> list[str]:
    """Every registered provider's documented statuses."""
    from .. import providers

    return [str(status) for name in providers.names() for status in providers.get(name).states]


def _add_quiet(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help=help)


def _listings() -> list[str]:
    from .. import providers

    return [f"{n}{suffix}" for n in providers.names() for suffix in ("", ":")[: 1 + bool(providers.get(n).scope)]]


def _complete(action: argparse.Action, values: Callable[[], list[str]]) -> None:
    """What argcomplete offers for an option's value (it reads the action's `completer` attribute)."""

    def completer(prefix: str, **kwargs: Any) -> list[str]:
        return [value for value in values() if value.startswith(prefix)]

    action.completer = completer  # type: ignore[attr-defined]


def _add_http(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=30.0,
        metavar="S",
        help="deadline of each HTTP attempt as a whole, from connecting to the last byte of the answer, wall clock "
        "(default 30, at most 86400)",
    )
    parser.add_argument(
        "--max-retries",
        type=_whole(0),
        default=2,
        metavar="N",
        help="retries after a 429, a 5xx, Gcore's 'Queue limit reached', a timeout or a dropped connection (default 2)",
    )
