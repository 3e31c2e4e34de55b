"""Threads of a record's annotation: BLAS on one thread, and the pipeline's own threads
(network, FFTs) on one each when the record's chunks run in several."""

from __future__ import annotations

import contextlib
import copy
import functools

from sklearn.pipeline import Pipeline

__all__ = ["one_thread_each", "single_threaded"]


@functools.cache
def _thread_pools():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # the loaded BLAS and OpenMP libraries, found once


@contextlib.contextmanager
def one_thread_each(pipeline, n_jobs):
    """``pipeline`` with BLAS on one thread (its threads wait busily between the small
    products here and slow the rest) and, for ``n_jobs > 1``, its network (unless it
    sets ``n_threads``) and its steps' ``n_jobs`` (the filter's FFTs) on one thread
    too: a shallow copy of those steps, the others shared."""
    from ..classifier import torch_threads

    if n_jobs > 1 and isinstance(pipeline, Pipeline):
        steps = []
        for name, step in pipeline.steps:
            if "n_jobs" in step.get_params(deep=False):
                step = copy.copy(step).set_params(n_jobs=1)
            steps.append((name, step))
        pipeline = copy.copy(pipeline)
        pipeline.steps = steps
    with (
        _thread_pools().limit(limits=1, user_api="blas"),
        torch_threads(1 if n_jobs > 1 else None),
    ):
        yield pipeline


def single_threaded(pipeline):
    """A copy of ``pipeline`` whose steps' ``n_threads`` and ``n_jobs`` are 1."""
    params = {k: 1 for k in pipeline.get_params() if k.endswith(("n_threads", "__n_jobs"))}
    return copy.deepcopy(pipeline).set_params(**params) if params else pipeline
