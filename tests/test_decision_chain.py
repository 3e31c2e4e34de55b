"""One decision, three entry points: annotate_record, the loaders' windows with
RecordDecision, and the command line give the same labels."""

import shutil

import numpy as np
import pytest

from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.cli import main
from ecg_sklearn.io import load_record, load_sample, sample_data_dir
from ecg_sklearn.io._annotations import read_mit_annotations
from ecg_sklearn.record import LoadedBeats, RecordDecision

RECORDS = ["100", "201", "209", "232"]  # sinus, AF, atrial premature beats, long pauses


@pytest.fixture(scope="module")
def pipe():
    return load_pretrained()


@pytest.fixture(scope="module")
def data():
    return load_sample(RECORDS, verbose=0)


@pytest.mark.parametrize(
    "steps", [{}, {"sveb_rule_in": 0.8}, {"self_teach": False}, {"sveb_unlike": None}]
)
def test_loaders_windows_and_annotate_record_decide_alike(pipe, data, steps):
    decision = RecordDecision(**steps)
    beats = LoadedBeats(data, sample_data_dir())
    proba = decision.predict_proba(pipe, data.X, beats)
    labels = pipe.classes_[proba.argmax(axis=1)]
    plain = pipe.predict(data.X)
    assert np.mean(labels != plain) > 0  # the record-level steps change some labels
    differ = 0
    for record in RECORDS:
        rec = load_record(record, sample_data_dir(), leads="MLII")
        result = annotate_record(pipe, rec.signal, rec.fs, beats=rec.beat_samples, **steps)
        rows = data.groups == record
        # annotate_record cuts its windows from the record filtered once, the loaders
        # filter each window: the windows differ near their ends only (on these
        # records, at most 2 labels of 945; the probabilities of most beats by less
        # than 0.1, but a beat taught by the record in one and not the other takes its
        # neighbours' votes: 10 beats of 193 in 201's AF).
        differ += np.sum(result.beat_labels != labels[rows])
        close = np.isclose(result.proba, proba[rows], rtol=0, atol=0.1).all(axis=1)
        assert close.mean() >= 0.9
        # With the loaders' windows filtered one by one, they are the same.
        windows = annotate_record(
            pipe, rec.signal, rec.fs, beats=rec.beat_samples, filter_once=False, **steps
        )
        np.testing.assert_array_equal(windows.beat_labels, labels[rows], err_msg=record)
        np.testing.assert_allclose(windows.proba, proba[rows], rtol=1e-5, atol=1e-6)
    assert differ <= 0.01 * len(labels)


@pytest.mark.parametrize(
    "record, flags, kwargs",
    [
        ("209", [], {}),
        ("201", ["--no-af-rule-out"], {"af_rule_out": False}),
        ("232", ["--no-self-teach"], {"self_teach": False}),
        ("209", ["--sveb-unlike", "off"], {"sveb_unlike": None}),
        (
            "232",
            ["--veb-like-neighbours", "off", "--no-veb-noise"],
            {"veb_like_neighbours": None, "veb_noise": False},
        ),
    ],
)
def test_command_line_writes_what_annotate_record_decides(pipe, tmp_path, record, flags, kwargs):
    folder = tmp_path / "data"
    shutil.copytree(sample_data_dir(), folder)
    command = ["annotate", "--record", str(folder / record), "--out-dir", str(tmp_path)]
    assert main([*command, *flags]) == 0
    samples, symbols = read_mit_annotations(tmp_path / f"{record}.cnn")
    rec = load_record(record, folder, leads="MLII")
    result = annotate_record(pipe, rec.signal, rec.fs, **kwargs)
    np.testing.assert_array_equal(samples, result.beat_samples)
    written = np.array([{"A": "S"}.get(s, s) for s in symbols])
    np.testing.assert_array_equal(written, result.beat_labels)


def test_decision_parameters_are_checked():
    with pytest.raises(ValueError, match="sveb_prematurity must be a positive number"):
        RecordDecision(sveb_prematurity=-1).check()
    with pytest.raises(ValueError, match="sveb_noise must be True or False"):
        RecordDecision(sveb_noise=1).check()
    with pytest.raises(ValueError, match="af_rule_out must be True or False"):
        RecordDecision(af_rule_out="yes").check()
    assert "sveb_rule_in=0.8" in repr(RecordDecision(sveb_rule_in=0.8))
    with pytest.raises(ValueError, match=r"sveb_unlike must be a number in \[-1, 1\] or None"):
        RecordDecision(sveb_unlike=1.5).check()
    assert "sveb_unlike=None" in repr(RecordDecision(sveb_unlike=None))
    with pytest.raises(ValueError, match="veb_noise must be True or False"):
        RecordDecision(veb_noise=None).check()
    with pytest.raises(ValueError, match=r"veb_like_neighbours must be a number in \[-1, 1\]"):
        RecordDecision(veb_like_neighbours=1.5).check()
    assert "veb_like_neighbours=0.97, veb_noise=True" in repr(RecordDecision())


def test_no_beat_unlike_the_dominant_beat_is_s(pipe, data):
    beats = LoadedBeats(data, sample_data_dir())
    ruled = RecordDecision().predict(pipe, data.X, beats)
    assert beats._evidence is None  # the P waves are not read for this step
    qrs = beats.qrs_similarity()
    np.testing.assert_array_equal(qrs, beats.rule_in_evidence()["qrs_similarity"])
    unlike = qrs < 0.5
    kept = RecordDecision(sveb_unlike=None).predict(pipe, data.X, beats)
    assert (kept[unlike] == "S").any() and not (ruled[unlike] == "S").any()


def test_no_beat_in_atrial_fibrillation_is_s(pipe, data):
    from ecg_sklearn.record import AF_THRESHOLD

    beats = LoadedBeats(data, sample_data_dir())
    in_af = beats.af_probability() > AF_THRESHOLD
    assert in_af[data.groups == "201"].any() and not in_af[data.groups != "201"].any()
    ruled = RecordDecision().predict(pipe, data.X, beats)
    kept = RecordDecision(af_rule_out=False).predict(pipe, data.X, beats)
    assert (kept[in_af] == "S").any() and not (ruled[in_af] == "S").any()
    assert "af_rule_out=False" in repr(RecordDecision(af_rule_out=False))


def test_the_selection_grid_decides_as_record_decision(pipe, data):
    import importlib

    from ecg_sklearn.record import loaded_beat_features

    record_context = importlib.import_module("record_context")  # benchmarks/
    beats = LoadedBeats(data, sample_data_dir())
    proba = pipe.predict_proba(data.X).astype(np.float64)
    expected = RecordDecision().decide(proba.copy(), pipe.classes_, beats)
    features = loaded_beat_features(data, sample_data_dir())
    grid = record_context.default_decision(
        proba.copy(),
        pipe.classes_,
        data.samples,
        data.fs,
        data.groups,
        beats.af_probability(),
        features,
        evidence=beats.rule_in_evidence(),
    )
    np.testing.assert_allclose(grid, expected, rtol=0, atol=1e-12)
