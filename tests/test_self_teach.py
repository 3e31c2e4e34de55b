"""A record that teaches itself: its confident calls label the uncertain beats like them."""

import numpy as np
import pytest

from ecg_sklearn.record import RecordDecision, self_teach
from ecg_sklearn.record._self_teach import ruled_out_new_sveb

CLASSES = np.array(["N", "S", "V", "F", "Q"])


def proba_of(calls, p):
    proba = np.full((len(calls), CLASSES.size), (1 - p) / (CLASSES.size - 1))
    proba[np.arange(len(calls)), [list(CLASSES).index(c) for c in calls]] = p
    return proba


def record(seed=0, n=200):
    """Beats every second, of two shapes: N (most) and V (every 10th, with a
    compensatory timing left out: the features say the shape). The calls are confident
    but for 5 V beats called N at 0.5."""
    rng = np.random.default_rng(seed)
    is_v = np.arange(n) % 10 == 5
    features = rng.normal(0, 0.05, (n, 3)).astype(np.float32)
    features[is_v, 0] += 2.0
    calls = np.where(is_v, "V", "N")
    proba = proba_of(calls, 0.95)
    unsure = np.flatnonzero(is_v)[:5]
    proba[unsure] = proba_of(["N"] * 5, 0.5)
    return np.arange(n, dtype=np.int64) * 360, features, proba, unsure


def test_uncertain_beats_take_the_class_of_the_confident_beats_like_them():
    samples, features, proba, unsure = record()
    out = self_teach(proba, CLASSES, samples, features)
    labels = CLASSES[out.argmax(axis=1)]
    assert (labels[unsure] == "V").all()
    changed = np.flatnonzero((out != proba).any(axis=1))
    np.testing.assert_array_equal(changed, unsure)  # the confident calls stay
    np.testing.assert_allclose(out[unsure][:, 2], 1.0)  # 5 neighbours of 5 vote V
    # Read on demand: the same beats, read by rows.
    read = []
    lazy = self_teach(proba, CLASSES, samples, lambda rows: read.append(rows) or features[rows])
    np.testing.assert_array_equal(lazy, out)
    assert all(np.all(np.diff(rows) > 0) for rows in read)


def test_a_beat_called_s_is_not_taught_n():
    # An uncertain S call shaped like the N beats: S and N differ by timing, not shape.
    samples, features, proba, unsure = record()
    proba[10] = proba_of(["S"], 0.5)[0]
    out = self_teach(proba, CLASSES, samples, features)
    np.testing.assert_array_equal(out[10], proba[10])
    assert (CLASSES[out[unsure].argmax(axis=1)] == "V").all()  # the others still taught
    proba[10] = proba_of(["F"], 0.5)[0]  # any other call is taught N
    assert CLASSES[self_teach(proba, CLASSES, samples, features)[10].argmax()] == "N"


def test_each_record_teaches_only_itself():
    samples, features, proba, unsure = record()
    # A second record without V beats: its unsure beats near the first record's V shape
    # have no V neighbour of their own.
    samples2, features2, proba2, _ = record(seed=1)
    proba2[:] = proba_of(["N"] * len(proba2), 0.95)
    proba2[unsure] = proba_of(["N"] * 5, 0.5)
    out = self_teach(
        np.r_[proba, proba2], CLASSES, np.r_[samples, samples2], np.r_[features, features2],
        groups=np.repeat(["a", "b"], len(samples)),
    )  # fmt: skip
    labels = CLASSES[out.argmax(axis=1)]
    assert (labels[unsure] == "V").all() and not (labels[len(samples) :] == "V").any()


def test_beats_that_would_become_s_pass_the_rules_for_s():
    samples, features, proba, unsure = record()
    s_proba = proba.copy()
    s_proba[np.arange(len(samples)) % 10 == 5] = proba_of(["S"] * 20, 0.95)
    s_proba[unsure] = proba_of(["N"] * 5, 0.5)
    # On time (every beat 1 s apart): no beat alone is premature, none becomes S.
    out = self_teach(s_proba, CLASSES, samples, features)
    np.testing.assert_array_equal(out, s_proba)
    # Premature (0.7 s after the beat before): they become S; not in AF.
    early = samples.copy()
    early[np.arange(len(samples)) % 10 == 5] -= 108
    out = self_teach(s_proba, CLASSES, early, features)
    assert (CLASSES[out[unsure].argmax(axis=1)] == "S").all()
    p_af = np.where(np.arange(len(samples)) < 30, 0.95, 0.0)
    out = self_teach(s_proba, CLASSES, early, features, p_af=p_af)
    became = CLASSES[out[unsure].argmax(axis=1)] == "S"
    np.testing.assert_array_equal(became, unsure >= 30)


def test_an_expert_label_is_never_ruled_out():
    samples = np.arange(10, dtype=np.int64) * 360
    old = np.array(["N"] * 10)
    new = old.copy()
    new[[3, 6]] = "S"  # on time: ruled out, unless an expert said so
    ruled = ruled_out_new_sveb(samples, new, old)
    np.testing.assert_array_equal(np.flatnonzero(ruled), [3, 6])
    kept = np.zeros(10, dtype=bool)
    kept[6] = True
    np.testing.assert_array_equal(
        np.flatnonzero(ruled_out_new_sveb(samples, new, old, kept=kept)), [3]
    )


def test_self_teach_checks_its_input():
    samples, features, proba, _ = record()
    with pytest.raises(ValueError, match=r"proba must be \(n_beats, n_classes\) = \(200, 5\)"):
        self_teach(proba[:, :3], CLASSES, samples, features)
    with pytest.raises(ValueError, match=r"= \(200, 5\); got shape \(199, 5\)"):
        self_teach(proba[:-1], CLASSES, samples, features)
    with pytest.raises(ValueError, match="beat_samples and p_af must be 1-D of the same length"):
        self_teach(proba, CLASSES, samples, features, p_af=np.zeros(199))
    with pytest.raises(ValueError, match=r"groups has shape \(199,\), beat_samples \(200,\)"):
        self_teach(proba, CLASSES, samples, features, groups=np.zeros(199))


def test_self_teach_is_a_checked_step_of_the_decisions():
    with pytest.raises(ValueError, match="self_teach must be True or False"):
        RecordDecision(self_teach="yes").check()
    assert "self_teach=True" in repr(RecordDecision(self_teach=True))


def test_a_run_of_s_must_start_with_a_premature_beat():
    # 40 beats a second apart (fs=360), an atrial premature beat at 0.6 s, a 1.4-s
    # pause, 40 more; then the same rhythm with a run of 6 beats at 0.5 s.
    intervals = np.r_[np.full(40, 360), 216, 504, np.full(40, 360)]
    samples = np.r_[0, np.cumsum(intervals)].astype(np.int64)
    old = np.array(["N"] * samples.size)
    old[41] = "S"
    new = old.copy()
    new[40] = "S"  # the beat before it, on time, would join it in a run of two
    np.testing.assert_array_equal(np.flatnonzero(ruled_out_new_sveb(samples, new, old)), [40])
    intervals = np.r_[np.full(40, 360), np.full(6, 180), 400, np.full(40, 360)]
    samples = np.r_[0, np.cumsum(intervals)].astype(np.int64)
    old = np.array(["N"] * samples.size)
    new = old.copy()
    new[41:47] = "S"  # a tachycardia: its first beat premature, the rest at its rate
    assert not ruled_out_new_sveb(samples, new, old, fs=360.0).any()
