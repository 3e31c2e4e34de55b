import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ecg_sklearn import BeatSegmenter, ChunkedPipeline, ECGFilter, default_pipeline


def _steps(fs):
    return [
        ("filter", ECGFilter(fs=fs)),
        ("segment", BeatSegmenter(fs=fs)),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression(max_iter=300)),
    ]


def test_chunked_predictions_equal_the_plain_pipelines(sample):
    chunked = ChunkedPipeline(_steps(sample.fs), chunk_size=7).fit(sample.X, sample.y)
    plain = Pipeline(chunked.steps)  # the same fitted steps, all rows at once
    np.testing.assert_array_equal(chunked.predict(sample.X), plain.predict(sample.X))
    # Probabilities equal up to rounding (matrix products sum in a size-dependent order).
    for method in ("predict_proba", "predict_log_proba"):
        expected = getattr(plain, method)(sample.X)
        np.testing.assert_allclose(
            getattr(chunked, method)(sample.X), expected, rtol=1e-4, atol=1e-5
        )
    assert chunked.predict(sample.X[:3]).shape == (3,)  # fewer rows than a chunk
    unchunked = clone(chunked).set_params(chunk_size=None).fit(sample.X, sample.y)
    np.testing.assert_array_equal(unchunked.predict(sample.X), plain.predict(sample.X))


def test_chunked_pipeline_params_errors_and_grid_search(sample):
    pipe = ChunkedPipeline(_steps(sample.fs), chunk_size=50)
    assert pipe.get_params()["chunk_size"] == 50
    assert pipe[:-1].chunk_size == 50 and isinstance(pipe[:-1], ChunkedPipeline)
    assert clone(pipe).get_params()["clf__max_iter"] == 300
    with pytest.raises(ValueError, match="chunk_size must be a positive int or None"):
        pipe.set_params(chunk_size=0).fit(sample.X, sample.y).predict(sample.X)
    # A pipeline ending in a transformer has no predict, as with sklearn's Pipeline.
    assert not hasattr(ChunkedPipeline([("scale", StandardScaler())]), "predict")
    search = GridSearchCV(
        pipe.set_params(chunk_size=50), {"clf__C": [0.1, 1.0]}, cv=GroupKFold(2)
    ).fit(sample.X, sample.y, groups=sample.groups)
    assert isinstance(search.best_estimator_, ChunkedPipeline)
    assert search.best_estimator_.predict(sample.X).shape == sample.y.shape


def test_default_pipeline_predicts_in_chunks():
    pipe = default_pipeline(360.0)
    assert isinstance(pipe, ChunkedPipeline) and pipe.chunk_size == 4096
    assert [name for name, _ in pipe.steps] == ["filter", "segment", "cnn"]
