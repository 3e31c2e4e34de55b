"""sklearn's estimator checks on every estimator of the package.

The checks feed 2-D ``(n_samples, n_features)`` data. The signal transformers accept it
as single-lead windows ``(n_samples, n_timepoints)`` without a beat channel, so they are
checked in that configuration (``rr_features=False`` for the segmenter, whose RR features
need the 3-D beat channel; a crop of the centre sample so that any window length fits).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from ecg_sklearn import BeatSegmenter, ECGFilter

ESTIMATORS = [
    ECGFilter(fs=100.0),
    ECGFilter(fs=360.0, method="median", notch=60.0),
    BeatSegmenter(fs=1.0, before=0.0, after=0.0, rr_features=False),
]

EXPECTED_FAILED = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
