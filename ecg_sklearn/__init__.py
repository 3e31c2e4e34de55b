"""ecg_sklearn: scikit-learn compatible heartbeat classification from ECG."""

__version__ = "0.1.0"

from .annotate import annotate_record, annotate_records, write_annotations  # noqa: E402
from .classifier import CNNBeatClassifier  # noqa: E402
from .explain import GradCAMExplainer  # noqa: E402
from .filtering import ECGFilter, filter_ecg  # noqa: E402
from .pipeline import ChunkedPipeline, default_pipeline  # noqa: E402
from .pretrained import list_pretrained, load_pretrained  # noqa: E402
from .qrs import detect_qrs  # noqa: E402
from .segmentation import BeatSegmenter  # noqa: E402

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
