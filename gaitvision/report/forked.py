"""Run one rendering job in a forked process while this one does another.

The report's outputs are independent (the video pass, each segment of it, the charts),
and a phone clip's report is CPU-bound: on two cores, running them side by side is what
keeps ``analyze`` close to the pose stage's time. Forking copies the analysis and the
track for free (nothing to pickle or re-import); only the job's return value travels
back, through a pipe.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def can_fork() -> bool:
    """True where a forked helper process can run beside this one.

    Not on one core (nothing to gain), not where ``fork`` is missing or unsafe
    (Windows, macOS), and not inside a daemonic process (which may not have children).
    """
    return ((os.cpu_count() or 1) >= 2 and "fork" in mp.get_all_start_methods()
            and sys.platform != "darwin" and not mp.current_process().daemon)


def _child(fn: Callable[..., Any], args: tuple, conn) -> None:
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which redoes it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class ForkedCall:
    """``fn(*args)`` started in a forked child; :meth:`result` returns its value.

    When forking is not possible (:func:`can_fork`), or the child fails or dies, the
    call is made in this process instead, so the caller always gets a result (or the
    call's own exception).

    Parameters
    ----------
    fn : callable
        The job; its return value must pickle.
    *args
        Its arguments (copied by the fork, never pickled).
    name : str
        Process name, shown by ``ps``.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, name: str = "gaitvision-job"):
        self.fn, self.args = fn, args
        self.proc = self.conn = None
        if not can_fork():
            return
        ctx = mp.get_context("fork")
        self.conn, child_conn = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(fn, args, child_conn), name=name,
                                daemon=True)
        self.proc.start()
        child_conn.close()

    def result(self) -> Any:
        """The child's return value; the call made here if the child could not run it."""
        if self.proc is not None:
            try:
                reply = self.conn.recv()
            except EOFError:  # the child died before it could reply
                reply = None
            self.proc.join()
            self.conn.close()
            if reply is not None and reply[0] == "ok":
                return reply[1]
            log.warning("%s failed in its process (%s); running it here", self.proc.name,
                        reply[1] if reply else f"exit code {self.proc.exitcode}")
        return self.fn(*self.args)

    def abort(self) -> None:
        """Stop the child, if it is still running."""
        if self.proc is not None and self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
