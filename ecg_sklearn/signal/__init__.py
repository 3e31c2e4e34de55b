"""Signal processing on continuous ECG: filtering, QRS detection, resampling and signal
quality (flat stretches, leads unlike the training data)."""

from .filtering import ECGFilter, filter_ecg
from .qrs import detect_qrs
from .quality import SignalQualityWarning, flat_stretches, rhythm_timeline, signal_problems
from .resampling import resample_record

__all__ = [
    "ECGFilter",
    "SignalQualityWarning",
    "detect_qrs",
    "filter_ecg",
    "flat_stretches",
    "resample_record",
    "rhythm_timeline",
    "signal_problems",
]
