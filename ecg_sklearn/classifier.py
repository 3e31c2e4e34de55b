"""The CNN beat classifier: a skorch ``NeuralNetClassifier`` that behaves as a sklearn one."""

from __future__ import annotations

import contextlib
import numbers
import warnings

import numpy as np
import torch
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import EarlyStopping, EpochScoring, EpochTimer, PassthroughScoring, PrintLog
from skorch.dataset import Dataset
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

from .features._rhythm import RR_CONTEXT_FEATURES
from .features._windows import CONTEXT_FEATURES
from .nn import BeatCNN
from .record._dominant import rule_out_unlike_dominant
from .record._rhythm import decide_in_rhythm
from .record._timing import load_rhythm_models
from .segmentation import BeatLayout

__all__ = ["BatchLoader", "CNNBeatClassifier"]


_LOADER_PREFIXES = ("iterator_train__", "iterator_valid__")


class BatchLoader(DataLoader):
    """A ``DataLoader`` that fetches each mini-batch with one indexing of the dataset.

    PyTorch's default loader indexes the dataset row by row and collates the rows; for
    array data such as beats this per-row work costs more than a small network's forward
    pass. Here the sampler yields whole batches of indices, the dataset is indexed once
    per batch and the result converted to tensors. The batches are the same as those of
    ``DataLoader(dataset, batch_size, shuffle, drop_last)`` (same order for the same
    torch seed).

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
            sampler=BatchSampler(rows, batch_size, drop_last),
            generator=generator,
            **kwargs,
        )


def _valid_balanced_accuracy(net, X, y):
    proba = NeuralNet.predict_proba(net, X)  # X may be a skorch Dataset here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class absent from the split
        return balanced_accuracy_score(y, proba.argmax(axis=1))


def _warn_smoothing_with_weights(smoothing, weights):
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


def _warn_if_sorted_by_class(y_encoded):
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
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class CNNBeatClassifier(NeuralNetClassifier):
    """1-D CNN beat classifier (skorch) for the :class:`~ecg_sklearn.BeatSegmenter` output.

    A sklearn classifier: string labels in, string labels out (``classes_``),
    ``predict_proba``, ``random_state``, ``clone``, pickling and ``GridSearchCV`` over
    ``module__*``, ``lr``, ``max_epochs``, ... The module's input size and number of
    classes are inferred from the data at ``fit`` (as braindecode does), and so is the
    split of a row into RR features and leads: :class:`~ecg_sklearn.BeatSegmenter`'s
    output carries it (:class:`~ecg_sklearn.segmentation.BeatLayout`). For a plain array
    (after a resampler, or loaded from disk), set ``n_rr_features`` and ``n_leads``.

    Internal validation (for early stopping) holds out whole patients: pass ``groups``
    (the loaders' record names) to ``fit``; inside a ``Pipeline`` or ``GridSearchCV`` they
    reach it through metadata routing (``set_fit_request(groups=True)``); a grouped split
    that would leave a class out of training is redrawn. Without groups the last
    ``valid_size`` fraction of each class's rows, in input order, is held out: the loaders
    order beats by record, so this holds out the last records' beats of each class, never
    a random split of beats, and no class is lost from training. ``fit`` warns when rows
    arrive in one block per class (as a resampler returns them) without groups.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=BeatCNN
        Built with ``n_outputs``, ``beat_length``, ``n_leads`` and ``n_rr_features`` plus
        any ``module__*`` parameters.
    n_rr_features : int or "auto", default="auto"
        Leading columns of ``X`` holding RR features. ``"auto"`` reads it from the
        segmenter output's layout; an int must agree with that layout when there is one.
    n_leads : int or "auto", default="auto"
        Waveform channels in the rest of a row (``"auto"``: from the layout, as
        ``n_rr_features``).
    rhythm_context : str, Bunch or None, default=None
        Decide each beat in the context of its record's rhythm: timing models (a
        :func:`~ecg_sklearn.record.load_rhythm_models` name, e.g. ``"ltafdb-rhythm"``,
        or the models it returns) read the rhythm-context columns of ``X`` (segmenter
        and windows with ``rr_context=True``): where the rhythm is atrial fibrillation
        or flutter (P above ``af_threshold``) S is ruled out, its probability moving to
        N (no beat in AF is supraventricular ectopic); ``sveb_evidence`` optionally
        also weighs whether the beat is premature for its rhythm
        (:func:`~ecg_sklearn.record.apply_rhythm_context`).
        None: the network alone; context columns, if any, are then unused.
    af_threshold : float or None, default=0.9
        P(AF) above which S is ruled out (with ``rhythm_context``; None: never).
    dominant_threshold : float or None, default=None
        Rule V and F out (their probability moving to the other classes) for beats whose
        QRS correlates above this with their record's dominant beat
        (:func:`~ecg_sklearn.features.dominant_similarity`, a record-context column
        of ``X``): a beat shaped like the patient's usual beat is neither ventricular nor
        fusion. None: never.
    sveb_evidence : {"replace", "combine"} or None, default=None
        How the timing model's P(S | rhythm) enters the S-or-N split (with
        ``rhythm_context``): None leaves the network's split, ``"combine"`` multiplies
        its odds by the timing model's likelihood ratio, ``"replace"`` takes the timing
        model's.
    prior_power : float, default=0.0
        Multiply the probabilities by the training class shares to this power and
        renormalise: with ``class_weight="balanced"`` the network answers as if all
        classes were equally common; 1 brings back the training priors in full, 0 leaves
        the probabilities as they are. ``rhythm_context``, ``af_threshold``,
        ``dominant_threshold``, ``sveb_evidence`` and ``prior_power`` are read at
        prediction: setting them on a fitted classifier changes its decisions without
        refitting.
    class_weight : {"balanced", "sqrt"}, dict or None, default="balanced"
        Weights of the classes in the loss: ``"balanced"`` is ``n / (n_classes * count)``,
        ``"sqrt"`` its square root, a dict maps labels to weights. With
        ``criterion__label_smoothing``, torch weights each class's smoothed share by its
        weight, so very uneven weights pull every sample towards the heaviest class (a
        warning says so at ``fit``).
    max_class_weight : float or None, default=None
        Upper bound on any class's weight. Under ``"balanced"`` the 8 Q beats of DS1
        weigh 1,275 each against 0.22 for an N beat: one Q beat then outweighs the rest
        of its batch, and of the validation loss that early stopping watches.
    valid_size : float, default=0.2
        Fraction of the patients (groups) held out for early stopping; 0 disables it.
    patience : int, default=5
        Epochs without a lower validation loss before training stops (the best epoch's
        weights are restored). 0 disables early stopping.
    refit : bool, default=False
        After early stopping, train a fresh network on all rows (the validation patients
        included) for the number of epochs that early stopping found best.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, batch order, dropout and the validation split.
        Training draws from a fork of torch's global generator: the caller's torch
        random state is the same after ``fit`` as before.
    n_threads : int or None, default=None
        Torch threads during ``fit`` and ``predict`` (None: leave torch's setting). Set 1
        inside parallel grid searches to avoid oversubscribing cores.
    criterion, optimizer, lr, max_epochs, batch_size, callbacks, verbose, device
        As in :class:`skorch.NeuralNetClassifier`. ``verbose=0`` silences the epoch table.
    iterator_train, iterator_valid : class, default=BatchLoader
        Mini-batch loaders (:class:`BatchLoader` indexes the data once per batch, not
        once per row). Training batches are reshuffled every epoch:
        ``iterator_train__shuffle=True`` unless given otherwise (the loaders order beats
        by record, so unshuffled batches would each hold one patient's beats).
        Predictions run in batches of 1024 (``iterator_valid__batch_size=1024`` unless
        given otherwise; batches do not change predictions, as the network has no
        batch-dependent layer in eval mode).
    **kwargs
        Prefixed parameters (``module__*``, ``optimizer__*``, ``iterator_train__*``, ...).

    Attributes
    ----------
    classes_ : ndarray of str
    n_features_in_ : int
    n_context_features_ : int
        Record-context columns at the start of a row (read by ``rhythm_context`` and
        ``dominant_threshold`` only; the network gets the rest).
    n_rr_features_ : int
        RR-feature columns of a row, as fitted.
    n_leads_ : int
        Waveform channels of a row, as fitted.
    beat_length_ : int
        Samples per waveform channel.
    class_weight_ : ndarray of float or None
    class_prior_ : ndarray of float
        Share of each class among the training rows.
    best_epochs_ : int
        Epochs of the best validation loss (all epochs without validation).
    module_ : torch.nn.Module
    history_ : skorch History
    """

    def __init__(
        self,
        module=BeatCNN,
        *,
        n_rr_features="auto",
        n_leads="auto",
        rhythm_context=None,
        af_threshold=0.9,
        dominant_threshold=None,
        sveb_evidence=None,
        prior_power=0.0,
        class_weight="balanced",
        max_class_weight=None,
        valid_size=0.2,
        patience=5,
        refit=False,
        random_state=None,
        n_threads=None,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=20,
        batch_size=256,
        iterator_train=BatchLoader,
        iterator_valid=BatchLoader,
        dataset=Dataset,
        callbacks=None,
        predict_nonlinearity="auto",
        warm_start=False,
        verbose=1,
        device="cpu",
        compile=False,
        use_caching="auto",
        torch_load_kwargs=None,
        **kwargs,
    ):
        kwargs = {"iterator_train__shuffle": True, "iterator_valid__batch_size": 1024, **kwargs}
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            iterator_train=iterator_train,
            iterator_valid=iterator_valid,
            dataset=dataset,
            train_split=None,
            callbacks=callbacks,
            predict_nonlinearity=predict_nonlinearity,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            compile=compile,
            use_caching=use_caching,
            torch_load_kwargs=torch_load_kwargs,
            **kwargs,
        )
        self.n_rr_features = n_rr_features
        self.n_leads = n_leads
        self.rhythm_context = rhythm_context
        self.af_threshold = af_threshold
        self.dominant_threshold = dominant_threshold
        self.sveb_evidence = sveb_evidence
        self.prior_power = prior_power
        self.class_weight = class_weight
        self.max_class_weight = max_class_weight
        self.valid_size = valid_size
        self.patience = patience
        self.refit = refit
        self.random_state = random_state
        self.n_threads = n_threads

    # ------------------------------------------------------------------ skorch hooks
    def _get_param_names(self):
        # skorch lists every attribute set in __init__ (before 1.4 also sklearn's private
        # _metadata_request); train_split and classes are fixed by this class (the
        # validation split is grouped by patient, classes are inferred from y).
        return [
            k
            for k in super()._get_param_names()
            if k not in ("train_split", "classes") and not k.startswith("_")
        ]

    def __sklearn_is_fitted__(self):
        return hasattr(self, "label_encoder_")

    def set_params(self, **params):
        """Set parameters; the loaders' (``iterator_*__``) also on a fitted net."""
        # skorch 1.x raises "Something went wrong" for loader parameters once the net is
        # initialized; loaders are built anew at every fit and predict, so storing the
        # value is all that is needed.
        loader = {k: params.pop(k) for k in list(params) if k.startswith(_LOADER_PREFIXES)}
        if loader and self.initialized_:
            vars(self).update(loader)
        else:
            params.update(loader)
        return super().set_params(**params) if params else self

    @property
    def _default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
        ]
        if self.valid_size and not getattr(self, "_refitting", False):
            callbacks += [
                ("valid_loss", PassthroughScoring(name="valid_loss")),
                (
                    "valid_bacc",
                    EpochScoring(
                        _valid_balanced_accuracy, name="valid_bacc", lower_is_better=False
                    ),
                ),
            ]
            if self.patience:
                callbacks.append(
                    (
                        "early_stopping",
                        EarlyStopping(monitor="valid_loss", patience=self.patience, load_best=True),
                    )
                )
        return [*callbacks, ("print_log", PrintLog())]

    @property
    def classes_(self):
        return self.label_encoder_.classes_

    def initialize_module(self):
        kwargs = {
            "n_outputs": len(self.classes_),
            "beat_length": self.beat_length_,
            "n_leads": self.n_leads_,
            "n_rr_features": self.n_rr_features_,
            **self.get_params_for("module"),
        }
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def initialize_criterion(self):
        kwargs = self.get_params_for("criterion")
        if self.class_weight_ is not None and "weight" not in kwargs:
            kwargs["weight"] = torch.as_tensor(self.class_weight_, dtype=torch.float32)
            _warn_smoothing_with_weights(kwargs.get("label_smoothing", 0.0), self.class_weight_)
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    def get_split_datasets(self, X, y=None, **fit_params):
        mask = getattr(self, "_valid_mask", None)
        if mask is None:
            return self.get_dataset(X, y), None
        return self.get_dataset(X[~mask], y[~mask]), self.get_dataset(X[mask], y[mask])

    # ------------------------------------------------------------------ helpers
    def _fit_layout(self, layout, n_features):
        """``BeatLayout`` of the rows: from ``layout`` (the segmenter's) and the parameters."""
        given = {"n_rr_features": self.n_rr_features, "n_leads": self.n_leads}
        for name, value in given.items():
            if isinstance(value, str) and value == "auto":
                if layout is None:
                    raise ValueError(
                        f"{name}='auto' reads the layout that BeatSegmenter's output carries, "
                        "but X is a plain array (e.g. after a resampler or loaded from disk): "
                        "set n_rr_features and n_leads"
                    )
                given[name] = getattr(layout, name)
            elif not isinstance(value, numbers.Integral) or value < (name == "n_leads"):
                low = 1 if name == "n_leads" else 0
                raise ValueError(f"{name} must be 'auto' or an int >= {low}; got {value!r}")
            elif layout is not None and value != getattr(layout, name):
                raise ValueError(
                    f"{name}={value} but the segmenter's output has {getattr(layout, name)}: "
                    "leave it 'auto'"
                )
        n_rr, n_leads = given["n_rr_features"], given["n_leads"]
        n_context = 0 if layout is None else layout.n_context_features
        n_wave = n_features - n_context - n_rr
        if n_wave < n_leads or n_wave % n_leads:
            raise ValueError(
                f"X has {n_features} features: after {n_context} context and "
                f"n_rr_features={n_rr} RR features, "
                f"{n_wave} remain, which do not split into n_leads={n_leads} leads"
            )
        return BeatLayout(int(n_rr), int(n_leads), n_wave // n_leads, n_context)

    def _set_layout(self, layout):
        """Record the fitted ``layout`` (a ``BeatLayout``) as the fitted attributes."""
        self.n_rr_features_, self.n_leads_, self.beat_length_ = layout[:3]
        self.n_context_features_ = layout.n_context_features

    def _check_predict_layout(self, X):
        layout = getattr(X, "layout", None)
        fitted = BeatLayout(
            self.n_rr_features_, self.n_leads_, self.beat_length_, self.n_context_features_
        )
        if layout is not None and layout != fitted:
            raise ValueError(f"X has rows of {layout}; the classifier was fitted on {fitted}")

    def _rhythm_models(self):
        """The timing models of ``rhythm_context`` (None without), checked."""
        if self.rhythm_context is None:
            return None
        if not self.n_context_features_:
            raise ValueError(
                "rhythm_context needs the rhythm-context columns in X: make the windows "
                "with rr_context=True and give the filter and segmenter rr_context=True"
            )
        if not {"N", "S"} <= {str(c) for c in self.classes_}:
            raise ValueError(f"rhythm_context needs classes 'N' and 'S'; got {list(self.classes_)}")
        if self.sveb_evidence not in (None, "replace", "combine"):
            raise ValueError(
                f"sveb_evidence must be None, 'replace' or 'combine'; got {self.sveb_evidence!r}"
            )
        if isinstance(self.rhythm_context, str):
            return load_rhythm_models(self.rhythm_context)
        return self.rhythm_context

    def _dominant_threshold(self):
        """``dominant_threshold``, checked (None without)."""
        threshold = self.dominant_threshold
        if threshold is None:
            return None
        if not (isinstance(threshold, numbers.Real) and -1 <= threshold <= 1):
            raise ValueError(f"dominant_threshold must be in [-1, 1] or None; got {threshold!r}")
        if self.n_context_features_ < len(CONTEXT_FEATURES):
            raise ValueError(
                "dominant_threshold needs the record-context columns in X (with the dominant "
                "beat's similarity): make the windows with rr_context=True and give the "
                "filter and segmenter rr_context=True"
            )
        return float(threshold)

    def _decide(self, proba, context):
        """The network's probabilities after ``prior_power`` and the record context."""
        if self.prior_power:
            proba = proba * self.class_prior_.astype(proba.dtype) ** self.prior_power
            proba /= proba.sum(axis=1, keepdims=True)
        # Read at prediction, as the other decision parameters.
        models, threshold = self._rhythm_models(), self._dominant_threshold()
        if not len(proba) or (models is None and threshold is None):
            return proba
        dtype, proba = proba.dtype, proba.astype(np.float64)
        if models is not None:
            rhythm = context[:, : len(RR_CONTEXT_FEATURES)]
            unknown = ~(rhythm[:, 0] > 0)  # median RR 0: a record too short for a rhythm
            p_rhythm = {"af": np.full(len(rhythm), np.nan), "sveb": np.full(len(rhythm), np.nan)}
            for part in ("af", "sveb") if self.sveb_evidence else ("af",):
                p = models[part].predict_proba(rhythm)[:, 1]
                p_rhythm[part] = np.where(unknown, np.nan, p)
            proba = decide_in_rhythm(
                proba, np.asarray(self.classes_, dtype=str), p_rhythm["af"], p_rhythm["sveb"],
                models.sveb_prior, af_threshold=self.af_threshold, sveb=self.sveb_evidence,
            )  # fmt: skip
        if threshold is not None:
            proba = rule_out_unlike_dominant(
                proba, self.classes_, context[:, CONTEXT_FEATURES.index("dominant_similarity")],
                threshold,
            )  # fmt: skip
        return proba.astype(dtype)

    def _class_weights(self, y_encoded):
        cap = self.max_class_weight
        if cap is not None and not (isinstance(cap, numbers.Real) and cap > 0):
            raise ValueError(f"max_class_weight must be a positive number or None; got {cap!r}")
        weights = self._uncapped_class_weights(y_encoded)
        if cap is None or weights is None:
            return weights
        return np.minimum(weights, float(cap))

    def _uncapped_class_weights(self, y_encoded):
        cw = self.class_weight
        if cw is None:
            return None
        counts = np.bincount(y_encoded, minlength=len(self.classes_)).astype(float)
        if isinstance(cw, dict):
            unknown = sorted(set(cw) - set(self.classes_))
            if unknown:
                raise ValueError(f"class_weight names unknown labels {unknown}")
            return np.array([float(cw.get(c, 1.0)) for c in self.classes_])
        if cw not in ("balanced", "sqrt"):
            raise ValueError(f"class_weight must be 'balanced', 'sqrt', a dict or None; got {cw!r}")
        balanced = counts.sum() / (len(counts) * np.maximum(counts, 1))
        return balanced if cw == "balanced" else np.sqrt(balanced)

    def _validation_mask(self, y_encoded, groups, seed):
        """Rows held out for early stopping; None for no validation.

        With groups: whole patients, from the first of 20 random grouped splits that
        leaves every class in training (none if no draw does). Without groups: the last
        ``valid_size`` of each class's rows in input order (classes with one row stay in
        training), so every class keeps its share on both sides.
        """
        if not self.valid_size:
            return None
        if not 0 < self.valid_size < 1:
            raise ValueError(f"valid_size must be in [0, 1); got {self.valid_size!r}")
        n = len(y_encoded)
        mask = np.zeros(n, dtype=bool)
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (n,):
                raise ValueError(f"groups must have shape ({n},); got {groups.shape}")
            if np.unique(groups).size >= 2:
                return self._grouped_mask(y_encoded, groups, seed)
        _warn_if_sorted_by_class(y_encoded)
        for c in np.unique(y_encoded):
            rows = np.flatnonzero(y_encoded == c)
            n_valid = min(int(round(self.valid_size * rows.size)), rows.size - 1)
            if n_valid > 0:
                mask[rows[-n_valid:]] = True
        return mask if mask.any() else None

    def _grouped_mask(self, y_encoded, groups, seed):
        n_classes = np.unique(y_encoded).size
        split = GroupShuffleSplit(20, test_size=self.valid_size, random_state=seed)
        for train, valid in split.split(np.zeros(len(y_encoded)), groups=groups):
            if np.unique(y_encoded[train]).size == n_classes:
                mask = np.zeros(len(y_encoded), dtype=bool)
                mask[valid] = True
                return mask
        warnings.warn(
            f"No split of the {np.unique(groups).size} groups into training and "
            f"validation (valid_size={self.valid_size}) keeps every class in training; "
            "training without validation (no early stopping).",
            UserWarning,
            stacklevel=4,
        )
        return None

    # ------------------------------------------------------------------ sklearn API
    def fit(self, X, y, groups=None, **fit_params):
        """Train on beats ``X`` (the segmenter's output) with labels ``y``.

        Parameters
        ----------
        X : BeatFeatures or array-like, shape (n_beats, n_rr_features + n_leads * beat_length)
            The segmenter's output (its layout is read), or a plain array with
            ``n_rr_features`` and ``n_leads`` set.
        y : array-like of str or int, shape (n_beats,)
        groups : array-like, shape (n_beats,), optional
            Patient (record) of each beat, for the grouped validation split.
        **fit_params
            Passed to skorch's ``fit``.
        """
        layout = getattr(X, "layout", None)  # validation returns a plain array
        X, y = validate_data(self, X, y, dtype=np.float32, reset=True)
        check_classification_targets(y)
        self.label_encoder_ = LabelEncoder().fit(y)
        y_encoded = self.label_encoder_.transform(y).astype(np.int64)
        self._set_layout(self._fit_layout(layout, X.shape[1]))
        self.class_prior_ = np.bincount(y_encoded, minlength=len(self.classes_)) / len(y)
        self._rhythm_models()  # checked before training
        self._dominant_threshold()
        X = X[:, self.n_context_features_ :]  # the network's part of each row
        self.class_weight_ = self._class_weights(y_encoded)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self._valid_mask = self._validation_mask(y_encoded, groups, seed)
        # Torch's global generator drives weight initialisation, dropout and shuffling;
        # fork it so that the caller's random stream is left as it was.
        try:
            with torch_threads(self.n_threads), torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                self._train(X, y_encoded, **fit_params)
                self.best_epochs_ = self._best_epochs()
                if self.refit and self._valid_mask is not None:
                    self._refit_all(X, y_encoded, seed, **fit_params)
        finally:
            del self._valid_mask
            self._refitting = False
        return self

    def _train(self, X, y_encoded, epochs=None, **fit_params):
        """skorch's ``fit`` without its detour through ``partial_fit``."""
        if not self.warm_start or not self.initialized_:
            self.initialize()
        self.notify("on_train_begin", X=X, y=y_encoded)
        try:
            self.fit_loop(X, y_encoded, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            pass
        self.notify("on_train_end", X=X, y=y_encoded)

    def _best_epochs(self):
        if "valid_loss" not in self.history[-1]:
            return len(self.history)
        return int(np.argmin(self.history[:, "valid_loss"])) + 1

    def _refit_all(self, X, y_encoded, seed, **fit_params):
        """A fresh network on every row for ``best_epochs_`` epochs (no validation)."""
        self._valid_mask, self._refitting = None, True
        torch.manual_seed(seed)
        self.initialize()
        self._train(X, y_encoded, epochs=self.best_epochs_, **fit_params)

    # Incremental training is not offered (use ``fit`` with ``warm_start=True``);
    # ``available_if`` hides skorch's ``partial_fit`` so that ``hasattr`` is False.
    @available_if(lambda self: False)
    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Not supported: use ``fit`` (with ``warm_start=True`` to continue training)."""

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        The network runs in inference mode on slices of ``X`` (batches of
        ``iterator_valid__batch_size`` rows), without skorch's data loader: the same
        probabilities as skorch's ``predict_proba``, faster.
        """
        check_is_fitted(self, "label_encoder_")
        self._check_predict_layout(X)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        size = self.get_params_for("iterator_valid").get("batch_size", self.batch_size)
        if size in (None, -1):
            size = max(1, len(X))
        nonlinearity = self._get_predict_nonlinearity()
        self.module_.eval()
        context, X = X[:, : self.n_context_features_], X[:, self.n_context_features_ :]
        rows = torch.from_numpy(np.ascontiguousarray(X)).to(self.device)
        with torch_threads(self.n_threads), torch.inference_mode():
            parts = [
                nonlinearity(self.module_(rows[i : i + size])).cpu()
                for i in range(0, len(rows), size)
            ]
        return self._decide(torch.cat(parts).numpy(), context)

    def predict(self, X):
        """Predicted labels (values of ``classes_``)."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]
