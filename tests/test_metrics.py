import numpy as np
import pytest

from ecg_sklearn.metrics import (
    classification_report_ec57,
    compare_annotations,
    detection_scores,
    flutter_intervals,
    format_report,
    match_beats,
    pooled_report,
)


def test_match_beats_one_to_one_within_tolerance():
    ref = [100, 200, 300, 400]
    det = [105, 190, 195, 330, 460]  # 190 and 195 compete for 200 (the closer wins)
    ri, di = match_beats(ref, det, fs=100.0, tolerance=0.15)  # 15 samples
    assert list(zip(ri.tolist(), di.tolist(), strict=True)) == [(0, 0), (1, 2)]
    ri, di = match_beats(ref, det, fs=100.0, tolerance=0.35)  # 330 now matches 300
    assert list(zip(ri.tolist(), di.tolist(), strict=True)) == [(0, 0), (1, 2), (2, 3)]
    assert match_beats(ref, det, fs=100.0, tolerance=0.04)[0].size == 0
    assert match_beats([], det, 100.0)[0].size == 0


def test_detection_scores_and_flutter_exclusion():
    s = detection_scores([100, 200, 300], [100, 210, 500], fs=100.0)
    assert (s["tp"], s["fn"], s["fp"]) == (2, 1, 1)
    assert s["se"] == pytest.approx(2 / 3) and s["ppv"] == pytest.approx(2 / 3)
    episodes = flutter_intervals([250, 280, 450, 550], ["[", "!", "]", "N"])
    np.testing.assert_array_equal(episodes, [[250, 450]])
    s = detection_scores([100, 200, 300], [100, 210, 400], fs=100.0, exclude=episodes)
    assert (s["tp"], s["fn"], s["fp"]) == (2, 0, 0)


def test_ec57_report_by_hand():
    y_true = ["N"] * 6 + ["S"] * 2 + ["V"] * 2
    y_pred = ["N"] * 5 + ["S"] + ["S", "N"] + ["V", "V"]
    r = classification_report_ec57(y_true, y_pred)
    s = r["per_class"]["S"]
    assert (s["se"], s["ppv"], s["support"]) == (0.5, 0.5, 2)
    assert s["f1"] == pytest.approx(0.5)
    assert r["per_class"]["V"]["f1"] == 1.0
    assert np.isnan(r["per_class"]["F"]["se"])
    assert r["accuracy"] == pytest.approx(0.8)
    assert r["j_index"] == pytest.approx(0.5 + 1 + 0.5 + 1)
    assert r["confusion_matrix"][1] == [1, 1, 0, 0, 0]
    assert "confusion matrix" in format_report(r)


def test_compare_annotations_counts_missed_and_extra():
    cmp = compare_annotations(
        [100, 200, 300], ["N", "V", "S"], [101, 205, 600], ["N", "N", "V"], fs=100.0
    )
    assert cmp["y_true"].tolist() == ["N", "V"] and cmp["y_pred"].tolist() == ["N", "N"]
    assert cmp["missed"].tolist() == ["S"] and cmp["extra"].tolist() == ["V"]
    assert (cmp["tp"], cmp["fn"], cmp["fp"]) == (2, 1, 1)


def test_pooled_report_adds_detection_counts_over_records():
    a = compare_annotations(
        [100, 200, 300], ["N", "V", "S"], [101, 205, 600], ["N", "N", "V"], fs=100.0
    )
    b = compare_annotations([50, 150], ["S", "N"], [50, 150], ["S", "N"], fs=100.0)
    r = pooled_report([a, b])
    det = r["detection"]
    assert (det["matched"], det["missed"], det["unmatched_detections"]) == (4, 1, 1)
    assert det["se"] == pytest.approx(0.8) and det["ppv"] == pytest.approx(0.8)
    assert det["missed_by_class"]["S"] == 1 and det["unmatched_by_predicted_class"]["V"] == 1
    assert r["per_class"]["S"]["support"] == 1  # only matched beats are classified
    assert r["counting"] == "given beats"
    # bxb: the missed S beat lowers S's Se, the extra detection called V lowers V's +P.
    bxb = r["bxb"]
    assert bxb["counting"] == "unmatched as errors (bxb)" and bxb["labels"][-1] == "-"
    assert bxb["per_class"]["S"]["support"] == 2 and bxb["per_class"]["S"]["se"] == 0.5
    assert bxb["per_class"]["S"]["ppv"] == 1.0
    assert bxb["per_class"]["V"]["ppv"] == 0.0 and bxb["per_class"]["V"]["support"] == 1
    cm = np.array(bxb["confusion_matrix"])
    assert cm.shape == (6, 6) and cm.sum() == 6  # 4 matched + 1 missed + 1 extra
    assert cm[1, 5] == 1 and cm[5, 2] == 1  # S missed (column "-"); extra V (row "-")
    assert bxb["accuracy"] == pytest.approx(3 / 6)
    assert "missed beats" in format_report(bxb)
    with pytest.raises(ValueError, match="empty"):
        pooled_report([])


def test_report_with_unmatched_beats_needs_both_and_known_labels():
    with pytest.raises(ValueError, match="both missed and extra"):
        classification_report_ec57(["N"], ["N"], missed=["N"])
    with pytest.raises(ValueError, match="missed holds labels"):
        classification_report_ec57(["N"], ["N"], missed=["X"], extra=[])
    r = classification_report_ec57(["N"], ["N"], missed=[], extra=[])
    assert r["confusion_matrix"][0][0] == 1 and r["per_class"]["N"]["se"] == 1.0
