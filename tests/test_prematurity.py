import numpy as np
import pytest

from ecg_sklearn.features import dominant_similarity, p_wave_similarity
from ecg_sklearn.io import load_record, sample_data_dir
from ecg_sklearn.record import (
    loaded_rule_in_evidence,
    record_prematurity_threshold,
    rule_in_compensated_veb,
    rule_in_premature_sveb,
    rule_out_timely_sveb,
    rule_out_timely_veb,
)
from ecg_sklearn.record._prematurity import sinus_prematurity
from ecg_sklearn.record._ventricular import COMPENSATED_PROBABILITY

CLASSES = np.array(["N", "S", "V", "F", "Q"])


def select_beats(intervals):
    return np.concatenate([[100], 100 + np.cumsum(intervals)]).astype(np.int64)


def _proba(calls):
    """Probabilities whose argmax is ``calls`` (0.7 on the called class)."""
    proba = np.full((len(calls), CLASSES.size), 0.075)
    proba[np.arange(len(calls)), [list(CLASSES).index(c) for c in calls]] = 0.7
    return proba


def test_prematurity_is_measured_against_the_beats_called_n():
    intervals = np.full(80, 300)
    intervals[40] = 180  # beat 41 comes 40% early
    beats = select_beats(intervals)
    normal = np.ones(beats.size, dtype=bool)
    normal[41] = False
    ratio = sinus_prematurity(beats, normal)
    assert np.isnan(ratio[0])
    np.testing.assert_allclose(ratio[41], 0.6)
    np.testing.assert_allclose(np.delete(ratio, [0, 41, 42]), 1.0)
    # Only some beats, the same values; fewer than 3 N neighbours: no reference.
    np.testing.assert_array_equal(sinus_prematurity(beats, normal, index=[5, 41]), ratio[[5, 41]])
    assert np.isnan(sinus_prematurity(beats, np.zeros(beats.size, bool), index=[41])).all()


def test_premature_beats_in_the_majority_are_measured_against_the_underlying_rhythm():
    # Slow rhythm (1.5 s) with two atrial premature beats (0.9 s) after each sinus beat:
    # two thirds of the beats, and the median interval of all beats, are premature.
    intervals = np.tile([540, 324, 324], 30)
    beats = select_beats(intervals)
    calls = np.where(np.r_[0, intervals] == 540, "N", "S")
    calls[0] = "N"
    proba = rule_out_timely_sveb(_proba(calls), CLASSES, beats)
    np.testing.assert_array_equal(CLASSES[proba.argmax(axis=1)], calls)
    # Measured against all beats' median interval instead, they would look on time.
    assert np.median(intervals) == 324


def test_the_reference_stays_the_underlying_rhythm_where_premature_beats_are_called_n():
    # Three atrial premature beats (0.9 s) after each sinus beat (1.5 s); the classifier
    # calls one S and two N: two thirds of the N calls are premature beats.
    intervals = np.tile([540, 324, 324, 324], 25)
    beats = select_beats(intervals)
    calls = np.tile(["S", "N", "N", "N"], 26)[: beats.size]
    proba = rule_out_timely_sveb(_proba(calls), CLASSES, beats)
    np.testing.assert_array_equal(CLASSES[proba.argmax(axis=1)], calls)
    normal = calls == "N"
    assert np.median(np.r_[0, intervals][normal]) == 324  # a median would be fooled


def test_timely_s_calls_become_n_and_premature_ones_stay():
    intervals = np.full(80, 300)
    intervals[[20, 60]] = 200  # premature
    beats = select_beats(intervals)
    calls = np.full(beats.size, "N")
    calls[[21, 61]] = "S"  # the premature beats
    calls[[30, 45, 46]] = "S"  # on time
    calls[50] = "V"
    proba = _proba(calls)
    before = proba.copy()
    out = rule_out_timely_sveb(proba, CLASSES, beats)
    assert out is proba  # in place
    labels = CLASSES[out.argmax(axis=1)]
    assert set(np.flatnonzero(labels == "S")) == {21, 61} and labels[50] == "V"
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    np.testing.assert_allclose(out[30, 0], before[30, 0] + before[30, 1])
    unchanged = np.setdiff1d(np.arange(beats.size), [30, 45, 46])
    np.testing.assert_array_equal(out[unchanged], before[unchanged])
    # A threshold below the premature beats' ratio (0.67) rules them out too.
    labels = CLASSES[rule_out_timely_sveb(_proba(calls), CLASSES, beats, threshold=0.5).argmax(1)]
    assert "S" not in labels


