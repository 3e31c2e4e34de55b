import json
from pathlib import Path

from ecg_sklearn.cli import main

CARD = json.loads(
    (Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "pretrained.json").read_text()
)["models"]["mitdb-ds1"]["excerpt_end_to_end"]


def test_main_job_reports_the_pretrained_model_on_the_excerpt(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "shipped MIT-BIH excerpt" in printed and "pretrained model 'mitdb-ds1'" in printed
    report = json.loads((out / "report.json").read_text())
    # the figures the model card states for the excerpt's DS2 records
    assert report["bxb"]["confusion_matrix"] == CARD["bxb"]["confusion_matrix"]
    assert report["confusion_matrix"] == CARD["confusion_matrix"]
    assert "With missed and extra beats as errors (bxb)" in printed
    figures = ["confusion_matrix", "gradcam_correct", "gradcam_wrong"]
    figures += [f"strip_{r}" for r in ("100", "213", "232", "233")]
    for name in figures:
        assert (out / f"{name}.png").stat().st_size > 1000
    assert not (out / "model.npz").exists()


def test_main_job_can_train_from_scratch(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--train", "--max-epochs", "1", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "training the default pipeline on" in printed and "pipeline trained now" in printed
    report = json.loads((out / "report.json").read_text())
    assert sum(map(sum, report["bxb"]["confusion_matrix"])) >= 1048
    assert (out / "model.npz").stat().st_size > 1000
