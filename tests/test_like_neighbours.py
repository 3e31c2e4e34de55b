"""Unconfident V calls shaped like the beats called N around them are N; V calls in
noise are Q."""

import numpy as np
import pytest

from ecg_sklearn.features._dominant import qrs_segments
from ecg_sklearn.io import load_record, load_sample, sample_data_dir
from ecg_sklearn.record import LoadedBeats, rule_out_veb_in_noise, rule_out_veb_like_neighbours
from ecg_sklearn.record import _neighbours as neighbours_module

CLASSES = np.array(["F", "N", "Q", "S", "V"])
T = np.linspace(-1.0, 1.0, 40)


def conducted(k, n_beats):
    """A conducted beat's QRS that changes slowly over the record (breathing, posture):
    at its end it no longer looks like its start."""
    phase = k / n_beats
    return np.exp(-(T**2) / 0.02) * (1 - phase) - np.exp(-((T - 0.2) ** 2) / 0.02) * phase


def ectopic():
    return np.exp(-(T**2) / 0.3) * np.sign(T)


def proba_of(calls, p_call):
    proba = np.full((len(calls), len(CLASSES)), 0.0)
    rows = np.arange(len(calls))
    proba[rows, [list(CLASSES).index(c) for c in calls]] = p_call
    proba[rows, list(CLASSES).index("N")] += 1 - p_call  # the rest on N (all on it for N)
    return proba


def record(n_beats=100):
    shapes = np.array([conducted(k, n_beats) for k in range(n_beats)])
    calls = np.full(n_beats, "N")
    p_call = np.ones(n_beats)
    # Conducted beats called V: unconfident (75, 90) and confident (80); an ectopic beat
    # called V without confidence (60); an unconfident call near the start (2).
    for k, p in ((2, 0.6), (60, 0.6), (75, 0.6), (80, 0.95), (90, 0.6)):
        calls[k], p_call[k] = "V", p
    shapes[60] = ectopic()
    beats = np.arange(n_beats) * 300
    return beats, shapes, calls, p_call


def test_unconfident_v_calls_like_their_neighbours_become_n():
    beats, shapes, calls, p_call = record()
    read = []

    def segments(rows):
        read.append(np.asarray(rows))
        return shapes[rows]

    proba = rule_out_veb_like_neighbours(proba_of(calls, p_call), CLASSES, beats, segments)
    decided = CLASSES[proba.argmax(axis=1)]
    # 75 and 90 are like the beats around them, though unlike the record's first beats.
    assert decided[2] == decided[75] == decided[90] == "N"
    assert decided[60] == "V" and decided[80] == "V"  # ectopic; confident
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # One read, of the compared beats and their 4 beats called N on either side.
    (rows,) = read
    assert 60 in rows and 86 in rows and 94 in rows and 40 not in rows
    assert np.all(np.diff(rows) > 0)


def test_v_calls_are_compared_a_block_at_a_time(monkeypatch):
    # Blocks of 2 compared calls: each read holds one block's beats and their
    # neighbours, and the decisions are those of one read.
    beats, shapes, calls, p_call = record()
    whole = rule_out_veb_like_neighbours(
        proba_of(calls, p_call), CLASSES, beats, lambda rows: shapes[rows]
    )
    monkeypatch.setattr(neighbours_module, "_BLOCK", 2)
    read = []

    def segments(rows):
        read.append(np.asarray(rows))
        return shapes[rows]

    blocks = rule_out_veb_like_neighbours(proba_of(calls, p_call), CLASSES, beats, segments)
    np.testing.assert_array_equal(blocks, whole)
    assert len(read) == 2  # the 4 unconfident V calls, 2 at a time
    assert 2 in read[0] and 60 in read[0] and 90 not in read[0] and 90 in read[1]


def test_neighbours_come_from_the_beat_s_own_record_only():
    beats, shapes, calls, p_call = record()
    # Beat 75 alone in its record with a single beat called N: nothing to compare with.
    groups = np.where(np.arange(beats.size) < 74, 0, 1)
    keep = (np.arange(beats.size) < 76) & (calls != "V") | (np.arange(beats.size) == 75)
    beats, shapes, calls, p_call, groups = (a[keep] for a in (beats, shapes, calls, p_call, groups))
    proba = rule_out_veb_like_neighbours(
        proba_of(calls, p_call), CLASSES, beats, lambda rows: shapes[rows], groups=groups
    )
    assert CLASSES[proba.argmax(axis=1)][-1] == "V"


def test_like_neighbours_options_and_errors():
    beats, shapes, calls, p_call = record()
    proba = proba_of(calls, p_call)
    strict = rule_out_veb_like_neighbours(
        proba.copy(), CLASSES, beats, lambda rows: shapes[rows], threshold=1.0
    )
    np.testing.assert_array_equal(strict, proba)  # no correlation is above 1
    sure = rule_out_veb_like_neighbours(
        proba.copy(), CLASSES, beats, lambda rows: shapes[rows], confidence=0.5
    )
    np.testing.assert_array_equal(sure, proba)  # every V call counts as confident
    no_v = np.array(["F", "N", "Q", "S"])
    np.testing.assert_array_equal(
        rule_out_veb_like_neighbours(proba[:, :4].copy(), no_v, beats, None), proba[:, :4]
    )
    with pytest.raises(ValueError, match=r"threshold must be a number in \[-1, 1\]"):
        rule_out_veb_like_neighbours(proba, CLASSES, beats, None, threshold=2)
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\]"):
        rule_out_veb_like_neighbours(proba, CLASSES, beats, None, confidence=0)
    with pytest.raises(ValueError, match="n_neighbours must be a positive integer"):
        rule_out_veb_like_neighbours(proba, CLASSES, beats, None, n_neighbours=0)
    with pytest.raises(ValueError, match="segments gave 3 rows"):
        rule_out_veb_like_neighbours(proba, CLASSES, beats, lambda rows: shapes[:3])


def test_v_calls_among_noise_detections_become_q():
    fs = 250.0
    intervals = np.full(100, 1.0)
    intervals[[46, 48, 50, 52]] = [0.25, 0.3, 0.2, 0.25]
    intervals[[47, 49, 51, 53]] = [0.75, 0.7, 0.8, 0.75]
    beats = np.round(np.r_[0.0, np.cumsum(intervals)] * fs).astype(np.int64)
    calls = np.full(beats.size, "N")
    calls[[20, 47, 51]] = "V"
    calls[49] = "S"
    proba = rule_out_veb_in_noise(proba_of(calls, np.ones(beats.size)), CLASSES, beats, fs)
    decided = CLASSES[proba.argmax(axis=1)]
    assert decided[20] == "V" and decided[49] == "S"  # away from the noise; not V
    assert decided[47] == decided[51] == "Q"


def test_loaded_beats_read_the_qrs_segments_of_the_rows_records():
    # The loaders' windows read each record's QRS segments again from the folder, for
    # the rows asked only (rows of two records, in order).
    data = load_sample(["100", "208"], verbose=0)
    beats = LoadedBeats(data, sample_data_dir())
    first, second = (np.flatnonzero(data.groups == r) for r in ("100", "208"))
    rows = np.r_[first[[3, 7]], second[:5]]
    expected = []
    for record in ("100", "208"):
        signal = load_record(record, sample_data_dir(), leads="MLII").signal
        expected.append(
            qrs_segments(signal, data.samples[rows[data.groups[rows] == record]], data.fs)
        )
    np.testing.assert_allclose(beats.qrs_segments(rows), np.concatenate(expected))
