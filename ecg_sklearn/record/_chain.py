"""The record-level decisions after the pipeline, in one order, for any source of beats.

The pipeline decides each beat from its window, whose record-context channel already
carries what can be known of the record per beat (the rhythm around it, its likeness
to the dominant beat): ``Pipeline.predict`` is that per-beat decision. The steps here
read other beats' outputs (the probabilities of the beat's similar beats, the rhythm of
the beats called N around it), so they cannot be part of a per-row ``predict``; they
run on the probabilities of whole records. :class:`RecordDecision` defines them once;
:func:`~ecg_sklearn.annotate.annotate_record` applies it to the beats it detects, and
:meth:`RecordDecision.predict_proba` to the loaders' windows.
"""

from __future__ import annotations

import numpy as np

from ._af import rule_out_sveb_in_af
from ._dominant import SVEB_UNLIKE, rule_out_sveb_unlike_dominant
from ._loaded import (
    loaded_af_probability,
    loaded_beat_features,
    loaded_qrs_segments,
    loaded_rule_in_evidence,
)
from ._neighbours import VEB_LIKE_NEIGHBOURS, rule_out_veb_like_neighbours
from ._noise import rule_out_sveb_in_noise, rule_out_veb_in_noise
from ._prematurity import rule_in_premature_sveb, rule_out_timely_sveb
from ._rules import check_correlation, check_threshold
from ._runs import rule_out_gradual_sveb
from ._self_teach import self_teach
from ._similar import smooth_over_similar_beats
from ._ventricular import (
    VEB_PREMATURITY_THRESHOLD,
    rule_in_compensated_veb,
    rule_out_timely_veb,
)

__all__ = ["LoadedBeats", "RecordDecision", "SVEB_PREMATURITY"]

#: The default S prematurity rule: the record's own threshold.
SVEB_PREMATURITY = "record"


