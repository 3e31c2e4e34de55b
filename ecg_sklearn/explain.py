"""Grad-CAM explanations of the CNN beat classifier, through captum's ``LayerGradCam``."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from .classifier import CNNBeatClassifier

__all__ = ["GradCAMExplainer"]

_ACTIVATIONS = (torch.nn.ReLU, torch.nn.ELU, torch.nn.GELU, torch.nn.LeakyReLU, torch.nn.SiLU)


class GradCAMExplainer:
    """Grad-CAM heatmaps of the beats classified by a fitted pipeline.

    Takes any fitted :class:`~sklearn.pipeline.Pipeline` whose last step is a
    :class:`~ecg_sklearn.CNNBeatClassifier` (or that classifier alone), whatever steps come
    before: ``explain`` takes the same ``X`` as the pipeline.

    Parameters
    ----------
    pipeline : Pipeline or CNNBeatClassifier
        Fitted.
    layer : str or torch.nn.Module, optional
        Layer to explain, by name in ``module_.named_modules()`` or as a module; by
        default the activation (ReLU, ELU, ...) that follows the last ``Conv1d`` of the
        network, or that convolution itself if none follows. The rectified maps
        localise much better: on the synthetic test of ``tests/test_explain.py`` 96% of
        heatmaps peak at the deciding bump, against 55% on the raw convolution output.
    batch_size : int, default=512
        Beats per backward pass.

    Examples
    --------
    >>> explainer = GradCAMExplainer(pipeline)          # doctest: +SKIP
    >>> heatmaps = explainer.explain(X)  # (n_beats, beat_length)  # doctest: +SKIP
    """

    def __init__(self, pipeline, layer=None, batch_size=512):
        self.pipeline = pipeline
        self.layer = layer
        self.batch_size = batch_size

    def _parts(self):
        pipe = self.pipeline
        clf = pipe[-1] if isinstance(pipe, Pipeline) else pipe
        if not isinstance(clf, CNNBeatClassifier):
            raise TypeError(
                "GradCAMExplainer needs a Pipeline whose last step is a CNNBeatClassifier; "
                f"got a last step of type {type(clf).__name__}"
            )
        check_is_fitted(clf, "label_encoder_")
        before = pipe[:-1] if isinstance(pipe, Pipeline) and len(pipe) > 1 else None
        return before, clf

    def _layer(self, module):
        if self.layer is None:
            layers = list(module.modules())
            convs = [i for i, m in enumerate(layers) if isinstance(m, torch.nn.Conv1d)]
            if not convs:
                raise ValueError("The module has no Conv1d layer; pass layer= explicitly")
            # The rectified feature maps of the last convolution, if an activation follows
            # it before any other weighted layer; else the convolution itself.
            for m in layers[convs[-1] + 1 :]:
                if isinstance(m, _ACTIVATIONS):
                    return m
                if isinstance(m, (torch.nn.Conv1d, torch.nn.Linear)):
                    break
            return layers[convs[-1]]
        if isinstance(self.layer, str):
            named = dict(module.named_modules())
            if self.layer not in named:
                raise ValueError(f"No layer named {self.layer!r}; layers are {sorted(named)[:20]}")
            return named[self.layer]
        return self.layer

    def features(self, X):
        """The classifier's input for ``X`` (the output of the steps before it)."""
        before, _ = self._parts()
        out = X if before is None else before.transform(X)
        return np.asarray(out, dtype=np.float32)

    def explain(self, X, target=None):
        """One Grad-CAM heatmap per beat, aligned to the beat's samples.

        Parameters
        ----------
        X : array-like
            What the pipeline's ``predict`` takes.
        target : None, label, or array-like of labels, optional
            Class explained for each beat: the predicted class by default, or a label of
            ``classes_`` (one for all beats, or one per beat).

        Returns
        -------
        heatmaps : ndarray of float32, shape (n_beats, beat_length)
            Non-negative importance (ReLU of Grad-CAM), linearly interpolated from the
            layer's time axis to the beat's ``beat_length`` samples.
        """
        from captum.attr import LayerGradCam  # imported when explaining, not with the package

        _, clf = self._parts()
        feats = self.features(X)
        classes = list(clf.classes_)
        if target is None:
            idx = clf.predict_proba(feats).argmax(axis=1)
        else:
            labels = np.broadcast_to(np.asarray(target, dtype=object), (len(feats),))
            unknown = sorted({str(t) for t in labels} - {str(c) for c in classes})
            if unknown:
                raise ValueError(f"Unknown target label(s) {unknown}; classes are {classes}")
            lookup = {str(c): i for i, c in enumerate(classes)}
            idx = np.array([lookup[str(t)] for t in labels])
        network_rows = feats[:, clf.n_context_features_ :]
        module = clf.module_
        was_training = module.training
        module.eval()
        cam = LayerGradCam(module, self._layer(module))
        out = np.empty((len(feats), clf.beat_length_), dtype=np.float32)
        try:
            for start in range(0, len(feats), self.batch_size):
                rows = network_rows[start : start + self.batch_size]
                x = torch.as_tensor(np.ascontiguousarray(rows), device=clf.device)
                t = torch.as_tensor(idx[start : start + self.batch_size], device=clf.device)
                attr = cam.attribute(x, target=t, relu_attributions=True)  # (b, 1, L')
                attr = F.interpolate(
                    attr, size=clf.beat_length_, mode="linear", align_corners=False
                )
                out[start : start + len(x)] = attr[:, 0].detach().cpu().numpy()
        finally:
            module.train(was_training)
        return out

    def plot(
        self, X, index, *, y_true=None, y_pred=None, target=None, lead=0, fs=None, before=None,
        ax=None,
    ):  # fmt: skip
        """Plot beat ``index`` of ``X`` coloured by its Grad-CAM heatmap.

        The heatmap explains the label the beat was given, and the title says which
        decision that is: ``y_pred`` when given (a decision made after the pipeline,
        such as :func:`~ecg_sklearn.annotate_record`'s record-level steps: "decided"),
        else the pipeline's prediction for the window ("predicted").

        Parameters
        ----------
        X : array-like
            What the pipeline's ``predict`` takes.
        index : int
            The beat (row of ``X``).
        y_true : str, optional
            The reference label, shown in the title.
        y_pred : str, optional
            The label decided for the beat outside the pipeline.
        target : str, optional
            Explain this class instead of the beat's label.
        lead : int, default=0
        fs, before : float, optional
            Default to those of a ``BeatSegmenter`` in the pipeline.
        ax : matplotlib Axes, optional

        Returns
        -------
        fig, ax
        """
        from .plotting import plot_gradcam
        from .segmentation import BeatSegmenter

        before_steps, clf = self._parts()
        seg = next((s for s in (before_steps or []) if isinstance(s, BeatSegmenter)), None)
        fs = fs if fs is not None else (seg.fs if seg is not None else 1.0)
        before = before if before is not None else (seg.before if seg is not None else 0.0)
        Xi = X[index : index + 1]
        feats = self.features(Xi)
        start = clf.n_context_features_ + clf.n_rr_features_ + lead * clf.beat_length_
        beat = feats[0, start : start + clf.beat_length_]
        pred = clf.predict(feats)[0] if y_pred is None else y_pred
        explained = pred if target is None else target
        heat = self.explain(Xi, target=explained)[0]
        return plot_gradcam(
            beat, heat, fs, before=before, true_label=y_true, pred_label=pred,
            pred_by="predicted" if y_pred is None else "decided", explained_label=explained,
            ax=ax,
        )  # fmt: skip
