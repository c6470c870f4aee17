"""The `aitasks` command: argument parsing is cheap; httpx, the clients and rich load only when a command runs."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ._args import parse_args
from ._exit import FAILED, INTERRUPTED, USAGE, UsageError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `aitasks` command and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if argv is None and "_ARGCOMPLETE" in os.environ:  # a shell asks for completions (see 'aitasks --help')
        return _complete()
    if args_list[:1] == ["fake-cloud"]:
        from ..testing._serve import main as serve

        return serve(args_list[1:])
    try:
        try:
            args = parse_args(args_list)
        except SystemExit as exc:  # --help, --version and usage errors argparse finds
            return exc.code if isinstance(exc.code, int) else USAGE
        if args.command == "ls":
            from ._tasks import list_command

            return list_command(args)
        if args.command == "status":
            from ._tasks import status_command

            return status_command(args)
        from ._run import cancel

        return cancel(args)
    except UsageError as exc:
        print(f"aitasks: error: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:  # before the event loop took over Ctrl-C
        return INTERRUPTED


def _complete() -> int:
    """Answer the shell's completion request (argcomplete exits); without argcomplete (the cli extra), none."""
    try:
        import argcomplete
    except ImportError:
        return FAILED
    from ._args import parser

    argcomplete.autocomplete(parser())
    return FAILED  # not reached: autocomplete() exits once it has answered
