"""Runs of S judged as runs: gradual changes of rate are N, abrupt runs stay S."""

import numpy as np
import pytest

from ecg_sklearn.record import RecordDecision, rule_out_gradual_sveb
from ecg_sklearn.record._runs import (
    ONSET_RATIO,
    RETURN_RATIO,
    SLOW_ONSET_RATIO,
    SLOW_RETURN_RATIO,
    gradual_runs,
)

CLASSES = np.array(["N", "S", "V", "F", "Q"])


def beats_of(intervals):
    return np.concatenate([[0], np.cumsum(intervals)]).astype(np.int64)


def proba_of(calls):
    proba = np.full((len(calls), CLASSES.size), 0.05)
    proba[np.arange(len(calls)), [list(CLASSES).index(c) for c in calls]] = 0.8
    return proba


def sinus_acceleration():
    """1 s, down to 0.65 s by 3% a beat, 20 beats there, back up by 3% a beat: the fast
    beats are called S."""
    down = 1000 * 0.97 ** np.arange(15)
    intervals = np.r_[np.full(30, 1000), down, np.full(20, down[-1]), down[::-1], np.full(30, 1000)]
    calls = np.where(np.r_[1000, intervals] < 800, "S", "N")
    return intervals.round(), calls


def tachycardia(called_n_first=0):
    """1 s, then a run of 10 beats at 0.5 s (the first ``called_n_first`` called N), a
    1.3-s pause and 1 s again."""
    intervals = np.r_[np.full(30, 1000), np.full(10, 500), 1300, np.full(30, 1000)]
    calls = np.where(np.r_[1000, intervals] == 500, "S", "N")
    calls[31 : 31 + called_n_first] = "N"
    return intervals, calls


def test_a_sinus_acceleration_is_gradual_and_its_s_calls_become_n():
    intervals, calls = sinus_acceleration()
    beats = beats_of(intervals)
    assert (calls == "S").sum() > 20
    gradual = gradual_runs(beats, calls == "S")
    np.testing.assert_array_equal(gradual, calls == "S")
    proba = rule_out_gradual_sveb(proba_of(calls), CLASSES, beats)
    assert set(CLASSES[proba.argmax(axis=1)]) == {"N"}
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("called_n_first", [0, 4])
def test_a_tachycardia_starts_abruptly_and_stays_s_even_where_its_first_beats_are_n(
    called_n_first,
):
    intervals, calls = tachycardia(called_n_first)
    beats = beats_of(intervals)
    assert not gradual_runs(beats, calls == "S").any()
    proba = rule_out_gradual_sveb(proba_of(calls), CLASSES, beats)
    np.testing.assert_array_equal(CLASSES[proba.argmax(axis=1)], calls)


def test_an_isolated_beat_stays_s_after_an_abrupt_step_or_before_a_pause():
    intervals = np.full(60, 1000.0)
    intervals[[10, 30, 50]] = [700, 800, 950]  # premature, early, on time
    intervals[[11, 51]] = 1300  # a pause after beats 11 and 51
    calls = np.full(61, "N")
    calls[[11, 31, 51]] = "S"
    assert 800 / 1000 < ONSET_RATIO < 950 / 1000 and 1300 / 950 > RETURN_RATIO
    assert not gradual_runs(beats_of(intervals), calls == "S").any()


def test_the_pause_after_an_ectopic_beat_in_a_fast_stretch_is_no_onset():
    intervals, calls = sinus_acceleration()
    fast = np.flatnonzero(intervals == intervals.min())[5]
    # An early beat and its compensatory pause in the fast stretch; only the beats
    # after them are called S: the stretch still began gradually.
    intervals = np.r_[intervals[:fast], 450, 850, intervals[fast + 1 :]]
    calls = np.concatenate([calls[: fast + 2], ["N"], calls[fast + 2 :]])
    calls[: fast + 3] = "N"
    beats = beats_of(intervals)
    assert (calls == "S").sum() > 20
    np.testing.assert_array_equal(gradual_runs(beats, calls == "S"), calls == "S")


