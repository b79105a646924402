"""The same worker in a local process pool (`LocalExecutor`) or on a Dask cluster
(`DaskExecutor`), SPEC §11, §15. Both stream results back as they complete, keeping only a
bounded window of books in flight, so memory does not grow with the number of books. A worker
process that dies (BrokenProcessPool, KilledWorker) becomes a `book-unreadable` finding for the
book that killed it; the rest of the batch goes on. Local workers die with the process that
started them (`die_with_parent`), even when it is killed outright."""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait as mp_wait
from typing import Any

from .results import STATUS_TIMED_OUT, BookResult, Options
from .worker import failed_result, file_identity


# (path, book name, index) and, with --crm / --leads, the book's rows of the exports: the
# worker is called as worker(path, options, name, index, *rest)
Job = tuple[Any, ...]
Worker = Callable[..., BookResult]

DIED_REASON = ("the worker process reading it died ({cause}); the file may be malformed in a "
               "way that crashes the reader or needs more memory than is available — open it "
               "in Excel and save it again")


TIMEOUT_REASON = ("{name} took longer than the {limit:g}-second limit for one workbook "
                  "(--book-timeout); its worker was stopped and the rest of the batch went on "
                  "— split the workbook or raise --book-timeout")
DEFAULT_BOOK_TIMEOUT = 300.0  # seconds one book may take; a team workbook takes about one
STOP_SECONDS = 5              # an idle worker asked to end is killed after this long

PR_SET_PDEATHSIG = 1          # linux/prctl.h: the signal a process gets when its parent dies
PARENT_POLL_SECONDS = 0.5


def die_with_parent(parent: int) -> None:
    """Worker initializer: end this process when `parent` (the pid that started it) ends, even
    by SIGKILL, so no worker outlives a killed `mom consolidate`. Linux: the kernel sends
    SIGKILL (prctl PR_SET_PDEATHSIG); everywhere: a daemon thread notices the parent is gone
    (the process is re-parented) within half a second and exits."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):   # no usable libc: the thread below still covers it
            pass
    if os.getppid() != parent:              # the parent died before the prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="mom-watch-parent").start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


class LocalExecutor:
    """`workers` processes of its own on this machine, each given one book at a time, so the
    parent knows which book each process holds and since when:
    - a book that runs past `book_timeout` seconds: its process is killed and replaced, and
      the book is one `book-timeout` finding (`--workers 1` too: the book runs in a child);
    - a process that dies (a reader crash, the out-of-memory killer): the book is tried once
      more in a fresh process; if that dies too, the book is `book-unreadable`.
    At most `workers` books are in flight (`window` is the Dask executor's; results stream
    back as they complete)."""

    def __init__(self, workers: int | None = None,
                 book_timeout: float | None = DEFAULT_BOOK_TIMEOUT) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.book_timeout = book_timeout
        self.idle: list[_WorkerProcess] = []

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        for process in self.idle:
            process.stop()
        self.idle = []

    def _start(self, task: tuple[Worker, Job, Options]) -> _WorkerProcess:
        """Hand the task to an idle process (one that ended meanwhile is replaced)."""
        while self.idle:
            process = self.idle.pop()
            try:
                process.send(task)
                return process
            except OSError:
                process.kill()
        process = _WorkerProcess()
        process.send(task)
        return process

    def stream(self, worker: Worker, jobs: Iterable[Job], options: Options,
               window: int) -> Iterator[BookResult]:
        pending = iter(jobs)
        retries: list[Job] = []              # books whose process died once
        busy: dict[_WorkerProcess, tuple[Job, float, bool]] = {}   # → (job, deadline, retried)
        limit = self.book_timeout if self.book_timeout is not None else math.inf
        finished: list[BookResult] = []
        try:
            while True:
                while len(busy) < self.workers:   # idle workers get their next book first
                    retried = bool(retries)
                    job = retries.pop(0) if retries else next(pending, None)
                    if job is None:
                        break
                    process = self._start((worker, job, options))
                    busy[process] = (job, time.monotonic() + limit, retried)
                yield from finished               # the parent merges while the workers work
                finished.clear()
                if not busy:
                    return
                soonest = min(deadline for _, deadline, _ in busy.values())
                wait = None if soonest == math.inf else max(0.0, soonest - time.monotonic())
                ready = set(mp_wait([p.connection for p in busy] + [p.sentinel for p in busy],
                                    timeout=wait))
                for process, (job, deadline, retried) in list(busy.items()):
                    if process.connection in ready or process.sentinel in ready:
                        del busy[process]
                        finished.extend(self._outcome(process, job, retried, retries))
                    elif time.monotonic() >= deadline:
                        del busy[process]
                        process.kill()
                        finished.append(timed_out_job(job, limit))
        finally:
            for process in busy:
                process.kill()

    def _outcome(self, process: _WorkerProcess, job: Job, retried: bool,
                 retries: list[Job]) -> list[BookResult]:
        """What a worker that answered or ended gave back; a first death queues a retry."""
        outcome = process.receive()
        if isinstance(outcome, BookResult):
            self.idle.append(process)
            return [outcome]
        if isinstance(outcome, str):               # the worker raised: name the file
            self.idle.append(process)
            return [failed_job(job, outcome)]
        if retried:                                # died again, in a fresh process
            return [failed_job(job, f"{process.exit_cause()}, also when retried in a fresh "
                                    "process")]
        retries.append(job)
        return []


class _WorkerProcess:
    """One worker process and the pipe to it: `send` a (worker, job, options), `receive` a
    BookResult, an error text (the worker raised) or None (the process died)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context()
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, os.getpid()), daemon=True,
                                       name="mom-worker")
        self.process.start()
        child.close()
        self.sentinel = self.process.sentinel

    def send(self, task: tuple[Worker, Job, Options]) -> None:
        self.connection.send(task)

    def receive(self) -> BookResult | str | None:
        try:
            if self.connection.poll():
                kind, value = self.connection.recv()
                return value if kind == "result" else str(value)
        except (EOFError, OSError):
            pass
        self.kill()
        return None

    def exit_cause(self) -> str:
        code = self.process.exitcode
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
        return f"exit status {code}"

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()

    def stop(self) -> None:
        """Ask an idle process to end; kill it if it does not within a few seconds."""
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(STOP_SECONDS)
        self.kill()


