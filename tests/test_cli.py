import json
import re
import shutil

from ecg_sklearn.__main__ import main
from ecg_sklearn.datasets import sample_data_dir
from ecg_sklearn.persistence import save_model


def test_demo_job_on_the_shipped_excerpt(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--max-epochs", "1", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "shipped MIT-BIH excerpt" in printed
    report = json.loads((out / "report.json").read_text())
    n_test = int(re.search(r"testing on (\d+) DS2 beats", printed).group(1))
    assert sum(map(sum, report["confusion_matrix"])) == n_test > 0
    for name in ("confusion_matrix.png", "gradcam_examples.png", "model.joblib"):
        assert (out / name).stat().st_size > 1000


def test_annotate_with_and_without_the_af_rule(sample, tmp_path, capsys):
    from ecg_sklearn import default_pipeline

    model = default_pipeline(sample.fs, random_state=0, verbose=0, max_epochs=1)
    path = save_model(model.fit(sample.X, sample.y), tmp_path / "m.joblib")
    data = tmp_path / "data"
    shutil.copytree(sample_data_dir(), data)
    args = ["annotate", "--model", str(path), "--record", str(data / "201")]
    assert main(args) == 0
    assert "irregular rhythm" not in capsys.readouterr().out  # off by default
    assert main([*args, "--af-threshold", "0.05"]) == 0
    assert "in irregular rhythm, where S is ruled out" in capsys.readouterr().out