def test_atrial_bigeminy_stays_s():
    intervals = np.r_[np.full(30, 1000), np.tile([600, 1400], 10), np.full(30, 1000)]
    calls = np.where(np.r_[1000, intervals] == 600, "S", "N")
    assert not gradual_runs(beats_of(intervals), calls == "S").any()


def test_a_run_with_no_onset_or_pause_in_the_record_is_judged_by_the_other_end():
    intervals, calls = tachycardia()
    beats = beats_of(intervals)
    first, last = np.flatnonzero(calls == "S")[[0, -1]]
    # Cut after the run: its onset still tells; cut before it: its pause still tells.
    assert not gradual_runs(beats[: last + 1], calls[: last + 1] == "S").any()
    assert not gradual_runs(beats[first:] - beats[first], calls[first:] == "S").any()
    # Neither: a stretch at its own rate, nothing premature about it.
    assert gradual_runs(beats[first : last + 1], calls[first : last + 1] == "S").all()


def test_classes_without_s_are_left_alone_and_bad_input_is_refused():
    intervals, calls = sinus_acceleration()
    beats = beats_of(intervals)
    proba = proba_of(calls)[:, [0, 2]]
    out = rule_out_gradual_sveb(proba.copy(), ["N", "V"], beats)
    np.testing.assert_array_equal(out, proba)
    assert not gradual_runs(beats[:2], [True, True]).any()  # no rhythm to read
    with pytest.raises(ValueError, match="is_run must have shape"):
        gradual_runs(beats, calls[:-1] == "S")


def test_records_are_judged_apart_and_the_step_can_be_turned_off():
    intervals, calls = sinus_acceleration()
    beats = beats_of(intervals)
    both = np.r_[beats, beats]
    groups = np.repeat(["a", "b"], beats.size)
    proba = rule_out_gradual_sveb(proba_of(np.r_[calls, calls]), CLASSES, both, groups=groups)
    assert set(CLASSES[proba.argmax(axis=1)]) == {"N"}
    with pytest.raises(ValueError, match="sveb_gradual must be True or False"):
        RecordDecision(sveb_gradual="yes").check()
    assert "sveb_gradual=False" in repr(RecordDecision(sveb_gradual=False))


def test_a_slow_run_needs_a_clearer_step_or_pause_to_stay_s():
    # Beats every `sinus` ms, 4 beats at 0.85 of it, a pause of 1.25 times the run's
    # interval, the rhythm again; positions in ms (fs=1000).
    def run_of(sinus, step=0.85):
        intervals = np.r_[np.full(30, sinus), np.full(4, step * sinus), 1.25 * step * sinus,
                          np.full(30, sinus)].round()  # fmt: skip
        return beats_of(intervals), np.r_[np.zeros(31, bool), np.ones(4, bool), np.zeros(31, bool)]

    beats, is_s = run_of(1000)  # a run at 71 beats a minute
    assert SLOW_ONSET_RATIO <= 0.85 < ONSET_RATIO and RETURN_RATIO < 1.25 <= SLOW_RETURN_RATIO
    np.testing.assert_array_equal(gradual_runs(beats, is_s, 1000.0), is_s)
    assert not gradual_runs(beats, is_s).any()  # without fs: every run at the usual ratios
    assert not gradual_runs(beats, is_s, 2000.0).any()  # the same positions at 141 a minute
    assert not gradual_runs(*run_of(1000, step=0.75), 1000.0).any()  # a premature step
    assert not gradual_runs(*run_of(560), 1000.0).any()  # at 126 a minute: a tachycardia
    proba = rule_out_gradual_sveb(proba_of(np.where(is_s, "S", "N")), CLASSES, beats, fs=1000)
    assert set(CLASSES[proba.argmax(axis=1)]) == {"N"}
    with pytest.raises(ValueError, match="fs must be a positive sampling rate"):
        rule_out_gradual_sveb(proba, CLASSES, beats, fs=0)
