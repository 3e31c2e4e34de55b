"""ecg_sklearn: scikit-learn compatible heartbeat classification from ECG."""

from ._version import __version__
from .annotate import annotate_record, annotate_records, write_annotations
from .classifier import CNNBeatClassifier
from .explain import GradCAMExplainer
from .pipeline import ChunkedPipeline, default_pipeline
from .segmentation import BeatSegmenter
from .shipped._pretrained import list_pretrained, load_pretrained
from .signal import ECGFilter, detect_qrs, filter_ecg

__all__ = [
    "BeatSegmenter",
    "ChunkedPipeline",
    "CNNBeatClassifier",
    "GradCAMExplainer",
    "ECGFilter",
    "annotate_record",
    "annotate_records",
    "default_pipeline",
    "detect_qrs",
    "filter_ecg",
    "list_pretrained",
    "load_pretrained",
    "write_annotations",
    "__version__",
]
