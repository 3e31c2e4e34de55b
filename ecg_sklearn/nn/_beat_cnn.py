"""The default 1-D CNN for segmented beats plus RR-interval features."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._augment import BeatAugmentation


class BeatCNN(nn.Module):
    """1-D CNN over the beat waveform, joined with the RR-interval features.

    Input rows are the :class:`~ecg_sklearn.BeatSegmenter`'s output: ``n_rr_features``
    RR features, then ``n_leads`` cropped leads of ``beat_length`` samples each.

    * Waveform: each lead has its mean removed (``center``) and is batch-normalised;
      ``n_blocks`` blocks of (convolution, batch norm, ReLU, max-pool by 2) extract
      features, flattened (so the position of a wave within the beat is kept) and
      embedded in ``hidden`` units.
    * RR features: their logarithms (intervals and ratios are positive) are
      batch-normalised and embedded in 16 units of their own, so that the few RR
      features are not drowned among the many waveform ones.
    * A linear layer classifies the joined embeddings.

    Parameters
    ----------
    n_outputs : int
        Number of classes.
    beat_length : int
        Samples per lead.
    n_leads : int, default=1
    n_rr_features : int, default=8
        Leading columns holding RR features (0 for none).
    n_filters : int, default=32
        Channels of every convolution.
    kernel_size : int, default=7
    n_blocks : int, default=3
    hidden : int, default=64
        Units of the fully connected layer.
    dropout : float, default=0.3
    center : bool, default=True
        Remove each lead's mean (baseline offset) before the network.
    downsample : int, default=1
        Average each run of ``downsample`` samples before the convolutions. A beat
        band-limited to 45 Hz and sampled at 360 Hz keeps its content at 2 (180 Hz),
        which halves the network's cost.
    max_shift : int, default=0
        Training only: shift each beat by up to this many samples at random (see
        :class:`~ecg_sklearn.nn.BeatAugmentation`).
    max_scale : float, default=1.0
        Training only: scale each beat's amplitude by a random factor between
        ``1 / max_scale`` and ``max_scale``.
    flip : float, default=0.0
        Training only: invert each beat with this probability.
    noise : float, default=0.0
        Training only: add Gaussian noise of up to this fraction of each beat's
        standard deviation.
    normalize : bool or "gain", default=False
        ``"gain"``: divide each lead by the peak-to-peak amplitude of its reference
        channel; True: also turn it so that the reference's main deflection points up.
        The second half of the channels are the references of the first half: the mean
        of the window's other beats, as the segmenter's ``neighbours=True`` writes
        (``default_pipeline``). The network then reads the beat's shape relative to the
        patient's neighbouring beats, whatever the lead's gain (and polarity).
    """

    def __init__(
        self,
        n_outputs,
        beat_length,
        n_leads=1,
        n_rr_features=8,
        n_filters=32,
        kernel_size=7,
        n_blocks=3,
        hidden=64,
        dropout=0.3,
        center=True,
        downsample=1,
        max_shift=0,
        max_scale=1.0,
        flip=0.0,
        normalize=False,
        noise=0.0,
    ):
        super().__init__()
        if normalize not in (False, True, "gain"):
            raise ValueError(f"normalize must be False, True or 'gain'; got {normalize!r}")
        if normalize and n_leads % 2:
            raise ValueError(
                f"normalize needs a reference channel per lead (an even n_leads); got {n_leads}"
            )
        self.normalize = normalize
        self.n_leads = n_leads
        self.beat_length = beat_length
        self.n_rr_features = n_rr_features
        self.center = center
        self.augment = (
            BeatAugmentation(max_shift, max_scale, flip, noise)
            if max_shift or max_scale != 1 or flip or noise
            else None
        )
        self.pool_input = nn.AvgPool1d(downsample, ceil_mode=True) if downsample > 1 else None
        layers, channels, length = [], n_leads, math.ceil(beat_length / downsample)
        for _ in range(n_blocks):
            layers += [
                nn.Conv1d(channels, n_filters, kernel_size, padding=kernel_size // 2),
                nn.BatchNorm1d(n_filters),
                nn.ReLU(),
                nn.MaxPool1d(2, ceil_mode=True),
            ]
            channels, length = n_filters, math.ceil(length / 2)
        self.input_norm = nn.BatchNorm1d(n_leads)
        self.features = nn.Sequential(*layers)
        self.wave_embedding = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(channels * length, hidden), nn.ReLU()
        )
        rr_units = 16 if n_rr_features else 0
        self.rr_embedding = (
            nn.Sequential(
                nn.BatchNorm1d(n_rr_features), nn.Linear(n_rr_features, rr_units), nn.ReLU()
            )
            if n_rr_features
            else None
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden + rr_units, n_outputs))

    def forward(self, x):
        """Logits of ``x`` ``(batch, n_rr_features + n_leads * beat_length)``."""
        rr, wave = x[:, : self.n_rr_features], x[:, self.n_rr_features :]
        wave = wave.reshape(len(x), self.n_leads, self.beat_length)
        if self.augment is not None:
            wave = self.augment(wave)
        if self.center:
            wave = wave - wave.mean(dim=-1, keepdim=True)
        if self.normalize:
            wave = _relative_to_reference(wave, signed=self.normalize is True)
        # Without gradients (prediction), the pooling runs as slices of the same
        # arithmetic: the same values, in a third less time.
        inference = not torch.is_grad_enabled()
        if self.pool_input is not None:
            size = self.pool_input.kernel_size[0]
            wave = _average_runs(wave, size) if inference else self.pool_input(wave)
        wave = self.input_norm(wave)
        wave = self._features_inference(wave) if inference else self.features(wave)
        z = self.wave_embedding(wave.flatten(1))
        if self.rr_embedding is not None:
            z = torch.cat([z, self.rr_embedding(torch.log(rr.clamp_min(1e-3)))], dim=1)
        return self.head(z)

    def _features_inference(self, wave):
        """``self.features(wave)``, each block's ReLU after its max-pool (they commute)."""
        layers = list(self.features)
        for conv, norm, _, _ in zip(*[iter(layers)] * 4, strict=True):
            wave = torch.relu_(_max_of_pairs(norm(conv(wave))))
        return wave


