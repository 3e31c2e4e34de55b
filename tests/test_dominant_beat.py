import numpy as np
import pytest

from ecg_sklearn.features import dominant_similarity, p_wave_similarity
from ecg_sklearn.features._dominant import (
    MAX_REFERENCE_BEATS,
    dominant_template,
    p_wave_segments,
    p_wave_template,
    qrs_segments,
    reference_beats,
)
from ecg_sklearn.record import rule_out_sveb_unlike_dominant, rule_out_unlike_dominant

FS = 360.0


def _record(n_beats=120, wide_every=7, wide=None, seed=0):
    """A record of narrow beats with a wide (ventricular-like) beat every few beats."""
    rng = np.random.default_rng(seed)
    beats = np.arange(1, n_beats + 1) * 288  # 0.8 s apart
    t = np.arange(beats[-1] + 400)
    signal = rng.normal(0, 0.01, t.size)
    if wide is None:
        wide = np.arange(n_beats) % wide_every == 0
    for b, w in zip(beats, wide, strict=True):
        if w:
            signal += -1.2 * np.exp(-0.5 * ((t - b - 10) / 14.0) ** 2)
        else:
            signal += np.exp(-0.5 * ((t - b) / 4.0) ** 2) - 0.2 * np.exp(
                -0.5 * ((t - b - 12) / 4.0) ** 2
            )
    return signal[None], beats, wide


def test_similarity_separates_the_patients_usual_beats_from_others():
    signal, beats, wide = _record()
    similarity = dominant_similarity(signal, beats, FS)
    assert similarity.shape == beats.shape and similarity.dtype == np.float32
    assert np.all(similarity[~wide] > 0.95) and np.all(similarity[wide] < 0.5)
    # The same whatever the gain, offset and baseline drift of the recording.
    drift = np.linspace(-3, 5, signal.shape[1])
    np.testing.assert_allclose(
        dominant_similarity(2.5 * signal + drift + 7, beats, FS), similarity, atol=2e-3
    )
    # A piece of the record with the whole record's template gives the same values.
    template = dominant_template(qrs_segments(signal, beats, FS)[reference_beats(beats.size)])
    piece = signal[:, 5000:20000]
    inside = (beats > 5100) & (beats < 19900)
    np.testing.assert_allclose(
        dominant_similarity(piece, beats[inside] - 5000, FS, template=template),
        similarity[inside],
        atol=1e-6,
    )


def test_the_dominant_beat_is_the_commonest_shape_even_when_it_is_abnormal():
    signal, beats, wide = _record(wide_every=1)  # every beat wide: all alike
    assert wide.all() and np.all(dominant_similarity(signal, beats, FS) > 0.95)
    # Wide beats in the majority: the narrow ones are unlike the patient's usual beat.
    signal, beats, wide = _record(wide=np.arange(120) % 3 != 0)
    similarity = dominant_similarity(signal, beats, FS)
    assert np.all(similarity[wide] > 0.95) and np.all(similarity[~wide] < 0.5)


def test_short_records_flat_segments_and_reference_beats():
    signal, beats, _ = _record(n_beats=10)
    assert np.array_equal(dominant_similarity(signal, beats[:2], FS), np.zeros(2))
    flat = np.zeros((1, 5000))
    assert np.array_equal(dominant_similarity(flat, [1000, 2000, 3000], FS), np.zeros(3))
    # Segments reaching past the record's ends repeat its edge values.
    assert qrs_segments(signal, [0, signal.shape[1] - 1], FS).shape == (2, 90)
    ref = reference_beats(10 * MAX_REFERENCE_BEATS)
    assert (
        ref.size == MAX_REFERENCE_BEATS and ref[0] == 0 and ref[-1] == 10 * MAX_REFERENCE_BEATS - 1
    )
    assert np.array_equal(reference_beats(5), np.arange(5))


