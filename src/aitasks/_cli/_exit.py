"""Exit codes in one table, so the code that returns them and the help that explains them cannot drift apart."""

from __future__ import annotations

OK = 0
FAILED = 1
USAGE = 2
INTERRUPTED = 130  # 128 + SIGINT, as shells report it
CLOSED = 141  # 128 + SIGPIPE: what a shell shows for a command whose reader went away (`| head`)
TERMINATED = 143  # 128 + SIGTERM

EXIT_CODES = (
    (OK, "no ref failed (each was cancelled or had already finished; ls, status: each task was read)"),
    (
        FAILED,
        "at least one ref failed, or a --wait failed (ls, cancel --all: the listing failed or was incomplete; or "
        "the question was answered no)",
    ),
    (USAGE, "usage, configuration or input error"),
    (INTERRUPTED, "interrupted by Ctrl-C: no new refs were sent, the calls in flight were finished and reported"),
    (
        CLOSED,
        "stdout was closed (`| head`) or --output FILE could not be written: nothing more was read or sent; "
        "the calls in flight were finished and their records printed on stderr",
    ),
    (TERMINATED, "stopped by SIGTERM (kill, docker stop, Kubernetes): handled like the first Ctrl-C"),
)


class UsageError(Exception):
    """A usage, configuration or input problem: reported as one line on stderr, exit 2."""
