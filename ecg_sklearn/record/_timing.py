"""The shipped timing models (fitted on the Long-Term AF Database): the AF model of the
record-level decisions, and the rhythm model of S versus N that the classifier can
weigh (``rhythm_context``)."""

from __future__ import annotations

import functools

from sklearn.utils import Bunch

from .._model_files import shipped_models
from ..features._af import AF_FEATURES
from ..features._rhythm import RR_CONTEXT_FEATURES
from ._trees import ARRAYS as TREE_ARRAYS
from ._trees import BoostedTrees

__all__ = ["load_rhythm_models", "AF_MODELS", "load_af_model"]


#: The rhythm models shipped with the package (one registry: ``SHIPPED_MODELS``).
RHYTHM_MODELS = shipped_models("rhythm")


@functools.lru_cache(maxsize=4)
def load_rhythm_models(name: str = "ltafdb-rhythm", folder=None) -> Bunch:
    """The S-versus-N timing model shipped with the package (or saved with
    ``benchmarks/_fitting.py``).

    Parameters
    ----------
    name : str, default="ltafdb-rhythm"
        One of :data:`RHYTHM_MODELS` (or a name saved in ``folder``).
    folder : path-like, optional
        Where the files are (default: the package's ``data/pretrained``).

    Returns
    -------
    models : Bunch
        ``sveb`` (with ``predict_proba`` on :func:`rr_context_features`) and
        ``sveb_prior``, as ``benchmarks/_fitting.py`` fits them; the same predictions.
    """
    from .._model_files import read_shipped_arrays

    arrays = read_shipped_arrays(name, folder, RHYTHM_MODELS, RR_CONTEXT_FEATURES, "rhythm model")
    sveb = BoostedTrees({k: arrays[f"sveb__{k}"] for k in TREE_ARRAYS})
    return Bunch(sveb=sveb, sveb_prior=float(arrays["sveb_prior"][0]))


#: The AF models shipped with the package (``ecg_sklearn/data/pretrained/NAME.*``).
AF_MODELS = shipped_models("af")


@functools.lru_cache(maxsize=4)
def load_af_model(name: str = "ltafdb-af", folder=None) -> BoostedTrees:
    """An AF model shipped with the package (or saved with ``benchmarks/_fitting.py``).

    Returns
    -------
    model : BoostedTrees
        With ``predict_proba`` on :func:`af_features`.
    """
    from .._model_files import read_shipped_arrays

    arrays = read_shipped_arrays(name, folder, AF_MODELS, AF_FEATURES, "AF model")
    return BoostedTrees({k: arrays[k] for k in TREE_ARRAYS})