def test_a_run_of_supraventricular_tachycardia_stays_s():
    intervals = np.r_[np.full(40, 300), np.full(12, 160), np.full(40, 300)]
    beats = select_beats(intervals)
    calls = np.where(np.r_[300, intervals] == 160, "S", "N")
    proba = rule_out_timely_sveb(_proba(calls), CLASSES, beats)
    np.testing.assert_array_equal(CLASSES[proba.argmax(axis=1)], calls)


def test_records_are_measured_apart():
    fast, slow = select_beats(np.full(60, 200)), select_beats(np.full(60, 400))
    calls = np.full(122, "N")
    calls[[30, 91]] = "S"
    groups = np.repeat(["fast", "slow"], 61)
    beats = np.r_[fast, slow]
    # Each S beat is on time in its own record.
    labels = CLASSES[rule_out_timely_sveb(_proba(calls), CLASSES, beats, groups=groups).argmax(1)]
    assert "S" not in labels
    # Both records taken as one (positions then not increasing): an error naming it.
    with pytest.raises(ValueError, match="record 'one' must be strictly increasing"):
        rule_out_timely_sveb(_proba(calls), CLASSES, beats, groups=np.full(122, "one"))


def test_classes_without_s_are_left_alone_and_errors():
    beats = select_beats(np.full(10, 300))
    proba = np.full((11, 2), 0.5)
    np.testing.assert_array_equal(rule_out_timely_sveb(proba, ["N", "V"], beats), 0.5)
    with pytest.raises(ValueError, match=r"proba must be \(n_beats, n_classes\)"):
        rule_out_timely_sveb(np.zeros((5, 5)), CLASSES, beats)
    with pytest.raises(ValueError, match="threshold must be a positive number"):
        rule_out_timely_sveb(_proba(["N"] * 11), CLASSES, beats, threshold=0)
    with pytest.raises(ValueError, match="groups must have shape"):
        rule_out_timely_sveb(_proba(["N"] * 11), CLASSES, beats, groups=[1, 2])
    with pytest.raises(ValueError, match="span must be a positive integer"):
        sinus_prematurity(beats, np.ones(11, bool), span=0)
    with pytest.raises(ValueError, match="same length"):
        sinus_prematurity(beats, np.ones(3, bool))


def _evidence(n, p_wave_unlike=(), qrs_unlike=(), p_af=None):
    qrs, p_wave = np.full(n, 0.98), np.full(n, 0.95)
    qrs[list(qrs_unlike)], p_wave[list(p_wave_unlike)] = 0.4, 0.1
    evidence = {"qrs_similarity": qrs, "p_wave_similarity": p_wave}
    return evidence if p_af is None else {**evidence, "p_af": p_af}


def test_premature_beats_called_n_with_another_p_wave_become_s():
    intervals = np.full(120, 300)
    intervals[[20, 50, 80, 100]] = 200  # premature: beats 21, 51, 81, 101
    beats = select_beats(intervals)
    proba = _proba(["N"] * beats.size)
    before = proba.copy()
    # 21: another P wave (becomes S); 51: the usual P wave (sinus arrhythmia, stays N);
    # 81: another P wave but a wide QRS (stays N); 101: another P wave, in AF (stays N);
    # 60: another P wave, on time (stays N).
    p_af = np.zeros(beats.size)
    p_af[95:110] = 0.95
    evidence = _evidence(beats.size, p_wave_unlike=[21, 81, 101, 60], qrs_unlike=[81], p_af=p_af)
    out = rule_in_premature_sveb(proba, CLASSES, beats, 360.0, evidence)
    assert out is proba  # in place
    labels = CLASSES[out.argmax(axis=1)]
    assert list(np.flatnonzero(labels == "S")) == [21]
    np.testing.assert_allclose(out[21, 1], before[21, 0] + before[21, 1])
    unchanged = np.setdiff1d(np.arange(beats.size), [21])
    np.testing.assert_array_equal(out[unchanged], before[unchanged])
    # A stricter threshold than the premature beat's ratio (0.67): no change.
    out = rule_in_premature_sveb(_proba(["N"] * beats.size), CLASSES, beats, 360.0, evidence,
                                 threshold=0.6)  # fmt: skip
    assert "S" not in CLASSES[out.argmax(axis=1)]
    # Without P(AF), the shipped AF model reads this regular rhythm as not AF.
    evidence.pop("p_af")
    out = rule_in_premature_sveb(_proba(["N"] * beats.size), CLASSES, beats, 360.0, evidence)
    assert set(np.flatnonzero(CLASSES[out.argmax(axis=1)] == "S")) == {21, 101}


