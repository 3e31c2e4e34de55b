"""Gradient-boosted trees of a binary classifier as plain arrays.

A fitted :class:`~sklearn.ensemble.HistGradientBoostingClassifier` becomes a few numeric
arrays (saved with ``np.savez``, read without pickle, under any scikit-learn version)
and a predictor that gives the same probabilities. Exporting reads the estimator's
private tree layout (once, when a model is built). Predicting uses scikit-learn's
compiled tree predictor (several times faster, on scikit-learn's OpenMP threads) only
after it gave the NumPy evaluation's scores on a probe of inputs around every threshold;
where its private API differs (a missing import, another node layout or signature,
other scores) the NumPy evaluation is used.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

#: The arrays of a :class:`BoostedTrees`, as saved.
ARRAYS = ("baseline", "offsets", "feature", "threshold", "missing_left", "left", "right", "value")


class BoostedTrees:
    """Binary classifier of boosted regression trees, from arrays.

    Node ``k`` of the concatenated trees splits on ``feature[k] <= threshold[k]`` (NaN
    goes left where ``missing_left[k]``) towards nodes ``left[k]`` / ``right[k]``; a
    leaf has ``left[k] == k``. Tree ``t`` starts at node ``offsets[t]``. The raw score
    is ``baseline`` plus the leaf values of every tree; the probability of class 1 its
    logistic function.

    Parameters
    ----------
    arrays : mapping
        The :data:`ARRAYS`, e.g. a loaded ``.npz`` or :meth:`to_arrays`'s output.
    """

    def __init__(self, arrays):
        self.arrays = {k: np.asarray(arrays[k]) for k in ARRAYS}
        self._predictors = None

    @classmethod
    def from_estimator(cls, estimator) -> BoostedTrees:
        """The trees of a fitted binary ``HistGradientBoostingClassifier`` (numeric features)."""
        if len(estimator.classes_) != 2 or estimator.is_categorical_ is not None:
            raise ValueError("only binary classifiers on numeric features can be exported")
        nodes = [predictors[0].nodes for predictors in estimator._predictors]
        sizes = np.array([len(n) for n in nodes])
        offsets = np.r_[0, np.cumsum(sizes)[:-1]]
        flat = np.concatenate(nodes)
        shift = np.repeat(offsets, sizes)
        leaf = flat["is_leaf"].astype(bool)
        index = np.arange(flat.size)
        return cls(
            {
                "baseline": np.ravel(estimator._baseline_prediction).astype(np.float64)[:1],
                "offsets": offsets.astype(np.int64),
                "feature": flat["feature_idx"].astype(np.int64),
                "threshold": flat["num_threshold"].astype(np.float64),
                "missing_left": flat["missing_go_to_left"].astype(bool),
                "left": np.where(leaf, index, flat["left"] + shift).astype(np.int64),
                "right": np.where(leaf, index, flat["right"] + shift).astype(np.int64),
                "value": flat["value"].astype(np.float64),
            }
        )

    def to_arrays(self) -> dict:
        """The :data:`ARRAYS` (for ``np.savez``)."""
        return dict(self.arrays)

    def decision_function(self, X) -> np.ndarray:
        """Raw scores (log-odds of class 1), shape ``(n_samples,)``."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        if self._predictors is None:
            self._predictors = self._checked_sklearn_predictors()
        if not self._predictors:
            return self._numpy_scores(X)
        return self._compiled_scores(X, self._predictors)

    def _compiled_scores(self, X, predictors):
        no_categories = np.zeros((0, 8), dtype=np.uint32)
        feature_map = np.zeros(X.shape[1], dtype=np.uint32)
        score = np.full(len(X), self.arrays["baseline"][0])
        n_threads = _openmp_threads()
        for tree in predictors:
            score += tree.predict(X, no_categories, feature_map, n_threads)
        return score

    def _checked_sklearn_predictors(self) -> list:
        """scikit-learn's compiled predictors if they score a probe as the NumPy
        evaluation does, else ``[]``."""
        try:
            predictors = _sklearn_predictors(self.arrays)
            if not predictors:
                return []
            probe = self._probe()
            same = np.allclose(
                self._compiled_scores(probe, predictors), self._numpy_scores(probe),
                rtol=1e-9, atol=1e-9,
            )  # fmt: skip
        except (TypeError, ValueError, AttributeError, IndexError):
            return []
        return predictors if same else []

    def _probe(self) -> np.ndarray:
        """Rows on both sides of every split threshold, and a row of NaN."""
        a = self.arrays
        split = a["left"] != np.arange(a["left"].size)
        n_features = int(a["feature"][split].max()) + 1 if split.any() else 1
        rows = np.zeros((2 * int(split.sum()) + 1, n_features))
        for k, (f, t) in enumerate(zip(a["feature"][split], a["threshold"][split], strict=True)):
            rows[2 * k :, f] = t  # later splits start from the earlier ones' values
            rows[2 * k + 1 :, f] = np.nextafter(t, np.inf)
        rows[-1] = np.nan
        return rows

    def _numpy_scores(self, X):
        """:meth:`decision_function` in NumPy: all rows descend all trees, a level a step."""
        a = self.arrays
        node = np.broadcast_to(a["offsets"], (len(X), a["offsets"].size)).copy()
        rows = np.arange(len(X))[:, None]
        while len(X) and (a["left"][node] != node).any():
            x = X[rows, a["feature"][node]]
            go_left = np.where(np.isnan(x), a["missing_left"][node], x <= a["threshold"][node])
            node = np.where(go_left, a["left"][node], a["right"][node])
        return a["baseline"][0] + a["value"][node].sum(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of classes 0 and 1, shape ``(n_samples, 2)``."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])


def _openmp_threads() -> int:
    """The OpenMP threads scikit-learn's own estimators would use (every core, unless
    limited by threadpoolctl or ``OMP_NUM_THREADS``)."""
    try:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    except ImportError:
        return 1
    return int(_openmp_effective_n_threads())


def _sklearn_predictors(a):
    """One scikit-learn ``TreePredictor`` per tree; None where its private API differs."""
    try:
        from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
        from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    except ImportError:
        return None
    fields = {"value", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right"}
    if not fields | {"is_leaf"} <= set(PREDICTOR_RECORD_DTYPE.names or ()):
        return None
    ends = np.r_[a["offsets"][1:], a["value"].size]
    no_categories = np.zeros((0, 8), dtype=np.uint32)
    trees = []
    for start, stop in zip(a["offsets"], ends, strict=True):
        nodes = np.zeros(stop - start, dtype=PREDICTOR_RECORD_DTYPE)
        nodes["value"] = a["value"][start:stop]
        nodes["feature_idx"] = a["feature"][start:stop]
        nodes["num_threshold"] = a["threshold"][start:stop]
        nodes["missing_go_to_left"] = a["missing_left"][start:stop]
        nodes["is_leaf"] = a["left"][start:stop] == np.arange(start, stop)
        nodes["left"] = np.where(nodes["is_leaf"], 0, a["left"][start:stop] - start)
        nodes["right"] = np.where(nodes["is_leaf"], 0, a["right"][start:stop] - start)
        trees.append(TreePredictor(nodes, no_categories, no_categories))
    return trees
