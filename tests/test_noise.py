"""S calls where the detections are noise are Q; a fast regular rhythm is not noise."""

import numpy as np
import pytest

from ecg_sklearn.record import rule_out_sveb_in_noise
from ecg_sklearn.record._noise import chaotic_beats

CLASSES = np.array(["F", "N", "Q", "S", "V"])
FS = 250.0


def beats_of(intervals_s):
    return np.round(np.concatenate([[0.0], np.cumsum(intervals_s)]) * FS).astype(np.int64)


def proba_of(calls, classes=CLASSES):
    proba = np.full((len(calls), len(classes)), 0.05)
    proba[np.arange(len(calls)), [list(classes).index(c) for c in calls]] = 1 - 0.05 * (
        len(classes) - 1
    )
    return proba


def noisy_record():
    """1-s rhythm; around beat 50, noise detected as beats: 0.25-s intervals each between
    two longer ones."""
    intervals = np.full(100, 1.0)
    intervals[[46, 48, 50, 52]] = [0.25, 0.3, 0.2, 0.25]
    intervals[[47, 49, 51, 53]] = [0.75, 0.7, 0.8, 0.75]
    return intervals


def test_beats_among_noise_detections_are_chaotic_and_their_s_calls_become_q():
    intervals = noisy_record()
    beats = beats_of(intervals)
    chaotic = chaotic_beats(beats, FS)
    assert chaotic[44:56].all() and not chaotic[:38].any() and not chaotic[62:].any()
    calls = np.full(beats.size, "N")
    calls[[20, 47, 51]] = "S"
    calls[49] = "V"
    proba = rule_out_sveb_in_noise(proba_of(calls), CLASSES, beats, FS)
    decided = CLASSES[proba.argmax(axis=1)]
    assert decided[20] == "S" and decided[49] == "V"  # away from the noise; not S
    assert decided[47] == decided[51] == "Q"
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("rate_s", [0.3, 0.25])
def test_a_regular_tachycardia_is_not_noise(rate_s):
    intervals = np.r_[np.full(40, 0.9), np.full(30, rate_s), 1.2, np.full(40, 0.9)]
    assert not chaotic_beats(beats_of(intervals), FS).any()


def test_one_early_beat_with_its_pause_is_not_noise_and_classes_are_checked():
    intervals = np.full(60, 1.0)
    intervals[[20, 21]] = [0.3, 1.7]  # an R-on-T beat and its pause
    beats = beats_of(intervals)
    assert not chaotic_beats(beats, FS).any()
    # Without a Q column, S moves to N; without S, nothing changes.
    calls = np.full(beats_of(noisy_record()).size, "S")
    classes = np.array(["N", "S", "V"])
    proba = rule_out_sveb_in_noise(proba_of(calls, classes), classes, beats_of(noisy_record()), FS)
    assert set(classes[proba.argmax(axis=1)]) == {"N", "S"}
    proba = proba_of(np.full(beats.size, "N"), np.array(["N", "V"]))
    np.testing.assert_array_equal(
        rule_out_sveb_in_noise(proba.copy(), ["N", "V"], beats, FS), proba
    )
    with pytest.raises(ValueError, match="fs"):
        chaotic_beats(beats, 0)
