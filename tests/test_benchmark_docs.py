"""The generated sections of the docs (benchmarks, model selection, models) match their JSON."""

import importlib
import json
import os
import re
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
_common = importlib.import_module("_common")

DOCS = {
    name: path
    for path in (
        _common.BENCHMARKS_MD,
        _common.MODEL_SELECTION_MD,
        _common.NEGATIVE_MD,
        _common.MODELS_MD,
    )
    for name in re.findall(r"<!-- (\S+):start -->", path.read_text())
}
SECTIONS = list(DOCS)
SCRIPTS = {
    name: name
    for name in (
        "qrs",
        "inter_patient",
        "speed",
        "rhythm_context",
        "record_context",
        "pretrained",
        "holter",
        "af_detection",
        "cross_database",
        "review",
        "report",
        "inference",
        "record_speed",
    )
}


def _script(name):
    if name.startswith("tune-"):
        return importlib.import_module("tune")
    if name in ("cross_database_candidates", "cross_database_ds2"):
        return importlib.import_module("cross_database")
    if name == "review_ds2":
        return importlib.import_module("review")
    return importlib.import_module(SCRIPTS[name])


def test_sections_found():
    assert {"qrs", "inter_patient", "speed", "holter"} <= set(SECTIONS)
    assert {"record_context", "pretrained", "af_detection"} <= set(SECTIONS)


@pytest.mark.parametrize("name", SECTIONS)
def test_generated_section_matches_its_json(name):
    path = _common.RESULTS / f"{name}.json"
    assert path.is_file(), f"section {name!r} has no JSON at {path}"
    results = json.loads(path.read_text())
    section = _common.read_section(name, DOCS[name])
    script = _script(name)
    if isinstance(results, list):  # grids run before the JSON held the whole section
        assert "\n".join(script.table(results)) in section
    else:
        assert section == script.markdown(results)


def test_write_section_replaces_only_its_block(tmp_path):
    path = tmp_path / "b.md"
    path.write_text("# B\n\nprose before\n\n<!-- x:start -->\nold\n<!-- x:end -->\nprose after\n")
    _common.write_section("x", "new\n", path)
    assert path.read_text() == (
        "# B\n\nprose before\n\n<!-- x:start -->\nnew\n<!-- x:end -->\nprose after\n"
    )
    assert _common.read_section("x", path) == "new\n"
    _common.write_section("y", "more\n", path)
    assert _common.read_section("y", path) == "more\n"


def test_timing_sections_name_their_machine():
    assert _common.on_machine({"machine": "CPU X, 2 cores, AVX2"}) == "on CPU X, 2 cores, AVX2"
    assert _common.on_machine({}) == "on this 2-core CPU machine"  # runs before it was kept
    assert f"{os.cpu_count()} cores" in _common.machine()
    for name in ("speed", "holter"):
        assert "machine" in _common.read_json(name), f"{name}.json does not name its machine"


def test_shipped_model_cards_match_the_measured_figures():
    pretrained = importlib.import_module("pretrained")
    results = _common.read_json("pretrained")
    for name in results["models"]:
        shipped = json.loads((pretrained.PACKAGE_DIR / f"{name}.card.json").read_text())
        assert shipped == pretrained.card(results, name)
