"""Whole records to labelled beats: detection, windows, the pipeline and the record-level
decisions, streamed a chunk at a time, for one record or many in parallel, written as
WFDB annotation files."""

from ._files import annotate_and_compare, annotate_records, write_annotations
from ._record import annotate_record, pipeline_layout, pipeline_windows

__all__ = [
    "annotate_and_compare",
    "annotate_record",
    "annotate_records",
    "pipeline_layout",
    "pipeline_windows",
    "write_annotations",
]
