"""Signal processing on continuous ECG: filtering, QRS detection, resampling and signal
quality (flat stretches, leads unlike the training data)."""

from ._filtering import ECGFilter, filter_ecg
from ._polarity import lead_polarity
from ._qrs import detect_qrs
from ._quality import (
    SignalQualityWarning,
    flat_stretches,
    qrs_deflections,
    rhythm_timeline,
    signal_problems,
)
from ._resampling import resample_record

__all__ = [
    "qrs_deflections",
    "ECGFilter",
    "SignalQualityWarning",
    "detect_qrs",
    "filter_ecg",
    "lead_polarity",
    "flat_stretches",
    "resample_record",
    "rhythm_timeline",
    "signal_problems",
]
