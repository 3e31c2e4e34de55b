"""Inverted leads (reversed electrodes) told from the P wave, and read the right way up."""

import numpy as np
import pytest

from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.io import load_record, sample_data_dir
from ecg_sklearn.signal import SignalQualityWarning, lead_polarity
from ecg_sklearn.signal._polarity import median_beat

FS = 360.0
BEATS = np.arange(400, 36000, 290)


def _lead(qrs, p_wave, t_wave=0.3):
    """A synthetic lead: Gaussian QRS, P and T waves of these heights (mV) at each beat."""
    t = np.arange(36000)[:, None] - BEATS
    wave = lambda at, width, height: height * np.exp(-(((t - at) / width) ** 2)).sum(axis=1)  # noqa: E731
    noise = np.random.default_rng(0).normal(scale=0.02, size=t.shape[0])
    return wave(0, 8, qrs) + wave(-60, 14, p_wave) + wave(100, 30, t_wave) + noise


@pytest.mark.parametrize(
    "qrs, p_wave, t_wave, expected",
    [
        (1.5, 0.15, 0.3, 1),  # MLII
        (-1.5, -0.15, -0.3, -1),  # MLII with its electrodes reversed
        (-1.5, -0.15, 0.3, -1),  # ... whose T wave was inverted
        (-1.0, 0.1, 0.3, 1),  # V1: the QRS points down, the P wave up
        (-1.0, 0.0, -0.3, 1),  # a QRS and T pointing down without a P wave (AF)
        (-1.5, -0.02, -0.3, 1),  # a P wave within 2% of the QRS tells nothing
    ],
)
def test_lead_polarity_reads_the_qrs_and_the_p_wave(qrs, p_wave, t_wave, expected):
    signal = _lead(qrs, p_wave, t_wave)
    assert lead_polarity(signal, BEATS, FS) == expected
    assert lead_polarity(lambda a, b: signal[None, a:b], BEATS, FS) == expected  # read on demand


def test_median_beat_is_measured_from_the_pr_segment():
    beat = median_beat(_lead(1.5, 0.15) + 5.0, BEATS, FS)  # an offset of 5 mV
    assert beat.shape == (int(0.4 * FS),)
    assert beat[108] == pytest.approx(1.5, abs=0.05)  # the QRS, 0.3 s in
    assert beat[48] == pytest.approx(0.15, abs=0.05)  # the P wave, 60 samples before it
    assert abs(beat[:30]).max() < 0.05
    assert lead_polarity(np.zeros(1000), [], FS) == 1  # no beat: as given
    assert median_beat(np.zeros(1000), [10, 500], FS).shape == (int(0.4 * FS),)


@pytest.fixture(scope="module")
def pretrained():
    return load_pretrained()


def test_annotate_record_reads_an_inverted_lead_the_right_way_up(pretrained):
    rec = load_record("233", sample_data_dir(), leads="MLII")
    upright = annotate_record(pretrained, rec.signal, rec.fs, polarity="auto")
    assert upright.polarity == 1 and upright.signal_problems == []
    with pytest.warns(SignalQualityWarning, match="read as -signal"):
        inverted = annotate_record(pretrained, -rec.signal, rec.fs, polarity="auto")
    assert inverted.polarity == -1
    np.testing.assert_array_equal(inverted.beat_samples, upright.beat_samples)
    np.testing.assert_array_equal(inverted.beat_labels, upright.beat_labels)
    np.testing.assert_array_equal(inverted.proba, upright.proba)
    with pytest.warns(SignalQualityWarning, match="looks inverted"):
        as_given = annotate_record(pretrained, -rec.signal, rec.fs, polarity="given")
    assert as_given.polarity == 1
    assert np.any(as_given.beat_labels != upright.beat_labels)
    with pytest.raises(ValueError, match="polarity must be 'given' or 'auto'"):
        annotate_record(pretrained, rec.signal, rec.fs, polarity="flip")
