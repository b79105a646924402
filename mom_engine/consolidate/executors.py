"""The same worker in a local process pool (`LocalExecutor`) or on a Dask cluster
(`DaskExecutor`), SPEC §11, §15. Both stream results back as they complete, keeping only a
bounded window of books in flight, so memory does not grow with the number of books. A worker
process that dies (BrokenProcessPool, KilledWorker) becomes a `book-unreadable` finding for the
book that killed it; the rest of the batch goes on. Local workers die with the process that
started them (`die_with_parent`), even when it is killed outright."""
from __future__ import annotations

import concurrent.futures as cf
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .results import BookResult, Options
from .worker import failed_result, file_identity


# (path, book name, index) and, with --crm / --leads, the book's rows of the exports: the
# worker is called as worker(path, options, name, index, *rest)
Job = tuple[Any, ...]
Worker = Callable[..., BookResult]

DIED_REASON = ("the worker process reading it died ({cause}); the file may be malformed in a "
               "way that crashes the reader or needs more memory than is available — open it "
               "in Excel and save it again")


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
    """A `ProcessPoolExecutor` of `workers` processes; a pool broken by a dying worker is
    rebuilt and the books that were in flight are retried one at a time to find the culprit."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.pool: cf.ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _pool(self) -> cf.ProcessPoolExecutor:
        if self.pool is None:
            self.pool = cf.ProcessPoolExecutor(self.workers, initializer=die_with_parent,
                                               initargs=(os.getpid(),))
        return self.pool

    def stream(self, worker: Worker, jobs: Iterable[Job], options: Options,
               window: int) -> Iterator[BookResult]:
        pending = iter(jobs)
        running: dict[cf.Future, Job] = {}
        suspects: list[Job] = []

        def fill() -> None:
            while len(running) < window:
                job = next(pending, None)
                if job is None:
                    return
                running[self._pool().submit(worker, job[0], options, *job[1:])] = job

        fill()
        while running:
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                try:
                    yield future.result()
                except cf.process.BrokenProcessPool:
                    suspects.append(job)
                except Exception as error:  # pickling trouble or the like: name the file
                    yield failed_job(job, f"{type(error).__name__}: {error}")
            if suspects:
                suspects.extend(running.values())
                running.clear()
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = None
                for job in suspects:
                    yield self.isolate(worker, job, options)
                suspects.clear()
            fill()

    def isolate(self, worker: Worker, job: Job, options: Options) -> BookResult:
        """Run one book alone in a fresh process: if that process dies too, the book did it."""
        with cf.ProcessPoolExecutor(1, initializer=die_with_parent,
                                    initargs=(os.getpid(),)) as single:
            try:
                return single.submit(worker, job[0], options, *job[1:]).result()
            except cf.process.BrokenProcessPool:
                return failed_job(job, "a worker process exited abruptly")
            except Exception as error:
                return failed_job(job, f"{type(error).__name__}: {error}")


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
    path, name, index = job[:3]
    result = BookResult(index=index, path=str(path), name=name)
    try:
        result.size, result.sha256 = file_identity(Path(path))
    except OSError:
        pass
    return failed_result(result, f"{name}: " + DIED_REASON.format(cause=cause))
