"""Record-level decisions: rules that read a beat's probabilities together with the rest
of its record (the rhythm, the dominant beat, similar beats, the beats called N around
it) and return probabilities; :class:`RecordDecision`, the steps after the pipeline in
their order; the timing models shipped for them."""

from ._af import AF_THRESHOLD, af_probability, rule_out_sveb_in_af
from ._chain import LoadedBeats, RecordDecision
from ._dominant import rule_out_sveb_unlike_dominant, rule_out_unlike_dominant
from ._loaded import loaded_beat_features, loaded_rule_in_evidence
from ._neighbours import rule_out_veb_like_neighbours
from ._noise import rule_out_sveb_in_noise, rule_out_veb_in_noise
from ._prematurity import (
    record_prematurity_threshold,
    rule_in_premature_sveb,
    rule_out_timely_sveb,
    sinus_prematurity,
)
from ._rhythm import apply_rhythm_context
from ._runs import rule_out_gradual_sveb
from ._self_teach import self_teach
from ._similar import smooth_over_similar_beats
from ._timing import load_af_model, load_rhythm_models
from ._ventricular import rule_in_compensated_veb, rule_out_timely_veb

__all__ = [
    "sinus_prematurity",
    "record_prematurity_threshold",
    "LoadedBeats",
    "RecordDecision",
    "AF_THRESHOLD",
    "af_probability",
    "apply_rhythm_context",
    "load_af_model",
    "load_rhythm_models",
    "loaded_beat_features",
    "loaded_rule_in_evidence",
    "rule_in_compensated_veb",
    "rule_in_premature_sveb",
    "rule_out_gradual_sveb",
    "rule_out_sveb_in_af",
    "rule_out_sveb_in_noise",
    "rule_out_sveb_unlike_dominant",
    "rule_out_timely_sveb",
    "rule_out_timely_veb",
    "rule_out_veb_in_noise",
    "rule_out_veb_like_neighbours",
    "rule_out_unlike_dominant",
    "self_teach",
    "smooth_over_similar_beats",
]
