"""PyTorch modules for beat classification (one file per architecture)."""

from ._augment import BeatAugmentation
from ._beat_cnn import BeatCNN

__all__ = ["BeatAugmentation", "BeatCNN"]
