"""Training helpers of the CNN classifier: a loader that fetches whole batches, class
weights, the validation split (whole patients when groups are given), thread counts."""

from __future__ import annotations

import contextlib
import numbers
import warnings

import numpy as np
import torch
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupShuffleSplit
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, EpochScoring, EpochTimer, PassthroughScoring, PrintLog
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

__all__ = [
    "BatchLoader",
    "best_epochs",
    "default_callbacks",
    "load_module_state",
    "predict_in_batches",
    "class_weights",
    "torch_threads",
    "valid_balanced_accuracy",
    "validation_mask",
    "warn_if_sorted_by_class",
    "warn_smoothing_with_weights",
]


class BatchLoader(DataLoader):
    """A ``DataLoader`` that fetches each mini-batch with one indexing of the dataset.

    PyTorch's default loader indexes the dataset row by row and collates the rows; for
    array data such as beats this per-row work costs more than a small network's forward
    pass. Here the sampler yields whole batches of indices, the dataset is indexed once
    per batch and the result converted to tensors. The batches are the same as those of
    ``DataLoader(dataset, batch_size, shuffle, drop_last)`` (same order for the same
    torch seed), except that a last batch of a single row joins the one before it:
    batch normalisation cannot train on one row.

    Parameters
    ----------
    dataset : torch Dataset
        Indexable with an array of indices (e.g. :class:`skorch.dataset.Dataset`).
    batch_size : int, default=1
    shuffle : bool, default=False
        Draw the rows in a new random order every epoch.
    drop_last : bool, default=False
    generator : torch.Generator, optional
        Random generator of the shuffling (torch's global one by default).
    **kwargs
        Passed to :class:`torch.utils.data.DataLoader` (``num_workers``, ...).
    """

    def __init__(
        self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, **kwargs
    ):
        if shuffle:
            rows = RandomSampler(dataset, generator=generator)
        else:
            rows = SequentialSampler(dataset)
        super().__init__(
            dataset,
            batch_size=None,
            sampler=_NoLoneBatchSampler(rows, batch_size, drop_last),
            generator=generator,
            **kwargs,
        )


class _NoLoneBatchSampler(BatchSampler):
    """``BatchSampler`` whose last batch, where it would hold one row, joins the one
    before it."""

    def _lone_last(self):
        n = len(self.sampler)
        return not self.drop_last and self.batch_size > 1 and n > 1 and n % self.batch_size == 1

    def __iter__(self):
        batches = super().__iter__()
        if not self._lone_last():
            yield from batches
            return
        previous = next(batches)
        for batch in batches:
            if len(batch) == 1:
                batch = previous + batch
            else:
                yield previous
            previous = batch
        yield previous

    def __len__(self):
        return super().__len__() - self._lone_last()


def valid_balanced_accuracy(net, X, y):
    proba = NeuralNet.predict_proba(net, X)  # X may be a skorch Dataset here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class absent from the split
        return balanced_accuracy_score(y, proba.argmax(axis=1))


def warn_smoothing_with_weights(smoothing, weights):
    """Warn when label smoothing's share of the heaviest class outweighs a true label.

    ``torch.nn.CrossEntropyLoss`` weights every class's share of the smoothed target by
    that class's weight; with DS1's balanced weights (Q about 1,000, N 0.2) every beat
    then pulls towards Q, and a fitted network called every beat Q.
    """
    weights = np.asarray(weights, dtype=float)
    share = smoothing / len(weights)
    if smoothing > 0 and share * weights.max() > (1 - smoothing) * weights.min():
        warnings.warn(
            f"criterion__label_smoothing={smoothing:g} with class weights from "
            f"{weights.min():.3g} to {weights.max():.3g}: torch weights each class's "
            "smoothed share by its weight, so every sample pulls towards the heaviest "
            "class and the network may predict it everywhere. Cap the weights "
            "(max_class_weight) or set class_weight=None.",
            UserWarning,
            stacklevel=4,
        )


