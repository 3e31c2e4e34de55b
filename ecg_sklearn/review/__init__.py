"""Expert review: a few reviewed beats per record correct the rest.

A cardiac technician reviewing a Holter analysis does not read 100,000 beats: the
record's beats are grouped into clusters of alike beats, one beat per cluster is shown,
and a label given to it is given to the beats like it. :func:`beat_clusters` groups an
annotated record's beats without labels, by QRS shape, P wave and timing
(:func:`ecg_sklearn.features.beat_features`) and by the classifier's call;
:func:`suggest_review` picks the beats whose label an expert should confirm (the
clusters whose call is least certain first, each stated with the number of beats it
stands for); :func:`apply_review` takes the expert's labels and decides the record
again: the reviewed beats keep their label, the beats of their cluster follow it, and
the record's uncertain beats take the label of their nearest confidently labelled
beats (a nearest-neighbour classifier of the record's own).
"""

from ._apply import apply_review
from ._clusters import N_CLUSTERS, beat_clusters, suggest_review
from ._sheets import read_review_labels, write_review_sheet

__all__ = [
    "N_CLUSTERS",
    "beat_clusters",
    "suggest_review",
    "apply_review",
    "read_review_labels",
    "write_review_sheet",
]