def _average_runs(x, size):
    """``AvgPool1d(size, ceil_mode=True)(x)``: means of runs of ``size`` samples, the
    last run possibly shorter."""
    n = x.shape[-1] // size
    out = x[..., 0 : n * size : size]
    for k in range(1, size):
        out = out + x[..., k : n * size : size]
    out = out / size
    if x.shape[-1] > n * size:
        out = torch.cat([out, x[..., n * size :].mean(-1, keepdim=True)], -1)
    return out


def _max_of_pairs(x):
    """``MaxPool1d(2, ceil_mode=True)(x)``."""
    n = x.shape[-1] // 2
    out = torch.maximum(x[..., 0 : 2 * n : 2], x[..., 1 : 2 * n : 2])
    return torch.cat([out, x[..., 2 * n :]], -1) if x.shape[-1] % 2 else out


def _relative_to_reference(wave, signed=True):
    """Each lead (first half of the channels) and its reference (second half) divided by
    the reference's largest deflection, signed so that it is positive (``signed``), or
    by its peak-to-peak amplitude."""
    half = wave.shape[1] // 2
    reference = wave[:, half:] - wave[:, half:].mean(dim=-1, keepdim=True)
    if signed:
        peak = reference.gather(-1, reference.abs().argmax(dim=-1, keepdim=True))
    else:
        peak = reference.amax(dim=-1, keepdim=True) - reference.amin(dim=-1, keepdim=True)
    scale = torch.where(peak.abs() > 1e-6, peak, torch.ones_like(peak))
    return wave / scale.repeat(1, 2, 1)
