"""
Train and evaluate a pipeline inter-patient
===========================================

Train the default pipeline on some patients and test it on others, never the same
patient on both sides, and report what matters for arrhythmia: sensitivity (Se) and
positive predictivity (+P) of the S and V classes, not accuracy. The shipped excerpt
holds three minutes of four DS1 records and four DS2 records of MIT-BIH, so this is the
inter-patient protocol of de Chazal et al. (2004) in miniature; the full benchmark is on
the Benchmarks page.
"""

# %%
# Load the beat windows of the excerpt: ``X`` is ``(n_beats, n_channels, n_timepoints)``,
# ``groups`` the record (patient) of each beat.
import numpy as np

from ecg_sklearn import default_pipeline
from ecg_sklearn.io import DS1, load_sample
from ecg_sklearn.metrics import classification_report_ec57, format_report
from ecg_sklearn.plotting import plot_confusion_matrix

data = load_sample()
train = np.isin(data.groups, DS1)
for name, rows in [("training", train), ("test", ~train)]:
    labels, counts = np.unique(data.y[rows], return_counts=True)
    print(
        f"{name}: records {', '.join(sorted(set(data.groups[rows].tolist())))}; "
        + ", ".join(f"{n} {c}" for c, n in zip(labels.tolist(), counts.tolist(), strict=True))
    )

# %%
# Fit the default pipeline (filter, segmenter, CNN) on the DS1 records. ``groups``
# keeps whole patients together if early stopping holds some out.
pipe = default_pipeline(data.fs, random_state=0, verbose=0)
pipe.fit(data.X[train], data.y[train], cnn__groups=data.groups[train])

# %%
# Evaluate on the DS2 records with the EC57 figures. Predicting N for every beat would
# score the accuracy printed last, and an S and V sensitivity of zero.
y_pred = pipe.predict(data.X[~train])  # annotate_record adds the record-level decisions
report = classification_report_ec57(data.y[~train], y_pred)
print(format_report(report))
print(f"accuracy of calling every beat N: {np.mean(data.y[~train] == 'N'):.3f}")

# %%
# The confusion matrix (rows: reference, columns: prediction). Four training patients
# of three minutes each show the network few ways an S beat can look (most of the test
# S beats are record 232's); trained on all 22 DS1 records, and with the record-level
# decisions of ``annotate_record``, it reaches the figures on the Benchmarks page.
fig, ax = plot_confusion_matrix(report)