class RecordDecision:
    """The record-level decisions, in order, after a pipeline's probabilities.

    1. ``af_rule_out``: beats in atrial fibrillation or flutter (probability above
       :data:`~ecg_sklearn.record.AF_THRESHOLD`, from the rhythm and the beats like the
       dominant one) are not S (:func:`~ecg_sklearn.record.rule_out_sveb_in_af`);
    2. ``similar_beats``: each beat's probabilities averaged with those of the 10 most
       similar beats of its record (:func:`~ecg_sklearn.record.smooth_over_similar_beats`);
       with ``af_rule_out``, beats in AF are then ruled out of S again (their similar
       beats outside AF may carry S);
    3. ``sveb_prematurity``: beats called S that are not premature against the beats
       called N around them become N (:func:`~ecg_sklearn.record.rule_out_timely_sveb`);
       ``"record"``: premature for that record, by the spread of its N beats' intervals;
    4. ``sveb_gradual``: runs of beats called S that start and end gradually, a change of
       sinus rate (with wider margins below 100 beats a minute), become N
       (:func:`~ecg_sklearn.record.rule_out_gradual_sveb`);
    5. ``sveb_noise``: beats called S where the detections come at random (noise taken
       for beats) become Q (:func:`~ecg_sklearn.record.rule_out_sveb_in_noise`);
    6. ``veb_prematurity``: beats called V without confidence, on time and without a
       pause after them, become N (:func:`~ecg_sklearn.record.rule_out_timely_veb`);
    7. ``veb_compensated``: premature beats followed by a full compensatory pause, with a
       plausible V probability, become V
       (:func:`~ecg_sklearn.record.rule_in_compensated_veb`);
    8. ``sveb_rule_in``: premature beats called N with the usual QRS and another P wave,
       outside atrial fibrillation, become S
       (:func:`~ecg_sklearn.record.rule_in_premature_sveb`);
    9. ``self_teach``: the record teaches itself: its calls of probability at least 0.8
       label the beats like them (shape, timing and probabilities) where their nearest
       5 agree at 4 of 5, under the record's rules for S
       (:func:`~ecg_sklearn.record.self_teach`);
    10. last, after the teaching (so that these beats teach nothing): ``sveb_unlike``,
        beats called S whose QRS correlates below it with the record's dominant beat
        become N (:func:`~ecg_sklearn.record.rule_out_sveb_unlike_dominant`);
        ``veb_like_neighbours``, beats called V with P(V) below 0.8 whose QRS
        correlates above it with the median QRS of the 4 beats called N on either side
        become N (:func:`~ecg_sklearn.record.rule_out_veb_like_neighbours`);
        ``veb_noise``, beats called V where the detections come at random become Q
        (:func:`~ecg_sklearn.record.rule_out_veb_in_noise`).

    Parameters
    ----------
    af_rule_out : bool, default=True
    similar_beats : bool, default=True
    sveb_prematurity : float, "record" or None, default="record"
        None: skip step 3.
    sveb_gradual : bool, default=True
    sveb_noise : bool, default=True
    veb_prematurity : float or None, default=0.95
        None: skip step 6.
    veb_compensated : bool, default=True
    sveb_rule_in : float or None, default=None
        None: skip step 8.
    sveb_unlike : float or None, default=0.5
        In [-1, 1]; None: no such rule in step 10.
    self_teach : bool, default=True
    veb_like_neighbours : float or None, default=0.97
        In [-1, 1]; None: no such rule in step 10.
    veb_noise : bool, default=True

    Examples
    --------
    >>> from ecg_sklearn import load_pretrained
    >>> from ecg_sklearn.io import load_sample, sample_data_dir
    >>> from ecg_sklearn.record import LoadedBeats, RecordDecision
    >>> data = load_sample(["100"], verbose=0)
    >>> pipe = load_pretrained()
    >>> proba = RecordDecision().predict_proba(pipe, data.X, LoadedBeats(data, sample_data_dir()))
    >>> proba.shape
    (223, 5)
    """

    def __init__(self, *, af_rule_out=True, similar_beats=True, sveb_prematurity=SVEB_PREMATURITY,
                 sveb_gradual=True, sveb_noise=True, veb_prematurity=VEB_PREMATURITY_THRESHOLD,
                 veb_compensated=True, sveb_rule_in=None, sveb_unlike=SVEB_UNLIKE,
                 self_teach=True, veb_like_neighbours=VEB_LIKE_NEIGHBOURS,
                 veb_noise=True):  # fmt: skip
        self.af_rule_out = af_rule_out
        self.similar_beats = similar_beats
        self.sveb_prematurity = sveb_prematurity
        self.sveb_gradual = sveb_gradual
        self.sveb_noise = sveb_noise
        self.veb_prematurity = veb_prematurity
        self.veb_compensated = veb_compensated
        self.sveb_rule_in = sveb_rule_in
        self.sveb_unlike = sveb_unlike
        self.self_teach = self_teach
        self.veb_like_neighbours = veb_like_neighbours
        self.veb_noise = veb_noise

    def check(self) -> RecordDecision:
        """Raise a ``ValueError`` naming a parameter out of range; return ``self``."""
        for name in (
            "af_rule_out",
            "similar_beats",
            "sveb_gradual",
            "sveb_noise",
            "veb_compensated",
            "self_teach",
            "veb_noise",
        ):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise ValueError(f"{name} must be True or False; got {getattr(self, name)!r}")
        for name in ("sveb_prematurity", "veb_prematurity", "sveb_rule_in"):
            if getattr(self, name) is not None:
                check_threshold(getattr(self, name), name, record=name == "sveb_prematurity")
        check_correlation(self.sveb_unlike, "sveb_unlike", optional=True)
        check_correlation(self.veb_like_neighbours, "veb_like_neighbours", optional=True)
        return self

    @property
    def needs_rule_in_evidence(self) -> bool:
        """Whether the steps read the P waves (``rule_in_evidence()["p_wave_similarity"]``)."""
        return self.sveb_rule_in is not None

    def decide(self, proba, classes, beats) -> np.ndarray:
        """The probabilities after the record-level steps.

        Parameters
        ----------
        proba : ndarray, shape (n_beats, n_classes)
            The pipeline's probabilities of every beat of the records, in order within
            each record (changed in place by the rules).
        classes : array-like, shape (n_classes,)
        beats : LoadedBeats or similar
            Where the beats are and what the steps read of them: ``samples`` (positions,
            increasing within each record), ``fs``, ``groups`` (record of each beat, or
            None for one record), ``af_probability()`` (a value per beat),
            ``smooth_over_similar_beats(proba)``, ``rule_in_evidence()``,
            ``qrs_similarity()`` (its ``"qrs_similarity"``), ``beat_features(rows)``
            (:func:`~ecg_sklearn.features.beat_features` of the beats at the indices
            ``rows``) and ``qrs_segments(rows)`` (their QRS segments, as
            :func:`~ecg_sklearn.record.rule_out_veb_like_neighbours` reads them).

        Returns
        -------
        proba : ndarray, shape (n_beats, n_classes)
        """
        return self.teach_and_rule_out(self.apply_rules(proba, classes, beats), classes, beats)[0]

    def apply_rules(self, proba, classes, beats) -> np.ndarray:
        """The probabilities after steps 1 to 8."""
        self.check()
        if self.af_rule_out:
            proba = rule_out_sveb_in_af(proba, classes, beats.af_probability())
        if self.similar_beats:
            proba = beats.smooth_over_similar_beats(proba)
            if self.af_rule_out:
                proba = rule_out_sveb_in_af(proba, classes, beats.af_probability())
        if self.sveb_prematurity is not None:
            proba = rule_out_timely_sveb(
                proba, classes, beats.samples, groups=beats.groups,
                threshold=self.sveb_prematurity,
            )  # fmt: skip
        if self.sveb_gradual:
            proba = rule_out_gradual_sveb(
                proba, classes, beats.samples, fs=beats.fs, groups=beats.groups
            )
        if self.sveb_noise:
            proba = rule_out_sveb_in_noise(
                proba, classes, beats.samples, beats.fs, groups=beats.groups
            )
        if self.veb_prematurity is not None:
            proba = rule_out_timely_veb(
                proba, classes, beats.samples, groups=beats.groups,
                threshold=self.veb_prematurity,
            )  # fmt: skip
        if self.veb_compensated:
            proba = rule_in_compensated_veb(proba, classes, beats.samples, groups=beats.groups)
        if self.sveb_rule_in is not None:
            proba = rule_in_premature_sveb(
                proba, classes, beats.samples, beats.fs, beats.rule_in_evidence(),
                groups=beats.groups, threshold=self.sveb_rule_in,
            )  # fmt: skip
        return proba

    def teach_and_rule_out(self, proba, classes, beats) -> tuple[np.ndarray, np.ndarray]:
        """Steps 9 and 10 after :meth:`apply_rules`: the decided probabilities, and those
        the record had before it taught itself, with step 10 too (the same array
        without ``self_teach``)."""
        untaught = self.rule_out_last(proba.copy() if self.self_teach else proba, classes, beats)
        if not self.self_teach:
            return untaught, untaught
        return self.rule_out_last(self.teach(proba, classes, beats), classes, beats), untaught

    def rule_out_last(self, proba, classes, beats) -> np.ndarray:
        """Step 10 (``proba`` changed in place)."""
        proba = self.rule_out_unlike(proba, classes, beats)
        if self.veb_like_neighbours is not None:
            proba = rule_out_veb_like_neighbours(
                proba, classes, beats.samples, beats.qrs_segments, groups=beats.groups,
                threshold=self.veb_like_neighbours,
            )  # fmt: skip
        if self.veb_noise:
            proba = rule_out_veb_in_noise(
                proba, classes, beats.samples, beats.fs, groups=beats.groups
            )
        return proba

    def rule_out_unlike(self, proba, classes, beats) -> np.ndarray:
        """S ruled out for beats unlike the dominant one (``proba`` changed in place; as
        it is without ``sveb_unlike``, or with fewer than 3 beats, too few for a
        dominant beat)."""
        if self.sveb_unlike is None or len(beats.samples) < 3:
            return proba
        similarity = beats.qrs_similarity()
        return rule_out_sveb_unlike_dominant(proba, classes, similarity, self.sveb_unlike)

    def teach(self, proba, classes, beats) -> np.ndarray:
        """Step 9, the record teaching itself (:func:`~ecg_sklearn.record.self_teach`):
        new probabilities."""
        return self_teach(
            proba, classes, beats.samples, beats.beat_features,
            p_af=beats.af_probability(), fs=beats.fs, groups=beats.groups,
        )  # fmt: skip

    def predict_proba(self, pipeline, X, beats) -> np.ndarray:
        """``pipeline.predict_proba(X)``, then :meth:`decide`."""
        return self.decide(pipeline.predict_proba(X), pipeline.classes_, beats)

    def predict(self, pipeline, X, beats) -> np.ndarray:
        """The labels :meth:`predict_proba` decides."""
        return np.asarray(pipeline.classes_)[self.predict_proba(pipeline, X, beats).argmax(1)]

    def __repr__(self):
        return (
            f"RecordDecision(af_rule_out={self.af_rule_out!r}, "
            f"similar_beats={self.similar_beats!r}, "
            f"sveb_prematurity={self.sveb_prematurity!r}, sveb_gradual={self.sveb_gradual!r}, "
            f"sveb_noise={self.sveb_noise!r}, "
            f"veb_prematurity={self.veb_prematurity!r}, "
            f"veb_compensated={self.veb_compensated!r}, sveb_rule_in={self.sveb_rule_in!r}, "
            f"sveb_unlike={self.sveb_unlike!r}, self_teach={self.self_teach!r}, "
            f"veb_like_neighbours={self.veb_like_neighbours!r}, veb_noise={self.veb_noise!r})"
        )


