"""The package's default pipeline, and a Pipeline that predicts in chunks."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import gen_batches
from sklearn.utils.metaestimators import available_if

from .classifier import CNNBeatClassifier
from .segmentation import BeatSegmenter
from .signal._filtering import ECGFilter

__all__ = ["ChunkedPipeline", "default_pipeline"]


def _final_estimator_has(method):
    """For ``available_if``: the pipeline offers ``method`` when its last step does."""
    return lambda pipe: hasattr(pipe._final_estimator, method)


class ChunkedPipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` that predicts ``chunk_size`` rows at a time.

    ``predict``, ``predict_proba`` and ``predict_log_proba`` pass the rows through all
    steps in chunks and concatenate the results: the plain pipeline's labels, and its
    probabilities up to rounding (tested). The steps' intermediate arrays then stay
    small (the window filter's output for 50,000 beats is about 0.6 GB, for 4096 beats
    47 MB), which is also faster. Everything else is
    :class:`~sklearn.pipeline.Pipeline`'s.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        As for :class:`~sklearn.pipeline.Pipeline`.
    chunk_size : int or None, default=4096
        Rows per chunk at prediction; ``None`` predicts all rows at once. Predictions
        with extra parameters (``**params``) are never chunked.
    transform_input, memory, verbose
        As for :class:`~sklearn.pipeline.Pipeline`.
    """

    def __init__(self, steps, *, chunk_size=4096, transform_input=None, memory=None, verbose=False):
        super().__init__(steps, transform_input=transform_input, memory=memory, verbose=verbose)
        self.chunk_size = chunk_size

    def __getitem__(self, ind):
        """As :class:`~sklearn.pipeline.Pipeline`'s; a slice keeps ``chunk_size``."""
        sub = super().__getitem__(ind)
        if isinstance(sub, ChunkedPipeline):
            sub.set_params(chunk_size=self.chunk_size)
        return sub

    def _in_chunks(self, method, X, params):
        size = self.chunk_size
        if size is not None and not (isinstance(size, Integral) and size > 0):
            raise ValueError(f"chunk_size must be a positive int or None; got {size!r}")
        predict = getattr(super(), method)
        if size is None or params or not hasattr(X, "shape") or len(X) <= size:
            return predict(X, **params)
        return np.concatenate([predict(X[chunk]) for chunk in gen_batches(len(X), size)])

    @available_if(_final_estimator_has("predict"))
    def predict(self, X, **params):
        """Labels of ``X``, predicted ``chunk_size`` rows at a time."""
        return self._in_chunks("predict", X, params)

    @available_if(_final_estimator_has("predict_proba"))
    def predict_proba(self, X, **params):
        """Class probabilities of ``X``, predicted ``chunk_size`` rows at a time."""
        return self._in_chunks("predict_proba", X, params)

    @available_if(_final_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """Log class probabilities of ``X``, predicted ``chunk_size`` rows at a time."""
        return self._in_chunks("predict_log_proba", X, params)


def default_pipeline(fs, *, random_state=None, verbose=1, **cnn_params) -> ChunkedPipeline:
    """Unfitted ``ChunkedPipeline(filter, segment, cnn)``: the tuned default configuration.

    Ready for ``fit(X, y)`` on the loaders' output. With early stopping switched on
    (``valid_size=0.2``), pass ``cnn__groups=groups`` so that it holds out whole
    patients (with metadata routing enabled, call
    ``pipe["cnn"].set_fit_request(groups=True)`` and pass ``groups=`` instead).

    The configuration: zero-phase Butterworth band-pass 0.5-45 Hz applied to each window
    in the frequency domain (``implementation="fft"``); beats cropped 250 ms before to
    400 ms after the R peak with the 8 RR features and, per lead, a second channel with
    the mean of the window's other beats (``neighbours=True``: a local reference of the
    patient's beats from unlabelled signal); :class:`~ecg_sklearn.nn.BeatCNN` with
    8 filters per convolution (``module__n_filters=8``) on beats averaged down to
    about 180 Hz (``module__downsample=fs // 180``, 2 at 360 Hz), trained on shuffled
    batches with random shifts of up to 14 ms (``module__max_shift``, 5 samples at 360 Hz) and
    amplitude factors within 1.25 (``module__max_scale``); each beat and its reference
    divided by the reference's peak-to-peak amplitude (``module__normalize="gain"``:
    the labels do not depend on the recorder's gain); class weights ``"balanced"``
    (S and V are 2% and 7% of DS1 beats), 12 epochs on all training patients without
    early stopping (``valid_size=0``). Each beat is then decided in the context of its
    record: where its QRS correlates above 0.95 with its record's dominant beat
    (``dominant_threshold=0.95``: shaped like the patient's usual beat), V and F are
    ruled out. The windows must carry the record-context channel (the loaders'
    default, ``rr_context=True``). The decisions that read the record's other beats
    (atrial fibrillation, similar beats, prematurity) come after the pipeline:
    :class:`~ecg_sklearn.record.RecordDecision`, which
    :func:`~ecg_sklearn.annotate_record` applies. The configuration was chosen by
    grouped cross-validation on MIT-BIH DS1 (``benchmarks/tune.py``,
    ``benchmarks/record_context.py``); its inter-patient figures are in
    ``docs/benchmarks.md``.

    Parameters
    ----------
    fs : float
        Sampling rate of the beat windows in Hz.
    random_state : int or None
        Seed of the classifier.
    verbose : int, default=1
        Print the per-epoch training table.
    **cnn_params
        Override parameters of the classifier (``max_epochs=5``, ``module__n_filters=32``).

    Returns
    -------
    pipeline : ChunkedPipeline
        A :class:`~sklearn.pipeline.Pipeline` that predicts 4096 windows at a time.
    """
    params = dict(
        class_weight="balanced",
        max_epochs=12,
        patience=4,  # used only with early stopping (valid_size > 0)
        valid_size=0.0,
        lr=1e-3,
        batch_size=256,
        module__n_filters=8,
        module__downsample=max(1, int(fs // 180)),  # 2 at MIT-BIH's 360 Hz
        module__max_shift=int(round(fs * 5 / 360)),  # 5 samples at 360 Hz, 14 ms
        module__max_scale=1.25,
        module__normalize="gain",
        dominant_threshold=0.95,
        random_state=random_state,
        verbose=verbose,
    )
    params.update(cnn_params)
    return ChunkedPipeline(
        [
            ("filter", ECGFilter(fs=fs, lowcut=0.5, highcut=45.0, implementation="fft", n_jobs=-1)),
            ("segment", BeatSegmenter(fs=fs, before=0.25, after=0.4, neighbours=True)),
            ("cnn", CNNBeatClassifier(**params)),
        ]
    )
