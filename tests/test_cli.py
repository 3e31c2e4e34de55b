import json
import re

from ecg_sklearn.__main__ import main


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
