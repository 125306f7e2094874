"""Where replications run: ``serial``, ``processes`` (a local pool) or ``dask``.

Seeds and scenarios are fixed in `omsim.experiments.worker.Replication` before dispatch and
every executor calls the same `run_replication`, so the results are identical whichever ran
them; only the wall time differs. Workers send back `Outcome` objects of a few kilobytes: event
logs stay in the workers' own (temporary or kept) run folders, never in the scheduler.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tqdm.auto import tqdm

from omsim.experiments.worker import Outcome, Replication, run_replication

__all__ = ["EXECUTORS", "ExecutorError", "check_executor", "default_workers", "execute"]

EXECUTORS = ("serial", "processes", "dask")


class ExecutorError(ValueError):
    """An executor cannot be used as asked (unknown name, Dask missing, no scheduler)."""


def default_workers() -> int:
    """The CPUs this process may use (its affinity mask, not every core of the machine)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def execute(
    tasks: Sequence[Replication],
    executor: str = "processes",
    *,
    workers: int | None = None,
    address: str | None = None,
    progress: bool = True,
) -> list[Outcome]:
    """Run every task and return the outcomes in task order.

    Parameters
    ----------
    executor : {"serial", "processes", "dask"}
        ``processes``: a local pool of ``workers`` processes (default: the CPUs available),
        started with ``spawn`` so that no state of the parent leaks into a run. ``dask``: a
        ``dask.distributed`` client of the scheduler at ``address`` (``tcp://host:8786``), or
        of a ``LocalCluster`` of ``workers`` single-threaded worker processes when no address
        is given (closed afterwards).
    progress : bool
        A progress bar over finished replications (tqdm; a widget in a notebook).
    """
    check_executor(executor, workers=workers, address=address)
    bar = tqdm(total=len(tasks), unit="run", desc="replications", disable=not progress)
    try:
        if executor == "serial":
            outcomes = []
            for task in tasks:
                outcomes.append(run_replication(task))
                bar.update(1)
            return outcomes
        runner = _in_processes if executor == "processes" else _on_dask
        by_index: dict[int, Outcome] = {}
        for index, outcome in runner(tasks, workers, address):
            by_index[index] = outcome
            bar.update(1)
        return [by_index[i] for i in range(len(tasks))]
    finally:
        bar.close()


def check_executor(executor: str, *, workers: int | None, address: str | None) -> None:
    """Refuse, before anything runs, an executor that cannot be used as asked."""
    if executor not in EXECUTORS:
        raise ExecutorError(f"executor: got {executor!r}; choose one of {', '.join(EXECUTORS)}")
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise ExecutorError(f"workers: got {workers!r}: an integer >= 1")
    if address is not None and executor != "dask":
        raise ExecutorError(f"address: given for the {executor!r} executor; it is for 'dask'")
    if executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ExecutorError(
                "executor 'dask' needs dask.distributed: pip install 'omsim[dask]'"
            ) from None


BROKEN_POOL_HINT = (
    "(a worker process died: killed, out of memory, or the experiment was started by a script "
    "without `if __name__ == \"__main__\":`, which the 'processes' executor needs to import it)"
)
"""Why a process pool breaks, added to the error of the replications it took with it."""


def _failed(task: Replication, error: BaseException) -> Outcome:
    return Outcome(
        task.variant, task.replication, task.seed, error=f"{type(error).__name__}: {error}"
    )


def _in_processes(
    tasks: Sequence[Replication], workers: int | None, address: str | None
) -> Iterator[tuple[int, Outcome]]:
    """Run on one pool; if a worker dies, the replications it took down with the pool are run
    again, each in a process of its own, so that only the one that kills its process fails."""
    size = min(workers or default_workers(), len(tasks)) or 1
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=size, mp_context=context)
    broken: list[int] = []
    try:
        futures: dict[Future[Outcome], int] = {
            pool.submit(run_replication, task): i for i, task in enumerate(tasks)
        }
        for future in as_completed(list(futures)):
            index = futures[future]
            try:
                yield index, future.result()
            except BrokenProcessPool:
                broken.append(index)
            except Exception as error:
                yield index, _failed(tasks[index], error)
    except BaseException:  # interrupted (Ctrl-C): the replications not started never start
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if broken:
        yield from _isolated(tasks, sorted(broken), size, context)


def _isolated(
    tasks: Sequence[Replication], indices: list[int], size: int, context: Any
) -> Iterator[tuple[int, Outcome]]:
    """Each task in a one-process pool of its own, ``size`` at a time."""

    def alone(index: int) -> Outcome:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as own:
            try:
                return own.submit(run_replication, tasks[index]).result()
            except BrokenProcessPool as error:
                failed = _failed(tasks[index], error)
                failed.error = f"{failed.error} {BROKEN_POOL_HINT}"
                return failed

    with ThreadPoolExecutor(max_workers=size) as threads:
        futures = {threads.submit(alone, i): i for i in indices}
        for future in as_completed(list(futures)):
            yield futures[future], future.result()


def _as_they_finish(
    futures: dict[Any, int],
    tasks: Sequence[Replication],
    completed: Callable[[Any], Any],
) -> Iterator[tuple[int, Outcome]]:
    """Outcomes as futures finish (Dask's); an error, or a worker that died, fails its task.

    Dask reschedules the tasks of a worker that died on the others; the pool of the
    ``processes`` executor handles it in `_in_processes`."""
    for future in completed(list(futures)):
        index = futures[future]
        try:
            yield index, future.result()
        except BrokenProcessPool as error:
            failed = _failed(tasks[index], error)
            failed.error = f"{failed.error} {BROKEN_POOL_HINT}"
            yield index, failed
        except Exception as error:
            yield index, _failed(tasks[index], error)


QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings for the local cluster: a replication is one long pure-Python task, and the
worker's statistical profiler (a stack sample every 10 ms) would slow it down; so would GIL
monitoring, and the system and memory monitors need not wake so often. A cluster at ``--address`` keeps its own settings."""


def _on_dask(
    tasks: Sequence[Replication], workers: int | None, address: str | None
) -> Iterator[tuple[int, Outcome]]:
    import dask
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if address is None:
        with dask.config.set(QUIET_WORKERS):  # read by the workers the cluster starts
            cluster = LocalCluster(
                n_workers=workers or default_workers(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
    try:
        try:
            client = Client(cluster if cluster is not None else address, timeout="20s")
        except OSError as error:  # no scheduler at the address
            raise ExecutorError(f"dask scheduler at {address}: {error}") from None
        except ValueError as error:  # not an address ("host" without a port, unknown scheme)
            raise ExecutorError(f"address: got {address!r}: {error}") from None
        with client:
            futures = {
                client.submit(run_replication, task, pure=False): i for i, task in enumerate(tasks)
            }
            yield from _as_they_finish(futures, tasks, dask_completed)
    except OSError as error:  # the scheduler went away during the experiment
        raise ExecutorError(f"dask scheduler at {address}: {error}") from None
    finally:
        if cluster is not None:
            cluster.close()