def test_beats_called_otherwise_and_classes_without_s_are_left_alone_and_errors():
    intervals = np.full(60, 300)
    intervals[30] = 200
    beats = select_beats(intervals)
    calls = np.full(beats.size, "N")
    calls[31] = "V"
    evidence = _evidence(beats.size, p_wave_unlike=[31], p_af=np.zeros(beats.size))
    out = rule_in_premature_sveb(_proba(calls), CLASSES, beats, 360.0, evidence)
    np.testing.assert_array_equal(CLASSES[out.argmax(axis=1)], calls)
    proba = np.full((beats.size, 2), 0.5)
    np.testing.assert_array_equal(
        rule_in_premature_sveb(proba, ["N", "V"], beats, 360.0, evidence), 0.5
    )
    with pytest.raises(ValueError, match="evidence\\['p_wave_similarity'\\] must have one value"):
        rule_in_premature_sveb(_proba(calls), CLASSES, beats, 360.0, {**evidence,
                               "p_wave_similarity": np.ones(3)})  # fmt: skip
    with pytest.raises(ValueError, match="sampling rate|fs"):
        rule_in_premature_sveb(_proba(calls), CLASSES, beats, 0, evidence)
    with pytest.raises(ValueError, match="threshold must be a positive number"):
        rule_in_premature_sveb(_proba(calls), CLASSES, beats, 360.0, evidence, threshold=-1)


def test_loaded_rule_in_evidence_is_each_records_own(sample):
    evidence = loaded_rule_in_evidence(sample, sample_data_dir())
    assert set(evidence) == {"qrs_similarity", "p_wave_similarity"}
    qrs_only = loaded_rule_in_evidence(sample, sample_data_dir(), p_wave=False)
    assert set(qrs_only) == {"qrs_similarity"}
    np.testing.assert_array_equal(qrs_only.qrs_similarity, evidence.qrs_similarity)
    for record in ("208", "232"):
        rows = sample.groups == record
        lead = sample.record_leads[record][0]
        signal = load_record(record, sample_data_dir(), leads=[lead], fs=sample.fs).signal
        beats = sample.samples[rows]
        np.testing.assert_array_equal(
            evidence.qrs_similarity[rows], dominant_similarity(signal, beats, sample.fs)
        )
        np.testing.assert_array_equal(
            evidence.p_wave_similarity[rows], p_wave_similarity(signal, beats, sample.fs)
        )
    assert np.median(evidence.qrs_similarity) > 0.9


def _sinus(rng, n, spread):
    """Intervals of a sinus rhythm around 300 samples, each within ``spread`` of it."""
    return np.round(300 * rng.uniform(1 - spread, 1 + spread, n)).astype(int)


def test_the_records_own_threshold_follows_its_rhythms_variability():
    rng = np.random.default_rng(0)
    normal = np.ones(400, dtype=bool)
    regular = sinus_prematurity(select_beats(_sinus(rng, 399, 0.02)), normal)
    varying = sinus_prematurity(select_beats(_sinus(rng, 399, 0.25)), normal)
    regular_limit = record_prematurity_threshold(regular, normal)
    varying_limit = record_prematurity_threshold(varying, normal)
    assert np.ptp(regular_limit) == 0 and np.ptp(varying_limit) == 0  # one stretch
    assert 0.85 < regular_limit[0] < 0.9  # 0.9 times about 0.97
    assert 0.6 <= varying_limit[0] < 0.7
    # Too few N beats: the fixed threshold; very irregular: the floor.
    assert np.all(record_prematurity_threshold(regular, np.arange(400) < 10) == 0.8)
    wild = sinus_prematurity(select_beats(_sinus(rng, 399, 0.6)), normal)
    assert np.all(record_prematurity_threshold(wild, normal) == 0.6)
    # A long record: each stretch of about 2,000 beats has its own.
    both = np.concatenate([np.tile(regular, 6), np.tile(varying, 6)])
    limits = record_prematurity_threshold(both, np.ones(both.size, bool))
    assert limits[0] > 0.85 and limits[-1] < 0.7


