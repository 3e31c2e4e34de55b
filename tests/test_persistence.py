"""Model files: saved as arrays (nothing executed on load), pickles only when trusted,
written atomically, shipped models checked against digests in the code."""

import io
import json
import os
import pickle
import time
import zipfile

import joblib
import numpy as np
import pytest

from ecg_sklearn import default_pipeline
from ecg_sklearn._model_files import SHIPPED_SHA256, read_model_description, shipped_folder
from ecg_sklearn.cli import main
from ecg_sklearn.io import sample_data_dir
from ecg_sklearn.persistence import load_model, save_model
from ecg_sklearn.record import load_rhythm_models

QUICK = dict(max_epochs=1, module__n_filters=4, module__hidden=8, valid_size=0)


@pytest.fixture(scope="module")
def fitted(sample):
    keep = np.isin(sample.groups, ["100", "208"])
    pipe = default_pipeline(sample.fs, random_state=0, verbose=0, **QUICK)
    return pipe.fit(sample.X[keep], sample.y[keep])


class _Crafted:
    """Unpickling it writes a marker file: what a hostile model file does."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def _archive(path, header, **arrays):
    arrays["ecg_sklearn_model"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    return path


def _fitted_state(step):
    return {k: v for k, v in vars(step).items() if k.endswith("_") and not k.startswith("_")}


def test_arrays_round_trip_the_pipeline(fitted, sample, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz", leads=["MLII"])
    with zipfile.ZipFile(path) as z:  # plain arrays and JSON, no pickle inside
        assert all(n.endswith(".npy") for n in z.namelist())
    again = load_model(path)
    np.testing.assert_array_equal(
        again.predict_proba(sample.X[:50]), fitted.predict_proba(sample.X[:50])
    )
    for name in ("filter", "segment"):
        assert _fitted_state(again[name]) == _fitted_state(fitted[name])
    cnn, back = fitted["cnn"], again["cnn"]
    assert back.get_params(deep=False).keys() == cnn.get_params(deep=False).keys()
    np.testing.assert_array_equal(back.classes_, cnn.classes_)
    np.testing.assert_array_equal(back.class_prior_, cnn.class_prior_)
    assert back.beat_length_ == cnn.beat_length_ and back.n_leads_ == cnn.n_leads_


def test_arrays_keep_changed_parameters(fitted, sample, tmp_path):
    changed = fitted.set_params(cnn__dominant_threshold=0.9, cnn__prior_power=0.5)
    try:
        again = load_model(save_model(changed, tmp_path / "m.npz"))
        assert again["cnn"].dominant_threshold == 0.9 and again["cnn"].prior_power == 0.5
        np.testing.assert_array_equal(again.predict(sample.X[:50]), changed.predict(sample.X[:50]))
    finally:
        fitted.set_params(cnn__dominant_threshold=0.95, cnn__prior_power=0.0)


def test_what_arrays_cannot_hold_is_refused_and_pickle_needs_trust(fitted, tmp_path):
    from sklearn.pipeline import Pipeline

    with pytest.raises(ValueError, match="format='pickle'"):
        save_model(Pipeline(fitted.steps), tmp_path / "plain.npz")
    fitted.set_params(cnn__rhythm_context=load_rhythm_models())
    try:
        with pytest.raises(ValueError, match=r"cnn__rhythm_context.*format='pickle'"):
            save_model(fitted, tmp_path / "m.npz")
    finally:
        fitted.set_params(cnn__rhythm_context=None)
    path = save_model(Pipeline(fitted.steps), tmp_path / "p.npz", format="pickle")
    with pytest.raises(ValueError, match="trusted=True"):
        load_model(path)
    assert isinstance(load_model(path, trusted=True), Pipeline)
    with pytest.raises(ValueError, match="format must be"):
        save_model(fitted, tmp_path / "x.npz", format="joblib")


def test_crafted_files_run_nothing(tmp_path):
    marker = tmp_path / "marker"
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps(_Crafted(marker)))
    as_joblib = tmp_path / "model.joblib"
    joblib.dump({"ecg_sklearn_version": "0.1", "pipeline": _Crafted(marker)}, as_joblib)
    for path in (plain, as_joblib):
        for trusted in (False, True):  # not this package's archive: never unpickled
            with pytest.raises(ValueError, match="not a model file of ecg_sklearn"):
                load_model(path, trusted=trusted)
    header = {"format": 1, "kind": "pickle", "ecg_sklearn_version": "0.1.0"}
    blob = np.frombuffer(pickle.dumps(_Crafted(marker)), dtype=np.uint8)
    archive = _archive(tmp_path / "archive.npz", header, pickled_pipeline=blob)
    with pytest.raises(ValueError, match="can run any code"):
        load_model(archive)
    # A pickled array inside the archive is refused by numpy (allow_pickle=False).
    objects = tmp_path / "objects.npz"
    np.savez(objects, ecg_sklearn_model=np.array([_Crafted(marker)], dtype=object))
    with pytest.raises(ValueError, match="not a model file of ecg_sklearn"):
        load_model(objects)
    # A description may not set parameters outside the three steps (memory, steps).
    described = {"fs": 360.0, "n_timepoints": 1441, "classes": ["N"], "params": {"memory": "x"}}
    hostile = {"format": 1, "kind": "arrays", "ecg_sklearn_version": "0.1.0", "pipeline": described}
    with pytest.raises(ValueError, match="plain values of the filter, segment and cnn"):
        load_model(_archive(tmp_path / "params.npz", hostile))
    assert not marker.exists()
    load_model(archive, trusted=True)  # trusting it is what runs it
    assert marker.read_text() == "ran"


@pytest.mark.parametrize("command", ["annotate", "explain"])
def test_command_line_refuses_crafted_models(command, tmp_path, capsys):
    marker = tmp_path / "marker"
    path = tmp_path / "model.joblib"
    joblib.dump({"ecg_sklearn_version": "0.1", "pipeline": _Crafted(marker)}, path)
    header = {"format": 1, "kind": "pickle", "ecg_sklearn_version": "0.1.0"}
    blob = np.frombuffer(pickle.dumps(_Crafted(marker)), dtype=np.uint8)
    archive = _archive(tmp_path / "archive.npz", header, pickled_pipeline=blob)
    record = str(sample_data_dir() / "100")
    extra = ["--beat", "0", "--out", str(tmp_path / "g.png")] if command == "explain" else [
        "--out-dir", str(tmp_path)]  # fmt: skip
    for model in (path, archive):
        assert main([command, "--model", str(model), "--record", record, *extra]) == 2
        err = capsys.readouterr().err
        assert f"ecg-sklearn {command}: error:" in err and str(model) in err
    assert not marker.exists()


def test_damaged_and_missing_model_files(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.npz")
    raw = path.read_bytes()
    with pytest.raises(FileNotFoundError, match="not found"):
        load_model(tmp_path / "nope.npz")
    for damaged in (raw[: len(raw) // 2], raw[:100], b"", b"hello"):
        path.write_bytes(damaged)
        with pytest.raises(ValueError, match="not a model file of ecg_sklearn"):
            load_model(path)
    path.write_bytes(raw)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        header = json.loads(np.load(z.open("ecg_sklearn_model.npy")).tobytes())
    header["ecg_sklearn_version"] = "0.0.1"
    weights = {k: v for k, v in np.load(path).items() if k.startswith("weight__")}
    old = _archive(tmp_path / "old.npz", header, **weights)
    with pytest.warns(UserWarning, match="saved with ecg_sklearn 0.0.1"):
        load_model(old)
    header["format"] = 99
    with pytest.raises(ValueError, match="format 99"):
        load_model(_archive(tmp_path / "new.npz", header, **weights))


def test_save_is_atomic(fitted, tmp_path, monkeypatch):
    path = save_model(fitted, tmp_path / "m.npz")
    before = path.read_bytes()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_model(fitted.set_params(cnn__prior_power=1.0), path)
    fitted.set_params(cnn__prior_power=0.0)
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old file whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]  # no partial file left
    # A partial file of a process killed mid-write is removed at the next write.
    stale = tmp_path / ".m.npz.ecg_sklearn-partial-abc"
    stale.write_bytes(b"partial")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    save_model(fitted, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_shipped_files_match_the_digests_in_the_code(tmp_path):
    import hashlib

    folder = shipped_folder()
    for name, digest in SHIPPED_SHA256.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, (
            f"{name} changed: update SHIPPED_SHA256 in ecg_sklearn/persistence.py"
        )
    # A replaced pair of files (weights and the .json with their digest) is refused.
    replaced = tmp_path / "mitdb-ds1.json"
    info = json.loads((folder / "mitdb-ds1.json").read_text())
    info["description"] = "replaced"
    replaced.write_text(json.dumps(info))
    with pytest.raises(ValueError, match="damaged or replaced"):
        read_model_description(replaced, shipped=True)
    assert read_model_description(replaced, shipped=False)["description"] == "replaced"
