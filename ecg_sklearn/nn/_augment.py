"""Random beat perturbations applied while training (identity in evaluation mode)."""

from __future__ import annotations

import math

import torch
from torch import nn


class BeatAugmentation(nn.Module):
    """Shift, scale, invert and add noise to each beat of a training batch at random.

    Between patients the R peak is marked a few samples earlier or later (by annotators
    and by detectors) and the ECG amplitude differs with electrode placement and body
    habitus. Training on randomly shifted and scaled copies asks the network not to rely
    on either. Draws use torch's global generator, which
    :class:`~ecg_sklearn.CNNBeatClassifier` seeds from ``random_state``. In evaluation
    mode (``module.eval()``, used by ``predict``) the input passes unchanged.

    Parameters
    ----------
    max_shift : int, default=0
        Each beat moves by a whole number of samples drawn uniformly from
        ``[-max_shift, max_shift]``; the edge samples are repeated to fill the gap.
    max_scale : float, default=1.0
        Each beat is multiplied by ``exp(u)``, ``u`` uniform in
        ``[-log(max_scale), log(max_scale)]``.
    flip : float, default=0.0
        Each beat is inverted (multiplied by -1) with this probability: electrodes
        swapped, or a lead whose QRS points down.
    noise : float, default=0.0
        Gaussian noise is added to each lead of each beat, its standard deviation drawn
        uniformly from ``[0, noise]`` times that lead's own (muscle and electrode noise
        of any level up to ``noise``).
    """

    def __init__(self, max_shift=0, max_scale=1.0, flip=0.0, noise=0.0):
        super().__init__()
        if max_shift < 0 or max_scale < 1 or not 0 <= flip <= 1 or noise < 0:
            raise ValueError(
                "max_shift must be >= 0, max_scale >= 1, flip in [0, 1] and noise >= 0; "
                f"got {max_shift!r}, {max_scale!r}, {flip!r}, {noise!r}"
            )
        self.max_shift = int(max_shift)
        self.max_scale = float(max_scale)
        self.flip = float(flip)
        self.noise = float(noise)

    def forward(self, wave):
        """Perturbed copy of ``wave`` ``(batch, n_leads, n_timepoints)`` when training."""
        if not self.training:
            return wave
        n, n_leads, length = wave.shape
        if self.max_shift:
            shift = torch.randint(-self.max_shift, self.max_shift + 1, (n, 1, 1))
            index = (torch.arange(length).view(1, 1, -1) - shift).clamp(0, length - 1)
            wave = wave.gather(-1, index.expand(n, n_leads, length).to(wave.device))
        if self.max_scale > 1:
            log_scale = math.log(self.max_scale)
            factor = torch.empty(n, 1, 1).uniform_(-log_scale, log_scale).exp()
            wave = wave * factor.to(wave.device)
        if self.flip:
            sign = torch.where(torch.rand(n, 1, 1) < self.flip, -1.0, 1.0)
            wave = wave * sign.to(wave.device, wave.dtype)
        if self.noise:
            level = torch.rand(n, 1, 1) * self.noise
            spread = wave.std(dim=-1, keepdim=True)
            noise = torch.randn(n, n_leads, length) * level
            wave = wave + noise.to(wave.device, wave.dtype) * spread
        return wave
