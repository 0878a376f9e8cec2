"""Run per-item work on every core, in forked worker processes.

Workers are forked, so they start at once and share (copy-on-write) everything this process
already holds: the pages, the parser, the site model. Only each item's result travels back.
"""

from __future__ import annotations

import collections
import gc
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

R = TypeVar("R")

AHEAD = 4
"""Chunks handed out per worker ahead of the results being yielded (see `fork_map`)."""

_TASK: Callable[[int], Any] | None = None
"""The function of the pool being run, set before its workers are forked so they inherit it."""


def default_workers(items: int, minimum: int) -> int:
    """One worker per core when there are at least `minimum` items, else none (work in this
    process: starting workers costs more than they save on small sites)."""
    return (os.cpu_count() or 1) if items >= minimum else 1


@contextmanager
def paused_collection(freeze: bool = True) -> Iterator[None]:
    """Run the body without the cyclic garbage collector, then (with `freeze`) exempt what it
    made from later collections. Loading a large site makes millions of lasting objects and
    almost no cycles; each automatic collection scans every object held, and together they
    cost more than the loading itself (2 s of a 5,000-service rebuild). Workers forked
    meanwhile collect as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def fork_map(
    task: Callable[[int], R], count: int, workers: int, chunk: int = 64
) -> Iterator[R]:
    """`task(0)`, `task(1)`, … `task(count - 1)`, in order, on `workers` processes (in this one
    when `workers` is 1). `task` may be any function, closures included: it is inherited by the
    forked workers, never sent to them."""
    if workers <= 1 or count <= chunk:
        yield from (task(index) for index in range(count))
        return
    global _TASK
    chunks = [range(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    _TASK = task
    # What the workers inherit is never scanned by their garbage collector, so the memory
    # they share with this process stays shared rather than copied page by page.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            # A few chunks per worker are handed out ahead of the one being yielded, not all
            # of them: results the caller has not taken yet (rendered pages, compressed files)
            # would otherwise pile up in this process whenever it is slower than the workers.
            waiting = iter(chunks)
            ahead = collections.deque(
                pool.submit(_run, part) for part in itertools.islice(waiting, workers * AHEAD)
            )
            while ahead:
                results = ahead.popleft().result()
                ahead.extend(pool.submit(_run, part) for part in itertools.islice(waiting, 1))
                yield from results
    finally:
        _TASK = None


def _run(indexes: range) -> list[Any]:
    assert _TASK is not None
    gc.enable()  # a worker drops each page's parse tree: let it collect (see `paused_collection`)
    return [_TASK(index) for index in indexes]
