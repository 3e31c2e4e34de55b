"""The pretrained models shipped in the package: listing, loading, errors, provenance."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from _fitting import save_pretrained, train_pretrained
from sklearn.metrics import f1_score

from ecg_sklearn import default_pipeline, list_pretrained, load_pretrained
from ecg_sklearn.annotate import annotate_and_compare
from ecg_sklearn.io import DS2, load_mitdb, load_record, sample_data_dir
from ecg_sklearn.io._datasets import SAMPLE_RECORDS
from ecg_sklearn.metrics import pooled_report
from ecg_sklearn.shipped import pretrained_info
from ecg_sklearn.shipped._pretrained import PRETRAINED

ROOT = Path(__file__).resolve().parents[1]
#: How closely a rebuild on any machine reproduces the shipped model (docs/models.md):
#: share of DS2 labels equal, and the largest difference of S and V F1 on DS2's windows.
REBUILD_AGREEMENT = 0.97
REBUILD_F1_TOLERANCE = 0.03
RESULTS = json.loads((ROOT / "benchmarks" / "results" / "pretrained.json").read_text())


def test_listed_models_are_shipped_with_a_card():
    assert list_pretrained() == sorted(PRETRAINED) == ["mitdb-ds1"]
    card = (ROOT / "docs" / "models.md").read_text()
    for name in list_pretrained():
        info = pretrained_info(name)
        assert info["name"] == name and info["fs"] == 360.0 and info["leads"] == ["MLII"]
        assert info["training"]["command"] == "python benchmarks/pretrained.py --rebuild"
        assert f"## `{name}`" in card
        assert name in RESULTS["models"]
        assert RESULTS["models"][name]["weights_sha256"] == info["weights_sha256"]


def test_loaded_model_scores_what_the_card_states_on_the_excerpt():
    pipe = load_pretrained("mitdb-ds1")
    assert pipe["cnn"].verbose == 0 and list(pipe.classes_) == ["F", "N", "Q", "S", "V"]
    records = [r for r in SAMPLE_RECORDS if r in DS2]
    report = pooled_report(
        [annotate_and_compare(pipe, load_record(r, sample_data_dir(), leads="MLII"))[1]
         for r in records]
    )  # fmt: skip
    card = RESULTS["models"]["mitdb-ds1"]["excerpt_end_to_end"]
    assert report["bxb"]["confusion_matrix"] == card["bxb"]["confusion_matrix"]
    assert report["confusion_matrix"] == card["confusion_matrix"]


def _tiny_pipeline(sample):
    pipe = default_pipeline(sample.fs, random_state=0, verbose=0, max_epochs=1)
    return pipe.fit(sample.X[:600], sample.y[:600])


def test_saved_files_restore_the_same_pipeline(sample, tmp_path):
    pipe = _tiny_pipeline(sample)
    training = {"split": "excerpt", "command": "test"}
    save_pretrained(pipe, "mitdb-ds1", tmp_path, leads=["MLII"], training=training)
    rng = torch.get_rng_state()
    loaded = load_pretrained("mitdb-ds1", folder=tmp_path)
    assert torch.equal(rng, torch.get_rng_state())  # the caller's random stream untouched
    np.testing.assert_array_equal(loaded.predict_proba(sample.X), pipe.predict_proba(sample.X))
    assert pretrained_info("mitdb-ds1", folder=tmp_path)["training"] == training


@pytest.fixture
def model_files(sample, tmp_path):
    save_pretrained(_tiny_pipeline(sample), "mitdb-ds1", tmp_path, leads=["MLII"], training={})
    return tmp_path


def test_errors_name_the_problem(model_files):
    with pytest.raises(ValueError, match=r"Unknown pretrained model 'ds9'; available: \['mitdb"):
        load_pretrained("ds9")
    with pytest.raises(FileNotFoundError, match="not found"):
        load_pretrained("mitdb-ds1", folder=model_files / "elsewhere")
    weights = model_files / "mitdb-ds1.npz"
    raw = bytearray(weights.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    weights.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="damaged or replaced: its SHA-256 differs"):
        load_pretrained("mitdb-ds1", folder=model_files)
    weights.write_bytes(b"not a zip file")
    info_path = model_files / "mitdb-ds1.json"
    info = json.loads(info_path.read_text())
    info["weights_sha256"] = __import__("hashlib").sha256(b"not a zip file").hexdigest()
    info_path.write_text(json.dumps(info))
    with pytest.raises(ValueError, match="is not an array file"):
        load_pretrained("mitdb-ds1", folder=model_files)
    info_path.write_text('{"format": 1}')
    with pytest.raises(ValueError, match="is not a (pretrained )?model description"):
        load_pretrained("mitdb-ds1", folder=model_files)
    info_path.write_bytes(b"\x80\x81 not json")
    with pytest.raises(ValueError, match="is not a (pretrained )?model description"):
        load_pretrained("mitdb-ds1", folder=model_files)


def test_other_version_warns_and_wrong_network_is_refused(model_files):
    info_path = model_files / "mitdb-ds1.json"
    info = json.loads(info_path.read_text())
    info["ecg_sklearn_version"] = "0.0.1"
    info_path.write_text(json.dumps(info))
    with pytest.warns(UserWarning, match="built with ecg_sklearn 0.0.1"):
        load_pretrained("mitdb-ds1", folder=model_files)
    info["ecg_sklearn_version"] = __import__("ecg_sklearn").__version__
    info["params"]["cnn__module__n_filters"] = 32
    info_path.write_text(json.dumps(info))
    with pytest.raises(ValueError, match="do not fit the network"):
        load_pretrained("mitdb-ds1", folder=model_files)


def test_command_line_annotates_with_the_pretrained_model(tmp_path, capsys):
    from ecg_sklearn.cli import main

    data = tmp_path / "data"
    shutil.copytree(sample_data_dir(), data)
    assert main(["annotate", "--record", str(data / "100"), "--out-dir", str(tmp_path)]) == 0
    assert "Annotating with pretrained model 'mitdb-ds1'" in capsys.readouterr().out
    assert (tmp_path / "100.cnn").is_file()


@pytest.mark.full_data
def test_rebuild_predicts_the_shipped_labels_on_ds2(mitdb_dir):
    import sklearn
    import skorch

    built = pretrained_info("mitdb-ds1")["versions"]
    here = {"torch": torch.__version__, "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__, "numpy": np.__version__}  # fmt: skip
    if built != here:
        pytest.skip(f"the rebuild is deterministic with the versions it was built with "
                    f"({built}); these are {here}")  # fmt: skip
    rebuilt, _ = train_pretrained("mitdb-ds1", mitdb_dir)
    test = load_mitdb("DS2", mitdb_dir, verbose=0)
    labels, shipped = rebuilt.predict(test.X), load_pretrained().predict(test.X)
    # The same versions are not the same arithmetic on another machine (instruction set,
    # vendor, thread count and library kernels round the convolutions differently):
    # compare what a user can reproduce anywhere, within the tolerances of docs/models.md.
    assert np.mean(labels == shipped) >= REBUILD_AGREEMENT
    for label in ("S", "V"):
        rebuilt_f1, shipped_f1 = (
            f1_score(test.y, y, labels=[label], average=None)[0] for y in (labels, shipped)
        )
        assert abs(rebuilt_f1 - shipped_f1) <= REBUILD_F1_TOLERANCE, (label, rebuilt_f1, shipped_f1)


def test_shipped_model_is_the_current_default_pipeline():
    """Changing the default pipeline without rebuilding the shipped weights fails here."""
    from ecg_sklearn.persistence import stored_params

    info = pretrained_info("mitdb-ds1")
    pipe = default_pipeline(info["fs"], random_state=PRETRAINED["mitdb-ds1"]["seed"])
    default = stored_params(pipe, pipe)
    assert info["params"] == default, "rebuild: python benchmarks/pretrained.py --rebuild"