def test_rule_out_unlike_dominant():
    classes = np.array(["F", "N", "Q", "S", "V"])
    proba = np.array(
        [
            [0.3, 0.2, 0.0, 0.1, 0.4],  # like the dominant beat: V and F ruled out
            [0.3, 0.2, 0.0, 0.1, 0.4],  # unlike it: unchanged
            [0.5, 0.0, 0.0, 0.0, 0.5],  # all on V and F: goes to N
        ]
    )
    out = rule_out_unlike_dominant(proba.copy(), classes, [0.99, 0.5, 0.97], 0.95)
    np.testing.assert_allclose(out[0], [0, 2 / 3, 0, 1 / 3, 0])
    np.testing.assert_allclose(out[1], proba[1])
    np.testing.assert_allclose(out[2], [0, 1, 0, 0, 0])
    # Without V or F among the classes nothing changes.
    two = np.array([[0.4, 0.6]])
    assert np.array_equal(rule_out_unlike_dominant(two.copy(), ["N", "S"], [1.0], 0.5), two)


def test_rule_out_sveb_unlike_dominant():
    classes = np.array(["F", "N", "Q", "S", "V"])
    proba = np.array([[0.0, 0.2, 0.1, 0.6, 0.1]] * 3)
    out = rule_out_sveb_unlike_dominant(proba.copy(), classes, [0.2, 0.5, 0.9], 0.5)
    np.testing.assert_allclose(out[0], [0, 0.8, 0.1, 0, 0.1])  # unlike: S goes to N
    np.testing.assert_allclose(out[1:], proba[1:])  # at the threshold or above: kept
    # A beat called V stays V, whatever its S probability.
    called_v = np.array([[0.0, 0.25, 0.0, 0.35, 0.4]])
    out = rule_out_sveb_unlike_dominant(called_v.copy(), classes, [0.0])
    np.testing.assert_array_equal(out, called_v)
    # The default threshold, and nothing to do without N or S.
    default = rule_out_sveb_unlike_dominant(proba.copy(), classes, [0.49, 0.51, 0.0])
    assert list(classes[default.argmax(axis=1)]) == ["N", "S", "N"]
    two = np.array([[0.4, 0.6]])
    assert np.array_equal(rule_out_sveb_unlike_dominant(two.copy(), ["N", "V"], [0.0]), two)
    with pytest.raises(ValueError, match="similarity must have a value per beat"):
        rule_out_sveb_unlike_dominant(proba.copy(), classes, [0.1, 0.2])
    with pytest.raises(ValueError, match=r"threshold must be a number in \[-1, 1\]"):
        rule_out_sveb_unlike_dominant(proba.copy(), classes, [0.1] * 3, 2.0)


def test_p_wave_similarity_tells_another_p_wave_before_the_usual_qrs():
    signal, beats, _ = _record(wide=np.zeros(120, bool))  # all narrow
    t = np.arange(signal.shape[1])
    ectopic = np.arange(beats.size) % 9 == 4  # another P wave: inverted (a low atrial focus)
    for b, e in zip(beats, ectopic, strict=True):
        signal = signal + (-0.15 if e else 0.15) * np.exp(-0.5 * ((t - b + 60) / 10.0) ** 2)
    similarity = p_wave_similarity(signal, beats, FS)
    assert similarity.shape == beats.shape and similarity.dtype == np.float32
    assert np.all(similarity[~ectopic] > 0.9) and np.all(similarity[ectopic] < 0.5)
    # The QRS is the same: the dominant-beat similarity does not see it.
    assert np.all(dominant_similarity(signal, beats, FS) > 0.95)
    # A piece with the whole record's template: the same values.
    qrs = dominant_similarity(signal, beats, FS)[reference_beats(beats.size)]
    template = p_wave_template(p_wave_segments(signal, beats[reference_beats(beats.size)], FS), qrs)
    inside = (beats > 5100) & (beats < 19900)
    np.testing.assert_allclose(
        p_wave_similarity(signal[:, 5000:20000], beats[inside] - 5000, FS, template=template),
        similarity[inside],
        atol=1e-6,
    )
    # Too few beats, or no beat like the dominant one to make the P wave: zeros.
    assert np.array_equal(p_wave_similarity(signal, beats[:2], FS), np.zeros(2))
    assert np.array_equal(p_wave_template(np.ones((3, 5)), [0.2, 0.5, 0.9]), np.zeros(5))