class LoadedBeats:
    """The beats of a loader's output as :class:`RecordDecision` reads them.

    The probability of AF, the similar-beat features and the P-wave evidence are
    computed from the records' signals, read again from ``data_dir``, on first use,
    and kept.

    Parameters
    ----------
    data : Bunch
        Output of :func:`~ecg_sklearn.io.load_mitdb`, ``load_wfdb`` or ``load_sample``.
    data_dir : path-like
        The folder it was loaded from (:func:`~ecg_sklearn.io.sample_data_dir` for
        ``load_sample``).
    """

    def __init__(self, data, data_dir):
        self.data = data
        self.data_dir = data_dir
        self.samples = np.asarray(data.samples)
        self.groups = np.asarray(data.groups)
        self.fs = float(data.fs)
        self._p_af = self._features = self._evidence = self._qrs = None

    def qrs_segments(self, rows) -> np.ndarray:
        return loaded_qrs_segments(self.data, self.data_dir, rows)

    def af_probability(self) -> np.ndarray:
        if self._p_af is None:
            self._p_af = loaded_af_probability(self.data, self.data_dir)
        return self._p_af

    def beat_features(self, rows=slice(None)) -> np.ndarray:
        if self._features is None:
            self._features = loaded_beat_features(self.data, self.data_dir)
        return self._features[rows]

    def smooth_over_similar_beats(self, proba) -> np.ndarray:
        return smooth_over_similar_beats(proba, self.beat_features(), groups=self.groups)

    def rule_in_evidence(self):
        if self._evidence is None:
            self._evidence = loaded_rule_in_evidence(self.data, self.data_dir)
            self._evidence["p_af"] = self.af_probability()  # read, not computed again
        return self._evidence

    def qrs_similarity(self) -> np.ndarray:
        if self._evidence is not None:
            return self._evidence["qrs_similarity"]
        if self._qrs is None:
            evidence = loaded_rule_in_evidence(self.data, self.data_dir, p_wave=False)
            self._qrs = evidence["qrs_similarity"]
        return self._qrs
