"""A stop that a signal asked for, for long work Python cannot interrupt on its own.

Python runs a signal handler between two steps of Python code, so one long SQLite query (a
check's integrity pass, a span check over a long document) would keep SIGTERM or Ctrl+C waiting
until it ends, minutes on a large file. The command line's handler :func:`request`\\ s a stop;
storage gives each SQLite connection a progress handler that ends the query running when a stop
was asked for (:func:`annotator.storage.common.stoppable`), and long loops call :func:`check`
between their steps. A query ended that way raises SQLite's "interrupted", which callers may
take for damage: whoever reports a result asks :func:`requested` first.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_requested = 0  # the signal's number; 0 while nobody asked
_armed = False  # a front end handles SIGTERM and SIGINT by asking for a stop (the command line)


class Stopped(BaseException):
    """A signal asked the work to stop; like KeyboardInterrupt it is not an error to report.
    ``signum`` is the signal's number (the exit status is 128 + signum)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def arm() -> None:
    """Say that this process's signal handlers ask for a stop, so long C work runs apart
    (:func:`run_apart`) where a stop can end it."""
    global _armed
    _armed = True


def request(signum: int) -> None:
    """Ask every long piece of work in this process to stop (from a signal handler)."""
    global _requested
    _requested = signum


def requested() -> int:
    """The signal that asked for a stop, or 0."""
    return _requested


def check() -> None:
    """Raise :class:`Stopped` if a stop was asked for: call it between the steps of long work."""
    if _requested:
        raise Stopped(_requested)


def clear() -> None:
    """Forget a stop asked for (a process that goes on after handling it; the tests)."""
    global _requested
    _requested = 0


def fork_is_safe() -> bool:
    """Whether this process may fork: Linux, and one thread (a fork keeps only the calling one,
    and a lock another one held would stay held in the child)."""
    if sys.platform != "linux" or threading.active_count() > 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1  # threads a native library started count too
    except OSError:
        return False


def die_with_parent() -> None:
    """SIGTERM to this process when its parent dies (Linux's PR_SET_PDEATHSIG); elsewhere nothing."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the call: the signal would never come
            os._exit(0)
    except (OSError, AttributeError):
        pass


def _child_begins(read_end: int) -> None:
    """A forked child's first steps: the pipe's other end closed, the default handling of a stop
    (the parent's handlers ask for one, which no one in the child would act on), and an end with
    its parent's."""
    os.close(read_end)
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, signal.SIG_DFL)
    die_with_parent()


def run_apart(work: Callable[[], object]) -> None:
    """Run ``work`` where a stop can end it at once. A long call into C that holds Python's lock
    (crfsuite's training: seconds between the moments it lets Python run) keeps any signal
    handler waiting; so where a stop is armed and a fork is safe, ``work`` runs in a forked child
    while this process waits, and a stop kills the child. What ``work`` makes must reach this
    process through files. Elsewhere ``work`` runs here. Raises :class:`RuntimeError` with the
    child's error if it failed."""
    if not _armed or not fork_is_safe():
        work()
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no handler of the parent's, and no life after it
        code = 1
        try:
            _child_begins(read_end)
            try:
                work()
                code = 0
            except BaseException as err:  # noqa: BLE001 (sent to the parent, which raises it)
                os.write(write_end, f"{type(err).__name__}: {err}".encode("utf-8", "replace")[:4000])
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as errors:
            why = errors.read().decode("utf-8", "replace")  # until the child ends (a signal runs its handler)
        _, status = os.waitpid(pid, 0)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(why or f"the process it ran in ended with status {os.waitstatus_to_exitcode(status)}")


def produced_apart(produce: Callable[[], Iterable[T]], *, batch: int = 200) -> Iterator[T]:
    """The items of ``produce()``, made in a forked child while this process takes them in, so
    two cores share the work of a producer and its consumer (the tagger's tokenizing, and
    crfsuite taking in what came before). ``produce`` must read nothing through a connection
    or pipe this process shares (a database, another process): the child has copies of
    them. Items come in ``produce``'s order, pickled ``batch`` at a time; an exception in the
    child is raised here after the items made before it. Where a fork is not safe the items are made here, one at a time.
    Closing the iterator early ends the child."""
    if not fork_is_safe():
        yield from produce()
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: makes the items, sends them, and has no life after it
        code = 1
        try:
            _child_begins(read_end)
            with os.fdopen(write_end, "wb") as out:
                items: list[T] = []
                try:
                    for item in produce():
                        items.append(item)
                        if len(items) >= batch:
                            pickle.dump((True, items), out, protocol=pickle.HIGHEST_PROTOCOL)
                            items = []
                    pickle.dump((True, items), out, protocol=pickle.HIGHEST_PROTOCOL)
                    pickle.dump((True, None), out, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as err:  # noqa: BLE001 (sent to the parent, which raises it)
                    pickle.dump((True, items), out, protocol=pickle.HIGHEST_PROTOCOL)  # those made before it
                    pickle.dump((False, _portable(err)), out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    ended = False
    try:
        with os.fdopen(read_end, "rb") as source:
            while True:
                try:
                    fine, items = pickle.load(source)
                except EOFError:
                    raise RuntimeError("the process making the items ended before the last of them") from None
                if not fine:
                    raise items
                if items is None:
                    break
                yield from items
        ended = True
    finally:
        if not ended:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _portable(err: Exception) -> Exception:
    """``err`` if it comes back whole through pickle, else a RuntimeError saying what it was."""
    try:
        back = pickle.loads(pickle.dumps(err, protocol=pickle.HIGHEST_PROTOCOL))
        if type(back) is type(err) and str(back) == str(err):
            return err
    except Exception:  # noqa: BLE001 (an exception pickle cannot carry)
        pass
    return RuntimeError(f"{type(err).__name__}: {err}")