def warn_if_sorted_by_class(y_encoded):
    """Warn when rows come in one block per class, as a resampler returns them."""
    blocks = 1 + np.count_nonzero(np.diff(y_encoded))
    if blocks == np.unique(y_encoded).size > 1:
        warnings.warn(
            "fit got rows in one block per class (as a resampler returns them) and no "
            "groups: the validation split holds out the last valid_size of each class's "
            "rows, which need not be whole patients. Pass groups, or valid_size=0.",
            UserWarning,
            stacklevel=4,
        )


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` torch threads (None: as they are)."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def class_weights(class_weight, max_class_weight, classes, y_encoded):
    """Per-class loss weights (None without): ``"balanced"``, ``"sqrt"`` of that, or a
    dict by label; capped at ``max_class_weight``."""
    cap = max_class_weight
    if cap is not None and not (isinstance(cap, numbers.Real) and cap > 0):
        raise ValueError(f"max_class_weight must be a positive number or None; got {cap!r}")
    weights = _uncapped_class_weights(class_weight, classes, y_encoded)
    if cap is None or weights is None:
        return weights
    return np.minimum(weights, float(cap))


def _uncapped_class_weights(cw, classes, y_encoded):
    if cw is None:
        return None
    counts = np.bincount(y_encoded, minlength=len(classes)).astype(float)
    if isinstance(cw, dict):
        unknown = sorted(set(cw) - set(classes))
        if unknown:
            raise ValueError(f"class_weight names unknown labels {unknown}")
        return np.array([float(cw.get(c, 1.0)) for c in classes])
    if cw not in ("balanced", "sqrt"):
        raise ValueError(f"class_weight must be 'balanced', 'sqrt', a dict or None; got {cw!r}")
    balanced = counts.sum() / (len(counts) * np.maximum(counts, 1))
    return balanced if cw == "balanced" else np.sqrt(balanced)


def validation_mask(valid_size, y_encoded, groups, seed):
    """Rows held out for early stopping; None for no validation.

    With groups: whole patients, from the first of 20 random grouped splits that
    leaves every class in training (none if no draw does). Without groups: the last
    ``valid_size`` of each class's rows in input order (classes with one row stay in
    training), so every class keeps its share on both sides.
    """
    if not valid_size:
        return None
    if not 0 < valid_size < 1:
        raise ValueError(f"valid_size must be in [0, 1); got {valid_size!r}")
    n = len(y_encoded)
    mask = np.zeros(n, dtype=bool)
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise ValueError(f"groups must have shape ({n},); got {groups.shape}")
        if np.unique(groups).size >= 2:
            return _grouped_mask(valid_size, y_encoded, groups, seed)
    warn_if_sorted_by_class(y_encoded)
    for c in np.unique(y_encoded):
        rows = np.flatnonzero(y_encoded == c)
        n_valid = min(int(round(valid_size * rows.size)), rows.size - 1)
        if n_valid > 0:
            mask[rows[-n_valid:]] = True
    return mask if mask.any() else None


def _grouped_mask(valid_size, y_encoded, groups, seed):
    n_classes = np.unique(y_encoded).size
    split = GroupShuffleSplit(20, test_size=valid_size, random_state=seed)
    for train, valid in split.split(np.zeros(len(y_encoded)), groups=groups):
        if np.unique(y_encoded[train]).size == n_classes:
            mask = np.zeros(len(y_encoded), dtype=bool)
            mask[valid] = True
            return mask
    warnings.warn(
        f"No split of the {np.unique(groups).size} groups into training and "
        f"validation (valid_size={valid_size}) keeps every class in training; "
        "training without validation (no early stopping).",
        UserWarning,
        stacklevel=4,
    )
    return None


def default_callbacks(validate, patience):
    """skorch's callbacks of the classifier: timing and training loss; with ``validate``
    the validation loss and balanced accuracy and, with ``patience``, early stopping that
    restores the best epoch's weights; the epoch table."""
    callbacks = [
        ("epoch_timer", EpochTimer()),
        ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
    ]
    if validate:
        callbacks += [
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("valid_bacc", EpochScoring(valid_balanced_accuracy, name="valid_bacc",
                                        lower_is_better=False)),
        ]  # fmt: skip
        if patience:
            stop = EarlyStopping(monitor="valid_loss", patience=patience, load_best=True)
            callbacks.append(("early_stopping", stop))
    return callbacks + [("print_log", PrintLog())]


def predict_in_batches(module, X, batch_size, nonlinearity, device="cpu") -> np.ndarray:
    """``nonlinearity(module(rows))`` of ``X`` in inference mode, ``batch_size`` rows at a
    time, as a NumPy array (the same values as skorch's ``predict_proba``, faster)."""
    module.eval()
    rows = torch.from_numpy(np.ascontiguousarray(X)).to(device)
    with torch.inference_mode():
        parts = [
            nonlinearity(module(rows[i : i + batch_size])).cpu()
            for i in range(0, len(rows), batch_size)
        ]
    return torch.cat(parts).numpy()


def load_module_state(module, state) -> None:
    """Load a state dict of arrays into ``module`` and put it in eval mode."""
    tensors = {k: torch.from_numpy(np.asarray(v)) for k, v in state.items()}
    try:
        module.load_state_dict(tensors)
    except RuntimeError as exc:
        raise ValueError(f"the stored weights do not fit the network: {exc}") from exc
    module.eval()


def best_epochs(history) -> int:
    """Epochs up to the lowest validation loss of a skorch ``history`` (all without one)."""
    if "valid_loss" not in history[-1]:
        return len(history)
    return int(np.argmin(history[:, "valid_loss"])) + 1
