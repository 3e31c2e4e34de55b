"""The declared dependency bounds are the ones CI tests (constraints-min.txt)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lower_bounds():
    tomllib = pytest.importorskip("tomllib")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    bounds = {}
    for dep in deps:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)(,<[0-9.]+)?", dep)
        assert match, f"dependency {dep!r} has no plain lower bound"
        bounds[match[1].lower()] = match[2]
    return bounds


def _pins(name):
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            package, version = line.split("==")
            pins[package.lower()] = version
    return pins


def test_minimum_constraints_pin_every_lower_bound():
    bounds, pins = _lower_bounds(), _pins("constraints-min.txt")
    assert set(pins) == set(bounds)
    for package, bound in bounds.items():
        if package == "torch":  # only the local CPU wheel installs here (see the file)
            assert pins["torch"] == _pins("constraints.txt")["torch"]
            continue
        # The pin is the bound itself, or its latest patch release (x.y -> x.y.z).
        assert pins[package] == bound or pins[package].startswith(bound + "."), package


def test_ci_tests_the_minimum_versions():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "-c constraints-min.txt" in ci and "pytest" in ci.split("-c constraints-min.txt")[1]


def test_importing_the_package_leaves_captum_and_matplotlib_unloaded():
    import subprocess
    import sys

    code = "import sys, ecg_sklearn; print(sorted({'captum', 'matplotlib'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
