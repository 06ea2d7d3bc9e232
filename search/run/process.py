"""A command as a process: the project's errors become one line on stderr and an exit code.

0 done, 2 bad usage/configuration/data (storage untouched), 130 interrupted, 1 unexpected. The
CLI and every worker process run through `guarded`, so both keep the same promise.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
import warnings
from collections.abc import Callable

import optuna

from search.errors import LstmSearchError, SearchAborted
from search.text import printable

INTERRUPTED = (
    "lstm-search: interrupted; the running trial was requeued. Run the same command "
    "again to resume."
)


def guarded(
    command: Callable[[], int], debug: bool = False, interrupted_message: str | None = INTERRUPTED
) -> int:
    """Run `command`, turning errors into one line on stderr and the documented exit code."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(message)s")
    optuna.logging.set_verbosity(optuna.logging.DEBUG if debug else optuna.logging.WARNING)
    # The gRPC proxy, journal files, artifacts and metric names are "experimental" in Optuna:
    # nothing for a user to act on.
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    global _stop_requested
    _stop_requested = False
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupt)
    try:
        return command()
    except BrokenPipeError:
        # Output piped into `head` and the like: the reader has all it wanted.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        if interrupted_message:
            print(interrupted_message, file=sys.stderr)
        return 130
    except SearchAborted as error:
        _report(error, debug)
        return 1
    except LstmSearchError as error:
        _report(error, debug)
        return 2
    except Exception as error:
        _report(error, debug=True)
        return 1
    finally:
        _stop_requested = False  # handled: the next command in this process starts clean


def _report(error: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(error)
    # A line break from a path, a name or a library's message is written as its escape, so the
    # message stays one whole line.
    print(f"lstm-search: error: {printable(str(error))}", file=sys.stderr)


_stop_requested = False


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C, or SIGTERM (a scheduler stopping the job): stop the search.

    The KeyboardInterrupt raised here is lost when the signal lands in a callback Python
    ignores exceptions from (importlib's module-lock callback was seen), so the request is also
    kept, and `raise_if_stopped` raises it again at the next epoch or claim.
    """
    global _stop_requested
    _stop_requested = True
    raise KeyboardInterrupt


def raise_if_stopped() -> None:
    """Raise KeyboardInterrupt if a stop was asked for, even one whose first raise was lost."""
    if _stop_requested:
        raise KeyboardInterrupt
