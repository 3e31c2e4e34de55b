import numpy as np
import pytest
from sklearn.utils import Bunch

from ecg_sklearn import annotate_record, load_pretrained
from ecg_sklearn.io import load_record, sample_data_dir
from ecg_sklearn.record import AF_THRESHOLD, record_prematurity_threshold, sinus_prematurity
from ecg_sklearn.review import (
    apply_review,
    beat_clusters,
    read_review_labels,
    suggest_review,
    write_review_sheet,
)


@pytest.fixture(scope="module")
def annotated():
    # The calls before the record teaches itself, as a review starts from them
    # (test_a_review_starts_from_the_calls_before_the_record_taught_itself).
    rec = load_record("208", sample_data_dir(), leads="MLII")
    return rec, annotate_record(load_pretrained(), rec.signal, rec.fs, self_teach=False)


def expert(rec, samples):
    """Reference label of the beat nearest each position."""
    j = np.abs(rec.beat_samples[None] - np.asarray(samples)[:, None]).argmin(axis=1)
    return rec.beat_labels[j]


def errors(rec, result, keep):
    return int((expert(rec, result.beat_samples[keep]) != result.beat_labels[keep]).sum())


def test_clusters_cover_every_beat_and_are_reproducible(annotated):
    rec, result = annotated
    a = beat_clusters(result, rec.signal, rec.fs, n_clusters=10)
    b = beat_clusters(result, rec.signal, rec.fs, n_clusters=10)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.labels.shape == result.beat_samples.shape
    assert a.counts.sum() == result.beat_samples.size
    for c in np.flatnonzero(a.counts):
        assert a.labels[a.representative[c]] == c


def test_suggestions_put_doubtful_abnormal_calls_first(annotated):
    rec, result = annotated
    s = suggest_review(result, rec.signal, rec.fs, n=4)
    assert len(s.beat_index) == 4 and len(set(s.cluster.tolist())) == 4
    np.testing.assert_array_equal(s.beat_samples, result.beat_samples[s.beat_index])
    np.testing.assert_array_equal(s.n_beats, s.clusters.counts[s.cluster])
    # First the cluster with the most expected wrong calls among its non-N calls.
    proba = np.asarray(result.proba)
    doubt = (result.beat_labels != "N") * (1 - proba.max(axis=1))
    expected = np.bincount(s.clusters.labels, weights=doubt, minlength=len(s.clusters.counts))
    assert expected[s.cluster[0]] == expected.max() > 0
    assert expected[s.cluster[1]] == np.sort(expected)[-2]


def test_review_labels_reviewed_beats_and_their_clusters(annotated):
    rec, result = annotated
    s = suggest_review(result, rec.signal, rec.fs, n=2)
    given = {int(s.beat_samples[0]): "Q", int(s.beat_samples[1]) + 3: "F"}
    out = apply_review(result, rec.signal, rec.fs, given, clusters=s.clusters)
    assert out.beat_labels[s.beat_index[0]] == "Q" and out.beat_labels[s.beat_index[1]] == "F"
    assert out.reviewed.sum() == 2
    for c, label in zip(s.cluster, "QF", strict=True):
        members = s.clusters.labels == c
        assert (out.beat_labels[members] == label).all()
        assert (out.followed | out.reviewed)[members].all()
    # The other clusters keep their calls, but for uncertain beats the record's own
    # classifier relabels; the result given is not changed.
    rest = ~np.isin(s.clusters.labels, s.cluster)
    kept = rest & ~out.adapted
    np.testing.assert_array_equal(out.beat_labels[kept], result.beat_labels[kept])
    assert (result.proba[out.adapted].max(axis=1) < 0.8).all()
    assert not (out.adapted & (out.reviewed | out.followed)).any()
    plain = apply_review(result, rec.signal, rec.fs, given, clusters=s.clusters, adapt=False)
    assert not plain.adapted.any()
    np.testing.assert_array_equal(plain.beat_labels[rest], result.beat_labels[rest])
    assert "reviewed" not in result


def test_beats_that_would_become_s_on_time_keep_their_call(annotated):
    rec, result = annotated
    clusters = beat_clusters(result, rec.signal, rec.fs)
    calls = {c: set(result.beat_labels[clusters.labels == c]) for c in range(len(clusters.counts))}
    normal_cluster = max((c for c in calls if calls[c] == {"N"}), key=lambda c: clusters.counts[c])
    ectopic_cluster = max((c for c in calls if calls[c] == {"V"}), key=lambda c: clusters.counts[c])
    for c in (normal_cluster, ectopic_cluster):
        beat = int(clusters.representative[c])
        given = {int(result.beat_samples[beat]): "S"}
        out = apply_review(result, rec.signal, rec.fs, given, clusters=clusters, adapt=False)
        members = (clusters.labels == c) & ~out.reviewed
        normal = out.beat_labels == "N"
        ratio = sinus_prematurity(result.beat_samples, normal)
        premature = ratio <= record_prematurity_threshold(ratio, normal)
        # The members that follow the expert to S are premature for the record, as the
        # record's own rule for S asks of the classifier's calls; the others keep theirs.
        assert premature[members & out.followed].all()
        left = members & ~out.followed
        np.testing.assert_array_equal(out.beat_labels[left], result.beat_labels[left])
        if c == normal_cluster:  # sinus beats, on time
            assert left.sum() > 0.9 * members.sum()
        else:  # ventricular ectopic beats, premature
            assert out.followed[members].sum() > 0.9 * members.sum()


