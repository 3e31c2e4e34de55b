"""
Annotate a record with the pretrained model
===========================================

Detect and classify every beat of a record with the shipped pretrained pipeline, compare
with the reference annotations beat by beat, and look at a strip of ECG with both labels.
"""

# %%
# Load the pretrained pipeline (the default pipeline trained on MIT-BIH DS1) and a record
# of the shipped excerpt that it never saw (record 233 is in DS2).
from ecg_sklearn import load_pretrained
from ecg_sklearn.annotate import annotate_and_compare
from ecg_sklearn.io import load_record, sample_data_dir
from ecg_sklearn.metrics import format_report, pooled_report
from ecg_sklearn.plotting import plot_annotated_strip

pipe = load_pretrained("mitdb-ds1")
record = load_record("233", sample_data_dir(), leads="MLII")

# %%
# Annotate it end to end (QRS detection, windows, classification) and score it against
# the reference labels, missed and extra beats counted as errors (bxb).
result, comparison = annotate_and_compare(pipe, record)
print(format_report(pooled_report([comparison])["bxb"]))

# %%
# Ten seconds of the record: reference labels above, predicted labels below, errors red.
fig, ax = plot_annotated_strip(
    record.signal[0], record.fs, record.beat_samples, record.beat_labels,
    result.beat_samples, result.beat_labels, start=56.0, duration=10.0,
)  # fmt: skip
fig.tight_layout()
