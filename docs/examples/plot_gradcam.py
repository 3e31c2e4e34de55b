"""
Where the network looks: Grad-CAM of a beat
===========================================

Grad-CAM highlights the part of a beat that drove the network's decision. Here: the
first ventricular (V) beat of record 233 in the shipped excerpt, explained for the
pretrained model.
"""

# %%
import numpy as np

from ecg_sklearn import GradCAMExplainer, load_pretrained
from ecg_sklearn.io import load_sample

pipe = load_pretrained("mitdb-ds1")
data = load_sample(records=["233"])
beat = int(np.flatnonzero(data.y == "V")[0])
print(
    f"beat {beat}: reference {data.y[beat]}, predicted {pipe.predict(data.X[beat : beat + 1])[0]}"
)

# %%
# The beat (the segmenter's crop, 250 ms before to 400 ms after the R peak) coloured by
# its Grad-CAM importance for the predicted class.
fig, ax = GradCAMExplainer(pipe).plot(data.X, beat, y_true=data.y[beat])
