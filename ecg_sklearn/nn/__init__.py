"""PyTorch modules for beat classification (one file per architecture)."""

from .augment import BeatAugmentation
from .beat_cnn import BeatCNN

__all__ = ["BeatAugmentation", "BeatCNN"]
