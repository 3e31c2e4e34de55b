"""What is computed for each beat from unlabelled signal and beat positions: the beat
windows and their record-context channel, the rhythm around each beat, the likeness to
the record's dominant beat and P wave, the features that find similar beats and those
of atrial fibrillation."""

from ._af import af_features
from ._dominant import dominant_similarity, p_wave_similarity
from ._rhythm import rr_context_features
from ._rr_intervals import RHYTHM_FEATURES, RR_FEATURES, rr_features
from ._similar import beat_features
from ._windows import average_rr, make_beat_windows, record_context, rhythm_context

__all__ = [
    "RHYTHM_FEATURES",
    "RR_FEATURES",
    "rr_features",
    "rhythm_context",
    "af_features",
    "average_rr",
    "beat_features",
    "dominant_similarity",
    "make_beat_windows",
    "p_wave_similarity",
    "record_context",
    "rr_context_features",
]
