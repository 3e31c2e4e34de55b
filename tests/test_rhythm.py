import numpy as np
import pytest

from ecg_sklearn.rhythm import exclude_sveb_in_af, nn_irregularity

FS = 360.0
CLASSES = np.array(["F", "N", "Q", "S", "V"])


def beats_from_rr(rr):
    return np.round(np.concatenate([[0.5], 0.5 + np.cumsum(rr)]) * FS).astype(np.int64)


def sinus_with_premature_beats(n=300, seed=0):
    """About 1 s RR; every 4th beat premature (0.6 s) then a pause (1.4 s), labelled S."""
    rr = 1.0 + 0.01 * np.random.default_rng(seed).standard_normal(n - 1)
    labels = np.full(n, "N")
    for i in range(4, n - 1, 4):
        rr[i - 1], rr[i] = 0.6, 1.4
        labels[i] = "S"
    return beats_from_rr(rr), labels


def fibrillation(n=300, seed=1):
    rr = np.random.default_rng(seed).uniform(0.45, 1.15, n - 1)
    return beats_from_rr(rr), np.full(n, "N")


def test_alternating_intervals_give_their_relative_change():
    samples = beats_from_rr(np.tile([1.0, 1.2], 50))
    irregularity = nn_irregularity(samples, np.full(samples.size, "N"), FS)
    # every change is 0.2 s; the median of equally many 1.0 and 1.2 s intervals is 1.1 s
    np.testing.assert_allclose(irregularity, 0.2 / 1.1, atol=2 / FS)


def test_premature_beats_do_not_count_but_fibrillation_does():
    samples, labels = sinus_with_premature_beats()
    regular = nn_irregularity(samples, labels, FS)
    assert np.nanmax(regular) < 0.05
    # the same rhythm with its premature beats called N looks irregular
    assert np.median(nn_irregularity(samples, np.full(labels.size, "N"), FS)) > 0.1
    samples, labels = fibrillation()
    assert np.min(nn_irregularity(samples, labels, FS)) > 0.1


def test_irregularity_is_local():
    (a, la), (b, lb) = sinus_with_premature_beats(), fibrillation()
    samples = np.concatenate([a, a[-1] + FS + b])
    irregularity = nn_irregularity(samples, np.concatenate([la, lb]), FS)
    assert np.all(irregularity[: a.size - 40] < 0.05)
    assert np.all(irregularity[a.size + 40 :] > 0.1)


def test_no_normal_triplets_gives_nan():
    samples = beats_from_rr(np.tile([0.6, 1.4], 20))
    labels = np.tile(["N", "S"], 21)[: samples.size]  # bigeminy: no N-N-N
    assert np.all(np.isnan(nn_irregularity(samples, labels, FS)))


def test_nn_irregularity_errors():
    samples, labels = fibrillation(20)
    with pytest.raises(ValueError, match="strictly increasing"):
        nn_irregularity(samples[::-1], labels, FS)
    with pytest.raises(ValueError, match="same length"):
        nn_irregularity(samples, labels[:-1], FS)
    with pytest.raises(ValueError, match="fs"):
        nn_irregularity(samples, labels, 0)
    with pytest.raises(ValueError, match="n_neighbours"):
        nn_irregularity(samples, labels, FS, n_neighbours=0)


def one_hot(labels, p=0.8):
    proba = np.full((labels.size, CLASSES.size), (1 - p) / (CLASSES.size - 1))
    proba[np.arange(labels.size), np.searchsorted(CLASSES, labels)] = p
    return proba


def test_exclude_sveb_in_af_only_changes_s_in_irregular_rhythm():
    (a, la), (b, lb) = sinus_with_premature_beats(), fibrillation()
    lb = lb.copy()
    lb[5::7] = "S"  # beats a classifier might call S in fibrillation
    samples = np.concatenate([a, b])  # two records, each from sample 0
    labels = np.concatenate([la, lb])
    groups = np.repeat(["r1", "r2"], [a.size, b.size])
    proba = one_hot(labels)
    ruled, irregular = exclude_sveb_in_af(proba, CLASSES, samples, FS, groups=groups)
    assert not irregular[: a.size].any() and irregular[a.size :].all()
    np.testing.assert_array_equal(ruled[: a.size], proba[: a.size])
    after = CLASSES[ruled.argmax(axis=1)]
    assert np.array_equal(after[: a.size], la) and np.all(after[a.size :] == "N")
    np.testing.assert_allclose(ruled.sum(axis=1), 1.0)
    assert np.all(ruled[a.size :, 3] == 0)
    # without groups the two records run into each other: positions must increase
    with pytest.raises(ValueError, match="strictly increasing"):
        exclude_sveb_in_af(proba, CLASSES, samples, FS)


def test_exclude_sveb_in_af_keeps_other_classes():
    samples, labels = fibrillation()
    labels = labels.copy()
    labels[10::9] = "V"
    ruled, irregular = exclude_sveb_in_af(one_hot(labels), CLASSES, samples, FS)
    assert irregular.all()
    np.testing.assert_array_equal(CLASSES[ruled.argmax(axis=1)], labels)


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(proba=np.zeros((3, 5))), "proba must be"),
        (dict(proba=np.full((300, 5), np.nan)), "NaN"),
        (dict(classes=np.array(["F", "N", "Q", "X", "V"])), "must include 'S'"),
        (dict(threshold=0), "threshold"),
        (dict(groups=np.zeros(3)), "groups"),
    ],
)
def test_exclude_sveb_in_af_errors(change, match):
    samples, labels = fibrillation()
    kwargs = dict(proba=one_hot(labels), classes=CLASSES, beat_samples=samples, fs=FS)
    with pytest.raises(ValueError, match=match):
        exclude_sveb_in_af(**{**kwargs, **change})