def test_a_beat_at_085_is_premature_in_a_regular_record_only():
    # 0.84 of the reference in a regular record, 0.79 in a varying one: the fixed
    # threshold (0.8) decides both the other way.
    rng = np.random.default_rng(1)
    for spread, stays_s in ((0.02, True), (0.25, False)):
        intervals = _sinus(rng, 200, spread)
        intervals[100] = 255  # 0.85 of the rhythm
        intervals[101] = 345  # and its pause
        beats = select_beats(intervals)
        calls = np.array(["N"] * beats.size)
        calls[101] = "S"
        proba = rule_out_timely_sveb(_proba(calls), CLASSES, beats, threshold="record")
        assert (CLASSES[proba[101].argmax()] == "S") is stays_s, spread
        fixed = rule_out_timely_sveb(_proba(calls), CLASSES, beats, threshold=0.8)
        assert (CLASSES[fixed[101].argmax()] == "S") is not stays_s, spread
    with pytest.raises(ValueError, match="positive number or 'record'"):
        rule_out_timely_sveb(_proba(calls), CLASSES, beats, threshold="median")


def _v_calls(intervals, where, p_v):
    beats = select_beats(intervals)
    proba = _proba(["N"] * beats.size)
    proba[where] = [1 - p_v, 0, p_v, 0, 0]
    return beats, proba


def test_unconfident_v_calls_on_time_without_a_pause_become_n():
    intervals = np.full(80, 300)
    beats, proba = _v_calls(intervals, [20, 50], 0.6)
    out = rule_out_timely_veb(proba, CLASSES, beats)
    assert (out.argmax(1) == 0).all()  # both on time, no pause: N
    np.testing.assert_allclose(out.sum(1), 1.0)
    # Confident, premature, or followed by a pause: V stays.
    beats, proba = _v_calls(intervals, [20], 0.8)
    assert CLASSES[rule_out_timely_veb(proba, CLASSES, beats)[20].argmax()] == "V"
    early = intervals.copy()
    early[19] = 210  # beat 20 comes at 0.7
    beats, proba = _v_calls(early, [20], 0.6)
    assert CLASSES[rule_out_timely_veb(proba, CLASSES, beats)[20].argmax()] == "V"
    paused = intervals.copy()
    paused[20] = 420  # a pause after beat 20
    beats, proba = _v_calls(paused, [20], 0.6)
    assert CLASSES[rule_out_timely_veb(proba, CLASSES, beats)[20].argmax()] == "V"
    # The first beat (no interval) keeps its call; classes without V are left alone.
    beats, proba = _v_calls(intervals, [0], 0.6)
    assert CLASSES[rule_out_timely_veb(proba, CLASSES, beats)[0].argmax()] == "V"
    two = np.array(["N", "S"])
    p2 = np.tile([0.4, 0.6], (beats.size, 1))
    np.testing.assert_array_equal(rule_out_timely_veb(p2.copy(), two, beats), p2)
    # Records of one or two beats have no rhythm to read.
    for short in (np.array([100]), np.array([100, 400])):
        p_short = np.tile([0.4, 0.0, 0.6, 0.0, 0.0], (short.size, 1))
        np.testing.assert_array_equal(rule_out_timely_veb(p_short.copy(), CLASSES, short), p_short)
    with pytest.raises(ValueError, match="confidence must be in"):
        rule_out_timely_veb(proba, CLASSES, beats, confidence=1.5)
    with pytest.raises(ValueError, match="threshold must be a positive number"):
        rule_out_timely_veb(proba, CLASSES, beats, threshold=0)


@pytest.mark.parametrize("call", ["N", "S"])
def test_premature_beats_with_a_full_compensatory_pause_and_plausible_v_become_v(call):
    intervals = np.full(80, 300)
    intervals[[19, 20]] = [210, 390]  # beat 20 at 0.7, then 1.3: a full compensatory pause
    intervals[[49, 50]] = [210, 330]  # beat 50 at 0.7, then 1.1: the sinus node reset
    beats = select_beats(intervals)
    proba = _proba(["N"] * beats.size)
    for beat in (20, 50):
        proba[beat] = 0.0
        proba[beat, list(CLASSES).index(call)] = 0.65
        proba[beat, list(CLASSES).index("V")] = 0.35
    out = rule_in_compensated_veb(proba.copy(), CLASSES, beats)
    assert CLASSES[out[20].argmax()] == "V" and CLASSES[out[50].argmax()] == call
    np.testing.assert_allclose(out[20], [0, 0, 1.0, 0, 0])  # the call's probability moved
    assert (CLASSES[out.argmax(1)] == CLASSES[proba.argmax(1)]).sum() == beats.size - 1
    # With V implausible to the network, the timing alone does not make a V.
    proba[20, 2] = COMPENSATED_PROBABILITY / 2
    proba[20, list(CLASSES).index(call)] = 1 - COMPENSATED_PROBABILITY / 2
    assert CLASSES[rule_in_compensated_veb(proba, CLASSES, beats)[20].argmax()] == call
