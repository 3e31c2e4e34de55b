"""The README's quickstarts run as written; the README and CI agree on the test command."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_pretrained_quickstart_runs():
    namespace = {}
    exec(compile(_python_blocks()[0], "README.md", "exec"), namespace)
    result = namespace["result"]
    assert len(result.beat_samples) > 250 and {"N", "V"} <= set(result.beat_labels)


def test_readme_quickstart_runs():
    code = _python_blocks()[1]
    code = code.replace(
        "default_pipeline(fs, random_state=0)",
        "default_pipeline(fs, random_state=0, verbose=0, max_epochs=2)",
    )
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert "balanced_accuracy" in str(namespace["grid"].scoring)
    assert len(namespace["grid"].cv_results_["params"]) == 4


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    test_command = blocks[1].strip()  # the second of the two set-up commands
    assert "pytest" in test_command
    steps = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]
    assert steps[0] == test_command  # the README's test command comes first
    development = readme[readme.index("## Development") :]
    for step in steps[1:]:  # and every later step is listed in the development section
        assert f"`{step}`" in development, step


def test_gallery_order_lists_every_example():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from gallery_order import ORDER
    finally:
        sys.path.remove(str(ROOT / "docs"))
    examples = sorted(p.name for p in (ROOT / "docs" / "examples").glob("plot_*.py"))
    assert sorted(ORDER) == examples
