"""The same GridSearchCV on a Dask cluster, through joblib's Dask backend."""

import os

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")


@pytest.fixture
def restore_environ(monkeypatch):
    """dask.distributed sets OMP_NUM_THREADS=1 in this process's environment: undo it."""
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", ""))
    if not os.environ["OMP_NUM_THREADS"]:
        monkeypatch.delenv("OMP_NUM_THREADS")  # absent before: absent again after the test


def test_grid_search_on_a_local_dask_cluster(sample, restore_environ):
    import joblib
    from sklearn.model_selection import GridSearchCV, GroupKFold

    from ecg_sklearn import default_pipeline

    keep = np.isin(sample.groups, ["100", "201", "208", "232"])
    pipe = default_pipeline(
        sample.fs, random_state=0, verbose=0, max_epochs=1, valid_size=0, n_threads=1,
        module__n_filters=8, module__hidden=16,
    )  # fmt: skip
    grid = GridSearchCV(
        pipe,
        {"segment__after": [0.3, 0.4]},
        cv=GroupKFold(n_splits=2),
        scoring="balanced_accuracy",
        n_jobs=-1,
    )
    with distributed.LocalCluster(
        host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True,
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        with joblib.parallel_backend("dask"), distributed.get_task_stream(client) as tasks:
            grid.fit(sample.X[keep], sample.y[keep], groups=sample.groups[keep])
        assert len(client.scheduler_info()["workers"]) == 2
    # The fits ran as tasks on the cluster's workers.
    assert len(tasks.data) >= 4
    assert len(grid.cv_results_["params"]) == 2
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))


def test_annotate_records_on_a_local_dask_cluster(
    sample, tmp_path, restore_environ, records_folder
):
    import joblib

    from ecg_sklearn import default_pipeline
    from ecg_sklearn.annotate import annotate_records

    pipe = default_pipeline(
        sample.fs, random_state=0, verbose=0, max_epochs=1, module__n_filters=8,
        module__hidden=16,
    ).fit(sample.X[:500], sample.y[:500])  # fmt: skip
    folder = records_folder(("100", "213"))
    expected = annotate_records(pipe, [folder], write_dir=tmp_path / "local", verbose=0)
    with distributed.LocalCluster(
        host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True,
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        with joblib.parallel_config(backend="dask"), distributed.get_task_stream(client) as tasks:
            results = annotate_records(
                pipe, [folder], write_dir=tmp_path / "dask", n_jobs=-1, verbose=0
            )
    assert len(tasks.data) >= 2  # the records ran as tasks on the cluster
    for a, b in zip(expected, results, strict=True):
        assert b.error is None and a.counts == b.counts
        assert a.path.read_bytes() == b.path.read_bytes()