def _serve(connection: Any, parent: int) -> None:
    """A worker process: run each (worker, job, options) sent until None or the pipe closes.
    Ctrl-C is the parent's to handle (it reaches the whole process group)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        worker, job, options = task
        try:
            result = worker(job[0], options, *job[1:])
            connection.send(("result", result))
        except Exception as error:  # pickling trouble or the like: the parent names the file
            connection.send(("error", f"{type(error).__name__}: {error}"))


class SchedulerUnreachable(Exception):
    """--scheduler names an address with no Dask scheduler behind it (a usage problem)."""


class DaskExecutor:
    """The same worker on a Dask cluster: `distributed.Client(address)` (SPEC §11)."""

    def __init__(self, address: str | Any) -> None:
        from distributed import Client
        self.own_client = not hasattr(address, "submit")
        try:
            self.client = Client(address, timeout="20s") if self.own_client else address
        except (OSError, TimeoutError, ValueError) as error:
            raise SchedulerUnreachable(
                f"cannot reach the Dask scheduler at {address} ({error}); start it "
                "(`dask scheduler`) or check the address") from None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.own_client:
            self.client.close()

    def stream(self, worker: Worker, jobs: Iterable[Job], options: Options,
               window: int) -> Iterator[BookResult]:
        from distributed import as_completed
        pending = iter(jobs)
        owner: dict[str, Job] = {}

        def submit(job: Job) -> Any:
            future = self.client.submit(worker, str(job[0]), options, *job[1:], pure=False,
                                        key=f"mom-book-{job[2]}-{os.getpid()}-{id(owner)}")
            owner[future.key] = job
            return future

        first = [submit(job) for job in _take(pending, window)]
        stream = as_completed(first)
        for future in stream:
            job = owner.pop(future.key)
            try:
                yield future.result()
            except Exception as error:  # KilledWorker and friends
                yield failed_job(job, f"{type(error).__name__}: {error}")
            future.release()
            following = next(pending, None)
            if following is not None:
                stream.add(submit(following))


def _take(iterator: Iterator[Job], count: int) -> list[Job]:
    taken = []
    for _ in range(count):
        job = next(iterator, None)
        if job is None:
            break
        taken.append(job)
    return taken


def failed_job(job: Job, cause: str) -> BookResult:
    result = _job_result(job)
    return failed_result(result, f"{result.name}: " + DIED_REASON.format(cause=cause))


def timed_out_job(job: Job, limit: float) -> BookResult:
    result = _job_result(job)
    return failed_result(result, TIMEOUT_REASON.format(name=result.name, limit=limit),
                         status=STATUS_TIMED_OUT, code="book-timeout")


def _job_result(job: Job) -> BookResult:
    """A result for a book its worker could not return (identity read here, if it can be)."""
    path, name, index = job[:3]
    result = BookResult(index=index, path=str(path), name=name)
    with contextlib.suppress(OSError):
        result.size, result.sha256 = file_identity(Path(path))
    return result
