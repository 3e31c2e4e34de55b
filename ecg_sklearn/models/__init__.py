"""PyTorch modules for beat classification (one file per architecture)."""

from .beat_cnn import BeatCNN

__all__ = ["BeatCNN"]
