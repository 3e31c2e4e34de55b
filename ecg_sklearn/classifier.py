"""The CNN beat classifier: a skorch ``NeuralNetClassifier`` that behaves as a sklearn one."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNetClassifier
from skorch.dataset import Dataset

from .nn import BeatCNN
from .nn._training import (
    BatchLoader,
    best_epochs,
    class_weights,
    default_callbacks,
    load_module_state,
    predict_in_batches,
    torch_threads,
    validation_mask,
    warn_smoothing_with_weights,
)
from .record._window import check_dominant_threshold, check_rhythm_models, decide_in_window
from .segmentation import BeatLayout

__all__ = ["CNNBeatClassifier"]


_LOADER_PREFIXES = ("iterator_train__", "iterator_valid__")


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
        Weigh whether each beat is premature for the rhythm around it: a timing model
        (a :func:`~ecg_sklearn.record.load_rhythm_models` name, e.g.
        ``"ltafdb-rhythm"``, or the models it returns) reads the rhythm-context columns
        of ``X`` (segmenter and windows with ``rr_context=True``) and gives P(S | rhythm),
        which enters the S-or-N split as ``sveb_evidence`` says
        (:func:`~ecg_sklearn.record.apply_rhythm_context`). None (with
        ``sveb_evidence=None``): the network's split.
    dominant_threshold : float or None, default=None
        Rule V and F out (their probability moving to the other classes) for beats whose
        QRS correlates above this with their record's dominant beat
        (:func:`~ecg_sklearn.features.dominant_similarity`, a record-context column
        of ``X``): a beat shaped like the patient's usual beat is neither ventricular nor
        fusion. None: never.
    sveb_evidence : {"replace", "combine"} or None, default=None
        How the timing model's P(S | rhythm) enters the S-or-N split (given together
        with ``rhythm_context``): ``"combine"`` multiplies the network's odds by the
        timing model's likelihood ratio, ``"replace"`` takes the timing model's.
    prior_power : float, default=0.0
        Multiply the probabilities by the training class shares to this power and
        renormalise: with ``class_weight="balanced"`` the network answers as if all
        classes were equally common; 1 brings back the training priors in full, 0 leaves
        the probabilities as they are. ``rhythm_context``,
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
        self, module=BeatCNN, *, n_rr_features="auto", n_leads="auto", rhythm_context=None,
        dominant_threshold=None, sveb_evidence=None, prior_power=0.0,
        class_weight="balanced", max_class_weight=None, valid_size=0.2, patience=5,
        refit=False, random_state=None, n_threads=None, criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW, lr=1e-3, max_epochs=20, batch_size=256,
        iterator_train=BatchLoader, iterator_valid=BatchLoader, dataset=Dataset,
        callbacks=None, predict_nonlinearity="auto", warm_start=False, verbose=1,
        device="cpu", compile=False, use_caching="auto", torch_load_kwargs=None, **kwargs,
    ):  # fmt: skip
        kwargs = {"iterator_train__shuffle": True, "iterator_valid__batch_size": 1024, **kwargs}
        super().__init__(
            module, criterion=criterion, optimizer=optimizer, lr=lr, max_epochs=max_epochs,
            batch_size=batch_size, iterator_train=iterator_train,
            iterator_valid=iterator_valid, dataset=dataset, train_split=None,
            callbacks=callbacks, predict_nonlinearity=predict_nonlinearity,
            warm_start=warm_start, verbose=verbose, device=device, compile=compile,
            use_caching=use_caching, torch_load_kwargs=torch_load_kwargs, **kwargs,
        )  # fmt: skip
        self.n_rr_features = n_rr_features
        self.n_leads = n_leads
        self.rhythm_context = rhythm_context
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
        # Not train_split and classes (fixed here: grouped split, classes from y), nor
        # private attributes (skorch before 1.4 lists sklearn's _metadata_request).
        names = super()._get_param_names()
        return [k for k in names if k not in ("train_split", "classes") and not k[0] == "_"]

    def __sklearn_is_fitted__(self):
        return hasattr(self, "label_encoder_")

    def set_params(self, **params):
        """Set parameters; the loaders' (``iterator_*__``) also on a fitted net."""
        # skorch 1.x refuses loader parameters once initialized; loaders are built anew
        # at every fit and predict, so storing the value is enough.
        loader = {k: params.pop(k) for k in list(params) if k.startswith(_LOADER_PREFIXES)}
        if loader and self.initialized_:
            vars(self).update(loader)
        else:
            params.update(loader)
        return super().set_params(**params) if params else self

    @property
    def _default_callbacks(self):
        validate = bool(self.valid_size) and not getattr(self, "_refitting", False)
        return default_callbacks(validate, self.patience)

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
            warn_smoothing_with_weights(kwargs.get("label_smoothing", 0.0), self.class_weight_)
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
        return BeatLayout.of_rows(layout, n_features, self.n_rr_features, self.n_leads)

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
        """The timing model of ``rhythm_context`` (None without), checked."""
        return check_rhythm_models(
            self.rhythm_context, self.n_context_features_, self.classes_, self.sveb_evidence
        )

    def _decide(self, proba, context):
        """The network's probabilities after ``prior_power`` and the window's context."""
        return decide_in_window(
            proba, self.classes_, context, class_prior=self.class_prior_,
            prior_power=self.prior_power, rhythm_models=self._rhythm_models(),
            sveb_evidence=self.sveb_evidence, dominant_threshold=self._dominant_threshold(),
        )  # fmt: skip

    def _dominant_threshold(self):
        """``dominant_threshold``, checked (None without)."""
        return check_dominant_threshold(self.dominant_threshold, self.n_context_features_)

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
        self.class_weight_ = class_weights(
            self.class_weight, self.max_class_weight, self.classes_, y_encoded
        )
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self._valid_mask = validation_mask(self.valid_size, y_encoded, groups, seed)
        # Torch's global generator drives weight initialisation, dropout and shuffling;
        # fork it so that the caller's random stream is left as it was.
        try:
            with torch_threads(self.n_threads), torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                self._train(X, y_encoded, **fit_params)
                self.best_epochs_ = best_epochs(self.history)
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

    def _refit_all(self, X, y_encoded, seed, **fit_params):
        """A fresh network on every row for ``best_epochs_`` epochs (no validation)."""
        self._valid_mask, self._refitting = None, True
        torch.manual_seed(seed)
        self.initialize()
        self._train(X, y_encoded, epochs=self.best_epochs_, **fit_params)

    def restore(self, layout, classes, module_state, *, class_weight=None, class_prior=None):
        """Set the fitted state from stored arrays, as :func:`ecg_sklearn.persistence.load_model`
        does: the row ``layout`` (a ``BeatLayout``), the ``classes``, the network's
        ``module_state`` (name to array) and the class weights and prior of the fit.

        Returns
        -------
        self
        """
        self.n_features_in_ = layout.n_features
        self.label_encoder_ = LabelEncoder().fit(classes)
        self._set_layout(self._fit_layout(layout, layout.n_features))
        self.class_weight_ = None if class_weight is None else np.asarray(class_weight, float)
        if class_prior is None and self.prior_power:
            raise ValueError("the stored model lacks class_prior, which prior_power needs")
        self.class_prior_ = None if class_prior is None else np.asarray(class_prior, float)
        self._rhythm_models()  # checked
        with torch.random.fork_rng(devices=[]):  # initialisation draws from torch's RNG
            self.initialize()
        load_module_state(self.module_, module_state)
        return self

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
        context, X = X[:, : self.n_context_features_], X[:, self.n_context_features_ :]
        with torch_threads(self.n_threads):
            proba = predict_in_batches(
                self.module_, X, size, self._get_predict_nonlinearity(), self.device
            )
        return self._decide(proba, context)

    def predict(self, X):
        """Predicted labels (values of ``classes_``)."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]