def test_calls_of_a_class_the_expert_rejects_become_n(annotated):
    rec, result = annotated
    clusters = beat_clusters(result, rec.signal, rec.fs)
    confidence = result.proba.max(axis=1)
    called_v = np.flatnonzero(result.beat_labels == "V")
    by_confidence = called_v[np.argsort(confidence[called_v])]
    low, mid, high = by_confidence[[0, called_v.size // 2, -1]]

    def review(answers):
        given = {int(result.beat_samples[i]): label for i, label in answers.items()}
        out = apply_review(result, rec.signal, rec.fs, given, clusters=clusters, adapt=False)
        reviewed_clusters = np.isin(clusters.labels, clusters.labels[list(answers)])
        return out, (result.beat_labels == "V") & ~reviewed_clusters

    # Two V calls relabelled N, none confirmed: the other V calls made with no more
    # confidence follow the verdict; the more confident ones keep their call.
    out, others = review({low: "N", mid: "N"})
    below = others & (confidence <= confidence[mid])
    assert below.sum() >= 3
    assert (out.beat_labels[below] == "N").all() and out.followed[below].all()
    assert (out.beat_labels[others & ~below] == "V").all()
    # One V call confirmed, or a single one rejected: the others keep their call.
    for answers in ({low: "N", mid: "N", high: "V"}, {mid: "N"}):
        out, others = review(answers)
        assert (out.beat_labels[others] == "V").all()


def test_no_beat_becomes_s_in_atrial_fibrillation():
    rec = load_record("201", sample_data_dir(), leads="MLII")  # AF in its excerpt
    result = annotate_record(load_pretrained(), rec.signal, rec.fs, detect_af=True)
    in_af = result.p_af > AF_THRESHOLD
    clusters = beat_clusters(result, rec.signal, rec.fs)
    largest = int(np.bincount(clusters.labels[in_af]).argmax())
    members = clusters.labels == largest
    given = {int(result.beat_samples[clusters.representative[largest]]): "S"}
    out = apply_review(result, rec.signal, rec.fs, given)
    assert (members & in_af & ~out.reviewed).sum() >= 5
    became = (out.beat_labels == "S") & (result.beat_labels != "S") & ~out.reviewed
    assert not (became & in_af).any()
    # Without the AF probabilities, the timing rules alone decide.
    out = apply_review(dict(result, p_af=None), rec.signal, rec.fs, given)
    assert ((out.beat_labels == "S") & (result.beat_labels != "S") & in_af).any()
    with pytest.raises(ValueError, match="beat_samples and result's p_af must be 1-D of the same"):
        apply_review(dict(result, p_af=result.p_af[:-1]), rec.signal, rec.fs, given)


def test_with_no_answer_the_record_teaches_itself():
    rec = load_record("232", sample_data_dir(), leads="MLII")
    result = annotate_record(load_pretrained(), rec.signal, rec.fs, self_teach=False)
    out = apply_review(result, rec.signal, rec.fs, {})
    assert not out.reviewed.any() and not out.followed.any()
    assert out.adapted.any()  # 78 uncertain calls take their neighbours' votes
    changed = (out.proba != result.proba).any(axis=1)
    np.testing.assert_array_equal(changed, out.adapted)
    assert (result.proba[out.adapted].max(axis=1) < 0.8).all()  # only uncertain calls
    plain = apply_review(result, rec.signal, rec.fs, {}, adapt=False)
    np.testing.assert_array_equal(plain.beat_labels, result.beat_labels)


@pytest.mark.parametrize("record", ["208", "232"])
def test_annotate_record_teaches_the_record_as_a_review_without_answers(record):
    rec = load_record(record, sample_data_dir(), leads="MLII")
    # Without the last step (S ruled out for beats unlike the dominant one), which
    # annotate_record takes after the teaching and a review does not take.
    result = annotate_record(
        load_pretrained(), rec.signal, rec.fs, detect_af=True, self_teach=False, sveb_unlike=None
    )
    taught = annotate_record(load_pretrained(), rec.signal, rec.fs, sveb_unlike=None)
    reviewed = apply_review(result, rec.signal, rec.fs, {})
    assert reviewed.adapted.any()
    np.testing.assert_array_equal(taught.beat_labels, reviewed.beat_labels)
    np.testing.assert_allclose(taught.proba, reviewed.proba, rtol=0, atol=1e-6)


def test_a_review_starts_from_the_calls_before_the_record_taught_itself():
    rec = load_record("232", sample_data_dir(), leads="MLII")
    taught = annotate_record(load_pretrained(), rec.signal, rec.fs)
    plain = annotate_record(load_pretrained(), rec.signal, rec.fs, self_teach=False)
    assert taught.self_taught.any() and not plain.self_taught.any()
    np.testing.assert_array_equal(taught.untaught_proba, plain.proba[taught.self_taught])
    s = suggest_review(taught, rec.signal, rec.fs, n=3)
    np.testing.assert_array_equal(
        s.beat_index, suggest_review(plain, rec.signal, rec.fs).beat_index
    )
    given = dict(zip(s.beat_samples.tolist(), expert(rec, s.beat_samples).tolist(), strict=True))
    out = apply_review(taught, rec.signal, rec.fs, given)
    np.testing.assert_array_equal(
        out.beat_labels, apply_review(plain, rec.signal, rec.fs, given).beat_labels
    )
    broken = Bunch(**taught)
    broken.untaught_proba = taught.untaught_proba[1:]
    with pytest.raises(ValueError, match="self_taught .* and untaught_proba .* do not match"):
        apply_review(broken, rec.signal, rec.fs, {})


def test_adapted_beats_take_the_label_of_their_nearest_taught_beats(annotated):
    rec, result = annotated
    s = suggest_review(result, rec.signal, rec.fs, n=3)
    given = dict(zip(s.beat_samples.tolist(), expert(rec, s.beat_samples).tolist(), strict=True))
    out = apply_review(result, rec.signal, rec.fs, given, clusters=s.clusters)
    z = s.clusters.features
    taught = out.reviewed | out.followed | (result.proba.max(axis=1) >= 0.8)
    assert out.adapted.any()
    for i in np.flatnonzero(out.adapted):  # recomputed by brute force
        nearest = np.argsort(np.linalg.norm(z[taught] - z[i], axis=1), kind="stable")[:5]
        names, counts = np.unique(out.beat_labels[taught][nearest], return_counts=True)
        assert counts.max() >= 4 and out.beat_labels[i] == names[counts.argmax()]


def test_simulated_expert_corrects_the_record():
    # Record 213's excerpt: 68 of its beats are called wrongly by the shipped model.
    rec = load_record("213", sample_data_dir(), leads="MLII")
    result = annotate_record(load_pretrained(), rec.signal, rec.fs)
    s = suggest_review(result, rec.signal, rec.fs, n=6)
    given = dict(zip(s.beat_samples.tolist(), expert(rec, s.beat_samples).tolist(), strict=True))
    out = apply_review(result, rec.signal, rec.fs, given, clusters=s.clusters)
    keep = ~out.reviewed
    before, after = errors(rec, result, keep), errors(rec, out, keep)
    assert after < 0.9 * before


def test_review_sheet_round_trip(annotated, tmp_path):
    rec, result = annotated
    s = suggest_review(result, rec.signal, rec.fs, n=3)
    sheet = write_review_sheet(s, tmp_path / "208.csv", record="208", fs=rec.fs)
    assert read_review_labels(sheet) == {}  # nothing filled in yet
    filled = sheet.read_text().splitlines()
    labels = expert(rec, s.beat_samples)
    filled[1:] = [line + label for line, label in zip(filled[1:], labels, strict=True)]
    sheet.write_text("\n".join(filled) + "\n")
    assert read_review_labels(sheet, record="208") == dict(
        zip(s.beat_samples.tolist(), labels.tolist(), strict=True)
    )
    from_sheet = apply_review(result, rec.signal, rec.fs, sheet, record="208")
    from_dict = apply_review(result, rec.signal, rec.fs, read_review_labels(sheet))
    np.testing.assert_array_equal(from_sheet.beat_labels, from_dict.beat_labels)
    with pytest.raises(ValueError, match="record '208', not '100'"):
        apply_review(result, rec.signal, rec.fs, sheet, record="100")


@pytest.mark.parametrize(
    "labels, message",
    [
        ({"first": "X"}, "unknown label 'X'"),
        ({"first": "A"}, "unknown label 'A'"),
        ({"between": "N"}, "no beat within 50 ms"),
        ({"first": "N", "first+1": "V"}, "name the same beat"),
    ],
)
def test_bad_review_labels_are_named(annotated, labels, message):
    rec, result = annotated
    first = int(result.beat_samples[0])
    between = (first + int(result.beat_samples[1])) // 2
    where = {"first": first, "first+1": first + 1, "between": between}
    with pytest.raises(ValueError, match=message):
        apply_review(result, rec.signal, rec.fs, {where[k]: v for k, v in labels.items()})


def test_bad_sheets_and_results_are_named(annotated, tmp_path):
    rec, result = annotated
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_review_labels(tmp_path / "missing.csv")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a review sheet"):
        read_review_labels(other)
    bad = tmp_path / "bad.csv"
    bad.write_text("record,sample,label\n208,12.5x,N\n")
    with pytest.raises(ValueError, match="no whole number"):
        read_review_labels(bad)
    with pytest.raises(ValueError, match="reach past the signal"):
        suggest_review(result, rec.signal[:, :1000], rec.fs)
    with pytest.raises(ValueError, match="annotate_record result"):
        suggest_review({"beat_samples": result.beat_samples}, rec.signal, rec.fs)
    other = beat_clusters(result, rec.signal, rec.fs, n_clusters=3)
    other.labels = other.labels[:-1]
    with pytest.raises(ValueError, match="this record's clusters"):
        apply_review(result, rec.signal, rec.fs, {}, clusters=other)
    with pytest.raises(ValueError, match="n must be"):
        suggest_review(result, rec.signal, rec.fs, n=-1)


def _fill(sheet, rec):
    """The sheet filled in with the reference labels; ``{sample: label}``."""
    rows = sheet.read_text().splitlines()
    samples = np.array([int(row.split(",")[1]) for row in rows[1:]])
    labels = expert(rec, samples)
    sheet.write_text(
        "\n".join([rows[0]] + [r + lab for r, lab in zip(rows[1:], labels, strict=True)]) + "\n"
    )
    return dict(zip(samples.tolist(), labels.tolist(), strict=True))


def test_cli_review_round_trip(tmp_path, capsys):
    import shutil

    import wfdb

    from ecg_sklearn.cli import main
    from ecg_sklearn.io import AAMI_MAP

    for ext in ("hea", "dat", "atr"):
        shutil.copy(sample_data_dir() / f"213.{ext}", tmp_path)
    record, out = str(tmp_path / "213"), tmp_path / "review"
    assert main(["review", record, "--suggest", "3", "--out-dir", str(out), "--quiet"]) == 0
    sheet = out / "213_review.csv"
    assert sorted(p.name for p in out.glob("*.png")) == [f"213_review_{i}.png" for i in (1, 2, 3)]
    rec = load_record("213", tmp_path, leads="MLII")
    given = _fill(sheet, rec)
    args = ["review", record, "--labels", str(sheet), "--out-dir", str(out), "--quiet"]
    assert main(args) == 0
    back = wfdb.rdann(str(out / "213"), "rev")
    labels = dict(zip(back.sample.tolist(), [AAMI_MAP[s] for s in back.symbol], strict=True))
    assert {s: labels[s] for s in given} == given
    assert "3 reviewed beats" in capsys.readouterr().out

    # Bad sheets: an error naming the problem, and nothing written.
    (out / "213.rev").unlink()
    rows = sheet.read_text().splitlines()
    cases = {
        "unknown label 'X'": rows[:1] + [rows[1].rsplit(",", 1)[0] + ",X"],
        "no beat within 50 ms": rows[:1] + [f"213,{int(rows[1].split(',')[1]) + 40},,,,,N"],
        "not '213'": ["record,sample,label", "100,10,N"],
    }
    for message, lines in cases.items():
        sheet.write_text("\n".join(lines) + "\n")
        assert main(args) == 2
        assert message in capsys.readouterr().err
        assert not (out / "213.rev").exists()


def test_clusters_of_a_signal_read_on_demand_match_the_array(monkeypatch):
    from ecg_sklearn.features import beat_features
    from ecg_sklearn.io import open_record
    from ecg_sklearn.review import _clusters as review

    lazy = open_record(sample_data_dir() / "213", leads="MLII")
    signal = np.asarray(lazy.signal)
    result = annotate_record(load_pretrained(), signal, lazy.fs)
    whole = beat_clusters(result, signal, lazy.fs)
    n_features = beat_features(signal, result.beat_samples, lazy.fs).shape[1]
    np.testing.assert_allclose(
        whole.features[:, :n_features], beat_features(signal, result.beat_samples, lazy.fs)
    )
    monkeypatch.setattr(review, "_PIECE_BEATS", 97)  # several pieces in three minutes
    pieces = beat_clusters(result, lazy.signal, lazy.fs)
    np.testing.assert_array_equal(whole.features, pieces.features)
    np.testing.assert_array_equal(whole.labels, pieces.labels)
