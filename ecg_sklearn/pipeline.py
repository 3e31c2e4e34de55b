"""The package's default pipeline (the configuration chosen by ``benchmarks/tune.py``)."""

from __future__ import annotations

from sklearn.pipeline import Pipeline

from .classifier import CNNBeatClassifier
from .filtering import ECGFilter
from .segmentation import BeatSegmenter

__all__ = ["default_pipeline"]


def default_pipeline(fs, *, random_state=None, verbose=1, **cnn_params) -> Pipeline:
    """Unfitted ``Pipeline(filter, segment, cnn)`` with the tuned default configuration.

    Ready for ``fit(X, y, cnn__groups=groups)`` on the loaders' output (``groups`` makes
    early stopping hold out whole patients; with metadata routing enabled, call
    ``pipe["cnn"].set_fit_request(groups=True)`` and pass ``groups=`` instead).

    The configuration: zero-phase Butterworth band-pass 0.5-45 Hz applied to each window
    with ``scipy.signal.sosfiltfilt`` (grid 'width' of ``benchmarks/tune.py`` scored it
    above the faster FFT implementation on DS1, within the folds' spread); beats cropped
    250 ms before to 400 ms after the R peak with the 8 RR features; the default
    :class:`~ecg_sklearn.models.BeatCNN` trained with class weights ``"balanced"``
    (S and V are 2% and 7% of DS1 beats; balanced weights raised DS1 cross-validated S
    sensitivity most), early stopping on 20% of the training patients.

    Parameters
    ----------
    fs : float
        Sampling rate of the beat windows in Hz.
    random_state : int or None
        Seed of the classifier.
    verbose : int, default=1
        Print the per-epoch training table.
    **cnn_params
        Override parameters of the classifier (``max_epochs=5``, ``module__n_filters=16``).

    Returns
    -------
    pipeline : Pipeline
    """
    params = dict(
        class_weight="balanced",
        max_epochs=12,
        patience=4,
        valid_size=0.2,
        lr=1e-3,
        batch_size=256,
        random_state=random_state,
        verbose=verbose,
    )
    params.update(cnn_params)
    return Pipeline(
        [
            ("filter", ECGFilter(fs=fs, lowcut=0.5, highcut=45.0, implementation="sosfiltfilt")),
            ("segment", BeatSegmenter(fs=fs, before=0.25, after=0.4)),
            ("cnn", CNNBeatClassifier(**params)),
        ]
    )
